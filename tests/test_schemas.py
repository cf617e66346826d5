"""The JSON Schemas of data/schemas: valid schemas, every data file follows its own, and a broken file is one sentence."""

import json
from pathlib import Path

import jsonschema
import pytest

from utils import schemas
from utils.errors import CourseError

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = {
    "quiz_bank": sorted((DATA / "quizzes").glob("[0-9][0-9].json")),
    "exercise_spec": sorted((DATA / "exercises").glob("[0-9][0-9].json")),
    "scenarios": [DATA / "scenarios.json"],
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_schema_is_a_valid_draft_2020_12_schema(name):
    schema = json.loads((DATA / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert FILES[name], f"no data file is checked against {name}"


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, ps in FILES.items() for p in ps],
                         ids=lambda x: x.name if isinstance(x, Path) else x)
def test_every_data_file_follows_its_schema(name, path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert schemas.check(doc, name, path.name) is doc


def _refused(doc, name, source="x.json") -> str:
    with pytest.raises(CourseError) as err:
        schemas.check(doc, name, source)
    text = str(err.value)
    assert "\n" not in text and text.endswith(".")
    return text


def test_a_broken_exercise_names_the_file_the_exercise_and_the_field():
    doc = json.loads((DATA / "exercises" / "00.json").read_text(encoding="utf-8"))
    first = doc["exercises"][0]
    broken = {**doc, "exercises": [{**first, "points": 0}, *doc["exercises"][1:]]}
    assert _refused(broken, "exercise_spec", "00.json") == (
        f"00.json, exercise {first['id']!r}, field 'points': must be a number above 0.")
    missing = {**doc, "exercises": [{k: v for k, v in first.items() if k != "kind"}]}
    assert _refused(missing, "exercise_spec", "00.json") == f"00.json, exercise {first['id']!r}, field 'kind': is missing."


def test_the_exercise_schema_lets_the_format_grow():
    doc = json.loads((DATA / "exercises" / "00.json").read_text(encoding="utf-8"))
    grown = {**doc, "version": 2, "exercises": [{**e, "new_field": [1, 2]} for e in doc["exercises"]]}
    assert schemas.check(grown, "exercise_spec", "00.json") is grown


def test_a_broken_scenario_card_names_the_card_and_the_field():
    doc = json.loads((DATA / "scenarios.json").read_text(encoding="utf-8"))
    first = doc["scenarios"][0]
    broken = {**doc, "scenarios": [{**first, "verdicts": {"edge": ["great", "why"]}}]}
    assert _refused(broken, "scenarios", "scenarios.json").startswith(
        f"scenarios.json, scenario {first['id']!r}, field 'verdicts.edge")
    assert _refused([], "scenarios", "scenarios.json") == "scenarios.json: must be a JSON object."


def test_no_schema_uses_format_so_the_uri_checker_can_stay_unimported():
    """utils.schemas keeps jsonschema's slow optional URI checker out; that is safe only without "format"."""
    import json
    from pathlib import Path

    def keys(node):
        if isinstance(node, dict):
            for k, v in node.items():
                yield k
                yield from keys(v)
        elif isinstance(node, list):
            for v in node:
                yield from keys(v)

    folder = Path(__file__).resolve().parents[1] / "data" / "schemas"
    files = sorted(folder.glob("*.schema.json"))
    assert len(files) >= 3
    for f in files:
        assert "format" not in set(keys(json.loads(f.read_text(encoding="utf-8")))), f.name
