"""Grade a folder of submitted notebooks: run each in a sandbox, score every exercise, write a CSV.

    python tools/grade.py SUBMISSIONS                    grades into build/grades/
    python tools/grade.py SUBMISSIONS --timeout 120 --jobs 2 --out DIR --source notebooks

SUBMISSIONS holds ``<student>/<NN_name>.ipynb`` (one folder per student) or flat files
``<student>_<NN_name>.ipynb``; a notebook is matched to the lesson by its NN prefix.

For every submission the grader
1. takes the instructor's notebook (``--source``, default notebooks/) and puts its check cells
   back into the submission (nbgrader's "overwrite cells"): cells that call ``check``/``graded``
   or hold ``BEGIN HIDDEN TESTS`` and no solution; the hidden tests come back this way;
2. executes it in a fresh kernel with the network cut (``unshare --net`` when the system allows,
   said plainly when it does not), every cell even after errors, and kills it at ``--timeout``;
3. scores each exercise the instructor's notebook checks from the log that ``utils.checks`` writes:
   full points when every check of it passed during the run, else 0.

Outputs (in ``--out``): ``grades.csv`` (student, notebook, exercise, points, max_points),
``feedback/<student>.md``, ``executed/<student>/<notebook>.ipynb``, ``summary.md``.
Students run in parallel (``--jobs``); one student's notebooks run in lesson order and share
an artefact folder, as they do on the student's own machine.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from threading import Lock

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the course root holds utils/ and tools/
    sys.path.insert(0, str(ROOT))

from tools.sandbox import CELL_TIMEOUT, grading_env, kill, loopback_up, sandbox, sweep  # noqa: E402
from tools.student import (  # noqa: E402
    SOURCE,
    EditionError,
    check_lines,
    graded_exercises,
    is_solution_cell,
    is_test_cell,
    lesson_files,
    remove_hidden,
    source_text,
    student_edition,
)

OUT = ROOT / "build" / "grades"
WRONG_FLOW = ("this is the nbgrader release of the lesson, not the plain student edition (make student) this grader "
              "is for: it was graded all the same, but grade an nbgrader class with `nbgrader autograde`")
FLAT_RE = re.compile(r"^(?P<student>.+)_(?P<nn>\d\d)_[^/]*\.ipynb$")
FOLDER_RE = re.compile(r"^(?P<nn>\d\d)_.*\.ipynb$")
TIMEOUT_ENAME = "CellTimeoutError"  # nbgrader's name for a cell stopped at its limit
ADDED = "course_grader"  # cell metadata key of cells the grader inserted (not in the student's numbering)
OWNED = "course_instructor"  # cell metadata key of every cell whose checks come from the instructor


# ---------------------------------------------------------------- what is graded


@dataclass(frozen=True)
class Exercise:
    """One scored line of a lesson: id, title, points."""

    id: str
    title: str
    max_points: float
    manual: float = 0.0  # points of a manually graded answer (course.manual): listed, never scored here


@dataclass
class Lesson:
    """An instructor notebook and the exercises it scores."""

    path: Path
    nb: dict
    exercises: list[Exercise]


def load_lessons(source: Path, ids: list[str] | None = None) -> dict[str, Lesson]:
    """The instructor notebooks by lesson id (all, or only ``ids``), with their exercises and points."""
    from utils.checks import spec

    lessons = {}
    for path in lesson_files(source, ids):
        nb = json.loads(path.read_text(encoding="utf-8"))
        try:
            student_edition(nb, path.name)  # the markers must be sound before any submission is judged
        except EditionError as err:
            raise SystemExit(f"error: {err}") from None
        exercises = []
        for g in graded_exercises(nb):
            try:
                s = spec(g.exercise)
            except ValueError as err:
                if g.points is None:
                    raise SystemExit(f"error: {path.name} checks {g.exercise!r}, but {err}") from None
                s = {"title": "Hidden test", "points": g.points}
            points = g.points if g.points is not None else s["points"]
            exercises.append(Exercise(g.exercise, s.get("title", g.exercise), float(points)))
        for cell in nb["cells"]:  # the contract's manually graded answers: {"course": {"manual": id, "points": N}}
            marked = cell.get("metadata", {}).get("course", {})
            if cell.get("cell_type") == "markdown" and marked.get("manual"):
                exercises.append(Exercise(marked["manual"], "Manually graded answer", 0.0,
                                          float(marked.get("points", 0))))
        lessons[path.name[:2]] = Lesson(path, nb, exercises)
    return lessons


def find_submissions(folder: Path) -> tuple[dict[str, dict[str, Path]], list[str]]:
    """{student: {lesson id: notebook}} from per-student folders or flat files, and what was skipped."""
    found: dict[str, dict[str, Path]] = {}
    skipped = []

    def add(student: str, nn: str, path: Path) -> None:
        if nn in found.setdefault(student, {}):
            skipped.append(f"{path}: a second notebook {nn} for {student}; graded {found[student][nn].name}")
            return
        found[student][nn] = path

    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            for nb in sorted(entry.glob("*.ipynb")):
                m = FOLDER_RE.match(nb.name)
                if m:
                    add(entry.name, m["nn"], nb)
                else:
                    skipped.append(f"{nb}: the name does not start with a lesson number such as 05_")
        elif entry.suffix == ".ipynb":
            m = FLAT_RE.match(entry.name)
            if m:
                add(m["student"], m["nn"], entry)
            else:
                skipped.append(f"{entry}: flat files are named <student>_<NN_name>.ipynb")
    return found, skipped


def _locate(cells: list[dict], scell: dict, start: int) -> int | None:
    """Where a cell of the instructor's notebook sits in a submission: by id, else by unchanged text."""
    sid = scell.get("id")
    for i, cell in enumerate(cells):
        if sid and cell.get("id") == sid:
            return i
    # Without ids (a notebook saved by Colab, say), find the cell the student did not change.
    shown = source_text(student_edition({"cells": [scell]})["cells"][0])
    wanted = {shown.strip(), source_text(scell).strip()}
    for i in range(max(start, 0), len(cells)):
        if cells[i].get("cell_type") == scell.get("cell_type") and source_text(cells[i]).strip() in wanted:
            return i
    return None


