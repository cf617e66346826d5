"""Question banks as data: the schema, loading, each learner's option order, grading, and bias statistics.

The banks are ``data/quizzes/NN.json`` (schema in CONTRIBUTING.md, "Question banks", and
``data/quizzes/README.md``). This module holds everything about a bank that needs no widget:

- ``load_questions("05")`` / ``question("05.why-fixed-batch")``: read and validate (``validate_bank``);
- ``option_order`` / ``shuffled``: the order in which one learner sees a question's options. It is
  derived from the learner's random id (``utils.progress.learner_id()``), the question id and the
  attempt number, so it is the same after a restart, differs between learners and changes on Retry.
  Predict questions keep their written order (their options are usually an ordered scale);
- ``grade(q, answer)``: the verdict on one answer, with partial credit for multiple-select;
- ``bias_report(bank)`` and ``similarity(a, b)``: what ``tests/test_quiz_banks.py`` checks, so a
  bank author can run the same numbers (where the right answers sit, how long they are, and
  which questions of two banks nearly repeat each other).

``utils.quiz`` draws the widgets on top of it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from utils import schemas
from utils.errors import CourseError, number
from utils.paths import data_dir

TYPES = ("single", "multiple", "numeric", "predict")
LETTERS = "ABCDEFGHIJ"
# The kinds whose options are shuffled per learner (a predict question's options keep their order).
SHUFFLED = ("single", "multiple")

_ID = re.compile(r"^\d\d\.[a-z0-9]+(?:-[a-z0-9]+)*$")


# ---------------------------------------------------------------- banks ----------------------------


def _bank_dir() -> Path:
    return data_dir() / "quizzes"


def validate_question(q: dict, source: str, notebook: str | None = None) -> None:
    """The rules a schema cannot say, for a question that follows data/schemas/quiz_bank.schema.json."""
    where = f"{source}, question {q['id']!r}"
    if notebook is not None and not q["id"].startswith(notebook + "."):
        raise CourseError(f"{where}: the id must start with the bank's notebook number {notebook!r}.")
    if q["type"] == "numeric":
        return
    opts = q["options"]
    texts = [" ".join((o if isinstance(o, str) else o["text"]).lower().split()) for o in opts]
    if len(set(texts)) != len(texts):
        raise CourseError(f"{where}: two options have the same text.")
    if q["type"] == "predict":
        if q.get("answer") is not None and q["answer"] >= len(opts):
            raise CourseError(f"{where}: 'answer' of a predict question must be an option index 0-{len(opts) - 1}.")
        return
    right = sum(opt["correct"] for opt in opts)
    if q["type"] == "single" and right != 1:
        raise CourseError(f"{where}: a single-choice question needs exactly one correct option, found {right}.")
    if q["type"] == "multiple" and right < 1:
        raise CourseError(f"{where}: a multiple-select question needs at least one correct option (any number up to all).")


def validate_bank(doc, source: str) -> dict:
    """Check a whole bank (the parsed JSON of ``source``) against its schema and the rules across questions;
    returns it, or raises one sentence naming the file, the question and the field."""
    schemas.check(doc, "quiz_bank", source)
    notebook = doc["notebook"]
    stem = Path(source).stem
    if re.fullmatch(r"\d\d", stem) and stem != notebook:
        raise CourseError(f"{source}: 'notebook' is {notebook!r} but the file is named for {stem!r}.")
    seen = set()
    for q in doc["questions"]:
        validate_question(q, source, notebook)
        if q["id"] in seen:
            raise CourseError(f"{source}, question {q['id']!r}: this id appears twice.")
        seen.add(q["id"])
    if not any(q["type"] != "predict" for q in doc["questions"]):
        raise CourseError(f"{source}: needs at least one single, multiple or numeric question for the quiz.")
    return doc


def bank_path(notebook: str) -> Path:
    """The file of notebook ``notebook``'s question bank."""
    if not isinstance(notebook, str) or not re.fullmatch(r"\d\d", notebook):
        raise CourseError(f"Quiz id {notebook!r} should be a two-digit notebook number such as \"05\".")
    return _bank_dir() / f"{notebook}.json"


