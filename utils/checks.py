"""Instant checks for exercises: pass, or a hint that says what is wrong without the answer.

Each lesson's exercises are data in ``data/exercises/NN.json`` (schema in CONTRIBUTING.md).
A learner calls ``check("05.dense-params", my_answer)`` after an exercise. Kinds:

- ``number``: a number within ``abs_tol`` / ``rel_tol`` of ``answer``; hints for too low / too high,
  and a "check your units" hint when the digits are right but the scale is not.
- ``choice``: one of a fixed set of strings (case-insensitive).
- ``array``: an array-like equal to ``answer`` (same shape, within ``abs_tol``).
- ``function``: a callable that returns ``expect`` for every case in ``cases``. A spec marked
  ``"hidden": true`` holds cases the learner never sees (its check sits in a hidden-test region).

A ``number`` or ``array`` exercise may be parameterised per student: ``inputs`` names each input's
grid and ``formula`` computes the answer from them (utils/exercises.py). ``inputs("02.egress-cost")``
gives this learner's inputs (from ``student_id()``), the learner's code computes from them, and
``check`` judges against the formula for those inputs, so a neighbour's number is wrong here.
The hand-out gets the specs from ``write_handout_specs`` (answers sealed, hidden specs left out).

Hidden tests (removed from the student edition, run by ``tools/grade.py``) either call ``check``
on an exercise of the spec or wrap plain asserts in ``graded``::

    with graded("05.dense-params-hidden", points=1):
        assert dense_params(10, 5) == 55

The exercise folder is ``data/exercises`` or the folder named by ``COURSE_EXERCISES_DIR``.
When ``COURSE_CHECK_LOG`` names a file, every check appends one JSON line to it (exercise,
passed, points, max_points, message): the autograder scores a notebook from that log.
When ``COURSE_CHECK_STRICT`` is set, a failed check or hidden test raises AssertionError with its
hint, which is how nbgrader scores a test cell (the nbgrader_config.py that `make nbgrader-course` writes sets it while grading).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from utils import exercises
from utils.errors import CourseError, number
from utils.exercises import (
    handout_spec,
    student_id,  # noqa: F401 - the contract's name lives here too
)
from utils.paths import data_dir

KINDS = {"number", "choice", "array", "function"}
# Where each kind finds its answer: the instructor's copy has answer/formula, the hand-out "sealed".
NEEDS = {"number": ("answer", "formula", "sealed"), "choice": ("answer", "sealed"),
         "array": ("answer", "formula", "sealed"), "function": ("cases",)}
# Factors a right number in the wrong unit is off by: k/M/G, percent, bits vs bytes, KiB vs bytes.
SCALES = [1e3, 1e-3, 1e6, 1e-6, 1e9, 1e-9, 100.0, 0.01, 8.0, 1 / 8, 1024.0, 1 / 1024]


@dataclass(frozen=True)
class Result:
    """Outcome of one check; truthy when it passed."""

    exercise: str
    passed: bool
    message: str
    points: float
    max_points: float = 0.0

    def __bool__(self) -> bool:
        return self.passed

    def _repr_html_(self) -> str:
        colour = "#1b7a3a" if self.passed else "#a4262c"
        mark = "&#10004;" if self.passed else "&#10008;"
        return f'<div style="color:{colour}"><b>{mark} {self.exercise}</b>: {self.message}</div>'

    def __repr__(self) -> str:
        return f"{'PASS' if self.passed else 'NOT YET'} {self.exercise}: {self.message}"


def exercise_dir() -> Path:
    """The folder of exercise specs: ``COURSE_EXERCISES_DIR`` if set, else the course's data/exercises."""
    override = os.environ.get("COURSE_EXERCISES_DIR")
    if override:
        return Path(override).expanduser()
    return data_dir() / "exercises"


_CACHE: dict[Path, tuple[tuple[int, int], dict]] = {}


