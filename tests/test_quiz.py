"""Quiz grading, driven the way a learner drives it: set the widgets' values, press their buttons.

The same file runs under ipywidgets 8 (JupyterLab) and ipywidgets 7.7.1 (Colab); the widget
API used here is the one both share. Options are shuffled per learner, so the tests pick options
by their text, never by their position.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from utils import progress
from utils import quiz as Q
from utils import quiz_bank as B
from utils.course import NOTEBOOKS
from utils.display import WIDGET_MIME
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]

BANK = {
    "notebook": "01",
    "pass_mark": 0.75,
    "questions": [
        {"id": "01.single", "type": "single", "prompt": "Where does **edge** inference run?",
         "options": [{"text": "In a data centre", "correct": False, "feedback": "FB-A: that is the cloud."},
                     {"text": "On the device", "correct": True, "feedback": "FB-B: the model goes to the data."},
                     {"text": "On a satellite", "correct": False, "feedback": "FB-C: no."},
                     {"text": "On a router", "correct": False, "feedback": "FB-D: it only forwards."}],
         "explanation": "EXPL-single"},
        {"id": "01.multi", "type": "multiple", "prompt": "Which are costs of cloud inference?",
         "options": [{"text": "Latency", "correct": True, "feedback": "FB-lat"},
                     {"text": "Smaller models", "correct": False, "feedback": "FB-small"},
                     {"text": "Bandwidth", "correct": True, "feedback": "FB-bw"},
                     {"text": "Magic", "correct": False, "feedback": "FB-magic"}],
         "explanation": "EXPL-multi"},
        {"id": "01.camera-gb", "type": "numeric", "prompt": "GB per day?", "answer": 21.6,
         "tolerance": 0.5, "unit": "GB/day", "feedback_low": "LOW: count the seconds in a day.",
         "feedback_high": "HIGH: megabits are not megabytes.", "explanation": "EXPL-num"},
        {"id": "01.guess", "type": "predict", "prompt": "How long will it take?",
         "options": ["1 ms", {"text": "100 ms", "feedback": "PRED-FB-B"}, "10 s"], "answer": 1,
         "explanation": "EXPL-pred"},
    ],
}
FEEDBACK = {"Latency": "FB-lat", "Smaller models": "FB-small", "Bandwidth": "FB-bw", "Magic": "FB-magic"}


@pytest.fixture
def bank_dir(tmp_path, monkeypatch):
    """A private bank folder holding BANK as 01.json, and a private progress file with a fixed learner."""
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "01.json").write_text(json.dumps(BANK))
    monkeypatch.setattr(B, "_bank_dir", lambda: folder)
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"version": 2, "learner": "learner-one", "quizzes": {}}))
    monkeypatch.setenv(progress.ENV_VAR, str(path))
    monkeypatch.setattr(progress, "_memory", None)
    monkeypatch.setattr(Q, "_guesses", {})
    return folder


def write_bank(folder, **changes):
    (folder / "01.json").write_text(json.dumps({**BANK, **changes}))


@pytest.fixture
def z(bank_dir):
    return Q.make_quiz("01")


def card(z, qid):
    return next(c for c in z.cards if c.q["id"] == qid)


def index_of(c, text):
    """Where the option ``text`` is shown on card ``c`` (its position in this learner's order)."""
    return next(i for i, o in enumerate(c.q["options"]) if o["text"] == text)


def choose(c, *texts):
    if c.radio is not None:
        (text,) = texts
        c.radio.value = index_of(c, text)
    else:
        for i, b in enumerate(c.boxes):
            b.value = c.q["options"][i]["text"] in texts


def answer_right(c):
    if c.radio is not None:
        c.radio.value = next(i for i, o in enumerate(c.q["options"]) if o["correct"])
    elif c.boxes:
        for b, o in zip(c.boxes, c.q["options"], strict=True):
            b.value = o["correct"]
    else:
        c.entry.value = str(c.q["answer"])
    c.check_button.click()


def answer_wrong(c):
    if c.radio is not None:
        c.radio.value = next(i for i, o in enumerate(c.q["options"]) if not o["correct"])
    elif c.boxes:
        for b, o in zip(c.boxes, c.q["options"], strict=True):
            b.value = not o["correct"]
    else:
        c.entry.value = str(c.q["answer"] * 10 + 100)
    c.check_button.click()


# ---------------------------------------------------------------- answering -------------------------


def test_predict_questions_are_not_in_the_quiz(z):
    assert [c.q["id"] for c in z.cards] == ["01.single", "01.multi", "01.camera-gb"]
    assert "3 questions" in z.header.value and "3 of 3 points (75%) pass" in z.header.value


def test_single_choice_right(z):
    c = card(z, "01.single")
    choose(c, "On the device")
    c.check_button.click()
    assert c.credit == 1.0 and c.counts
    assert "Right." in c.feedback.value and "FB-B" in c.feedback.value and "EXPL-single" in c.feedback.value
    assert "FB-A" in c.feedback.value  # the other options' feedback is there to read once right
    letter = "ABCD"[index_of(c, "On the device")]
    assert f"<b>\u2714 {letter}.</b></span> FB-B" in c.feedback.value  # the letter the learner saw
    assert c.radio.disabled and c.check_button.disabled
    assert "Score: <b>1 / 3</b> (1 of 3 checked)" in z.score.value
    assert z.retry_button.layout.display == "none"  # Retry comes when the round is over


def test_single_choice_wrong_shows_why_but_not_the_answer(z):
    c = card(z, "01.single")
    choose(c, "In a data centre")
    c.check_button.click()
    assert c.credit == 0.0
    assert "Not this one." in c.feedback.value and "FB-A" in c.feedback.value
    assert "FB-B" not in c.feedback.value and "EXPL-single" not in c.feedback.value
    assert "One more miss of this question shows its answer" in c.feedback.value
    assert progress.question_record("01.single") == {"misses": 1, "revealed": False}


def test_nothing_chosen_is_not_a_try(z):
    c = card(z, "01.single")
    c.check_button.click()
    assert c.credit is None and c.tries == 0 and "Choose or type an answer first" in c.feedback.value
    assert not c.radio.disabled and progress.question_record("01.single")["misses"] == 0


@pytest.mark.parametrize(
    "ticks, credit, verdict",
    [
        ({"Latency", "Bandwidth"}, 1.0, "Right: you found every correct option"),
        ({"Latency"}, 0.5, "Partly right: 1 of 2 correct options ticked, 1 correct one still missing"),
        ({"Latency", "Bandwidth", "Magic"}, 0.5, "Partly right: 2 of 2 correct options ticked, 1 ticked that should not be"),
        ({"Latency", "Smaller models"}, 0.0, "Not yet: 1 of 2 correct options ticked, 1 correct one still missing, 1 ticked"),
        ({"Smaller models", "Magic"}, 0.0, "Not yet: 2 correct ones still missing, 2 ticked that should not be"),
    ],
)
def test_multiple_select_partial_credit(z, ticks, credit, verdict):
    c = card(z, "01.multi")
    choose(c, *ticks)
    c.check_button.click()
    assert c.credit == credit
    assert verdict in c.feedback.value
    # Feedback for every ticked option, and only those on a first wrong try.
    for text, fb in FEEDBACK.items():
        assert (fb in c.feedback.value) == (text in ticks or credit == 1.0)


def test_multiple_select_may_have_every_option_right(bank_dir):
    every = {**BANK["questions"][1], "options": [dict(o, correct=True) for o in BANK["questions"][1]["options"]]}
    write_bank(bank_dir, questions=[BANK["questions"][0], every, BANK["questions"][2]])
    z = Q.make_quiz("01")
    c = card(z, "01.multi")
    choose(c, "Latency", "Bandwidth", "Magic")
    c.check_button.click()
    assert c.credit == 0.75 and "3 of 4 correct options ticked, 1 correct one still missing" in c.feedback.value
    assert "one, several or all" in c.widget.children[0].value


@pytest.mark.parametrize(
    "typed, ok, says",
    [
        ("21.6", True, "Right."),
        ("22.1", True, "Right."),  # exactly at the upper edge of the tolerance
        ("21.1", True, "Right."),  # exactly at the lower edge
        ("22.11", False, "HIGH"),  # just outside
        ("21.09", False, "LOW"),
        ("21,6", True, "Right."),  # a decimal comma
        ("21.6 GB", True, "Right."),
        ("2.16e1", True, "Right."),
    ],
)
def test_numeric_edges_of_tolerance(z, typed, ok, says):
    c = card(z, "01.camera-gb")
    c.entry.value = typed
    c.check_button.click()
    assert c.credit == (1.0 if ok else 0.0)
    assert says in c.feedback.value


def test_numeric_text_that_is_not_a_number_is_not_a_try(z):
    c = card(z, "01.camera-gb")
    c.entry.value = "about twenty"
    c.check_button.click()
    assert c.credit is None and c.tries == 0
    assert "is not a number" in c.feedback.value and not c.entry.disabled


# ---------------------------------------------------------------- each learner's order ---------------


def test_options_are_shuffled_per_learner_and_stable_across_restarts(bank_dir, tmp_path, monkeypatch):
    first = [c.order for c in Q.make_quiz("01").cards]
    again = [c.order for c in Q.make_quiz("01").cards]
    assert first == again and first[2] is None  # the same learner, the same order; a number has none
    assert sorted(first[0]) == [0, 1, 2, 3] and sorted(first[1]) == [0, 1, 2, 3]
    # A kernel restart is a new process: it reads the learner id from the file and draws the same order.
    code = ("import json, utils.quiz as Q, utils.quiz_bank as B, pathlib\n"
            f"B._bank_dir = lambda: pathlib.Path({str(bank_dir)!r})\n"
            "print(json.dumps([c.order for c in Q.make_quiz('01').cards]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, progress.ENV_VAR: os.environ[progress.ENV_VAR]}).stdout
    assert json.loads(out) == first
    # Another learner (another progress file) gets another order.
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"version": 2, "learner": "learner-two", "quizzes": {}}))
    monkeypatch.setenv(progress.ENV_VAR, str(other))
    assert [c.order for c in Q.make_quiz("01").cards] != first


