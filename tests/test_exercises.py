"""Per-student exercises: ids, inputs, answers graded for three students, hidden cases, a hand-out without a key."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from utils import checks, exercises
from utils.checks import check
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from student import BEGIN_HIDDEN, hidden_lines, solution_lines, source_text  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[0-8]_*.ipynb"))
LESSONS = [f"0{n}" for n in range(9)]
STUDENTS = ("ana", "ben", "chloe")
TRACKS = {"cloud (01-04)": ("01", "02", "03", "04"), "TinyML (05-08)": ("05", "06", "07", "08")}


@pytest.fixture(autouse=True)
def _instructor_specs(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_EXERCISES_DIR", raising=False)
    monkeypatch.delenv("COURSE_CHECK_LOG", raising=False)
    monkeypatch.delenv("COURSE_CHECK_STRICT", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))


def all_specs() -> dict:
    return {k: v for nn in LESSONS for k, v in checks.load_bank(nn).items()}


def parameterised() -> list[str]:
    return [k for k, s in all_specs().items() if "inputs" in s]


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- student id and inputs
def test_student_id_prefers_the_graders_id_then_the_hub_then_the_progress_file(monkeypatch):
    from utils.progress import learner_id

    assert exercises.student_id() == learner_id()  # neither variable set: the course's own learner id
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-user")
    assert exercises.student_id() == "hub-user"
    monkeypatch.setenv("COURSE_STUDENT_ID", "ana")
    assert checks.student_id() == "ana"


def test_inputs_are_stable_per_student_across_processes(monkeypatch):
    monkeypatch.setenv("COURSE_STUDENT_ID", "ana")
    here = {ex: dict(checks.inputs(ex)) for ex in parameterised()}
    code = ("import json; from utils import checks; from utils.exercises import student_id; "
            f"print(json.dumps({{ex: checks.inputs(ex) for ex in {parameterised()!r}}}))")
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "COURSE_STUDENT_ID": "ana", "PYTHONHASHSEED": "7"})
    assert json.loads(other.stdout) == json.loads(json.dumps(here))


def test_inputs_differ_between_students(monkeypatch):
    seen: dict[str, set] = {ex: set() for ex in parameterised()}
    for i in range(40):
        monkeypatch.setenv("COURSE_STUDENT_ID", f"student-{i}")
        for ex in seen:
            seen[ex].add(json.dumps(checks.inputs(ex), sort_keys=True))
    for ex, variants in seen.items():
        assert len(variants) >= 4, f"{ex}: 40 students share only {len(variants)} sets of inputs"
    monkeypatch.setenv("COURSE_STUDENT_ID", STUDENTS[0])
    first = {ex: checks.inputs(ex) for ex in seen}
    for sid in STUDENTS[1:]:
        monkeypatch.setenv("COURSE_STUDENT_ID", sid)
        assert sum(checks.inputs(ex) != first[ex] for ex in seen) >= len(seen) - 3


def test_a_fixed_exercise_has_no_inputs():
    with pytest.raises(CourseError, match="no per-student inputs"):
        checks.inputs("01.missed-frames")


def test_the_course_parameterises_its_number_exercises():
    specs = all_specs()
    numbers = [k for k, s in specs.items() if s["kind"] in ("number", "array")]
    assert len(parameterised()) >= 14 and len(parameterised()) / len(numbers) >= 0.6
    for ex in parameterised():
        assert "answer" not in specs[ex]


# ----------------------------------------------------------------------------- the notebooks' solutions, three students
def _exercise_cells(path: Path) -> list[tuple[str, str]]:
    """(solution cell, following check cell) pairs of every cell that reads per-student inputs."""
    cells = [c for c in _nb(path)["cells"] if c["cell_type"] == "code"]
    pairs = []
    for i, cell in enumerate(cells):
        text = source_text(cell)
        if re.search(r"\binputs\(\"\d\d\.", text):
            after = source_text(cells[i + 1]) if i + 1 < len(cells) and "check(" in source_text(cells[i + 1]) else ""
            pairs.append((text, after if "check(" not in text else ""))
    return pairs


def _namespace() -> dict:
    """What the lessons' setup cells import before the exercises."""
    import numpy as np

    from utils import board_sim, network

    return {"network": network, "board_sim": board_sim, "np": np, "math": math, "check": check,
            "inputs": checks.inputs, "display": lambda *a: None}