def load_bank(notebook: str, folder: Path | None = None) -> dict:
    """The exercise specs of one notebook, keyed by exercise id (validated on load, re-read when edited)."""
    path = (exercise_dir() if folder is None else Path(folder)) / f"{notebook}.json"
    if not path.is_file():
        raise CourseError(f"No exercise file {path.name} in {path.parent} for notebook {notebook!r}.")
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise CourseError(f"{path.name} is not valid JSON (line {err.lineno}): fix that line.") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("exercises"), list):
        raise CourseError(f"{path.name} must be an object with an 'exercises' list.")
    specs = {}
    for item in doc["exercises"]:
        validate_spec(item, path.name)
        if item["id"] in specs:
            raise CourseError(f"{path.name}: exercise id {item['id']!r} appears twice.")
        if not item["id"].startswith(f"{notebook}."):
            raise CourseError(f"{path.name}: exercise id {item['id']!r} should start with '{notebook}.'.")
        specs[item["id"]] = item
    _CACHE[path] = (stamp, specs)
    return specs


def validate_spec(spec: dict, source: str) -> None:
    """Raise one sentence naming the file and exercise when a spec is malformed."""
    if not isinstance(spec, dict):
        raise CourseError(f"{source}: every exercise must be a JSON object, got {type(spec).__name__}.")
    ident = spec.get("id", "<no id>")
    where = f"{source}, exercise {ident!r}"
    for field in ("id", "kind", "title", "points"):
        if field not in spec:
            raise CourseError(f"{where}: missing field {field!r}.")
    if spec["kind"] not in KINDS:
        raise CourseError(f"{where}: kind {spec['kind']!r} is not one of {sorted(KINDS)}.")
    number(spec["points"], f"{where}: points", 0)
    need = NEEDS[spec["kind"]]
    if not any(k in spec for k in need):
        raise CourseError(f"{where}: a {spec['kind']} exercise needs {' or '.join(map(repr, need))}.")
    if spec["kind"] == "function" and not (isinstance(spec["cases"], list) and spec["cases"]):
        raise CourseError(f"{where}: 'cases' must be a non-empty list of {{'args': [...], 'expect': ...}}.")
    _validate_inputs(spec, where)


def _validate_inputs(spec: dict, where: str) -> None:
    """A parameterised spec needs grids for its inputs and a formula (or, in a hand-out, a sealed table)."""
    if "hidden" in spec and not isinstance(spec["hidden"], bool):
        raise CourseError(f"{where}: 'hidden' must be true or false.")
    if "inputs" not in spec:
        if "formula" in spec:
            raise CourseError(f"{where}: a formula needs 'inputs' to compute from.")
        return
    if spec["kind"] not in ("number", "array") or not isinstance(spec["inputs"], dict) or not spec["inputs"]:
        raise CourseError(f"{where}: only number and array exercises take 'inputs', a non-empty object.")
    if "answer" in spec:
        raise CourseError(f"{where}: a parameterised exercise computes its answer: give 'formula', not 'answer'.")
    for name, desc in spec["inputs"].items():
        exercises._grid(desc, f"{where}, input {name!r}")
    if "formula" in spec:
        exercises.evaluate(spec["formula"], exercises.inputs_of(spec, 0), where)
    elif not (isinstance(spec.get("sealed"), list) and len(spec["sealed"]) == exercises.VARIANTS):
        raise CourseError(f"{where}: a parameterised exercise needs a 'formula'.")


def spec(exercise: str) -> dict:
    """The spec of ``exercise`` ('NN.name')."""
    if not isinstance(exercise, str) or "." not in exercise:
        raise CourseError(f"Exercise id {exercise!r} should look like '05.dense-params'.")
    bank = load_bank(exercise.split(".", 1)[0])
    if exercise not in bank:
        raise CourseError(f"No exercise {exercise!r}; this notebook has: {', '.join(bank) or 'none'}.")
    return bank[exercise]


def _close(a: float, b: float, s: dict) -> bool:
    return math.isclose(a, b, rel_tol=s.get("rel_tol", 0.0), abs_tol=s.get("abs_tol", 1e-9))


