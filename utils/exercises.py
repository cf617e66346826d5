"""Per-student exercises: whose notebook this is, their own inputs, the answer formula, the sealed hand-out.

A parameterised exercise spec names its inputs and how the answer follows from them::

    {"id": "02.egress-cost", "kind": "number", "points": 1, "rel_tol": 0.01,
     "inputs": {"cameras": {"from": 2000, "to": 20000, "step": 500}, "mbps": [1.5, 2.0, 2.5, 3.0]},
     "formula": "transfer_cost(cameras * gb_per_month(mbps))"}

Each learner gets one of ``VARIANTS`` variants, a pure function of (exercise id, student id), and each
input is picked from its grid by that variant: stable across runs and machines, different between
neighbours. The answer is computed by ``formula`` (a Python expression over the inputs and a few course
functions, ``formula_names()``), so it lives in one place. The instructor's copy (``data/exercises``) holds the
formulas and answers; the hand-out holds them sealed (``checks.write_handout_specs``): an XOR with a hash
stream, which keeps the key out of plain text and stops a casual copy, but is not secret to anyone
who reads this module. Grading always recomputes from the instructor's copy.
"""

from __future__ import annotations

import ast
import base64
import copy
import hashlib
import json
import math
import os

from utils.errors import CourseError

VARIANTS = 256
SUCCESS = -1  # the seal stream of a success message (variants are 0 .. VARIANTS - 1, cases 1000 + i)
# Fields that give an answer away: dropped from the hand-out, or sealed there.
PRIVATE = ("formula", "answer")
# Hint and success texts may quote the learner's own inputs and answer: "{cameras}", "{answer}".
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Load, ast.Constant,
                  ast.List, ast.Tuple, ast.Subscript, ast.operator, ast.unaryop, ast.keyword)