def load_questions(notebook: str) -> dict:
    """The validated question bank of ``notebook`` (read fresh each time, so edits show at once)."""
    path = bank_path(notebook)
    if not path.is_file():
        raise CourseError(f"No question bank data/quizzes/{path.name} for notebook {notebook!r}.")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise CourseError(f"{path.name} is not valid JSON (line {err.lineno}, column {err.colno}).") from None
    return validate_bank(doc, path.name)


def question(qid: str) -> dict:
    """One question by its id ('NN.slug')."""
    if not isinstance(qid, str) or not _ID.match(qid):
        raise CourseError(f"Question id {qid!r} should look like '02.camera-gb'.")
    bank = load_questions(qid[:2])
    for q in bank["questions"]:
        if q["id"] == qid:
            return q
    raise CourseError(f"No question {qid!r} in data/quizzes/{qid[:2]}.json.")


def options(q: dict) -> list[dict]:
    """The options of ``q`` as dicts (predict banks may list plain strings)."""
    return [{"text": o} if isinstance(o, str) else o for o in q["options"]]


# ---------------------------------------------------------------- grading --------------------------


@dataclass
class Grade:
    """The verdict on one answer: credit in [0, 1] and what to tell the learner."""

    credit: float
    verdict: str  # "right", "partial" or "wrong"
    message: str
    chosen: list[int] = field(default_factory=list)


def parse_number(text) -> float | None:
    """The number a learner typed ('21.6', '21,6', '1,250', '2e6', '21.6 GB'), or None if there is none."""
    if isinstance(text, (int, float)) and not isinstance(text, bool) and math.isfinite(text):
        return float(text)
    if not isinstance(text, str):
        return None
    s = text.strip().replace("\u2212", "-").replace("_", "")
    m = re.search(r"[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", s)
    if not m:
        return None
    token = m.group(0)
    if re.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][-+]?\d+)?", token):
        token = token.replace(",", "")  # thousands separators: 1,250
    elif token.count(",") == 1 and "." not in token:
        token = token.replace(",", ".")  # a decimal comma: 21,6
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def within_tolerance(value: float, answer: float, tolerance: float) -> bool:
    """|value - answer| <= tolerance, counting a value exactly on the edge as inside despite float rounding."""
    slack = 1e-9 * max(1.0, abs(answer), abs(tolerance))
    return abs(value - answer) <= tolerance + slack


def grade(q: dict, answer) -> Grade:
    """Grade ``answer`` (option index, set of indices, or number/text) for question ``q``."""
    kind = q["type"]
    if kind == "single":
        opts = options(q)
        answer = number(answer, f"An answer to {q['id']!r} (one option index)", 0, len(opts) - 1, whole=True)
        ok = opts[answer]["correct"]
        return Grade(1.0 if ok else 0.0, "right" if ok else "wrong",
                     "Right." if ok else "Not this one.", [answer])
    if kind == "multiple":
        opts = options(q)
        chosen = sorted(set(answer))
        if any(not isinstance(i, int) or not 0 <= i < len(opts) for i in chosen):
            raise CourseError(f"Answers to {q['id']!r} are option indices from 0 to {len(opts) - 1}.")
        right = {i for i, o in enumerate(opts) if o["correct"]}
        hits, false = len(right & set(chosen)), len(set(chosen) - right)
        # Partial credit: each right tick earns a share, each wrong tick takes one back.
        credit = max(0.0, (hits - false) / len(right))
        missed = len(right) - hits
        if hits == len(right) and not false:
            return Grade(1.0, "right", "Right: you found every correct option and nothing else.", chosen)
        parts = []
        if hits:
            parts.append(f"{hits} of {len(right)} correct option{'s' if len(right) > 1 else ''} ticked")
        if missed:
            parts.append(f"{missed} correct one{'s' if missed > 1 else ''} still missing")
        if false:
            parts.append(f"{false} ticked that should not be")
        verdict = "partial" if credit > 0 else "wrong"
        head = "Partly right" if verdict == "partial" else "Not yet"
        return Grade(round(credit, 4), verdict, f"{head}: {', '.join(parts)}.", chosen)
    if kind == "numeric":
        value = parse_number(answer)
        if value is None:
            raise CourseError(f"{answer!r} is not a number: type digits such as 21.6.")
        if within_tolerance(value, q["answer"], q["tolerance"]):
            return Grade(1.0, "right", "Right.")
        low = value < q["answer"]
        return Grade(0.0, "wrong", q["feedback_low"] if low else q["feedback_high"])
    raise CourseError(f"Question {q['id']!r} is a predict question: use predict() and reveal(), not the quiz.")