def _rescaled(v: float, want: float, s: dict) -> bool:
    """Whether ``v`` is the answer in another unit (off by a factor in SCALES)."""
    return want != 0 and any(_close(v, want * f, s) for f in SCALES)


def _judge_number(s: dict, value, hints: dict, want) -> tuple[bool, str]:
    if isinstance(value, (bool, str)) or not hasattr(value, "__float__"):
        return False, hints.get("type", f"Expected a number, got {type(value).__name__}.")
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False, hints.get("type", "Expected one number, not a collection of them.")
    if math.isnan(v):
        return False, hints.get("nan", "Your answer is NaN: something upstream divided by zero or was empty.")
    if _close(v, float(want), s):
        return True, exercises.success(s, "Correct.")
    if _rescaled(v, float(want), s):
        return False, hints.get("scale", "Right digits, wrong scale: check your units (bits or bytes, ms or s, KB or MB, % or fraction).")
    side = "low" if v < want else "high"
    return False, hints.get(side, f"Not yet: your answer is too {side}.")


def _judge_array(s: dict, value, hints: dict, want) -> tuple[bool, str]:
    import numpy as np

    try:
        got = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False, hints.get("type", "Expected an array of numbers.")
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False, hints.get("shape", f"Expected shape {want.shape}, got {got.shape}.")
    if np.allclose(got, want, rtol=s.get("rel_tol", 0.0), atol=s.get("abs_tol", 1e-9)):
        return True, exercises.success(s, "Correct.")
    return False, hints.get("wrong", "Right shape, wrong values.")


def _judge_function(s: dict, value, hints: dict) -> tuple[bool, str]:
    if not callable(value):
        return False, hints.get("type", "Pass the function itself (its name, without calling it).")
    for index, case in enumerate(s["cases"]):
        args = case.get("args", [])
        try:
            got = value(*args, **case.get("kwargs", {}))
        except NotImplementedError:
            return False, hints.get("missing", "The function still raises NotImplementedError.")
        except Exception as err:  # a learner's bug: say which case broke it, not a traceback
            return False, f"Your function raised {type(err).__name__} for input {args}: {err}"
        if not _same(got, exercises.case_expect(s, case, index), s):
            return False, case.get("hint", hints.get("wrong", f"Wrong result for input {args}."))
    return True, exercises.success(s, "Correct on every test case.")


def _judge(s: dict, value) -> tuple[bool, str]:
    hints = s.get("hints", {})
    if value is None or value is Ellipsis:
        return False, hints.get("missing", "No answer yet: replace the placeholder with your answer.")
    kind = s["kind"]
    if kind == "function":
        return _judge_function(s, value, hints)
    want = exercises.answer(s, exercises.variant(exercises.group(s)) if "inputs" in s else 0)
    if kind == "number":
        return _judge_number(s, value, hints, want)
    if kind == "choice":
        given = str(value).strip().lower()
        if given == str(want).strip().lower():
            return True, exercises.success(s, "Correct.")
        return False, hints.get(given, hints.get("wrong", "Not that one: reread the cell above."))
    return _judge_array(s, value, hints, want)


def _same(got, expect, s: dict) -> bool:
    import numpy as np

    try:
        return bool(np.shape(got) == np.shape(expect)
                    and np.allclose(np.asarray(got, dtype=float), np.asarray(expect, dtype=float),
                                    rtol=s.get("rel_tol", 0.0), atol=s.get("abs_tol", 1e-9)))
    except (TypeError, ValueError):
        return bool(got == expect)


def _log(result: Result, source: str) -> None:
    """Append ``result`` to the grader's log when one is open (``COURSE_CHECK_LOG``)."""
    log = os.environ.get("COURSE_CHECK_LOG")
    if not log:
        return
    entry = {"exercise": result.exercise, "passed": result.passed, "points": result.points,
             "max_points": result.max_points, "message": result.message, "source": source}
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