def prepare(submission: dict, lesson: dict) -> tuple[dict, list[str]]:
    """The submission with the instructor's checks put back: nbgrader's "overwrite cells", and more.

    A check cell (no solution in it) is replaced by the instructor's copy, hidden tests included,
    or put back if deleted. A check written inside a solution cell is the learner's to edit, so
    the instructor's check line also runs again in a cell inserted right after it. Cells are
    matched by id, or by their unchanged text when ids are gone; a cell that cannot be placed
    goes in just before the next cell that can, so it runs after the student's answer.
    """
    nb = copy.deepcopy(submission)
    cells = nb.setdefault("cells", [])
    notes: list[str] = []
    last, pending = -1, []
    for j, scell in enumerate(lesson["cells"]):
        pos = _locate(cells, scell, last + 1)
        if pos is not None and pending:
            cells[pos:pos] = pending
            pos, pending = pos + len(pending), []
        if is_test_cell(scell):
            fresh = {"cell_type": "code", "execution_count": None, "id": scell.get("id") or f"grader-{j}",
                     "metadata": {**copy.deepcopy(scell.get("metadata", {})), OWNED: True}, "outputs": [],
                     "source": scell["source"]}
            if pos is None:
                fresh["metadata"][ADDED] = "restored"
                pending.append(fresh)
                notes.append(f"check cell {j + 1} was missing; the grader put it back")
            else:
                mine = source_text(cells[pos]).strip()
                if mine not in (remove_hidden(source_text(scell)).strip(), source_text(scell).strip()):
                    notes.append(f"check cell {j + 1} was edited; the grader used the original")
                cells[pos] = fresh
        elif is_solution_cell(scell) and check_lines(source_text(scell)):
            again = {"cell_type": "code", "execution_count": None, "id": f"grader-recheck-{j}",
                     "metadata": {ADDED: "recheck", OWNED: True}, "outputs": [],
                     "source": "from utils.checks import check\n" + "\n".join(check_lines(source_text(scell)))}
            if pos is None:
                pending.append(again)
            else:
                pos += 1
                cells.insert(pos, again)
        if pos is not None:
            last = max(last, pos)
    cells.extend(pending)
    for i, cell in enumerate(cells):
        cell.setdefault("id", f"cell-{i}")
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["metadata"] = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                      "language_info": {"name": "python"}}
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    return nb, notes