def test_a_new_learner_gets_a_random_id_once(bank_dir, tmp_path, monkeypatch):
    fresh = tmp_path / "fresh" / "progress.json"
    monkeypatch.setenv(progress.ENV_VAR, str(fresh))
    ident = progress.learner_id()
    assert len(ident) == 16 and int(ident, 16) >= 0
    assert progress.learner_id() == ident == json.loads(fresh.read_text())["learner"]
    fresh.unlink()
    assert progress.learner_id() != ident  # a reset (or another computer) is another learner


def test_orders_differ_between_learners_and_cover_every_permutation():
    """The order is a fair shuffle: over many learners, every order of four options appears, and evenly."""
    orders = Counter(tuple(B.option_order("08.pharmacy-counter", 4, f"learner-{i}")) for i in range(2400))
    assert len(orders) == 24  # all 4! orders
    assert max(orders.values()) < 2 * 2400 / 24  # none more than twice as common as a fair shuffle's 100
    first = Counter(o[0] for o in orders.elements())
    assert all(450 < n < 750 for n in first.values())  # each option comes first about a quarter of the time
    # Two learners see the same order of a question only by chance (1 in 24 here).
    same = sum(B.option_order(f"08.q{k}", 4, "ana") == B.option_order(f"08.q{k}", 4, "ben") for k in range(240))
    assert same < 30
    assert B.option_order("08.x", 5, "ana", 3) == B.option_order("08.x", 5, "ana", 3)  # a pure function