class Inputs(dict):
    """A learner's inputs: a plain dict that prints as 'Your numbers: name = value; ...'."""

    def __repr__(self) -> str:
        return "Your numbers: " + "; ".join(f"{k} = {v!r}" for k, v in self.items())

    __str__ = __repr__


def inputs(exercise: str) -> Inputs:
    """This learner's own inputs for a parameterised exercise (a pure function of exercise and student id)."""
    s = spec(exercise)
    if "inputs" not in s:
        raise CourseError(f"Exercise {exercise!r} has no per-student inputs; its numbers are in the text.")
    return Inputs(exercises.inputs_of(s, exercises.variant(exercises.group(s))))


def _fill(message: str, s: dict) -> str:
    """A parameterised exercise's message with the learner's inputs filled in ("{cameras}")."""
    if "inputs" not in s:
        return message
    try:
        return message.format(**exercises.inputs_of(s, exercises.variant(exercises.group(s))))
    except (KeyError, IndexError, ValueError):
        return message


def check(exercise: str, value) -> Result:
    """Check a learner's answer to ``exercise``; returns a Result that shows pass or a hint."""
    s = spec(exercise)
    try:
        passed, message = _judge(s, value)
    except CourseError:
        raise
    except Exception as err:  # an odd value (e.g. a tensor that refuses comparison): a hint, not a traceback
        passed, message = False, f"Could not compare your answer ({type(value).__name__}): {err}"
    message = _fill(message, s)
    full = float(s["points"])
    result = Result(exercise, bool(passed), message, full if passed else 0.0, full)
    _log(result, "check")
    if not result.passed and os.environ.get("COURSE_CHECK_STRICT"):
        raise AssertionError(f"{exercise}: {message}")
    return result


@contextmanager
def graded(exercise: str, points: float | None = None) -> Iterator[None]:
    """A hidden test: the asserts inside earn ``points`` if none fails (else the failure is logged).

    ``points`` defaults to the spec's points when ``exercise`` is in the spec. A failing test
    is swallowed (and logged) so that one wrong answer does not stop the grading run.
    """
    if not isinstance(exercise, str) or "." not in exercise:
        raise CourseError(f"Exercise id {exercise!r} should look like '05.dense-params'.")
    if points is None:
        points = spec(exercise)["points"]
    number(points, f"The points of graded({exercise!r})", 0)
    try:
        yield
    except NotImplementedError:
        result = Result(exercise, False, "Not attempted: the code still raises NotImplementedError.", 0.0, points)
    except AssertionError as err:
        why = str(err).strip().splitlines()[0] if str(err).strip() else ""
        result = Result(exercise, False, f"A hidden test failed{': ' + why if why else '.'}", 0.0, points)
    except Exception as err:  # the learner's code broke inside the test: report it, keep grading
        result = Result(exercise, False, f"A hidden test raised {type(err).__name__}: {err}", 0.0, points)
    else:
        result = Result(exercise, True, "Hidden test passed.", float(points), float(points))
    _log(result, "graded")
    if not result.passed and os.environ.get("COURSE_CHECK_STRICT"):
        raise AssertionError(f"{exercise}: {result.message}")
    if not result.passed:
        print(repr(result))


def write_handout_specs(dest_dir, source_dir=None) -> list[Path]:
    """Write the hand-out's exercise specs into ``dest_dir``: no hidden exercise, no plain-text answer.

    ``source_dir`` defaults to the instructor's folder (``exercise_dir()``). Returns the
    files written. tools/student.py calls it in place of copying data/exercises.
    """
    source = Path(source_dir) if source_dir is not None else exercise_dir()
    dest = Path(dest_dir)
    if dest.resolve() == source.resolve():
        raise CourseError(f"The hand-out specs must go to another folder than the instructor's ({source}).")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(source.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        load_bank(path.stem, folder=source)  # refuse to hand out a broken spec
        public = [handout_spec(s) for s in doc["exercises"] if not s.get("hidden")]
        target = dest / path.name
        target.write_text(json.dumps({**doc, "exercises": public}, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        written.append(target)
    return written