def _run_solution(text: str, after: str, space: dict, log: Path, monkeypatch) -> list[dict]:
    monkeypatch.setenv("COURSE_CHECK_LOG", str(log))
    log.unlink(missing_ok=True)
    exec(compile(text, "<solution>", "exec"), space)  # noqa: S102 - the course's own notebook code
    public = re.sub(rf"### {BEGIN_HIDDEN}.*?### END HIDDEN TESTS", "", after, flags=re.S)
    if public:
        exec(compile(public, "<check>", "exec"), space)  # noqa: S102
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.parametrize("student", STUDENTS)
def test_the_solutions_compute_each_students_answer(student, monkeypatch, tmp_path):
    """The instructor's solution cells, run as student X, pass X's checks; X's answers fail for a neighbour."""
    monkeypatch.setenv("COURSE_STUDENT_ID", student)
    checked = {}
    for path in NOTEBOOKS:
        space = _namespace()
        for text, after in _exercise_cells(path):
            for entry in _run_solution(text, after, space, tmp_path / "log.jsonl", monkeypatch):
                checked[entry["exercise"]] = entry["passed"]
    assert set(parameterised()) <= set(checked), f"not checked: {set(parameterised()) - set(checked)}"
    assert all(checked[ex] for ex in parameterised()), {k: v for k, v in checked.items() if not v}


def test_a_neighbours_answer_is_wrong_here(monkeypatch):
    specs = all_specs()
    wrong = 0
    for ex in parameterised():
        s = specs[ex]
        monkeypatch.setenv("COURSE_STUDENT_ID", "ana")
        ana = exercises.answer(s, exercises.variant(exercises.group(s)))
        monkeypatch.setenv("COURSE_STUDENT_ID", "ben")
        wrong += not check(ex, ana)
    # A small grid can give two students the same answer now and then; here at most two of the exercises.
    assert wrong >= len(parameterised()) - 2


def test_the_hints_survive_parameterisation(monkeypatch):
    monkeypatch.setenv("COURSE_STUDENT_ID", "chloe")
    s = checks.spec("02.egress-cost")
    right = exercises.answer(s, exercises.variant("02.egress-cost"))
    assert "too" in check("02.egress-cost", right * 0.5).message.lower() or check("02.egress-cost",
                                                                                     right * 0.5).message
    assert "units" in check("04.speaker-bytes", exercises.answer(checks.spec("04.speaker-bytes"),
                                                                   exercises.variant("04.speaker-bytes")) * 8).message
    assert check("02.egress-cost", right).passed


# ----------------------------------------------------------------------------- hidden tests and function exercises
def test_every_lesson_has_a_hidden_test_worth_points():
    specs = all_specs()
    for path in NOTEBOOKS[1:]:
        hidden = "\n".join(line for c in _nb(path)["cells"] for line in hidden_lines(source_text(c)))
        ids = re.findall(r"""(?:check|graded)\(\s*["'](\d\d\.[\w.-]+)["']\s*(?:,\s*points\s*=\s*(\d+))?""", hidden)
        worth = [i for i, pts in ids if (pts and int(pts) > 0) or (i in specs and specs[i]["points"] > 0)]
        assert worth, f"{path.name} has no hidden test worth points"


def _memorised(spec: dict):
    """A 'function' that only knows the visible cases: what a learner who hard-codes them would hand in."""
    table = {json.dumps(c["args"]): c["expect"] for c in spec["cases"]}
    return lambda *args: table[json.dumps(list(args))]


def test_function_exercises_per_track_and_hidden_cases_catch_a_memorised_function():
    specs = all_specs()
    for track, lessons in TRACKS.items():
        visible = [k for k, s in specs.items() if s["kind"] == "function" and not s.get("hidden")
                   and k[:2] in lessons]
        assert len(visible) >= 3, f"{track}: {visible}"
        for ex in visible:
            hidden = specs.get(f"{ex.removesuffix('-function')}-hidden") or specs.get(f"{ex}-hidden")
            assert hidden and hidden.get("hidden"), f"{ex} has no hidden cases"
            fake = _memorised(specs[ex])
            assert check(ex, fake), f"{ex}: the memorised function should pass the visible cases"
            assert not check(hidden["id"], fake), f"{hidden['id']} does not catch a memorised function"
            seen = {json.dumps(c["args"]) for c in specs[ex]["cases"]}
            assert not seen & {json.dumps(c["args"]) for c in hidden["cases"]}, f"{hidden['id']} repeats a case"


