"""Done-when of issue 14, measured with tools/grade.py (read-only here): an untouched student edition scores 0,
the solution edition scores full marks for three different student ids.

Grading runs whole notebooks, so by default this checks a light subset (lesson 04: about 30 s on 2 idle cores, 1 to 2 minutes on busy ones).
The full measurement, every lesson 00-08 (about 7 minutes on 2 cores):

    COURSE_SCORE_LESSONS="00 01 02 03 04 05 06 07 08" python -m pytest tests/test_exercise_scores.py -q -s
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402
from student import lesson_files, student_edition  # noqa: E402

LESSONS = os.environ.get("COURSE_SCORE_LESSONS", "04").split()
SOLVED_BY = ("ana", "ben", "chloe")
TIMEOUT = 180


def _grade(tmp: Path, student: str, edition: str, monkeypatch) -> dict[str, tuple[float, float]]:
    """Grade ``student``'s submission of LESSONS (the instructor's or the student edition); points per lesson."""
    subs = tmp / f"subs-{student}" / student
    subs.mkdir(parents=True)
    for path in lesson_files(ROOT / "notebooks", LESSONS):
        nb = json.loads(path.read_text(encoding="utf-8"))
        if edition == "student":
            nb = student_edition(nb, path.name)
        (subs / path.name).write_text(json.dumps(nb), encoding="utf-8")
    # The grader passes its environment on: the submission is graded as this student (the contract's id).
    monkeypatch.setenv("COURSE_STUDENT_ID", student)
    monkeypatch.delenv("COURSE_EXERCISES_DIR", raising=False)
    out = tmp / f"out-{student}"
    grade.grade(subs.parent, ROOT / "notebooks", out, timeout=TIMEOUT, jobs=1, only=LESSONS, quiet=True)
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    scores: dict[str, tuple[float, float]] = {}
    for r in rows:
        got, most = scores.get(r["notebook"][:2], (0.0, 0.0))
        scores[r["notebook"][:2]] = (got + float(r["points"]), most + float(r["max_points"]))
    print(f"{student} ({edition} edition): " + ", ".join(f"{nn} {g:g}/{m:g}" for nn, (g, m) in sorted(scores.items())))
    return scores


@pytest.mark.parametrize("student", SOLVED_BY)
def test_the_solution_edition_scores_full_marks(student, tmp_path, monkeypatch):
    scores = _grade(tmp_path, student, "solution", monkeypatch)
    assert sorted(scores) == sorted(LESSONS)
    for nn, (got, most) in scores.items():
        assert most > 0 and got == most, f"{student}, lesson {nn}: {got:g} of {most:g}"


def test_an_untouched_student_edition_scores_zero(tmp_path, monkeypatch):
    scores = _grade(tmp_path, "untouched", "student", monkeypatch)
    assert sorted(scores) == sorted(LESSONS)
    for nn, (got, most) in scores.items():
        assert most > 0 and got == 0, f"lesson {nn}: an untouched notebook scored {got:g} of {most:g}"
