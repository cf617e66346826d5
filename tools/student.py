"""Make the student edition of the lessons: solutions out, hidden tests out, outputs cleared.

    python tools/student.py                 every notebook in notebooks/ -> build/student/
    python tools/student.py 05 06           only these lessons
    python tools/student.py --zip           also build/student/handout.zip (a runnable course folder)
    (for nbgrader, `make nbgrader-course DEST=folder` writes the nbgrader course: tools/nbgrader_course.py)
    python tools/student.py --source DIR --out DIR

It follows nbgrader's conventions to the letter, so a course already run with nbgrader can
take the same notebooks: a line holding ``BEGIN SOLUTION`` ... ``END SOLUTION`` (written
``### BEGIN SOLUTION`` in this course) becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()``
at the indentation of the marker (``YOUR ANSWER HERE`` in a markdown cell); a ``BEGIN HIDDEN TESTS``
... ``END HIDDEN TESTS`` region disappears, markers included; a cell whose nbgrader metadata
says ``solution: true`` but that has no markers is replaced whole. Everything else (cell ids,
metadata, markdown, the other code) is left as it is; outputs and execution counts are cleared.

The grader (tools/grade.py) imports the parsing below, so both tools read notebooks alike.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the course root holds utils/ and tools/
    sys.path.insert(0, str(ROOT))

from tools.nbio import dumps as _dump  # noqa: E402
from tools.nbio import set_source as _set_source  # noqa: E402
from tools.nbio import source_text  # noqa: E402

SOURCE = ROOT / "notebooks"
OUT = ROOT / "build" / "student"

# nbgrader's defaults (ClearSolutions / ClearHiddenTests), kept byte for byte.
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"

CHECK_RE = re.compile(r"""\bcheck\(\s*(['"])(?P<id>\d\d\.[\w.-]+)\1""")
GRADED_RE = re.compile(
    r"""\bgraded\(\s*(['"])(?P<id>\d\d\.[\w.-]+)\1\s*(?:,\s*(?:points\s*=\s*)?(?P<points>\d+(?:\.\d*)?))?"""
)
NOTEBOOK_RE = re.compile(r"^\d\d_\w+\.ipynb$")
# What a runnable hand-out needs besides the notebooks (tests/ and tools/ stay with the instructor).
HANDOUT = ["utils", "data", "pyproject.toml", "constraints.txt", "LICENSE", ".gitignore"]
# The hand-out's own README, Makefile and checker: they offer only what works there (open the course, check work).
HANDOUT_OWN = Path(__file__).resolve().parent / "handout"
EDITION_KEY, PLAIN = "course_edition", "plain"  # notebook metadata: which grader the hand-out is for
FLOW_NOTE = ("This is the plain student edition, for the course's grader (make grade). For nbgrader, release "
             "the nbgrader version instead: make nbgrader-course DEST=folder, then nbgrader generate_assignment.")


class EditionError(ValueError):
    """A notebook whose markers cannot be turned into a student edition (one sentence)."""


def _regions(text: str, begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """(first, last) line numbers of each begin..end region, markers included."""
    spans, start = [], None
    for i, line in enumerate(text.split("\n")):
        if begin in line:
            if start is not None:
                raise EditionError(f"{where}: a '{begin}' inside another one; close the first with '{end}'.")
            start = i
        elif end in line:
            if start is None:
                raise EditionError(f"{where}: '{end}' without a '{begin}' before it.")
            spans.append((start, i))
            start = None
    if start is not None:
        raise EditionError(f"{where}: '{begin}' is never closed with '{end}'.")
    return spans


def replace_solutions(text: str, stub: str, where: str = "cell") -> str:
    """``text`` with every solution region replaced by ``stub``, indented like its marker (nbgrader)."""
    lines, out, skip_until = text.split("\n"), [], -1
    starts = dict(_regions(text, BEGIN_SOLUTION, END_SOLUTION, where))
    for i, line in enumerate(lines):
        if i <= skip_until:
            continue
        if i in starts:
            indent = re.match(r"\s*", line).group(0)
            out.extend(indent + s for s in stub.split("\n"))
            skip_until = starts[i]
        else:
            out.append(line)
    return "\n".join(out)


def remove_hidden(text: str, where: str = "cell") -> str:
    """``text`` without its hidden-test regions (markers included), as nbgrader does."""
    drop = {i for a, b in _regions(text, BEGIN_HIDDEN, END_HIDDEN, where) for i in range(a, b + 1)}
    return "\n".join(line for i, line in enumerate(text.split("\n")) if i not in drop)


def solution_lines(text: str) -> list[str]:
    """The lines inside the solution regions of ``text`` (markers excluded)."""
    lines = text.split("\n")
    return [ln for a, b in _regions(text, BEGIN_SOLUTION, END_SOLUTION, "cell") for ln in lines[a + 1:b]]


def hidden_lines(text: str) -> list[str]:
    """The lines inside the hidden-test regions of ``text`` (markers excluded)."""
    lines = text.split("\n")
    return [ln for a, b in _regions(text, BEGIN_HIDDEN, END_HIDDEN, "cell") for ln in lines[a + 1:b]]


def is_solution_cell(cell: dict) -> bool:
    """Whether the learner owns this cell: it holds a solution region or nbgrader marks it as one."""
    text = source_text(cell)
    return BEGIN_SOLUTION in text or bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def is_test_cell(cell: dict) -> bool:
    """Whether the grader restores this cell from the instructor's copy: it checks and holds no solution."""
    text = source_text(cell)
    return cell.get("cell_type") == "code" and not is_solution_cell(cell) and (
        BEGIN_HIDDEN in text or bool(CHECK_RE.search(text)) or bool(GRADED_RE.search(text))
    )


def check_lines(text: str) -> list[str]:
    """Top-level one-line ``check(...)`` calls outside the solution regions of a cell."""
    public = replace_solutions(text, "") if BEGIN_SOLUTION in text else text
    found = []
    for line in public.split("\n"):
        if line[:1].strip() and CHECK_RE.search(line):
            try:
                compile(line, "<check>", "exec")
            except SyntaxError:  # part of a longer statement: cannot be lifted out on its own
                continue
            found.append(line)
    return found


@dataclass(frozen=True)
class Graded:
    """An exercise the grader scores in a notebook; ``points`` is None when the spec holds them."""

    exercise: str
    points: float | None
    cell: int


def graded_exercises(nb: dict) -> list[Graded]:
    """Every exercise a notebook checks (visible or hidden), first appearance first."""
    found: dict[str, Graded] = {}
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        text = source_text(cell)
        matches = sorted([*GRADED_RE.finditer(text), *CHECK_RE.finditer(text)], key=lambda m: m.start())
        for m in matches:
            pts = float(m["points"]) if m.re is GRADED_RE and m["points"] else None
            old = found.get(m["id"])
            if old is None or (old.points is None and pts is not None):
                found[m["id"]] = Graded(m["id"], pts, old.cell if old else index)
    return list(found.values())


def student_edition(nb: dict, name: str = "notebook") -> dict:
    """The student edition of a notebook (a new dict; the source is left untouched)."""
    out = copy.deepcopy(nb)
    for index, cell in enumerate(out["cells"]):
        where = f"{name}, cell {index + 1}"
        text = source_text(cell)
        code = cell.get("cell_type") == "code"
        # A stray END marker usually means a mistyped BEGIN, which would leak the solution: refuse it.
        has_solution = BEGIN_SOLUTION in text or END_SOLUTION in text
        if has_solution and (BEGIN_HIDDEN in text or END_HIDDEN in text):
            raise EditionError(f"{where}: put hidden tests in their own cell, not in a solution cell.")
        if has_solution:
            text = replace_solutions(text, CODE_STUB if code else TEXT_STUB, where)
        elif cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            text = CODE_STUB if code else TEXT_STUB
        if BEGIN_HIDDEN in text or END_HIDDEN in text:
            text = remove_hidden(text, where)
        _set_source(cell, text)
        if code:
            cell["outputs"], cell["execution_count"] = [], None
    out.get("metadata", {}).pop("celltoolbar", None)
    out.setdefault("metadata", {})[EDITION_KEY] = PLAIN  # nbgrader's hooks refuse it with one sentence
    return out


def lesson_files(source: Path, ids: list[str] | None = None) -> list[Path]:
    """The lesson notebooks in ``source`` (NN_name.ipynb), optionally only the given ids."""
    files = sorted(p for p in source.glob("*.ipynb") if NOTEBOOK_RE.match(p.name))
    return [p for p in files if not ids or p.name[:2] in ids]


def make_handout(out: Path, files: list[Path]) -> Path:
    """A zip of a runnable course folder whose notebooks are the student editions."""
    target = out / "handout.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in HANDOUT:
            path = ROOT / name
            items = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for item in items:
                # data/exercises holds the answer key: the hand-out gets sealed specs instead (utils.exercises).
                if "__pycache__" not in item.parts and not item.is_relative_to(ROOT / "data" / "exercises"):
                    zf.write(item, Path("course") / item.relative_to(ROOT))
        from utils.checks import write_handout_specs

        for spec in write_handout_specs(out / "handout-exercises"):
            zf.write(spec, Path("course") / "data" / "exercises" / spec.name)
        for item in sorted(HANDOUT_OWN.iterdir()):
            if item.is_file():
                zf.write(item, Path("course") / item.name)
        for f in files:
            zf.write(f, Path("course") / "notebooks" / f.name)
    return target


def points_of(exercise: str, literal: float | None) -> float:
    """An exercise's points: written in ``graded(..., points=N)``, else from its spec."""
    if literal is not None:
        return literal
    from utils.checks import spec

    return spec(exercise)["points"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ids", nargs="*", help="lesson ids such as 05 (default: every lesson)")
    parser.add_argument("--source", type=Path, default=SOURCE, help="folder of instructor notebooks")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the student editions")
    parser.add_argument("--zip", action="store_true", help="also write OUT/handout.zip, a runnable course folder")
    args = parser.parse_args(argv)
    files = lesson_files(args.source, args.ids)
    if not files:
        print(f"No lesson notebooks (NN_name.ipynb) in {args.source}.", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    written, failed = [], 0
    for path in files:
        nb = json.loads(path.read_text(encoding="utf-8"))
        target = args.out / path.name
        try:
            student = student_edition(nb, path.name)
        except ValueError as err:  # EditionError, or CourseError for a check without a spec
            # Never leave an old edition behind: a stale copy could still hold a solution since removed.
            target.unlink(missing_ok=True)
            why = str(err) if path.name in str(err) else f"{path.name}: {err}"
            print(f"error: {why} No student edition of {path.name} was written.", file=sys.stderr)
            failed += 1
            continue
        target.write_text(_dump(student), encoding="utf-8")
        written.append(target)
        texts = [source_text(c) for c in nb["cells"]]
        n_sol = sum(len(_regions(t, BEGIN_SOLUTION, END_SOLUTION, path.name)) for t in texts)
        n_hid = sum(len(_regions(t, BEGIN_HIDDEN, END_HIDDEN, path.name)) for t in texts)
        print(f"{path.name}: {n_sol} solution(s) replaced, {n_hid} hidden test region(s) removed "
              f"-> {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    if args.zip:
        print(f"hand-out: {make_handout(args.out, written)}")
    print(FLOW_NOTE)
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