# ---------------------------------------------------------------- sandboxed execution


def execute_worker(notebook: Path, output: Path, progress: Path, cell_timeout: int, lo_up: bool) -> int:
    """Run inside the sandbox: execute every cell, saving the notebook and progress after each one."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    if lo_up:
        loopback_up()
    nb = nbformat.read(notebook, as_version=4)
    # A runaway cell is interrupted at its limit and the next cell runs, as nbgrader's Execute does.
    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, error_on_timeout=timeout_error(cell_timeout),
                            record_timing=False, resources={"metadata": {"path": str(notebook.parent)}})
    log = Path(os.environ.get("COURSE_CHECK_LOG", notebook.with_suffix(".log")))
    state: dict = {"spans": {}}

    def save(**changes) -> None:
        state.update(changes)
        tmp = progress.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, progress)  # atomic: the grader may read it right after killing us

    def size() -> int:
        return log.stat().st_size if log.exists() else 0

    def started(cell, cell_index, **_):
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        if cell.get("cell_type") == "code":  # nbclient announces markdown cells too, but never runs them
            state["spans"][str(cell_index)] = [size(), None]
        save(cell=cell_index, kernel_pid=pid)

    def executed(cell, cell_index, execute_reply=None, **_):
        # Which log lines this cell wrote: lets the grader insist that the instructor's own checks ran.
        state["spans"][str(cell_index)][1] = size()
        content = (execute_reply or {}).get("content", {})
        if content.get("ename") == TIMEOUT_ENAME and not any(o.get("ename") == TIMEOUT_ENAME for o in cell.outputs):
            cell.outputs.append(nbformat.v4.new_output("error", ename=TIMEOUT_ENAME, evalue=content.get("evalue", ""),
                                                       traceback=[]))
        save()
        nbformat.write(nb, output)

    client.on_cell_start, client.on_cell_executed = started, executed
    status = "ok"
    try:
        client.execute()
    except DeadKernelError:
        status = "the kernel died (the notebook crashed Python or exited)"
    except Exception as err:  # anything else that stops the run is reported, not raised
        status = f"execution stopped: {type(err).__name__}: {str(err).strip().splitlines()[-1][:200]}"
    nbformat.write(nb, output)
    save(status=status, done=True)
    return 0


@dataclass
class Run:
    """What happened when one notebook was executed."""

    status: str
    seconds: float
    checks: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    stopped_at: int | None = None
    executed: dict | None = None
    labels: list[str] = field(default_factory=list)
    owned: dict[str, list[int]] = field(default_factory=dict)  # exercise -> the instructor's cells checking it
    failed_cells: dict[int, tuple[str, str]] = field(default_factory=dict)  # every cell that raised

    def where(self, index: int) -> str:
        """A cell as the student knows it: by its number in their notebook."""
        return self.labels[index] if 0 <= index < len(self.labels) else f"cell {index + 1}"


def cell_labels(nb: dict) -> list[str]:
    """For each cell of a prepared notebook, its name in the student's own numbering."""
    labels, n = [], 0
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get(ADDED):
            labels.append(f"the grader's check after cell {n}")
        else:
            n += 1
            labels.append(f"cell {n}")
    return labels


def timeout_error(cell_timeout: int) -> dict:
    """The error a cell stopped at its time limit shows (the same words under both graders)."""
    return {"ename": TIMEOUT_ENAME, "evalue": f"the cell ran longer than {cell_timeout} s and was stopped",
            "traceback": [f"{TIMEOUT_ENAME}: the cell ran longer than {cell_timeout} s and was stopped"]}