def test_grading_feedback_and_answer_key_follow_the_shown_order(bank_dir):
    z = Q.make_quiz("01")
    c = card(z, "01.single")
    assert c.order != [0, 1, 2, 3], "pick a learner whose order differs from the stored one"
    right = index_of(c, "On the device")
    assert c.order[right] == 1 and c.q["options"][right] == BANK["questions"][0]["options"][1]
    assert B.grade(c.q, right).credit == 1.0
    # Two misses show the full answer; its tick sits on the letter the learner saw.
    wrong = next(i for i in range(4) if i != right)
    for _ in range(2):
        c.radio.value = wrong
        c.check_button.click()
        c.reset()
    c.radio.value = wrong
    c.check_button.click()
    letter = "ABCD"[right]
    assert f"<b>\u2714 {letter}.</b></span> <i>On the device</i>" in c.feedback.value


def test_static_copy_uses_the_learners_order(bank_dir, monkeypatch):
    import IPython.display

    import utils.course

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw)))
    monkeypatch.setattr(utils.course, "on_colab", lambda: False)
    Q.quiz("01")
    (bundle, kw), = shown
    assert kw == {"raw": True}
    view = bundle[WIDGET_MIME]
    assert view["version_major"] == 2 and len(view["model_id"]) > 8
    page = bundle["text/html"]
    assert page.count("<details>") == 3 and "Show the answer" in page
    assert "Where does <b>edge</b> inference run?" in page and "EXPL-num" in page
    assert "How long will it take?" not in page  # predict questions belong to the lesson, not the quiz
    z = Q.make_quiz("01")  # the same learner: the order the quiz just showed
    c = card(z, "01.single")
    letter = "ABCD"[index_of(c, "On the device")]
    listed = [o["text"] for o in c.q["options"]]
    # The options in the learner's order, lettered as the widget labels them.
    assert "".join(f"<li>{L}. {t}</li>" for L, t in zip("ABCD", listed, strict=True)) in page
    assert [f"{L}. {t}" for L, t in zip("ABCD", listed, strict=True)] == c._labels()
    assert f"<b>\u2714 {letter}.</b></span> <i>On the device</i>" in page  # and the key on the same letter
    plain = bundle["text/plain"]
    assert f"   {letter}. On the device" in plain and "FB-B" not in plain

    shown.clear()
    monkeypatch.setattr(utils.course, "on_colab", lambda: True)
    Q.quiz("01")
    assert type(shown[0][0]).__name__ == "VBox"  # Colab: the widget alone


