"""tools/student.py: solutions and hidden tests gone (nbgrader's way), everything else identical."""

from __future__ import annotations

import copy
import json
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import student  # noqa: E402
from tools.student import (  # noqa: E402
    CODE_STUB,
    EditionError,
    hidden_lines,
    solution_lines,
    source_text,
    student_edition,
)

FIXTURES = ROOT / "tests" / "fixtures" / "classroom" / "source"
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def secret_lines(nb: dict) -> tuple[list[str], str]:
    """Solution and hidden-test lines, and the source text that lies outside those regions."""
    secrets, public = [], []
    for cell in nb["cells"]:
        text = source_text(cell)
        secrets += [ln.strip() for ln in solution_lines(text) + hidden_lines(text) if ln.strip()]
        public.append(student.remove_hidden(student.replace_solutions(text, "")))
    return secrets, "\n".join(public)


def all_text(nb: dict) -> str:
    """Everything a student can read in a notebook file: sources, outputs and metadata."""
    return json.dumps(nb, ensure_ascii=False).replace("\\n", "\n").replace('\\"', '"')


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.ipynb")),
                         ids=lambda p: p.name)
def test_no_solution_or_hidden_line_survives(path):
    nb = load(path)
    secrets, public = secret_lines(nb)
    assert secrets, "the fixture must have solutions to hide"
    assert all(s not in public for s in secrets), "fixture solution lines must be distinctive for this test"
    text = all_text(student_edition(nb, path.name))
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"solution text in the student edition: {leaked}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lessons_student_edition_hides_every_distinctive_solution_line(path):
    """For the real lessons: a solution line that appears nowhere else in the lesson never reaches students."""
    nb = load(path)
    secrets, public = secret_lines(nb)
    text = all_text(student_edition(nb, path.name))
    leaked = [s for s in secrets if s not in public and s in text]
    assert not leaked, f"{path.name}: solution text in the student edition: {leaked}"


def test_stub_follows_nbgrader_exactly():
    nb = load(FIXTURES / "90_classroom_fixture.ipynb")
    out = student_edition(nb)
    sources = [source_text(c) for c in out["cells"]]
    assert sources[3] == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert sources[6].endswith('bits."""\n    # YOUR CODE HERE\n    raise NotImplementedError()')  # marker's indent
    assert sources[9] == '# YOUR CODE HERE\nraise NotImplementedError()\ncheck("90.where-to-run", where_to_run)'
    assert sources[10] == "Explain your choice in one sentence.\n\nYOUR ANSWER HERE"  # markdown: text stub
    assert sources[7] == 'check("90.signed-range", signed_range)'  # hidden region and its markers gone
    assert CODE_STUB == "# YOUR CODE HERE\nraise NotImplementedError()"


def test_everything_else_is_identical():
    nb = load(FIXTURES / "90_classroom_fixture.ipynb")
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hello\n"]}]
    nb["cells"][1]["execution_count"] = 7
    before = copy.deepcopy(nb)
    out = student_edition(nb)
    assert nb == before, "the instructor's notebook must not be modified"
    assert len(out["cells"]) == len(nb["cells"])
    for a, b in zip(nb["cells"], out["cells"], strict=True):
        assert (a["id"], a["cell_type"], a["metadata"]) == (b["id"], b["cell_type"], b["metadata"])
        text = source_text(a)
        if "BEGIN" not in text:
            assert source_text(b) == text
        if b["cell_type"] == "code":
            assert b["outputs"] == [] and b["execution_count"] is None
    assert out["metadata"] == nb["metadata"]


def test_nbgrader_solution_cell_without_markers_is_replaced_whole():
    nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {"nbgrader": {"solution": True, "grade": False}},
                     "source": "x = 42\n", "outputs": [], "execution_count": None}], "metadata": {}}
    assert source_text(student_edition(nb)["cells"][0]) == CODE_STUB


