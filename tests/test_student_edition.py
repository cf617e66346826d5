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

from tools import nbgrader_course, student  # noqa: E402
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
    assert out["metadata"] == {**nb["metadata"], "course_edition": "plain"}  # names its grader


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
    said = capsys.readouterr().out
    assert "4 solution(s) replaced, 1 hidden test region(s) removed" in said
    assert "This is the plain student edition, for the course's grader (make grade)." in said  # names its flow
    assert load(tmp_path / written[0]) == student_edition(load(FIXTURES / written[0]))
    with zipfile.ZipFile(tmp_path / "handout.zip") as zf:
        names = set(zf.namelist())
        assert {"course/utils/checks.py", "course/notebooks/90_classroom_fixture.ipynb"} <= names
        assert not any(n.startswith(("course/tests/", "course/tools/")) or "__pycache__" in n for n in names)
        assert {"course/README.md", "course/Makefile", "course/check_my_work.py"} <= names
        assert zf.read("course/README.md") == (ROOT / "tools" / "handout" / "README.md").read_bytes()
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


def test_nbgrader_export_has_one_grade_cell_per_exercise(fixture_specs):
    nb = load(FIXTURES / "90_classroom_fixture.ipynb")
    out = nbgrader_course.nbgrader_source(nb, "90_classroom_fixture.ipynb")
    meta = {c["id"]: c["metadata"].get("nbgrader") for c in out["cells"]}
    grades = {m["grade_id"]: m["points"] for m in meta.values() if m and m["grade"] and not m["solution"]}
    # One grade cell per exercise id, named after it, worth its spec's points (or graded(points=...)).
    assert grades == {"90_model-bytes": 2, "90_signed-range": 1, "90_signed-range-hidden": 1, "90_where-to-run": 1}
    assert meta["90_classroom_fixture-03"]["solution"] and not meta["90_classroom_fixture-03"]["grade"]
    # The visible check and the hidden test of cell 7 check two exercises: two cells, the hidden one in markers.
    assert source_text(out["cells"][7]) == 'check("90.signed-range", signed_range)'
    assert source_text(out["cells"][8]).startswith(nbgrader_course.HIDDEN_NOTE + "\n### BEGIN HIDDEN TESTS\nwith graded(")
    # A check inside a solution cell moves into a locked grade cell right after it, with its own import.
    ids = [c["id"] for c in out["cells"]]
    assert "check(" not in source_text(out["cells"][ids.index("90_classroom_fixture-09")])
    moved = out["cells"][ids.index("90_classroom_fixture-09") + 1]
    assert moved["metadata"]["nbgrader"]["locked"] and moved["metadata"]["nbgrader"]["grade_id"] == "90_where-to-run"
    assert source_text(moved) == 'from utils.checks import check, graded\ncheck("90.where-to-run", where_to_run)'
    # A markdown answer without `course.manual` is a 0-point manual cell; ids are unique; no solution leaks.
    assert meta["90_classroom_fixture-10"]["grade"] and meta["90_classroom_fixture-10"]["points"] == 0
    marked = [m for m in meta.values() if m]
    assert len({m["grade_id"] for m in marked}) == len(marked)
    assert out["metadata"]["course_edition"] == "nbgrader"
    secrets, _ = secret_lines(nb)
    assert not [s for s in secrets if s in all_text(student_edition(out))]


def test_manual_cells_become_nbgrader_manual_grades(fixture_specs):
    nb = load(FIXTURES / "90_classroom_fixture.ipynb")
    nb["cells"][10]["metadata"] = {"course": {"manual": "90.why-edge", "points": 3}}
    meta = nbgrader_course.nbgrader_source(nb)["cells"][12]["metadata"]["nbgrader"]
    assert (meta["grade_id"], meta["points"], meta["grade"], meta["solution"]) == ("90_why-edge", 3, True, True)


@pytest.mark.parametrize("text, message", [
    ('check("90.model-bytes", a) or check("90.where-to-run", b)', "check each exercise in a statement of its own"),
    ('check("90.model-bytes", a)\ncheck("90.where-to-run", b)\ncheck("90.model-bytes", c)', "two separate places"),
])
def test_nbgrader_export_refuses_what_it_cannot_split(fixture_specs, text, message):
    nb = {"cells": [{"cell_type": "code", "id": "a", "metadata": {}, "source": text, "outputs": [],
                     "execution_count": None}], "metadata": {}}
    with pytest.raises(EditionError, match=message):
        nbgrader_course.nbgrader_source(nb, "90_x.ipynb")