# ---------------------------------------------------------------- rounds, Retry and mastery ---------


def test_a_round_without_shown_answers_masters_the_node(z):
    for c in z.cards:
        answer_right(c)
    assert "Mastered with 3 / 3 (100%)" in z.score.value and "node 01" in z.score.value
    assert "unlocks 02" in z.score.value
    saved = progress.load()["quizzes"]["01"]
    assert saved["passed"] and saved["mastered"] and saved["rounds"] == 1
    assert progress.node_states()["01"] == "mastered" and progress.node_states()["02"] == "unlocked"
    assert z.retry_button.layout.display is None and z.retry_button.description == "Retry"


def test_retry_asks_every_question_again_in_a_new_order(z):
    before = [c.order for c in z.cards]
    answer_right(z.cards[0])
    answer_wrong(z.cards[1])
    answer_right(z.cards[2])
    assert "Not passed yet: 2 / 3 (67%)" in z.score.value and not progress.is_mastered("01")
    z.retry_button.click()
    assert all(c.credit is None and c.feedback.value == "" for c in z.cards)  # right answers too
    assert not z.cards[0].radio.disabled and z.cards[0].radio.index is None
    after = [c.order for c in z.cards]
    assert after != before and sorted(after[0]) == [0, 1, 2, 3]
    # The labels the learner sees follow the new order.
    assert [label for label, _ in z.cards[0].radio.options] == [
        f"{'ABCD'[i]}. {o['text']}" for i, o in enumerate(z.cards[0].q["options"])]
    assert [b.description for b in z.cards[1].boxes] == [
        f"{'ABCD'[i]}. {o['text']}" for i, o in enumerate(z.cards[1].q["options"])]
    assert z.retry_button.layout.display == "none" and "0 of 3 checked" in z.score.value
    for c in z.cards:
        answer_right(c)
    assert "Mastered with 3 / 3" in z.score.value and progress.load()["quizzes"]["01"]["rounds"] == 2


def test_the_order_after_a_finished_round_survives_a_restart(z):
    for c in z.cards:
        answer_wrong(c)
    z.retry_button.click()
    shown = [c.order for c in z.cards]
    assert [c.order for c in Q.make_quiz("01").cards] == shown  # a restart continues with the new round's order


def test_two_misses_show_the_answer_and_it_never_counts_toward_mastery_again(z):
    single = card(z, "01.single")
    answer_wrong(single)
    answer_right(z.cards[1])
    answer_right(z.cards[2])
    assert "Not passed yet: 2 / 3" in z.score.value
    z.retry_button.click()
    answer_wrong(single)  # the second miss: the full answer is shown
    assert "The full answer" in single.feedback.value and "EXPL-single" in single.feedback.value
    assert "no longer counts toward mastering the node" in single.feedback.value
    assert progress.question_record("01.single") == {"misses": 2, "revealed": True}
    assert "You have been shown this answer" in single.note.value
    answer_right(z.cards[1])
    answer_right(z.cards[2])
    z.retry_button.click()
    for c in z.cards:
        answer_right(c)  # every answer right, but one of them had been shown
    assert single.credit == 1.0 and not single.counts
    assert "counts for your score but not toward mastery" in single.feedback.value
    assert "Passed with 3 / 3 (100%), but not mastered" in z.score.value and "2 count toward mastery" in z.score.value
    saved = progress.load()["quizzes"]["01"]
    assert saved["passed"] and not saved["mastered"] and saved["score"] == 1.0
    assert progress.node_states()["01"] == "unlocked" and progress.node_states()["02"] == "locked"