def student_id() -> str:
    """Whose work this is: COURSE_STUDENT_ID, else JUPYTERHUB_USER, else the learner id of the progress file."""
    for name in ("COURSE_STUDENT_ID", "JUPYTERHUB_USER"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    from utils.progress import learner_id

    return learner_id()


def _hash(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def variant(key: str, sid: str | None = None) -> int:
    """The variant (0 .. VARIANTS - 1) of exercise or group ``key`` for student ``sid`` (default: ``student_id()``)."""
    return _hash("variant", key, student_id() if sid is None else sid) % VARIANTS


def group(spec: dict) -> str:
    """What an exercise draws its inputs by: its ``group`` (exercises that share one scenario) or its id."""
    return spec.get("group", spec["id"])


def _grid(desc, where: str) -> list:
    """The values an input may take: a list as given, or {"from", "to", "step"} spelled out."""
    if isinstance(desc, list) and desc:
        return desc
    if isinstance(desc, dict) and {"from", "to", "step"} <= set(desc) and desc["step"] > 0:
        n = int(round((desc["to"] - desc["from"]) / desc["step"])) + 1
        whole = all(float(desc[k]).is_integer() for k in ("from", "to", "step"))
        values = [desc["from"] + i * desc["step"] for i in range(n)]
        return [int(round(v)) if whole else round(v, 9) for v in values]
    raise CourseError(f"{where}: each input must be a non-empty list or {{'from', 'to', 'step' > 0}}.")


def inputs_of(spec: dict, v: int) -> dict:
    """The inputs of variant ``v`` of a parameterised exercise (empty for a fixed one)."""
    return {name: (grid := _grid(desc, f"exercise {spec['id']!r}, input {name!r}"))[
                _hash("input", group(spec), v, name) % len(grid)]
            for name, desc in sorted(spec.get("inputs", {}).items())}


def _round_half_away(x: float) -> int:
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def _functions() -> dict:
    """The names a formula may call: plain maths and the course's own helpers (imported when needed)."""
    from utils import board_sim, network

    return {"abs": abs, "min": min, "max": max, "round": round, "int": int, "float": float,
            "floor": math.floor, "frexp": math.frexp, "round_half_away": _round_half_away,
            "transfer_cost": network.transfer_cost, "gb_per_month": network.gb_per_month,
            "downtime_minutes_per_month": network.downtime_minutes_per_month,
            "RUNTIME_CODE_BYTES": board_sim.RUNTIME_CODE_BYTES, "MONTH_DAYS": network.MONTH_DAYS}


def formula_names() -> set[str]:
    """What a formula may name besides its inputs (for the spec check)."""
    return set(_functions())


def evaluate(formula: str, values: dict, where: str = "formula"):
    """The value of ``formula`` (an expression of the instructor's spec) for the given inputs."""
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError:
        raise CourseError(f"{where}: {formula!r} is not a Python expression.") from None
    namespace = {**_functions(), **values}
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise CourseError(f"{where}: {type(node).__name__} is not allowed in a formula; use arithmetic and calls.")
        if isinstance(node, ast.Name) and node.id not in namespace:
            raise CourseError(f"{where}: the formula names {node.id!r}, which is neither an input nor allowed.")
    try:
        return eval(compile(tree, where, "eval"), {"__builtins__": {}}, namespace)  # noqa: S307 - checked above
    except (ArithmeticError, ValueError, TypeError, CourseError) as err:
        raise CourseError(f"{where}: the formula failed for inputs {values}: {err}") from None


# ----------------------------------------------------------------------------- sealing
def _stream(exercise: str, v: int, n: int) -> bytes:
    out = b""
    block = 0
    while len(out) < n:
        out += hashlib.sha256(f"seal|{exercise}|{v}|{block}".encode()).digest()
        block += 1
    return out[:n]


def seal(value, exercise: str, v: int = 0) -> str:
    """``value`` as an opaque string (JSON XOR a hash stream, base64): not plain text, not secret."""
    raw = json.dumps(value).encode()
    return base64.b64encode(bytes(a ^ b for a, b in zip(raw, _stream(exercise, v, len(raw)), strict=True))).decode()


def unseal(text: str, exercise: str, v: int = 0):
    """The value ``seal`` hid."""
    try:
        raw = base64.b64decode(text.encode(), validate=True)
        return json.loads(bytes(a ^ b for a, b in zip(raw, _stream(exercise, v, len(raw)), strict=True)))
    except (ValueError, TypeError):
        raise CourseError(f"Exercise {exercise!r}: its sealed answer is damaged; get a fresh copy of data/exercises.") \
            from None


def answer(spec: dict, v: int):
    """The answer of variant ``v``: from the formula, the plain answer, or (in a hand-out) the sealed table."""
    if "formula" in spec:
        return evaluate(spec["formula"], inputs_of(spec, v), f"exercise {spec['id']!r}")
    if "answer" in spec:
        return spec["answer"]
    if "sealed" in spec:
        sealed = spec["sealed"]
        return unseal(sealed[v], spec["id"], v) if isinstance(sealed, list) else unseal(sealed, spec["id"])
    raise CourseError(f"Exercise {spec['id']!r} has no answer, formula or sealed answer.")


def success(spec: dict, default: str) -> str:
    """The message shown on a pass (sealed in the hand-out, since it may quote the answer)."""
    if "success" in spec:
        return spec["success"]
    return unseal(spec["sealed_success"], spec["id"], SUCCESS) if "sealed_success" in spec else default


def case_expect(spec: dict, case: dict, index: int):
    """The expected result of one function case (sealed in the hand-out)."""
    if "expect" in case:
        return case["expect"]
    return unseal(case["sealed"], spec["id"], 1000 + index)


def handout_spec(spec: dict) -> dict:
    """``spec`` as the student edition needs it: answers and case results sealed, formula dropped."""
    out = {k: copy.deepcopy(v) for k, v in spec.items() if k not in PRIVATE}
    if "formula" in spec:
        out["sealed"] = [seal(answer(spec, v), spec["id"], v) for v in range(VARIANTS)]
    elif "answer" in spec:
        out["sealed"] = seal(spec["answer"], spec["id"])
    if "success" in out:  # a success message may quote the answer ("= 1,168, the same number the table shows")
        out["sealed_success"] = seal(out.pop("success"), spec["id"], SUCCESS)
    for i, case in enumerate(out.get("cases", [])):
        if "expect" in case:
            case["sealed"] = seal(case.pop("expect"), spec["id"], 1000 + i)
    return out
