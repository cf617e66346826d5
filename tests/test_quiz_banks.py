"""Every question bank in data/quizzes: schema, duplicates, answer-position bias, and the ids notebooks use.

Schema rules live in ``utils.quiz.validate_bank`` (the quiz itself refuses a broken bank with
the same sentence); this file runs them over every bank and adds the checks that only make
sense across questions: duplicates, where the right answer sits, and calls from notebooks.
"""

import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from utils import quiz as Q
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
BANKS = sorted((ROOT / "data" / "quizzes").glob("*.json"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _all_questions() -> list[tuple[str, dict]]:
    return [(p.name, q) for p in BANKS for q in _load(p).get("questions", [])]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def test_there_are_banks():
    assert any(p.name == "00.json" for p in BANKS)


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_bank_follows_the_schema(path):
    assert re.fullmatch(r"\d\d\.json", path.name), f"{path.name}: banks are named NN.json"
    Q.validate_bank(_load(path), path.name)


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_every_option_has_feedback_and_every_question_an_explanation(path):
    for q in _load(path)["questions"]:
        assert q.get("explanation", "").strip(), f"{path.name}, question {q.get('id')!r}: no explanation"
        if q.get("type") in ("single", "multiple"):
            for i, opt in enumerate(q["options"]):
                assert opt.get("feedback", "").strip(), f"{path.name}, {q['id']!r}, option {'ABCDEFGHIJ'[i]}: no feedback"
        if q.get("type") == "numeric":
            assert q["feedback_low"].strip() and q["feedback_high"].strip(), f"{path.name}, {q['id']!r}"


def test_ids_and_prompts_are_unique_across_the_course():
    ids = Counter(q["id"] for _, q in _all_questions())
    assert not [i for i, n in ids.items() if n > 1], "question ids used twice"
    prompts = Counter(_norm(q["prompt"]) for _, q in _all_questions())
    twice = [p for p, n in prompts.items() if n > 1]
    assert not twice, f"the same question is asked twice: {twice}"


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_right_answer_is_not_mostly_in_one_position(path):
    positions = [next(i for i, o in enumerate(q["options"]) if o["correct"])
                 for q in _load(path)["questions"] if q["type"] == "single"]
    if len(positions) < 3:
        pytest.skip(f"{path.name} has {len(positions)} single-choice questions: too few to judge bias")
    letter, count = Counter(positions).most_common(1)[0]
    limit = max(2, math.ceil(0.6 * len(positions)))
    assert count <= limit, (
        f"{path.name}: the right answer is option {'ABCDEFGHIJ'[letter]} in {count} of {len(positions)} "
        "single-choice questions; move some right answers to other positions")


def test_right_answers_are_spread_over_positions_across_the_course():
    positions = [next(i for i, o in enumerate(q["options"]) if o["correct"])
                 for _, q in _all_questions() if q["type"] == "single"]
    if len(positions) < 8:
        pytest.skip("fewer than 8 single-choice questions in the course so far")
    letter, count = Counter(positions).most_common(1)[0]
    assert count / len(positions) <= 0.5, f"option {'ABCDEFGHIJ'[letter]} is right in {count} of {len(positions)}"


def test_the_right_answer_is_not_usually_the_longest():
    """A classic give-away: the right option is the longest because it carries the qualifications."""
    longest, count = [], 0
    for _, q in _all_questions():
        if q["type"] != "single":
            continue
        count += 1
        lengths = [len(o["text"]) for o in q["options"]]
        right = next(i for i, o in enumerate(q["options"]) if o["correct"])
        if lengths[right] == max(lengths) and lengths.count(max(lengths)) == 1:
            longest.append(q["id"])
    if count < 10:
        pytest.skip("fewer than 10 single-choice questions in the course so far")
    assert len(longest) / count <= 0.6, (
        f"the right answer is the longest option in {len(longest)} of {count} single-choice questions "
        f"({', '.join(longest)}); lengthen a wrong option or tighten the right one in some of them")


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_numeric_tolerance_is_tighter_than_the_answer(path):
    for q in _load(path)["questions"]:
        if q["type"] == "numeric" and q["answer"] != 0:
            assert q["tolerance"] < abs(q["answer"]), f"{path.name}, {q['id']!r}: 0 would be accepted"


def test_the_seed_wifi_question_is_in_bank_01():
    path = ROOT / "data" / "quizzes" / "01.json"
    if not path.exists():
        pytest.skip("bank 01 is not written yet")
    prompts = [_norm(q["prompt"]) for q in _load(path)["questions"]]
    assert any(("wi fi" in p or "wifi" in p) and "camera" in p for p in prompts), (
        "01.json should ask what happens to a cloud-dependent security camera when the Wi-Fi goes down")


def _calls(nb_path: Path) -> list[tuple[str, str]]:
    """(function, id) for every quiz/predict/reveal call in a notebook's code cells, in order."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return re.findall(r"\b(quiz|predict|reveal)\(\s*[\"'](\d\d(?:\.[a-z0-9-]+)?)[\"']", code)


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_calls_name_questions_that_exist(nb_path):
    nid = nb_path.name[:2]
    calls = _calls(nb_path)
    for func, ident in calls:
        if func == "quiz":
            assert ident == nid, f"{nb_path.name} ends with quiz({ident!r}); it should be quiz({nid!r})"
            Q.load_bank(ident)
            continue
        q = Q.question(ident)
        assert q["type"] == "predict", f"{nb_path.name}: {func}({ident!r}) needs a predict question"
    predicted = [i for f, i in calls if f == "predict"]
    revealed = [i for f, i in calls if f == "reveal"]
    for ident in predicted:
        assert ident in revealed, f"{nb_path.name}: predict({ident!r}) has no reveal({ident!r})"
        assert calls.index(("predict", ident)) < calls.index(("reveal", ident)), f"{ident}: reveal before predict"


@pytest.mark.parametrize("nb_path", [p for p in NOTEBOOKS if p.name[:2] != "00"], ids=lambda p: p.name)
def test_every_lesson_has_a_bank_and_ends_with_its_quiz(nb_path):
    nid = nb_path.name[:2]
    assert (ROOT / "data" / "quizzes" / f"{nid}.json").exists(), f"{nb_path.name} has no data/quizzes/{nid}.json"
    assert ("quiz", nid) in _calls(nb_path), f"{nb_path.name} never calls quiz({nid!r})"


# ---- the validator itself: each broken bank is refused with a sentence naming file and question ----

GOOD = {"id": "05.ok", "type": "single", "prompt": "P?", "explanation": "E.",
        "options": [{"text": "a", "correct": True, "feedback": "f"}, {"text": "b", "correct": False, "feedback": "g"}]}


def _bank(*questions, **top):
    return {"notebook": "05", "pass_mark": 0.8, "questions": list(questions), **top}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"explanation": ""}, "needs a non-empty 'explanation'"),
        ({"type": "essay"}, "type 'essay' is not one of"),
        ({"feeback": "typo"}, "unknown field(s) feeback"),
        ({"options": [{"text": "a", "correct": True, "feedback": "f"},
                      {"text": "b", "correct": False}]}, "option B: every option needs 'feedback'"),
        ({"options": [{"text": "a", "correct": True, "feedback": "f"},
                      {"text": "b", "correct": True, "feedback": "g"}]}, "exactly one correct option, found 2"),
        ({"options": [{"text": "a", "correct": "yes", "feedback": "f"},
                      {"text": "b", "correct": False, "feedback": "g"}]}, "option A: 'correct' must be true or false"),
        ({"options": [{"text": "Same", "correct": True, "feedback": "f"},
                      {"text": "same ", "correct": False, "feedback": "g"}]}, "two options have the same text"),
        ({"options": [{"text": "a", "correct": True, "feedback": "f"}]}, "needs a list of 2 to 10 'options'"),
        ({"type": "multiple", "options": [{"text": "a", "correct": True, "feedback": "f"},
                                          {"text": "b", "correct": True, "feedback": "g"}]},
         "at least one correct and one wrong option"),
        ({"type": "numeric"}, "unknown field(s) options for a numeric question"),
        ({"type": "predict", "options": ["x", "y"], "answer": 2}, "must be an option index 0-1"),
    ],
)
def test_schema_errors_name_the_file_and_the_question(change, message):
    q = {**GOOD, **change}
    q = {k: v for k, v in q.items() if v is not None}
    with pytest.raises(CourseError) as err:
        Q.validate_bank(_bank(q), "05.json")
    text = str(err.value)
    assert text.startswith("05.json, question '05.ok'") and message in text


@pytest.mark.parametrize(
    "numeric, message",
    [
        ({}, "needs a number 'answer'"),
        ({"answer": 3}, "needs a 'tolerance' >= 0"),
        ({"answer": 3, "tolerance": -1}, "needs a 'tolerance' >= 0"),
        ({"answer": 3, "tolerance": 0}, "needs a 'unit'"),
        ({"answer": 3, "tolerance": 0, "unit": "ms", "feedback_low": "low"}, "needs 'feedback_high' feedback"),
        ({"answer": True, "tolerance": 0}, "needs a number 'answer'"),
    ],
)
def test_numeric_schema_errors(numeric, message):
    q = {"id": "05.num", "type": "numeric", "prompt": "P?", "explanation": "E.", **numeric}
    with pytest.raises(CourseError, match=re.escape(message)) as err:
        Q.validate_bank(_bank(q), "05.json")
    assert str(err.value).startswith("05.json, question '05.num'")


@pytest.mark.parametrize(
    "bank, message",
    [
        (_bank(GOOD, dict(GOOD)), "05.json, question '05.ok': this id appears twice"),
        (_bank({**GOOD, "id": "04.ok"}), "05.json, question '04.ok': the id must start with the bank's notebook"),
        (_bank({**GOOD, "id": "05 Bad"}), "05.json, question '05 Bad': the id must look like"),
        (_bank(GOOD, notebook="5"), "05.json: 'notebook' must be a two-digit string"),
        (_bank(GOOD, notebook="06"), "05.json: 'notebook' is '06' but the file is named for '05'"),
        (_bank(GOOD, pass_mark=80), "05.json: 'pass_mark' must be a fraction"),
        (_bank(), "05.json: 'questions' must be a non-empty list"),
        (_bank({"id": "05.p", "type": "predict", "prompt": "P?", "explanation": "E.", "options": ["a", "b"]}),
         "05.json: needs at least one single, multiple or numeric question"),
        (_bank(GOOD, extra=1), "05.json: unknown top-level field(s) extra"),
        ([GOOD], "05.json: the bank must be a JSON object"),
    ],
)
def test_bank_level_errors(bank, message):
    with pytest.raises(CourseError) as err:
        Q.validate_bank(bank, "05.json")
    assert message in str(err.value)