# ---------------------------------------------------------------- each learner's order -------------


def option_order(qid: str, n: int, learner: str, attempt: int = 0) -> list[int]:
    """The stored indices of ``qid``'s ``n`` options in the order ``learner`` sees them in ``attempt``.

    Each index gets a SHA-256 key of (learner, question, attempt, index) and the indices are sorted
    by it: a uniform random order that any machine computes the same way from the same inputs.
    """
    if not isinstance(learner, str) or not learner:
        raise CourseError("A learner id is a non-empty string (utils.progress.learner_id() makes one).")
    number(attempt, "The attempt number", 0, whole=True)

    def key(i: int) -> str:
        return hashlib.sha256(f"{learner}\x1f{qid}\x1f{attempt}\x1f{i}".encode()).hexdigest()

    return sorted(range(n), key=key)


def shuffled(q: dict, learner: str, attempt: int = 0) -> tuple[dict, list[int] | None]:
    """``(shown, order)``: a copy of ``q`` with its options in the learner's order, and that order.

    ``shown["options"][i]`` is ``q["options"][order[i]]``, so letters, feedback, the answer key and
    the static copy all follow from ``shown``. Numeric and predict questions come back unchanged
    (order None).
    """
    if q["type"] not in SHUFFLED:
        return q, None
    order = option_order(q["id"], len(q["options"]), learner, attempt)
    return {**q, "options": [q["options"][i] for i in order]}, order


# ---------------------------------------------------------------- bank statistics ------------------


def right_indices(q: dict) -> list[int]:
    """Stored indices of the correct options of a single or multiple question."""
    return [i for i, o in enumerate(q["options"]) if o["correct"]]


def bias_report(bank: dict) -> dict:
    """Where the right answers of a bank sit, in the stored order (what the bias tests check).

    ``single``: number of single-choice questions; ``longest_right``: ids of those whose right
    option is the longest one (ties count); ``letters``: a Counter of the letter of every correct
    option (single and multiple); ``multiple_keys``: (id, correct indices, number of options) per
    multiple-select question.
    """
    singles = [q for q in bank["questions"] if q["type"] == "single"]
    multis = [q for q in bank["questions"] if q["type"] == "multiple"]
    longest = []
    for q in singles:
        lengths = [len(o["text"]) for o in q["options"]]
        if lengths[right_indices(q)[0]] == max(lengths):
            longest.append(q["id"])
    letters = Counter(LETTERS[i] for q in singles + multis for i in right_indices(q))
    return {"single": len(singles), "longest_right": longest, "letters": letters,
            "multiple_keys": [(q["id"], right_indices(q), len(q["options"])) for q in multis]}


# Words that carry no topic: two questions sharing only these are not alike.
_STOP = frozenset("""a an the and or but of to in on at by for with from into over per as is are was were be been it its
this that these those what which who whom whose how why when where do does did can could will would should may
might must not no than then so if about all any each every one you your they their there here we our out up""".split())


def tokens(text: str) -> set[str]:
    """The content words of ``text``, lower case, with a plural 's' dropped (for ``similarity``)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in words if w not in _STOP}


def question_text(q: dict) -> str:
    """What a learner reads of a question: its prompt and its options' texts."""
    texts = [o if isinstance(o, str) else o["text"] for o in q.get("options", [])]
    return " ".join([q["prompt"], *texts])


def similarity(a: dict, b: dict) -> float:
    """Jaccard similarity of two questions' content words (prompt and options): 1 = the same words."""
    ta, tb = tokens(question_text(a)), tokens(question_text(b))
    return len(ta & tb) / len(ta | tb) if ta | tb else 0.0