def test_retrying_until_the_answer_shows_never_masters_the_node(bank_dir):
    """The loophole the issue describes: miss, miss, read the answer, answer it. It must not master."""
    write_bank(bank_dir, pass_mark=0.8)  # 3 questions: every point is needed
    z = Q.make_quiz("01")
    for _ in range(2):
        for c in z.cards:
            answer_wrong(c)
        z.retry_button.click()
    assert all(c.revealed for c in z.cards)
    for _round in range(3):
        for c in z.cards:
            answer_right(c)
        assert "Passed with 3 / 3 (100%), but not mastered" in z.score.value
        assert "can no longer master the node" in z.score.value
        z.retry_button.click()
    # Nor after a restart: what was shown is saved with the progress.
    z = Q.make_quiz("01")
    assert all(c.revealed for c in z.cards) and "You have been shown this answer" in z.cards[0].note.value
    for c in z.cards:
        answer_right(c)
    assert not progress.is_mastered("01") and progress.node_states()["01"] == "unlocked"
    assert progress.load()["quizzes"]["01"]["passed"] is True


def test_one_shown_answer_still_leaves_room_to_master(bank_dir):
    """Five questions at 80 %: four answers given before any reveal are enough."""
    q = BANK["questions"][0]
    five = [dict(q, id=f"01.s{k}") for k in range(5)]
    write_bank(bank_dir, pass_mark=0.8, questions=five)
    z = Q.make_quiz("01")
    answer_wrong(z.cards[0])
    for c in z.cards[1:]:
        answer_right(c)
    z.retry_button.click()
    answer_wrong(z.cards[0])  # shown now
    for c in z.cards[1:]:
        answer_right(c)
    assert progress.revealed("01") == {"01.s0"}
    assert "Passed with 4 / 5 (80%)" not in z.score.value and "Mastered with 4 / 5 (80%)" in z.score.value
    assert progress.is_mastered("01")


def test_a_locked_node_says_what_to_finish_first_and_its_quiz_still_counts(bank_dir):
    (bank_dir / "02.json").write_text(json.dumps({**BANK, "notebook": "02", "questions": [
        {**q, "id": "02" + q["id"][2:]} for q in BANK["questions"]]}))
    z = Q.make_quiz("02")
    assert "Node 02 \u00b7 Limits of the cloud is locked: finish 01 first" in z.header.value
    assert "The lesson and its quiz still work" in z.header.value
    for c in z.cards:
        answer_right(c)
    assert "the quiz of node 02" in z.score.value and "once 01 is mastered" in z.score.value
    assert "is <b>mastered early</b>" in z.score.value and "locked" not in z.score.value  # allowed, not a contradiction
    assert progress.is_mastered("02") and progress.node_states()["02"] == "locked"
    z1 = Q.make_quiz("01")
    for c in z1.cards:
        answer_right(c)
    assert "unlocks 02" not in z1.score.value and "02 \u00b7 Limits of the cloud, whose quiz you had already mastered, is now mastered too" in z1.score.value
    assert progress.node_states()["02"] == "mastered"


def test_a_pass_redraws_the_trees_already_on_the_page(bank_dir, monkeypatch):
    """The tree below the quiz is live: a round that passes redraws it, saved state first; a failed one does not."""
    redrawn = []
    monkeypatch.setattr(progress, "refresh_trees", lambda: redrawn.append(progress.node_states()["01"]))
    z = Q.make_quiz("01")
    for c in z.cards:
        answer_wrong(c)
    assert redrawn == [] and "Not passed yet" in z.score.value
    z.retry_button.click()
    for c in z.cards:
        answer_right(c)
    assert redrawn == ["mastered"] and "the tree below shows it" in z.score.value  # saved before the redraw


# ---------------------------------------------------------------- predict / reveal, errors ----------


