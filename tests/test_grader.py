"""tools/grade.py on a class of fixture submissions: right scores, every failure contained and reported."""

from __future__ import annotations

import copy
import csv
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import grade  # noqa: E402
from tools.student import student_edition  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "classroom"
SOURCE = FIXTURES / "source"
LESSON = "90_classroom_fixture.ipynb"
TIMEOUT = 60  # seconds per notebook; a fixture notebook needs about 3 s
CELL_TIMEOUT = 5  # seconds per cell: the looping cell is stopped here and the next cells still run
FULL = {"90.model-bytes": 2, "90.signed-range": 1, "90.signed-range-hidden": 1, "90.where-to-run": 1}


def _load(name: str) -> dict:
    return json.loads((SOURCE / name).read_text(encoding="utf-8"))


def _edit(nb: dict, cell: int, old: str, new: str) -> dict:
    nb = copy.deepcopy(nb)
    text = "".join(nb["cells"][cell]["source"])
    assert old in text, f"fixture changed: {old!r} not in cell {cell}"
    nb["cells"][cell]["source"] = text.replace(old, new)
    return nb


def _save(path: Path, nb: dict | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nb if isinstance(nb, str) else json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Grade one class of submissions once; every test below reads the results."""
    env = pytest.MonkeyPatch()
    env.setenv("COURSE_EXERCISES_DIR", str(FIXTURES / "exercises"))
    base = tmp_path_factory.mktemp("classroom")
    subs, out = base / "submissions", base / "grades"
    solution, blank = _load(LESSON), student_edition(_load(LESSON))
    _save(subs / "alice" / LESSON, solution)
    _save(subs / "alice" / "91_sandbox_fixture.ipynb", _load("91_sandbox_fixture.ipynb"))
    _save(subs / "bob" / LESSON, blank)
    _save(subs / "carol" / LESSON, _edit(solution, 3, "650 * bytes_per_weight", "650 * bytes_per_weight * 2"))
    _save(subs / "dave" / LESSON, _edit(solution, 6, "half = 2 ** (bits - 1)", "while True:\n        pass"))
    _save(subs / "erin" / LESSON, _edit(solution, 3, "model_bytes = 650", "model_bytes = = 650"))
    _save(subs / f"frank_{LESSON}", solution)  # flat layout
    _save(subs / "gina" / LESSON, _edit(solution, 9, 'where_to_run = "edge"', "import os\nos._exit(1)"))
    _save(subs / "hank" / LESSON, "this is not a notebook")
    tampered = _edit(solution, 3, "650 * bytes_per_weight", "1")
    tampered = _edit(tampered, 4, "model_bytes)", "2600)")  # a "check" rewritten to pass
    tampered = _edit(tampered, 9, '"edge"\n### END SOLUTION\ncheck("90.where-to-run", where_to_run)',
                     '"cloud"\n### END SOLUTION\ncheck("90.where-to-run", "edge")')  # same, in a solution cell
    del tampered["cells"][7]  # the visible check and the hidden test of exercise 2, deleted
    _save(subs / "ivan" / LESSON, tampered)
    colab = copy.deepcopy(solution)  # a notebook saved by Colab: no cell ids, a scratch cell, own wording
    for cell in colab["cells"]:
        del cell["id"]
    colab["cells"].insert(3, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                              "source": "print('trying things')"})
    colab = _edit(colab, 10, 'where_to_run = "edge"', 'where_to_run = "Edge"  # no uplink')
    colab["nbformat_minor"] = 4
    _save(subs / "kim" / LESSON, colab)
    cheat = _edit(solution, 3, "model_bytes = 650 * bytes_per_weight", "pass")
    cheat = _edit(cheat, 9, 'where_to_run = "edge"\n', "")
    cheat = _edit(cheat, 9, "where_to_run)", '"edge")')
    cheat["cells"].insert(5, {"cell_type": "code", "id": "own-check", "metadata": {}, "outputs": [],
                              "execution_count": None, "source": 'check("90.model-bytes", 2600)'})
    _save(subs / "lena" / LESSON, cheat)
    _save(subs / "notes.txt", "ignored")
    results = grade.grade(subs, SOURCE, out, timeout=TIMEOUT, jobs=3, quiet=True, cell_timeout=CELL_TIMEOUT)
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    yield {"out": out, "rows": rows, "results": results, "work": out / "work"}
    env.undo()


def survivors(folder: Path) -> list[str]:
    """Processes whose working folder lies inside ``folder`` (Linux /proc)."""
    root, found = str(folder.resolve()), []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.readlink(proc / "cwd").startswith(root):
                found.append(proc.name)
        except OSError:  # gone, or not ours to read
            continue
    return found


def points(graded_class, student: str, notebook: str = LESSON) -> dict[str, float]:
    return {r["exercise"]: float(r["points"]) for r in graded_class["rows"]
            if r["student"] == student and r["notebook"] == notebook}


def feedback(graded_class, student: str) -> str:
    return (graded_class["out"] / "feedback" / f"{student}.md").read_text(encoding="utf-8")


def test_csv_has_one_row_per_student_notebook_exercise(graded_class):
    rows = graded_class["rows"]
    assert list(rows[0]) == ["student", "notebook", "exercise", "points", "max_points"]
    students = {r["student"] for r in rows}
    assert students == {"alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "kim", "lena"}
    for r in rows:
        if r["notebook"] == LESSON:
            assert float(r["max_points"]) == FULL[r["exercise"]]
    assert len([r for r in rows if r["notebook"] == LESSON]) == 11 * len(FULL)


def test_solution_edition_scores_full_marks(graded_class):
    assert points(graded_class, "alice") == FULL
    assert points(graded_class, "frank") == FULL  # the flat <student>_<NN_name>.ipynb layout
    assert points(graded_class, "kim") == FULL  # no cell ids: cells are matched by their text
    assert "was missing" not in feedback(graded_class, "kim")
    assert "## 90_classroom_fixture.ipynb: 5 / 5 points" in feedback(graded_class, "alice")


def test_untouched_student_edition_scores_zero_without_crashing(graded_class):
    assert points(graded_class, "bob") == dict.fromkeys(FULL, 0.0)
    text = feedback(graded_class, "bob")
    assert "ran to the end" in text and text.count("Not attempted") == 3


def test_one_wrong_answer_loses_exactly_that_exercise(graded_class):
    assert points(graded_class, "carol") == {**FULL, "90.model-bytes": 0.0}
    assert "Count each weight once." in feedback(graded_class, "carol")  # the spec's hint, not the answer
    assert "2600" not in feedback(graded_class, "carol")


def test_infinite_loop_is_stopped_and_the_next_cells_still_run(graded_class):
    """The looping cell is interrupted at the per-cell limit; the exercise after it still scores (as in nbgrader)."""
    assert points(graded_class, "dave") == {**FULL, "90.signed-range": 0.0, "90.signed-range-hidden": 0.0}
    run = next(r for name, r, _, _ in graded_class["results"]["dave"] if name == LESSON)
    assert CELL_TIMEOUT <= run.seconds < TIMEOUT and run.status == "ok"
    assert (f"Not checked: cell 8 raised CellTimeoutError: the cell ran longer than {CELL_TIMEOUT} s and was "
            "stopped.") in feedback(graded_class, "dave")


def test_no_process_outlives_its_notebook(graded_class):
    """The looping kernel was killed: no process still works in a grading folder."""
    assert not survivors(graded_class["work"])


def test_syntax_error_is_contained_and_reported(graded_class):
    assert points(graded_class, "erin") == {**FULL, "90.model-bytes": 0.0}
    assert "Not checked: cell 4 raised SyntaxError" in feedback(graded_class, "erin")


def test_dead_kernel_keeps_earlier_points(graded_class):
    assert points(graded_class, "gina") == {**FULL, "90.where-to-run": 0.0}
    assert "the kernel died" in feedback(graded_class, "gina")


def test_unreadable_notebook_scores_zero_and_says_why(graded_class):
    assert points(graded_class, "hank") == dict.fromkeys(FULL, 0.0)
    assert "could not be read as a notebook" in feedback(graded_class, "hank")


def test_check_cells_come_from_the_instructor(graded_class):
    """An edited check is replaced, a deleted one (with its hidden test) put back, and one in a solution re-run."""
    assert points(graded_class, "ivan") == {**FULL, "90.model-bytes": 0.0, "90.where-to-run": 0.0}
    text = feedback(graded_class, "ivan")
    assert "check cell 5 was edited" in text and "check cell 8 was missing" in text


def test_own_passing_checks_cannot_replace_the_instructors(graded_class):
    """Checks of literals pass, but the instructor's checks of the student's variables must run too."""
    assert points(graded_class, "lena") == {**FULL, "90.model-bytes": 0.0, "90.where-to-run": 0.0}
    text = feedback(graded_class, "lena")
    assert "Not checked: the check in cell 5 raised NameError: name 'model_bytes' is not defined." in text
    assert "Not checked: the check in the grader's check after cell 11 raised NameError" in text


def test_hidden_tests_run_only_at_grading_time(graded_class):
    executed = json.loads((graded_class["out"] / "executed" / "bob" / LESSON).read_text())
    assert any("BEGIN HIDDEN TESTS" in "".join(c["source"]) for c in executed["cells"])
    assert "Hidden test" in feedback(graded_class, "alice")


def test_network_is_cut_when_the_system_allows(graded_class):
    prefix, note = grade.sandbox()
    if not prefix:
        pytest.skip(note)
    assert points(graded_class, "alice", "91_sandbox_fixture.ipynb") == {"91.interfaces": 1.0}
    assert points(graded_class, "bob", "91_sandbox_fixture.ipynb") == {"91.interfaces": 0.0}
    assert "No notebook 91 was submitted." in feedback(graded_class, "bob")
    assert "network cut" in (graded_class["out"] / "summary.md").read_text()


def test_summary_lists_every_notebook(graded_class):
    summary = (graded_class["out"] / "summary.md").read_text()
    assert "| alice | 90_classroom_fixture.ipynb | 5 / 5 |" in summary
    assert "| dave | 90_classroom_fixture.ipynb | 3 / 5 |" in summary
    assert "notes.txt" not in summary  # not a notebook: silently ignored


def test_find_submissions_skips_what_it_cannot_place(tmp_path):
    _save(tmp_path / "amy" / "90_a.ipynb", "{}")
    _save(tmp_path / "amy" / "90_b.ipynb", "{}")
    _save(tmp_path / "amy" / "homework.ipynb", "{}")
    _save(tmp_path / "loose.ipynb", "{}")
    found, skipped = grade.find_submissions(tmp_path)
    assert found == {"amy": {"90": tmp_path / "amy" / "90_a.ipynb"}}
    assert len(skipped) == 3 and any("second notebook 90 for amy" in s for s in skipped)


def test_bad_invocations_are_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(FIXTURES / "exercises"))
    with pytest.raises(SystemExit, match="is not a folder of submissions"):
        grade.grade(tmp_path / "missing", SOURCE, tmp_path / "out")
    with pytest.raises(SystemExit, match="no submitted lesson notebooks"):
        grade.grade(tmp_path, SOURCE, tmp_path / "out")
    _save(tmp_path / "amy" / LESSON, _load(LESSON))
    with pytest.raises(SystemExit, match="no lesson 42 in"):
        grade.grade(tmp_path, SOURCE, tmp_path / "out", only=["42"])
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(tmp_path))  # no spec for lesson 90 here
    with pytest.raises(SystemExit, match="90_classroom_fixture.ipynb checks '90.model-bytes', but No exercise file"):
        grade.grade(tmp_path, SOURCE, tmp_path / "out")


def test_every_lesson_check_has_a_spec():
    """The real lessons: each check("NN.x") names an exercise of data/exercises/NN.json with points."""
    env = os.environ.pop("COURSE_EXERCISES_DIR", None)
    try:
        lessons = grade.load_lessons(ROOT / "notebooks")
    finally:
        if env:
            os.environ["COURSE_EXERCISES_DIR"] = env
    for lesson in lessons.values():
        assert all(ex.max_points > 0 or ex.manual > 0 for ex in lesson.exercises), lesson.path.name
    # The contract's manually graded answer: listed with its points, never scored automatically.
    manual = [ex for ex in lessons["07"].exercises if ex.manual]
    assert [(ex.id, ex.manual, ex.max_points) for ex in manual] == [("07.design-justification", 3.0, 0.0)]


def test_without_a_sandbox_the_loop_is_still_killed_and_the_network_note_is_honest(tmp_path, monkeypatch):
    """Outside a pid namespace the grader kills the kernel's own session (kernels start one): here the
    notebook's limit (10 s) comes before the cell's, so the whole kernel is killed, not just interrupted."""
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(FIXTURES / "exercises"))
    looping = _edit(_load(LESSON), 6, "half = 2 ** (bits - 1)", "while True:\n        pass")
    _save(tmp_path / "subs" / "dave" / LESSON, looping)
    out = tmp_path / "grades"
    grade.grade(tmp_path / "subs", SOURCE, out, timeout=10, cut_network=False, quiet=True)
    assert "network NOT cut" in (out / "summary.md").read_text()
    rows = list(csv.DictReader((out / "grades.csv").read_text(encoding="utf-8").splitlines()))
    assert sum(float(r["points"]) for r in rows) == 2.0
    assert not survivors(out / "work")


def test_an_nbgrader_release_is_named_and_still_graded(tmp_path, monkeypatch):
    """A notebook from the other flow (nbgrader's version, checks split into grade cells) gets one sentence."""
    from tools.nbgrader_course import nbgrader_source

    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(FIXTURES / "exercises"))
    _save(tmp_path / "subs" / "nora" / LESSON, nbgrader_source(_load(LESSON), LESSON))  # solved, in nbgrader's form
    out = tmp_path / "grades"
    grade.grade(tmp_path / "subs", SOURCE, out, timeout=60, jobs=1, quiet=True, cell_timeout=CELL_TIMEOUT)
    rows = list(csv.DictReader((out / "grades.csv").read_text(encoding="utf-8").splitlines()))
    assert {r["exercise"]: float(r["points"]) for r in rows} == FULL
    text = (out / "feedback" / "nora.md").read_text(encoding="utf-8")
    assert text.count(grade.WRONG_FLOW) == 1 and "grade an nbgrader class with `nbgrader autograde`" in text


def test_the_documented_command_line(tmp_path, monkeypatch, capsys):
    """docs/teaching.md's `python tools/grade.py submissions --cell-timeout 60 --timeout 180 --jobs 2 --out ...`."""
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(FIXTURES / "exercises"))
    _save(tmp_path / "subs" / "amy" / LESSON, _load(LESSON))
    out = tmp_path / "grades"
    assert grade.main([str(tmp_path / "subs"), "--cell-timeout", "60", "--timeout", "180", "--jobs", "2",
                       "--out", str(out), "--source", str(SOURCE)]) == 0
    said = capsys.readouterr().out
    assert "60 s limit per cell and 180 s per notebook, 2 at a time" in said
    assert "- time limit 60 s per cell, 180 s per notebook" in (out / "summary.md").read_text()
    with pytest.raises(SystemExit):
        grade.main(["--help"])
    assert f"the number of CPU cores, {os.cpu_count()} here" in " ".join(capsys.readouterr().out.split())