@pytest.mark.parametrize("exercise, wrong", [
    ("01.upload-ms-hidden", lambda n, mbps: n * 8 / (mbps * 1024)),  # KiB-ish bit rate
    ("02.downtime-hidden", lambda a: (1 - a) * 30 * 24 * 60),  # a 30-day month
    ("03.average-mw-hidden", lambda active, sleep, duty: duty * active + sleep),  # sleep counted all the time
    ("04.audio-bytes-hidden", lambda s, rate, bits: s * rate * 2),  # always 16-bit
    ("05.conv-macs-hidden", lambda h, w, f, kh, kw, c: h * w * f * kh * kw),  # input channels forgotten
    ("06.my-quantize-hidden", lambda x, s, z: int(round(x / s)) + z),  # no saturation
    ("07.requantize-hidden", lambda acc, qm, sh, zp: int(acc * qm / 2 ** (31 - sh)) + zp),  # truncates, no clamp
    ("08.p99-hidden", lambda xs: float(sorted(xs)[-1])),  # the maximum
])
def test_hidden_cases_catch_a_wrong_function(exercise, wrong):
    assert not check(exercise, wrong)


# ----------------------------------------------------------------------------- the hand-out
def _forms(value) -> set[str]:
    """How an answer could be written in a file: plain, with separators, rounded to 3-6 digits."""
    if isinstance(value, list):
        return set().union(*(_forms(v) for v in value))
    if isinstance(value, str):
        return set()  # a choice's answer is one of the options the text offers
    v = float(value)
    if v == 0 or (abs(v) < 1000 and len(f"{abs(v):.6g}".replace(".", "").strip("0")) < 4):
        return set()  # small round numbers (32, -64, 0.5) appear everywhere in a course: not a key
    out = {repr(value), str(value)}
    if v.is_integer():
        out |= {str(int(v)), f"{int(v):,}"}
    for digits in (4, 5, 6):
        rounded = f"{v:.{digits}g}"
        if "e" not in rounded and len(rounded.replace(".", "").replace("-", "").strip("0")) >= 4:
            out |= {rounded, f"{float(rounded):,}".removesuffix(".0")}
    return {f for f in out if len(f.replace("-", "").replace(".", "").replace(",", "").strip("0")) >= 4}


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    """The student editions (tools/student.py) and the hand-out specs (write_handout_specs)."""
    folder = tmp_path_factory.mktemp("handout")
    subprocess.run([sys.executable, str(ROOT / "tools" / "student.py"), "--out", str(folder / "student")],
                   cwd=ROOT, check=True, capture_output=True)
    checks.write_handout_specs(folder / "exercises", ROOT / "data" / "exercises")
    texts = {p.name: p.read_text(encoding="utf-8") for p in (folder / "student").glob("*.ipynb")}
    texts |= {p.name: p.read_text(encoding="utf-8") for p in (folder / "exercises").glob("*.json")}
    return folder, texts


def test_the_handout_specs_hold_no_formula_no_hidden_exercise_and_still_check(handout, monkeypatch):
    folder, texts = handout
    specs = all_specs()
    for name, text in texts.items():
        if name.endswith(".json"):
            doc = json.loads(text)
            for s in doc["exercises"]:
                assert not {"answer", "formula"} & set(s) and not s.get("hidden"), s["id"]
                assert all("expect" not in c for c in s.get("cases", [])), s["id"]
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(folder / "exercises"))
    for sid in STUDENTS:
        monkeypatch.setenv("COURSE_STUDENT_ID", sid)
        for ex in parameterised():
            s = specs[ex]
            right = exercises.answer(s, exercises.variant(exercises.group(s)))
            assert check(ex, right), f"{ex}: the hand-out's check refuses {sid}'s right answer"
    with pytest.raises(CourseError, match="No exercise '01.upload-ms-hidden'"):
        check("01.upload-ms-hidden", lambda n, m: 0)


