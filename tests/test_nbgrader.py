"""The course as a real nbgrader course: generate_assignment, autograde, generate_feedback and export, offline.

Two classes are graded once each (module fixtures), by nbgrader and by the course's grader (tools/grade.py):
- six kinds of student on lessons 02, 03 and 04 (untouched, correct, one wrong answer, an infinite loop, a syntax
  error, a missing notebook): both graders must give the same points per exercise;
- cheating attempts on the small fixture lesson 90: each must score what it should.
nbgrader is instructor tooling (the `instructor` extra). Colab's stack (notebook 6.5) cannot install nbgrader 0.9,
so there, and only there, these tests skip with that reason; anywhere else a missing nbgrader fails them.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import grade, nbgrader_course  # noqa: E402
from tools.nbio import load, source_text  # noqa: E402
from tools.student import BEGIN_SOLUTION, END_SOLUTION, hidden_lines, student_edition  # noqa: E402

LESSONS = ["02", "03", "04"]
CELL_LIMIT = 30  # seconds per cell in these tests, for both graders: the looping cell is stopped here (10 s timed out
# ordinary cells of lesson 04 when the 2-core machine was busy)
FIXTURES = ROOT / "tests" / "fixtures" / "classroom"
FIXTURE = "90_classroom_fixture"
FULL90 = {"90.model-bytes": 2, "90.signed-range": 1, "90.signed-range-hidden": 1, "90.where-to-run": 1}


def _notebook_major() -> int:
    try:
        import notebook

        return int(notebook.__version__.split(".")[0])
    except ImportError:
        return 0


ONCE = ("the classroom pipeline runs once per proof, in its default configuration: grading does not depend on "
        "the CPU's float kernels or on TFLite Micro (tools/proof.sh sets COURSE_CLASSROOM_ONCE elsewhere)")


def need_nbgrader(whole_class: bool = False) -> None:
    """Skip where nbgrader cannot be installed (Colab's stack) or, for a whole class, outside the default run."""
    if whole_class and os.environ.get("COURSE_CLASSROOM_ONCE"):
        pytest.skip(ONCE)
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        if _notebook_major() < 7:
            pytest.skip("nbgrader is instructor tooling, not part of Colab's student stack: nbgrader 0.9 needs "
                        "notebook 7, and Colab pins notebook 6.5 (tools/colab-pins.txt)")
        pytest.fail("nbgrader is missing: `make install` installs it (pyproject's instructor extra)")


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """One nbgrader command, run as an instructor would, in the course folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_") or k == "COURSE_EXERCISES_DIR"}
    env["COURSE_ROOT"] = str(ROOT)
    # nbgrader runs `alembic` (its database migrations) from PATH: the venv's bin, as after `source .venv/bin/activate`.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=900)
    if check and done.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


# ---------------------------------------------------------------- what each kind of student hands in


def _target(nb: dict) -> str | None:
    """The id of the last solution cell whose answer is a plain top-level assignment (the one students get wrong)."""
    found = None
    for cell in nb["cells"]:
        text = source_text(cell)
        m = re.search(rf"^### {BEGIN_SOLUTION}\n(?P<body>.*?)^### {END_SOLUTION}", text, re.M | re.S)
        if cell.get("cell_type") == "code" and m and re.search(r"^(\w+) = ", m["body"], re.M):
            found = cell["id"]
    return found


def _changed(text: str, kind: str) -> str:
    """The answer of a solution cell as a student of ``kind`` writes it."""
    body = re.search(rf"^### {BEGIN_SOLUTION}\n(?P<body>.*?)^### {END_SOLUTION}", text, re.M | re.S)
    name = re.findall(r"^(\w+) = ", body["body"], re.M)[-1]
    extra = {"wrong": f"{name} = {name} * 3 + 7\n", "loop": "while True:\n    pass\n", "syntax": f"{name} = = 1\n"}[kind]
    at = body.start("body") if kind == "loop" else body.end("body")
    return text[:at] + extra + text[at:]


def answers(source: dict, kind: str) -> dict[str, str]:
    """{cell id: source} of a student's solution cells; the same answers go into either flow's hand-out."""
    if kind == "untouched":
        return {}
    sols = {c["id"]: source_text(c) for c in source["cells"] if BEGIN_SOLUTION in source_text(c)}
    if kind in ("wrong", "loop", "syntax"):
        target = _target(source)
        sols[target] = _changed(sols[target], kind)
    return sols


def fill(handout: dict, answer: dict[str, str]) -> dict:
    """The hand-out with the student's answers typed into its solution cells (by cell id)."""
    nb = copy.deepcopy(handout)
    for cell in nb["cells"]:
        if cell.get("id") in answer:
            cell["source"] = answer[cell["id"]]
    return nb


KINDS = ["untouched", "correct", "wrong", "loop", "syntax", "missing"]


def _lesson(nn: str) -> Path:
    return next((ROOT / "notebooks").glob(f"{nn}_*.ipynb"))


def _nbgrader_scores(course: Path, lessons: list[str]) -> dict[tuple[str, str], dict[str, float]]:
    """{(student, lesson stem): {exercise id: points}} from nbgrader's gradebook (auto-graded cells)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cloud-vs-edge-ai") as gb:
        for stem in lessons:
            for student in gb.students:
                try:
                    sub = gb.find_submission_notebook(stem, stem, student.id)
                except MissingEntry:
                    continue
                out[(student.id, stem)] = {g.name: float(g.score) for g in sub.grades if g.auto_score is not None}
    return out


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    """Both graders on the six kinds of student x lessons 02-04; timings kept for the report."""
    need_nbgrader(whole_class=True)
    base = tmp_path_factory.mktemp("nbgrader-course")
    course, plain = base / "course", base / "plain"
    timings = {}
    start = time.perf_counter()
    nbgrader_course.write_course(course, LESSONS, cell_timeout=CELL_LIMIT)
    stems = [_lesson(nn).stem for nn in LESSONS]
    for stem in stems:
        nbgrader(course, "generate_assignment", stem, "--force")
    timings["generate"] = time.perf_counter() - start
    for nn, stem in zip(LESSONS, stems, strict=True):
        source = load(_lesson(nn))
        exported = load(course / "source" / stem / f"{stem}.ipynb")
        release = load(course / "release" / stem / f"{stem}.ipynb")
        for kind in KINDS:
            if kind == "missing" and nn == "03":
                continue
            mine = answers(source, kind)
            nbg_answers = {k: source_text(c) for c in exported["cells"] if (k := c["id"]) in mine}
            nbg_answers = {k: _changed(v, kind) if kind in ("wrong", "loop", "syntax") and k == _target(source) else v
                           for k, v in nbg_answers.items()}
            target = course / "submitted" / kind / stem / f"{stem}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(fill(release, nbg_answers)), encoding="utf-8")
            target = plain / kind / f"{stem}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(fill(student_edition(source), mine)), encoding="utf-8")
    env = pytest.MonkeyPatch()
    env.delenv("COURSE_EXERCISES_DIR", raising=False)
    logs = []

    def pipeline():
        start = time.perf_counter()
        for stem in stems:
            logs.append(nbgrader(course, "autograde", stem, "--force"))
        timings["autograde"] = time.perf_counter() - start
        start = time.perf_counter()
        for stem in stems:
            nbgrader(course, "generate_feedback", stem, "--force")
        nbgrader(course, "export")
        timings["feedback+export"] = time.perf_counter() - start

    # nbgrader grades one notebook at a time: the course's grader runs beside it, on the other core.
    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(pipeline)
        start = time.perf_counter()
        grade.grade(plain, ROOT / "notebooks", base / "grades", timeout=300, jobs=1, quiet=True,
                    cell_timeout=CELL_LIMIT)
        timings["course grader"] = time.perf_counter() - start
        done.result()
    env.undo()
    with open(base / "grades" / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    print(f"\nnbgrader test timings (s): { {k: round(v, 1) for k, v in timings.items()} }")
    return {"course": course, "rows": rows, "nbgrader": _nbgrader_scores(course, stems), "stems": stems,
            "grades": base / "grades", "timings": timings,
            "autograde_log": "".join(done.stdout + done.stderr for done in logs)}


def test_both_graders_give_the_same_points_per_exercise(classes):
    ours: dict[tuple[str, str], dict[str, float]] = {}
    for r in classes["rows"]:
        ours.setdefault((r["student"], Path(r["notebook"]).stem), {})[r["exercise"]] = float(r["points"])
    theirs = classes["nbgrader"]
    for (student, stem), points in ours.items():
        got = theirs.get((student, stem), {})
        mapped = {ex: got.get(nbgrader_course.grade_id(ex), 0.0) for ex in points}
        assert mapped == points, f"{student} / {stem}: course grader {points}, nbgrader {mapped}"
        if student != "missing" or not stem.startswith("03"):
            assert set(got) == {nbgrader_course.grade_id(ex) for ex in points}, (student, stem, got)
    # The kinds themselves: full marks, nothing, and exactly one exercise lost.
    for stem in classes["stems"]:
        full = {ex: float(r["max_points"]) for r in classes["rows"] if Path(r["notebook"]).stem == stem
                for ex in [r["exercise"]]}
        assert ours[("correct", stem)] == full
        assert sum(ours[("untouched", stem)].values()) == 0
        for kind in ("wrong", "loop", "syntax"):  # the changed exercise, and what depends on its cell
            lost = [ex for ex, p in ours[(kind, stem)].items() if p < full[ex]]
            assert lost, (kind, stem)
        assert len([ex for ex, p in ours[("wrong", stem)].items() if p < full[ex]]) == 1
    assert sum(ours[("missing", classes["stems"][1])].values()) == 0


def test_a_runaway_cell_is_stopped_and_the_next_cells_run(classes):
    text = (classes["grades"] / "feedback" / "loop.md").read_text(encoding="utf-8")
    assert f"CellTimeoutError: the cell ran longer than {CELL_LIMIT} s" in text
    executed = load(classes["course"] / "autograded" / "loop" / classes["stems"][0] / f"{classes['stems'][0]}.ipynb")
    enames = [o.get("ename") for c in executed["cells"] for o in c.get("outputs", []) if o.get("ename")]
    assert "CellTimeoutError" in enames or "KeyboardInterrupt" in enames


def test_feedback_never_shows_hidden_tests(classes):
    course = classes["course"]
    hidden = []
    for stem in classes["stems"]:
        for cell in load(course / "source" / stem / f"{stem}.ipynb")["cells"]:
            hidden += [ln.strip() for ln in hidden_lines(source_text(cell)) if ln.strip()]
    pages = list((course / "feedback").rglob("*.html"))
    assert len(pages) == sum(1 for p in (course / "submitted").glob("*/*/*.ipynb"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and not [h for h in hidden if h in text], page


def test_export_lists_every_student(classes):
    with open(classes["course"] / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["student_id"] for r in rows} == set(KINDS)
    correct = {r["assignment"]: float(r["score"]) for r in rows if r["student_id"] == "correct"}
    assert all(correct[s] == float(next(r["max_score"] for r in rows if r["assignment"] == s)) for s in correct)


# ---------------------------------------------------------------- cheating, on the fixture lesson 90

def _edit(nb: dict, cid: str, old: str, new: str) -> dict:
    nb = copy.deepcopy(nb)
    cell = next(c for c in nb["cells"] if c["id"] == cid)
    assert old in source_text(cell), f"fixture changed: {old!r} not in {cid}"
    cell["source"] = source_text(cell).replace(old, new)
    return nb


def _drop(nb: dict, *cids: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"] if c["id"] not in cids]
    return nb


ANSWER_SERVER = "import urllib.request\nmodel_bytes = int(urllib.request.urlopen('http://127.0.0.1:{port}/', timeout=5).read())"
C = FIXTURE  # cell ids of the fixture start with its name
CHEATS = {  # name: (how the correct notebook is changed, the points it should score)
    "deleted-check": (lambda nb: _drop(nb, f"{C}-04"), FULL90),
    "deleted-hidden-test": (lambda nb: _drop(_edit(nb, f"{C}-06", "half = 2 ** (bits - 1)\n    return -half, half - 1",
                                                   "return {8: (-128, 127), 16: (-32768, 32767)}[bits]"),
                                             f"{C}-07-1"), {**FULL90, "90.signed-range-hidden": 0}),
    "edited-locked-cell": (lambda nb: _edit(_edit(nb, f"{C}-03", "650 * bytes_per_weight", "1"), f"{C}-04",
                                            "model_bytes)", "2600)"), {**FULL90, "90.model-bytes": 0}),
    "renamed-variable": (lambda nb: _edit(nb, f"{C}-03", "model_bytes =", "my_bytes ="), {**FULL90, "90.model-bytes": 0}),
    "sys-exit": (lambda nb: _edit(nb, f"{C}-09", "where_to_run = ", "import sys\nsys.exit()\nwhere_to_run = "),
                 {**FULL90, "90.where-to-run": 0}),
    # Reads the right answer from a server on this machine: the sandbox cuts it off (where Linux allows).
    "network": (lambda nb: _edit(nb, f"{C}-03", "model_bytes = 650 * bytes_per_weight", ANSWER_SERVER),
                {**FULL90, "90.model-bytes": 0}),
}


@pytest.fixture(scope="module")
def cheaters(tmp_path_factory):
    """Every cheat on lesson 90, graded by nbgrader (the release version) and the course grader (the plain one)."""
    need_nbgrader(whole_class=True)
    import http.server
    import threading

    prefix, _ = grade.sandbox()
    if not prefix:
        CHEATS.pop("network")  # nothing cuts the network here: test_network_is_cut_when_the_system_allows says so
    server = http.server.HTTPServer(("127.0.0.1", 0), type("Answer", (http.server.BaseHTTPRequestHandler,), {
        "do_GET": lambda self: (self.send_response(200), self.end_headers(), self.wfile.write(b"2600")),
        "log_message": lambda self, *a: None}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    env = pytest.MonkeyPatch()
    env.setenv("COURSE_EXERCISES_DIR", str(FIXTURES / "exercises"))
    base = tmp_path_factory.mktemp("nbgrader-cheats")
    course, plain = base / "course", base / "plain"
    nbgrader_course.write_course(course, ["90"], source=FIXTURES / "source", cell_timeout=CELL_LIMIT)
    nbgrader(course, "generate_assignment", FIXTURE, "--force")
    source = load(course / "source" / FIXTURE / f"{FIXTURE}.ipynb")
    release = load(course / "release" / FIXTURE / f"{FIXTURE}.ipynb")
    correct = fill(release, {c["id"]: source_text(c) for c in source["cells"]
                             if c["metadata"].get("nbgrader", {}).get("solution")})
    original = load(FIXTURES / "source" / f"{FIXTURE}.ipynb")
    for name, (change, _) in CHEATS.items():
        nb = json.loads(json.dumps(change(correct)).replace("{port}", str(port)))
        (course / "submitted" / name / FIXTURE).mkdir(parents=True)
        (course / "submitted" / name / FIXTURE / f"{FIXTURE}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        # The same cheat on the plain edition (whose cells keep the lesson's ids); there the hidden test
        # shares its cell with the visible check, so that whole cell goes.
        mine = json.loads(json.dumps(change(original)).replace("{port}", str(port)))
        if name == "deleted-hidden-test":
            mine = _drop(mine, f"{C}-07")
        (plain / name).mkdir(parents=True)
        (plain / name / f"{FIXTURE}.ipynb").write_text(json.dumps(mine), encoding="utf-8")
    (course / "submitted" / "plain-in-nbgrader" / FIXTURE).mkdir(parents=True)
    (course / "submitted" / "plain-in-nbgrader" / FIXTURE / f"{FIXTURE}.ipynb").write_text(
        json.dumps(original | {"metadata": {**original["metadata"], "course_edition": "plain"}}), encoding="utf-8")
    auto = nbgrader(course, "autograde", FIXTURE, "--force", check=False)
    grade.grade(plain, FIXTURES / "source", base / "grades", timeout=120, jobs=2, quiet=True, cell_timeout=CELL_LIMIT)
    server.shutdown()
    env.undo()
    with open(base / "grades" / "grades.csv", newline="", encoding="utf-8") as fh:
        ours = {}
        for r in csv.DictReader(fh):
            ours.setdefault(r["student"], {})[r["exercise"]] = float(r["points"])
    return {"nbgrader": {s: v for (s, _), v in _nbgrader_scores(course, [FIXTURE]).items()}, "ours": ours,
            "log": auto.stdout + auto.stderr, "course": course}


@pytest.mark.parametrize("cheat", list(CHEATS))
def test_cheating_scores_what_it_should(cheaters, cheat):
    expected = CHEATS[cheat][1]
    got = cheaters["nbgrader"].get(cheat, {})
    assert {ex: got.get(nbgrader_course.grade_id(ex)) for ex in expected} == expected, f"nbgrader, {cheat}"
    assert cheaters["ours"][cheat] == expected, f"course grader, {cheat}"
    if cheat == "network":  # scored 0 because the request never left the sandbox, not for another reason
        ran = json.dumps(load(cheaters["course"] / "autograded" / cheat / FIXTURE / f"{FIXTURE}.ipynb"))
        assert "URLError" in ran and "unreachable" in ran


def test_plain_edition_is_refused_by_nbgrader_with_one_sentence(cheaters):
    assert "plain-in-nbgrader/90_classroom_fixture: this is the plain student edition (make student); " \
           "release the nbgrader version with `nbgrader generate_assignment 90_classroom_fixture`" in cheaters["log"]
    assert not cheaters["nbgrader"].get("plain-in-nbgrader", {}).get("90_model-bytes")


def test_check_results_do_not_trip_nbgrader_partial_credit(classes):
    """A passing check shows a result; nbgrader must not try to read it as a number of points."""
    assert "Autograding" in classes["autograde_log"]  # the log is the one nbgrader wrote while grading
    assert "cannot be converted to a float" not in classes["autograde_log"]
    executed = load(classes["course"] / "autograded" / "correct" / classes["stems"][0] / f"{classes['stems'][0]}.ipynb")
    shown = [o for c in executed["cells"] if c["metadata"].get("nbgrader", {}).get("grade") for o in c["outputs"]]
    assert shown and all(o["output_type"] != "execute_result" for o in shown)


def test_released_checks_stay_friendly(cheaters):
    """In the release, a wrong answer's check shows its hint, no AssertionError: strictness is only for grading."""
    import nbformat
    from nbclient import NotebookClient

    release = load(cheaters["course"] / "release" / FIXTURE / f"{FIXTURE}.ipynb")
    assert "COURSE_" not in json.dumps(release)  # no cell carries the grading settings
    nb = fill(release, {f"{C}-03": "bytes_per_weight = 4\nmodel_bytes = 650 * bytes_per_weight * 2"})
    nb = nbformat.reads(json.dumps(nb), as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "COURSE_CHECK_STRICT"}
    old = os.environ.copy()
    os.environ.clear()
    os.environ.update(env, COURSE_EXERCISES_DIR=str(FIXTURES / "exercises"), PYTHONPATH=str(ROOT))
    try:
        NotebookClient(nb, timeout=60, allow_errors=True).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Count each weight once." in outputs and "AssertionError" not in outputs