def read_checks(log: Path, state: dict) -> list[dict]:
    """The checks logged while a notebook ran, each with the index of the cell that wrote it."""
    if not log.exists():
        return []
    spans = {int(k): v for k, v in state.get("spans", {}).items()}
    checks, offset = [], 0
    for raw in log.read_bytes().splitlines(keepends=True):
        try:
            entry = json.loads(raw)
        except ValueError:  # a line cut short by a kill
            continue
        entry["cell"] = next((i for i, (a, b) in spans.items() if a <= offset < (b if b is not None else 1 << 62)),
                             None)
        checks.append(entry)
        offset += len(raw)
    return checks


def run_notebook(nb: dict, work: Path, name: str, artefacts: Path, timeout: int, prefix: list[str],
                 student: str = "student", cell_timeout: int = CELL_TIMEOUT) -> Run:
    """Execute ``nb`` in the sandbox with a wall-clock limit; collect checks, errors, status."""
    import nbformat

    work.mkdir(parents=True, exist_ok=True)
    inp, out = work / f"{name}.input.ipynb", work / f"{name}.ipynb"
    log, progress = work / f"{name}.checks.jsonl", work / f"{name}.progress.json"
    for f in (out, log, progress):
        f.unlink(missing_ok=True)
    inp.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    # COURSE_ROOT: the submission runs outside the course folder, and its setup cell must still find it.
    env = dict(os.environ, **grading_env(ROOT, student, artefacts), COURSE_CHECK_LOG=str(log),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    cmd = [*prefix, sys.executable, str(Path(__file__).resolve()), "--execute-one", str(inp), str(out),
           str(progress), "--timeout", str(cell_timeout), *(["--lo-up"] if "--net" in prefix else [])]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        tail = proc.communicate(timeout=timeout)[0]
        status = None
    except subprocess.TimeoutExpired:
        kill(proc, progress, bool(prefix))
        tail, status = b"", f"stopped at the {timeout} s time limit"
    seconds = time.perf_counter() - start
    sweep(work)
    state = {}
    if progress.exists():
        try:
            state = json.loads(progress.read_text())
        except ValueError:
            pass
    if status is None:
        last = (tail.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        status = state.get("status") or f"the grader's worker failed: {last[:200]}"
    run = Run(status, seconds, labels=cell_labels(nb))
    for i, cell in enumerate(nb["cells"]):
        if cell.get("metadata", {}).get(OWNED):
            for g in graded_exercises({"cells": [cell]}):
                run.owned.setdefault(g.exercise, []).append(i)
    run.checks = read_checks(log, state)
    if out.exists():
        try:
            run.executed = nbformat.read(out, as_version=4)
        except Exception:  # a half-written file after a kill: no outputs to report
            run.executed = None
    if not state.get("done"):
        run.stopped_at = state.get("cell")
    if run.executed:
        for i, cell in enumerate(run.executed.cells):
            for o in cell.get("outputs", []):
                if o.get("output_type") == "error":
                    evalue = str(o.get("evalue") or "").strip()
                    run.failed_cells[i] = (o.get("ename", "Error"), evalue.splitlines()[0][:200] if evalue else "")
        # An error in a cell the grader added repeats the student's cell above it: list the student's only.
        run.errors = [(i, *e) for i, e in sorted(run.failed_cells.items())
                      if not run.executed.cells[i].get("metadata", {}).get(ADDED)]
    return run


# ---------------------------------------------------------------- scoring


@dataclass
class Line:
    """One row of grades.csv with the comment that goes into the feedback."""

    student: str
    notebook: str
    exercise: Exercise
    points: float
    comment: str


def _check_cell(nb: dict | None, exercise: str) -> int | None:
    if nb is None:
        return None
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "code" and any(g.exercise == exercise for g in graded_exercises({"cells": [cell]})):
            return i
    return None


def _why_unchecked(run: Run, ex: Exercise, prev_cell: int) -> str:
    """Why an exercise never reached its check: not attempted, a crash, or the time limit."""
    cell = _check_cell(run.executed, ex.id)
    if run.stopped_at is not None and (cell is None or run.stopped_at <= cell):
        return f"Not reached: {run.status} (in {run.where(run.stopped_at)})."
    if cell is None:
        return "Never checked: the cell that checks this exercise is missing or never ran."
    window = [e for e in run.errors if prev_cell < e[0] <= cell]
    unfinished = [e for e in run.errors if e[0] <= cell and e[1] == "NotImplementedError"]
    # A NameError at the check usually means the unfinished solution above never defined the name.
    if any(e[1] == "NotImplementedError" for e in window) or (window and window[0][1] == "NameError" and unfinished):
        return "Not attempted: the solution cell still raises NotImplementedError."
    if window:
        i, ename, evalue = window[0]  # the first error is the cause; later ones usually follow from it
        return f"Not checked: {run.where(i)} raised {ename}: {evalue}".rstrip(": ") + "."
    return "Never checked: the check did not run (was it removed from the solution cell?)."


def score(student: str, name: str, lesson: Lesson, run: Run) -> list[Line]:
    """Full points for an exercise when every check of it passed during the run, else 0 with the reason."""
    lines, prev = [], -1
    for ex in lesson.exercises:
        if ex.manual:
            lines.append(Line(student, name, ex, 0.0, f"manual: your instructor grades this answer by hand "
                                                       f"({_fmt(ex.manual)} points, not in this total)."))
            continue
        mine = [c for c in run.checks if c.get("exercise") == ex.id]
        # Every check the instructor wrote must have run: a student's own extra check cannot stand in for it.
        skipped = [i for i in run.owned.get(ex.id, []) if not any(c.get("cell") == i for c in mine)]
        if not mine:
            lines.append(Line(student, name, ex, 0.0, _why_unchecked(run, ex, prev)))
        elif not all(c.get("passed") for c in mine):
            bad = next(c for c in mine if not c.get("passed"))
            lines.append(Line(student, name, ex, 0.0, str(bad.get("message", "Wrong answer."))))
        elif skipped:
            ename, evalue = run.failed_cells.get(skipped[0], ("", ""))
            why = f"raised {ename}: {evalue}".rstrip(": ") if ename else "did not run"
            lines.append(Line(student, name, ex, 0.0, f"Not checked: the check in {run.where(skipped[0])} {why}."))
        else:
            lines.append(Line(student, name, ex, ex.max_points, str(mine[-1].get("message", "Correct."))))
        cell = _check_cell(run.executed, ex.id)
        prev = cell if cell is not None else prev
    return lines


# ---------------------------------------------------------------- reports


def _fmt(x: float) -> str:
    return f"{x:g}"


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name)


def feedback(student: str, results: list[tuple[str, Run | None, list[Line], list[str]]]) -> str:
    """A short markdown page for one student: totals, a line per exercise, what went wrong."""
    got = sum(ln.points for _, _, lines, _ in results for ln in lines)
    full = sum(ln.exercise.max_points for _, _, lines, _ in results for ln in lines)
    out = [f"# Feedback for {student}", "", f"**Total: {_fmt(got)} / {_fmt(full)} points**", ""]
    for name, run, lines, notes in results:
        sub = sum(ln.points for ln in lines)
        out += [f"## {name}: {_fmt(sub)} / {_fmt(sum(ln.exercise.max_points for ln in lines))} points", ""]
        if run is not None:
            out += [f"Ran in {run.seconds:.1f} s; {run.status if run.status != 'ok' else 'ran to the end'}.", ""]
        for note in notes:
            out.append(f"- {note}")
        if notes:
            out.append("")
        if lines:
            out += ["| exercise | points | comment |", "|---|---:|---|"]
            for ln in lines:
                comment = ln.comment.replace("|", "\\|").replace("\n", " ")
                title = ln.exercise.title.replace("|", "\\|")
                pts = "manual" if ln.exercise.manual else f"{_fmt(ln.points)} / {_fmt(ln.exercise.max_points)}"
                out.append(f"| {title} (`{ln.exercise.id}`) | {pts} | {comment} |")
            out.append("")
        if run is not None and run.errors:
            shown = "; ".join(f"{run.where(i)}: {e}" + (f" ({v})" if v else "") for i, e, v in run.errors[:8])
            more = f" and {len(run.errors) - 8} more" if len(run.errors) > 8 else ""
            out += [f"Cells that raised an error: {shown}{more}.", ""]
    return "\n".join(out)


def grade_student(student: str, subs: dict[str, Path], lessons: dict[str, Lesson], expected: list[str],
                  out: Path, timeout: int, prefix: list[str], say, cell_timeout: int = CELL_TIMEOUT) -> list:
    """Grade one student's notebooks in lesson order (they share one artefact folder)."""
    work = out / "work" / _safe(student)
    shutil.rmtree(work, ignore_errors=True)
    results = []
    for nn in expected:
        lesson = lessons[nn]
        name = lesson.path.name
        zero = [Line(student, name, ex, 0.0, "Not submitted.") for ex in lesson.exercises]
        if nn not in subs:
            results.append((name, None, zero, [f"No notebook {nn} was submitted."]))
            continue
        try:
            submitted = json.loads(subs[nn].read_text(encoding="utf-8"))
            if not isinstance(submitted, dict) or not isinstance(submitted.get("cells"), list):
                raise ValueError("no cells")
            nb, notes = prepare(submitted, lesson.nb)
            if submitted.get("metadata", {}).get("course_edition") == "nbgrader" or any(
                    "nbgrader" in c.get("metadata", {}) for c in submitted["cells"] if isinstance(c, dict)):
                notes.insert(0, WRONG_FLOW)
        except Exception as err:  # any malformed file: report it and grade the next one
            why = f"{subs[nn].name} could not be read as a notebook ({type(err).__name__}); nothing was run."
            results.append((name, None, [Line(student, name, ex, 0.0, "Not graded: unreadable notebook.")
                                         for ex in lesson.exercises], [why]))
            say(f"{student:>16}  {name}: unreadable")
            continue
        try:
            run = run_notebook(nb, work, lesson.path.stem, work / "artefacts", timeout, prefix, student, cell_timeout)
            lines = score(student, name, lesson, run)
        except Exception as err:  # a fault of the grader itself: say so, and go on with the others
            why = f"The grader failed on this notebook ({type(err).__name__}: {err}); grade it by hand."
            results.append((name, None, [Line(student, name, ex, 0.0, "Not graded.") for ex in lesson.exercises],
                            [why]))
            say(f"{student:>16}  {name}: grader error {type(err).__name__}: {err}")
            continue
        executed = out / "executed" / _safe(student)
        executed.mkdir(parents=True, exist_ok=True)
        if (work / f"{lesson.path.stem}.ipynb").exists():
            shutil.copy(work / f"{lesson.path.stem}.ipynb", executed / name)
        results.append((name, run, lines, notes))
        say(f"{student:>16}  {name}: {_fmt(sum(ln.points for ln in lines))}/"
            f"{_fmt(sum(ln.exercise.max_points for ln in lines))} points in {run.seconds:.1f} s ({run.status})")
    return results


def grade(submissions: Path, source: Path = SOURCE, out: Path = OUT, timeout: int = 180, jobs: int = 1,
          cut_network: bool = True, only: list[str] | None = None, quiet: bool = False,
          cell_timeout: int = CELL_TIMEOUT) -> dict:
    """Grade every submission in ``submissions``; returns {student: results} and writes the reports."""
    submissions, source, out = submissions.resolve(), source.resolve(), out.resolve()
    if not submissions.is_dir():
        raise SystemExit(f"error: {submissions} is not a folder of submissions.")
    available = {path.name[:2] for path in lesson_files(source)}
    found, skipped = find_submissions(submissions)
    for subs in found.values():
        for nn in [nn for nn in subs if nn not in available]:
            skipped.append(f"{subs.pop(nn)}: there is no lesson {nn} in {source}")
    found = {s: subs for s, subs in found.items() if subs}
    if not found:
        raise SystemExit(f"error: no submitted lesson notebooks in {submissions} (see docs/teaching.md).")
    expected = sorted(only or {nn for subs in found.values() for nn in subs})
    if set(expected) - available:
        raise SystemExit(f"error: no lesson {', '.join(sorted(set(expected) - available))} in {source}.")
    lessons = load_lessons(source, expected)
    prefix, net_note = sandbox() if cut_network else ([], "network NOT cut: --no-sandbox was given")
    lock = Lock()

    def say(msg: str) -> None:
        if not quiet:
            with lock:
                print(msg, flush=True)

    say(f"Grading {sum(len(s) for s in found.values())} notebook(s) of {len(found)} student(s); "
        f"{cell_timeout} s limit per cell and {timeout} s per notebook, {jobs} at a time; {net_note}.")
    for msg in skipped:
        say(f"skipped: {msg}")
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {s: pool.submit(grade_student, s, found[s], lessons, expected, out, timeout, prefix, say,
                                   cell_timeout)
                   for s in sorted(found)}
        results = {s: f.result() for s, f in futures.items()}
    write_reports(out, results, net_note, timeout, skipped, cell_timeout)
    say(f"Wrote {out / 'grades.csv'}, {out / 'summary.md'} and {len(results)} feedback file(s) in {out / 'feedback'}.")
    return results


def write_reports(out: Path, results: dict, net_note: str, timeout: int, skipped: list[str],
                  cell_timeout: int = CELL_TIMEOUT) -> None:
    """grades.csv, feedback/<student>.md and summary.md."""
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "notebook", "exercise", "points", "max_points"])
        for student, rows in results.items():
            for _, _, lines, _ in rows:
                for ln in lines:
                    w.writerow([student, ln.notebook, ln.exercise.id, _fmt(ln.points), _fmt(ln.exercise.max_points)])
    (out / "feedback").mkdir(exist_ok=True)
    for student, rows in results.items():
        (out / "feedback" / f"{_safe(student)}.md").write_text(feedback(student, rows) + "\n", encoding="utf-8")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = [f"# Grading summary ({when})", "", f"- {net_note}", f"- time limit {cell_timeout} s per cell, {timeout} s per notebook", ""]
    md += ["| student | notebook | points | time (s) | status |", "|---|---|---:|---:|---|"]
    for student, rows in results.items():
        for name, run, lines, notes in rows:
            pts = f"{_fmt(sum(ln.points for ln in lines))} / {_fmt(sum(ln.exercise.max_points for ln in lines))}"
            md.append(f"| {student} | {name} | {pts} | {f'{run.seconds:.1f}' if run else '-'} | "
                      f"{run.status if run else (notes[0] if notes else 'not run')} |")
    if skipped:
        md += ["", "Skipped files:", *[f"- {s}" for s in skipped]]
    (out / "summary.md").write_text("\n".join(md) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--execute-one":
        p = argparse.ArgumentParser(prog="grade.py --execute-one")
        p.add_argument("notebook", type=Path)
        p.add_argument("output", type=Path)
        p.add_argument("progress", type=Path)
        p.add_argument("--timeout", type=int, default=180)
        p.add_argument("--lo-up", action="store_true")
        a = p.parse_args(argv[1:])
        return execute_worker(a.notebook, a.output, a.progress, a.timeout, a.lo_up)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="folder of submitted notebooks")
    parser.add_argument("--source", type=Path, default=SOURCE, help="folder of instructor notebooks (with solutions)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for grades.csv, feedback/ and executed/")
    parser.add_argument("--timeout", type=int, default=180, help="wall-clock seconds allowed per notebook")
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT,
                        help="seconds one cell may run before it is stopped and the next one runs")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help=f"students graded at once (default: the number of CPU cores, {os.cpu_count()} here)")
    parser.add_argument("--only", nargs="*", metavar="NN", help="lessons every student must submit (default: any submitted)")
    parser.add_argument("--no-sandbox", action="store_true", help="do not try to cut the network")
    args = parser.parse_args(argv)
    grade(args.submissions, args.source, args.out, args.timeout, args.jobs, not args.no_sandbox, args.only,
          cell_timeout=args.cell_timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