def test_the_handout_has_no_answer_key_in_plain_text(handout, monkeypatch):
    """grep the student notebooks and hand-out specs for every answer of three students, and every formula."""
    _, texts = handout
    blob = "\n".join(texts.values())
    specs = all_specs()
    found = []
    for sid in STUDENTS:
        monkeypatch.setenv("COURSE_STUDENT_ID", sid)
        for ex in parameterised():
            value = exercises.answer(specs[ex], exercises.variant(exercises.group(specs[ex])))
            found += [(sid, ex, form) for form in _forms(value) if re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])",
                                                                          blob)]
    for ex, s in specs.items():
        if "answer" in s:
            found += [("fixed", ex, form) for form in _forms(s["answer"])
                      if re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", blob)]
        # 02 itself prints network.gb_per_month(mbps) for its slider before the exercise asks for the arithmetic.
        if "formula" in s and ex != "02.camera-gb-month":
            found += [("formula", ex, s["formula"])] if s["formula"] in blob else []
        if s.get("hidden"):
            found += [("hidden", ex, json.dumps(c["args"])) for c in s["cases"] if json.dumps(c["args"]) in blob]
    assert not found, found


def test_the_student_edition_holds_no_solution_line(handout):
    _, texts = handout
    blob = "\n".join(json.loads(t)["cells"].__repr__() for n, t in texts.items() if n.endswith(".ipynb"))
    for path in NOTEBOOKS:
        for cell in _nb(path)["cells"]:
            for line in solution_lines(source_text(cell)):
                if len(line.strip()) > 30:  # short lines ('return x') can recur in any code
                    assert json.dumps(line.strip())[1:-1] not in blob, f"{path.name}: {line.strip()!r}"


def test_write_handout_specs_refuses_the_instructors_folder():
    with pytest.raises(CourseError, match="another folder than the instructor's"):
        checks.write_handout_specs(ROOT / "data" / "exercises")


# ----------------------------------------------------------------------------- sealing and bad specs
def test_seal_round_trip_and_a_damaged_seal_is_one_sentence():
    for value in (332516.0, -64, [1690499128, -6], "hybrid", 0.000056):
        sealed = exercises.seal(value, "02.x", 7)
        assert str(value) not in sealed and exercises.unseal(sealed, "02.x", 7) == value
    with pytest.raises(CourseError, match="sealed answer is damaged"):
        exercises.unseal("not base64!!", "02.x", 7)


@pytest.mark.parametrize("change, message", [
    ({"formula": "__import__('os')"}, "the formula names '__import__'"),
    ({"formula": "cameras.real"}, "Attribute is not allowed"),
    ({"formula": "cameras *"}, "is not a Python expression"),
    ({"formula": "cameras / 0"}, "the formula failed"),
    ({"inputs": {"cameras": {"from": 1, "to": 2}}}, "each input must be a non-empty list"),
    ({"inputs": {"cameras": []}}, "each input must be a non-empty list"),
    ({"answer": 3}, "give 'formula', not 'answer'"),
    ({"hidden": "yes"}, "'hidden' must be true or false"),
])
def test_bad_parameterised_specs_are_one_sentence(tmp_path, monkeypatch, change, message):
    spec = {"id": "97.p", "title": "P", "points": 1, "kind": "number", "rel_tol": 0.01,
            "inputs": {"cameras": [1, 2]}, "formula": "cameras * 2", **change}
    (tmp_path / "97.json").write_text(json.dumps({"exercises": [spec]}))
    monkeypatch.setenv("COURSE_EXERCISES_DIR", str(tmp_path))
    with pytest.raises(CourseError, match=re.escape(message)) as err:
        check("97.p", 1)
    assert "\n" not in str(err.value)


def test_the_validator_kind_is_gone():
    assert "validator" not in checks.KINDS
    assert "validator" not in (ROOT / "utils" / "checks.py").read_text()


def test_the_design_justification_is_a_manual_answer_cell():
    """The contract's marker: a markdown cell with course.manual, whose model answer the student edition drops."""
    from student import student_edition

    nb = _nb(ROOT / "notebooks" / "07_on_device_inference.ipynb")
    manual = [c for c in nb["cells"] if "course" in c["metadata"]]
    assert [(c["cell_type"], c["metadata"]["course"]) for c in manual] == [
        ("markdown", {"manual": "07.design-justification", "points": 3})]
    assert solution_lines(source_text(manual[0]))
    edition = {c["id"]: c for c in student_edition(nb)["cells"]}[manual[0]["id"]]
    assert "YOUR ANSWER HERE" in source_text(edition) and edition["metadata"] == manual[0]["metadata"]