@pytest.mark.parametrize("text, message", [
    ("### BEGIN SOLUTION\nx = 1", "is never closed"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another one"),
    ("x = 1\n### END SOLUTION", "without a 'BEGIN SOLUTION'"),
    ("### BEGIN HIDDEN TESTS\nassert x", "is never closed"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS",
     "put hidden tests in their own cell"),
])
def test_broken_markers_are_one_sentence_with_the_cell(text, message):
    nb = {"cells": [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# title"},
                    {"cell_type": "code", "id": "a", "metadata": {}, "source": text, "outputs": [],
                     "execution_count": None}], "metadata": {}}
    with pytest.raises(EditionError, match=message) as err:
        student_edition(nb, "99_x.ipynb")
    assert "99_x.ipynb, cell 2" in str(err.value) and "\n" not in str(err.value)


def test_command_writes_every_lesson_and_a_runnable_handout(tmp_path, capsys):
    assert student.main(["--source", str(FIXTURES), "--out", str(tmp_path), "--zip"]) == 0
    written = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert written == ["90_classroom_fixture.ipynb", "91_sandbox_fixture.ipynb"]
    assert "4 solution(s) replaced, 1 hidden test region(s) removed" in capsys.readouterr().out
    assert load(tmp_path / written[0]) == student_edition(load(FIXTURES / written[0]))
    with zipfile.ZipFile(tmp_path / "handout.zip") as zf:
        names = set(zf.namelist())
        assert {"course/utils/checks.py", "course/notebooks/90_classroom_fixture.ipynb"} <= names
        assert not any(n.startswith(("course/tests/", "course/tools/")) or "__pycache__" in n for n in names)
        handed = json.loads(zf.read("course/notebooks/90_classroom_fixture.ipynb"))
    assert handed == load(tmp_path / written[0])
    assert student.main(["99", "--source", str(FIXTURES), "--out", str(tmp_path)]) == 1


def test_command_refuses_broken_markers(tmp_path, capsys):
    nb = load(FIXTURES / "91_sandbox_fixture.ipynb")
    nb["cells"][2]["source"] = ["### BEGIN SOLUTION\n", "x = 1\n"]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "91_broken.ipynb").write_text(json.dumps(nb))
    assert student.main(["--source", str(tmp_path / "src"), "--out", str(tmp_path / "out")]) == 1
    assert ("91_broken.ipynb, cell 3: 'BEGIN SOLUTION' is never closed with 'END SOLUTION'. "
            "No student edition of 91_broken.ipynb was written.") in capsys.readouterr().err
    assert not (tmp_path / "out" / "91_broken.ipynb").exists()


@pytest.fixture()
def fixture_specs(monkeypatch):
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(ROOT / "tests" / "fixtures" / "classroom" / "exercises"))


def test_nbgrader_export_marks_cells_the_way_nbgrader_validates(fixture_specs):
    nb = load(FIXTURES / "90_classroom_fixture.ipynb")
    out = student.nbgrader_source(nb, student.points_of)
    meta = {c["id"]: c["metadata"].get("nbgrader") for c in out["cells"]}
    ids = [c["id"] for c in out["cells"]]
    assert ids.index("course-check-strict") < ids.index("90_classroom_fixture-03")  # before the first exercise
    assert meta["90_classroom_fixture-03"]["solution"] and not meta["90_classroom_fixture-03"]["grade"]
    assert meta["90_classroom_fixture-04"] | {} == {"grade": True, "grade_id": "90_classroom_fixture-04",
                                                   "locked": True, "points": 2, "schema_version": 3,
                                                   "solution": False, "task": False}
    assert meta["90_classroom_fixture-07"]["points"] == 2  # the visible check (1) + the hidden test (1)
    # A check inside a solution cell moves into a locked test cell right after it.
    assert "check(" not in source_text(out["cells"][ids.index("90_classroom_fixture-09")])
    moved = out["cells"][ids.index("90_classroom_fixture-09") + 1]
    assert moved["id"] == "90_classroom_fixture-09-check" and moved["metadata"]["nbgrader"]["points"] == 1
    # nbgrader's rules: a markdown answer is a manually graded one; every grade cell has points; ids unique.
    assert meta["90_classroom_fixture-10"]["grade"] and meta["90_classroom_fixture-10"]["solution"]
    marked = [m for m in meta.values() if m]
    assert all("points" in m for m in marked if m["grade"])
    assert len({m["grade_id"] for m in marked}) == len(marked)
    secrets, _ = secret_lines(nb)
    assert not [s for s in secrets if s in all_text(student_edition(out))]


def test_nbgrader_itself_agrees_when_installed(fixture_specs):
    """With nbgrader installed, its validator accepts the export and its student version equals ours."""
    pytest.importorskip("nbgrader.preprocessors")
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    nb = load(FIXTURES / "90_classroom_fixture.ipynb")
    # nbformat.reads, as nbgrader reads files: sources become strings (from_dict would keep lists of lines).
    MetadataValidator().validate_nb(nbformat.reads(json.dumps(student.nbgrader_source(nb, student.points_of)),
                                                   as_version=4))
    theirs = nbformat.reads(json.dumps(nb), as_version=4)
    for step in (ClearSolutions(enforce_metadata=False), ClearHiddenTests(enforce_metadata=False), ClearOutput()):
        theirs, _ = step.preprocess(theirs, {})
    assert [c.source for c in theirs.cells] == [source_text(c) for c in student_edition(nb)["cells"]]


def test_command_writes_the_nbgrader_layout(tmp_path, fixture_specs):
    assert student.main(["90", "--source", str(FIXTURES), "--out", str(tmp_path / "student"), "--nbgrader"]) == 0
    exported = tmp_path / "nbgrader" / "source" / "90_classroom_fixture" / "90_classroom_fixture.ipynb"
    assert load(exported) == student.nbgrader_source(load(FIXTURES / exported.name), student.points_of)