def test_predict_then_reveal(bank_dir, monkeypatch):
    p = Q.Prediction("01.guess")
    p.lock_button.click()
    assert "Choose the option you expect first" in p.feedback.value and "01.guess" not in Q._guesses
    p.radio.value = 0
    p.lock_button.click()
    assert Q._guesses["01.guess"] == 0 and p.radio.disabled and "Locked in: <b>A. 1 ms</b>" in p.feedback.value
    page = Q.reveal_html("01.guess", 0.1234567)
    assert "Observed: <b style=\"font-size:1.1em\">0.1235</b>" in page
    assert "Your guess: <b>A. 1 ms</b>" in page and "not what happened" in page
    assert "What happens: <b>B. 100 ms</b>" in page and "EXPL-pred" in page

    Q._guesses["01.guess"] = 1
    page = Q.reveal_html("01.guess", "about 100 ms")
    assert "matches what happened" in page and "PRED-FB-B" in page and "What happens" not in page


def test_reveal_without_a_guess_and_predict_clears_an_old_guess(bank_dir, monkeypatch):
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: None)
    Q._guesses["01.guess"] = 2
    Q.predict("01.guess")  # re-running the predict cell asks again
    page = Q.reveal_html("01.guess", 12_345)
    assert "You did not lock in a guess" in page and "12,345" in page and "EXPL-pred" in page


def test_wrong_ids_and_types_are_one_sentence(bank_dir):
    with pytest.raises(CourseError, match="No question bank data/quizzes/07.json"):
        Q.quiz("07")
    with pytest.raises(CourseError, match="two-digit notebook number"):
        Q.quiz("1")
    with pytest.raises(CourseError, match="No question '01.nope'"):
        Q.predict("01.nope")
    with pytest.raises(CourseError, match="is a single question; predict"):
        Q.predict("01.single")
    with pytest.raises(CourseError, match="reveal\\(\\) needs a predict question"):
        Q.reveal("01.multi", 3)
    with pytest.raises(CourseError, match="should look like"):
        Q.reveal("guess", 3)
    with pytest.raises(CourseError, match="learner id"):
        B.option_order("01.single", 4, "")
    with pytest.raises(CourseError, match="attempt number"):
        B.option_order("01.single", 4, "ana", -1)
    (bank_dir / "01.json").write_text('{"notebook": "01",\n "questions": [}')
    with pytest.raises(CourseError, match="01.json is not valid JSON \\(line 2"):
        Q.quiz("01")


def test_grade_rejects_answers_of_the_wrong_shape():
    single, multi, _num, pred = BANK["questions"]
    with pytest.raises(CourseError, match=r"\(one option index\) must be a whole number, from 0 to 3"):
        B.grade(single, 4)
    with pytest.raises(CourseError, match="option indices from 0 to 3"):
        B.grade(multi, [0, 7])
    with pytest.raises(CourseError, match="predict question"):
        B.grade(pred, 0)


@pytest.mark.parametrize(
    "text, value",
    [("21.6", 21.6), ("21,6", 21.6), ("1,250", 1250.0), ("1,250.5", 1250.5), ("-3", -3.0),
     ("\u22123.5", -3.5), ("2e6", 2e6), (".5", 0.5), ("about 7 ms", 7.0), ("", None), ("none", None), (4, 4.0)],
)
def test_parse_number(text, value):
    assert B.parse_number(text) == value


def test_within_tolerance_counts_the_edge_despite_float_rounding():
    assert 1.1 - 1.0 > 0.1  # the float arithmetic the slack exists for
    assert B.within_tolerance(1.1, 1.0, 0.1) and B.within_tolerance(0.9, 1.0, 0.1)
    assert not B.within_tolerance(1.1001, 1.0, 0.1) and not B.within_tolerance(22.1001, 21.6, 0.5)
    assert B.within_tolerance(4, 4, 0) and not B.within_tolerance(4.01, 4, 0)


# ---------------------------------------------------------------- the real banks --------------------


@pytest.mark.parametrize("notebook", [nid for nid, _, _ in NOTEBOOKS])
def test_every_real_bank_builds_shuffled_and_can_be_mastered(notebook, monkeypatch, tmp_path):
    monkeypatch.setenv(progress.ENV_VAR, str(tmp_path / "p.json"))
    monkeypatch.setattr(progress, "_memory", None)
    z = Q.make_quiz(notebook)
    for c in z.cards:
        if c.order is not None:  # the shown options are the stored ones, reordered
            assert [c.stored["options"][i] for i in c.order] == c.q["options"]
        answer_right(c)
    assert z.points == len(z.cards) and "Mastered" in z.score.value
    assert progress.load()["quizzes"][notebook]["mastered"] is True