def test_nbgrader_itself_agrees_when_installed(fixture_specs):
    """nbgrader's validator accepts the export, and its student version of a lesson equals ours."""
    from test_nbgrader import need_nbgrader

    need_nbgrader()
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    nb = load(FIXTURES / "90_classroom_fixture.ipynb")
    # nbformat.reads, as nbgrader reads files: sources become strings (from_dict would keep lists of lines).
    exported = nbformat.reads(json.dumps(nbgrader_course.nbgrader_source(nb)), as_version=4)
    MetadataValidator().validate_nb(exported)
    theirs = nbformat.reads(json.dumps(nb), as_version=4)
    for step in (ClearSolutions(enforce_metadata=False), ClearHiddenTests(enforce_metadata=False), ClearOutput()):
        theirs, _ = step.preprocess(theirs, {})
    assert [c.source for c in theirs.cells] == [source_text(c) for c in student_edition(nb)["cells"]]


def test_command_writes_the_nbgrader_course(tmp_path, fixture_specs):
    dest = tmp_path / "course"
    assert nbgrader_course.main([str(dest), "90", "--source", str(FIXTURES)]) == 0
    exported = dest / "source" / "90_classroom_fixture" / "90_classroom_fixture.ipynb"
    assert load(exported) == nbgrader_course.nbgrader_source(load(FIXTURES / exported.name), exported.name)
    config = (dest / "nbgrader_config.py").read_text()
    assert "configure(c, course_root=Path(COURSE_ROOT)" in config and "cell_timeout=60" in config
    assert "nbgrader generate_assignment" in (dest / "README.md").read_text()


def _readme_commands(readme: str) -> list[str]:
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_handout_does_what_its_readme_says(tmp_path):
    """Unzip the hand-out and run every command its README names, in the course's installed environment."""
    import os
    import shutil
    import signal
    import subprocess
    import time

    if not shutil.which("make"):
        pytest.skip("no `make` on this system")
    out = tmp_path / "student"
    assert student.main(["00", "03", "--out", str(out), "--zip"]) == 0
    with zipfile.ZipFile(out / "handout.zip") as zf:
        zf.extractall(tmp_path)
    course = tmp_path / "course"
    readme = (course / "README.md").read_text(encoding="utf-8")
    commands = _readme_commands(readme)
    assert commands == ["make course", "make check NN=03"]
    for target in ("test", "run", "bench", "student", "grade", "proof"):  # nothing that needs tests/ or tools/
        assert f"make {target}" not in readme and f"\n{target}:" not in (course / "Makefile").read_text()
    # The environment `make` would create: this one, already installed (offline, no second install).
    (tmp_path / "stamp").touch()
    venv = ["VENV=" + str(Path(sys.executable).parent.parent), f"STAMP={tmp_path / 'stamp'}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    env["COURSE_PROGRESS_FILE"] = str(tmp_path / "progress.json")
    check = subprocess.run(commands[1].split() + venv, cwd=course, env=env, capture_output=True, text=True,
                           timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "03_edge_ai_and_tinyml.ipynb ..." in check.stdout
    assert "✘ 03.gpt3-int8-gb: not checked" in check.stdout  # the stub is unsolved: no tick, no answer shown
    lab = subprocess.Popen(commands[0].split() + venv + ["LAB_ARGS=--no-browser --ServerApp.port=0"], cwd=course,
                           env={**env, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter")}, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen, deadline = "", time.monotonic() + 120
    try:
        while time.monotonic() < deadline and "is running at" not in seen and lab.poll() is None:
            seen += lab.stdout.readline()
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
    assert "is running at" in seen and "notebooks/00_start_here.ipynb" in seen, seen[-2000:]


def test_make_targets_name_their_flow(tmp_path):
    """`make nbgrader-course DEST=...` writes the course; `make student` says which grader it is for."""
    import shutil
    import subprocess

    if not shutil.which("make"):
        pytest.skip("no `make` on this system")
    (tmp_path / "stamp").touch()
    installed = ["VENV=" + str(Path(sys.executable).parent.parent), f"STAMP={tmp_path / 'stamp'}"]
    made = subprocess.run(["make", "nbgrader-course", f"DEST={tmp_path / 'nbg'}", *installed], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    assert "This is the nbgrader flow" in made.stdout
    assert {p.name for p in (tmp_path / "nbg" / "source").iterdir()} == {p.stem for p in LESSONS}
    missing = subprocess.run(["make", "nbgrader-course", *installed], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "Say where to write it: make nbgrader-course DEST=" in missing.stdout
    plain = subprocess.run(["make", "student", *installed], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr
    assert "This is the plain student edition, for the course's grader (make grade)." in plain.stdout
