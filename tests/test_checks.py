"""utils.checks: every kind passes the right answer, hints on wrong ones, logs for the grader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from utils import checks
from utils.checks import Result, check, graded
from utils.errors import CourseError

FIXTURE_SPECS = Path(__file__).parent / "fixtures" / "classroom" / "exercises"

BANK = {"notebook": "97", "exercises": [
    {"id": "97.bytes", "title": "Bytes", "points": 2, "kind": "number", "answer": 2600, "abs_tol": 0,
     "hints": {"low": "Too few bytes.", "high": "Too many bytes."}},
    {"id": "97.ratio", "title": "Ratio", "points": 1, "kind": "number", "answer": 0.25, "rel_tol": 0.01},
    {"id": "97.where", "title": "Where", "points": 1, "kind": "choice", "answer": "Edge",
     "hints": {"cloud": "No uplink, no cloud.", "wrong": "Pick cloud or edge."}},
    {"id": "97.scales", "title": "Scales", "points": 1, "kind": "array", "answer": [[0.5, 0.25]], "abs_tol": 1e-6},
    {"id": "97.double", "title": "Double", "points": 3, "kind": "function",
     "cases": [{"args": [2], "expect": 4}, {"args": [-1], "expect": -2, "hint": "Negative numbers double too."}]},
]}


@pytest.fixture()
def bank(tmp_path, monkeypatch):
    """A spec folder of our own, selected through COURSE_EXERCISES_DIR."""
    (tmp_path / "97.json").write_text(json.dumps(BANK), encoding="utf-8")
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(tmp_path))
    monkeypatch.delenv("COURSE_CHECK_LOG", raising=False)
    return tmp_path


def test_number_passes_and_hints_low_high(bank):
    ok = check("97.bytes", 2600)
    assert ok and ok.points == 2 and ok.max_points == 2
    low, high = check("97.bytes", 2599), check("97.bytes", 2601)
    assert not low and low.message == "Too few bytes." and low.points == 0
    assert high.message == "Too many bytes."
    assert check("97.bytes", np.int64(2600))  # NumPy scalars are numbers too


def test_number_hint_never_reveals_the_answer(bank):
    for wrong in (1, 2000, 9999, "2600", [2600], float("nan")):
        assert "2600" not in check("97.bytes", wrong).message


def test_number_says_units_when_only_the_scale_is_wrong(bank):
    assert "units" in check("97.bytes", 2.6).message  # kB instead of bytes
    assert "units" in check("97.bytes", 2600 * 8).message  # bits instead of bytes
    assert "units" in check("97.ratio", 25).message  # percent instead of a fraction
    assert "units" not in check("97.bytes", 2000).message


def test_number_rejects_non_numbers_with_a_hint(bank):
    assert "Expected a number" in check("97.bytes", "2600").message
    assert "Expected a number" in check("97.bytes", True).message
    assert "one number" in check("97.bytes", np.array([1.0, 2.0])).message
    assert "NaN" in check("97.bytes", float("nan")).message
    assert "No answer yet" in check("97.bytes", None).message
    assert "No answer yet" in check("97.bytes", ...).message


def test_relative_tolerance(bank):
    assert check("97.ratio", 0.2524)
    assert not check("97.ratio", 0.26)


def test_choice_is_case_insensitive_and_has_per_option_hints(bank):
    assert check("97.where", "  edge ")
    assert check("97.where", "cloud").message == "No uplink, no cloud."
    assert check("97.where", "fog").message == "Pick cloud or edge."


def test_array_shape_and_values(bank):
    assert check("97.scales", np.array([[0.5, 0.25]]))
    assert "shape" in check("97.scales", [0.5, 0.25]).message
    assert check("97.scales", [[0.5, 0.3]]).message == "Right shape, wrong values."
    assert "array of numbers" in check("97.scales", [["a", "b"]]).message


def test_function_cases_hints_and_learner_bugs(bank):
    assert check("97.double", lambda x: 2 * x).points == 3
    assert check("97.double", lambda x: abs(2 * x)).message == "Negative numbers double too."
    assert "without calling it" in check("97.double", 4).message

    def todo(x):
        raise NotImplementedError()

    assert "NotImplementedError" in check("97.double", todo).message
    crash = check("97.double", lambda x: 1 / 0)
    assert not crash and "ZeroDivisionError" in crash.message and "[2]" in crash.message


def test_result_shows_pass_or_not_yet():
    r = Result("97.x", True, "Correct.", 1.0, 1.0)
    assert repr(r) == "PASS 97.x: Correct." and "&#10004;" in r._repr_html_()
    r = Result("97.x", False, "Too low.", 0.0, 1.0)
    assert repr(r) == "NOT YET 97.x: Too low." and not r
    assert Result("97.x", True, "ok", 1.0).max_points == 0.0  # the four-field form still works


@pytest.mark.parametrize("ident, message", [
    ("97.nope", "No exercise '97.nope'; this notebook has: 97.bytes"),
    ("nodot", "should look like '05.dense-params'"),
    (42, "should look like '05.dense-params'"),
    ("96.x", "No exercise file 96.json"),
])
def test_unknown_exercise_is_one_sentence(bank, ident, message):
    with pytest.raises(CourseError, match=message.replace("(", r"\(").replace(".", r"\.")) as err:
        check(ident, 1)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("broken, message", [
    ({"id": "97.a", "kind": "number", "title": "A", "points": 1}, "a number exercise needs 'answer' or 'formula' or 'sealed'"),
    ({"id": "97.a", "kind": "number", "answer": 1, "title": "A"}, "missing field 'points'"),
    ({"id": "97.a", "kind": "guess", "title": "A", "points": 1}, "kind 'guess' is not one of"),
    ({"id": "97.a", "kind": "number", "answer": 1, "title": "A", "points": -1}, "points must be a number, 0 or more, got -1."),
    ({"id": "97.a", "kind": "function", "cases": [], "title": "A", "points": 1}, "'cases' must be a non-empty"),
    ({"id": "97.a", "kind": "validator", "validator": "x.y", "title": "A", "points": 1}, "kind 'validator' is not one of"),
    ({"id": "98.a", "kind": "number", "answer": 1, "title": "A", "points": 1}, "should start with '97.'"),
    ("not a dict", "must be a JSON object"),
])
def test_malformed_specs_name_file_and_problem(bank, broken, message):
    (bank / "97.json").write_text(json.dumps({"exercises": [broken]}))
    with pytest.raises(CourseError, match=message):
        check("97.a", 1)


def test_bad_json_and_duplicates(bank):
    (bank / "97.json").write_text('{"exercises": [\n{"id": }]}')
    with pytest.raises(CourseError, match=r"97.json is not valid JSON \(line 2\)"):
        check("97.bytes", 1)
    item = BANK["exercises"][0]
    (bank / "97.json").write_text(json.dumps({"exercises": [item, item]}) + "  ")
    with pytest.raises(CourseError, match="appears twice"):
        check("97.bytes", 1)


def test_log_lines_for_the_grader(bank, tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("COURSE_CHECK_LOG", str(log))
    check("97.bytes", 2600)
    check("97.where", "cloud")
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["exercise"], e["passed"], e["points"], e["max_points"]) for e in entries] == [
        ("97.bytes", True, 2.0, 2.0), ("97.where", False, 0.0, 1.0)]
    assert entries[1]["message"] == "No uplink, no cloud." and entries[0]["source"] == "check"


def test_graded_awards_points_or_logs_the_failure_and_carries_on(bank, tmp_path, monkeypatch, capsys):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("COURSE_CHECK_LOG", str(log))
    with graded("97.hidden-a", points=2):
        assert 1 + 1 == 2
    with graded("97.hidden-b", points=1):
        assert 1 + 1 == 3, "arithmetic"
    with graded("97.hidden-c", points=1):
        raise NotImplementedError()
    with graded("97.hidden-d", points=1):
        undefined_name  # noqa: B018, F821
    with graded("97.bytes"):  # points from the spec
        pass
    entries = {e["exercise"]: e for e in map(json.loads, log.read_text().splitlines())}
    assert entries["97.hidden-a"]["points"] == 2 and entries["97.hidden-a"]["source"] == "graded"
    assert entries["97.hidden-b"]["message"] == "A hidden test failed: arithmetic"
    assert "Not attempted" in entries["97.hidden-c"]["message"]
    assert "NameError" in entries["97.hidden-d"]["message"]
    assert entries["97.bytes"]["max_points"] == 2 and entries["97.bytes"]["passed"]
    assert "NOT YET 97.hidden-b" in capsys.readouterr().out


def test_graded_rejects_bad_points(bank):
    with pytest.raises(CourseError, match=r"The points of graded\(.*\) must be a number, 0 or more"):
        with graded("97.x", points=-1):
            pass
    with pytest.raises(CourseError, match="No exercise '97.x'"):
        with graded("97.x"):
            pass


def test_fixture_specs_are_valid(monkeypatch):
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(FIXTURE_SPECS))
    assert set(checks.load_bank("90")) == {"90.model-bytes", "90.signed-range", "90.where-to-run"}
    assert check("90.signed-range", lambda b: (-(2 ** (b - 1)), 2 ** (b - 1) - 1))


def test_course_exercise_specs_are_valid(monkeypatch):
    """Every data/exercises/NN.json the lessons ship loads without a schema error."""
    monkeypatch.delenv("COURSE_EXERCISES_DIR", raising=False)
    folder = Path(__file__).resolve().parents[1] / "data" / "exercises"
    for path in sorted(folder.glob("*.json")):
        assert checks.load_bank(path.stem), f"{path.name} has no exercises"


def test_strict_mode_raises_the_hint_for_nbgrader(bank, monkeypatch):
    monkeypatch.setenv("COURSE_CHECK_STRICT", "1")
    assert check("97.bytes", 2600)  # a pass still returns the Result
    with pytest.raises(AssertionError, match="97.bytes: Too few bytes."):
        check("97.bytes", 1)
    with pytest.raises(AssertionError, match="97.hidden: A hidden test failed: nope"):
        with graded("97.hidden", points=1):
            raise AssertionError("nope")
