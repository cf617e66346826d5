"""Quiz grading, driven the way a learner drives it: set the widgets' values, press their buttons.

The same file runs under ipywidgets 8 (JupyterLab) and ipywidgets 7.7.1 (Colab); the widget
API used here is the one both share.
"""

import json

import pytest

from utils import progress
from utils import quiz as Q
from utils.display import WIDGET_MIME
from utils.errors import CourseError

BANK = {
    "notebook": "01",
    "pass_mark": 0.75,
    "questions": [
        {"id": "01.single", "type": "single", "prompt": "Where does **edge** inference run?",
         "options": [{"text": "In a data centre", "correct": False, "feedback": "FB-A: that is the cloud."},
                     {"text": "On the device", "correct": True, "feedback": "FB-B: the model goes to the data."},
                     {"text": "On a satellite", "correct": False, "feedback": "FB-C: no."}],
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


@pytest.fixture
def bank_dir(tmp_path, monkeypatch):
    """A private bank folder holding BANK as 01.json, and a private progress file."""
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "01.json").write_text(json.dumps(BANK))
    monkeypatch.setattr(Q, "_bank_dir", lambda: folder)
    monkeypatch.setenv(progress.ENV_VAR, str(tmp_path / "progress.json"))
    monkeypatch.setattr(progress, "_memory", None)
    monkeypatch.setattr(Q, "_guesses", {})
    return folder


@pytest.fixture
def z(bank_dir):
    return Q.make_quiz("01")


def card(z, qid):
    return next(c for c in z.cards if c.q["id"] == qid)


def test_predict_questions_are_not_in_the_quiz(z):
    assert [c.q["id"] for c in z.cards] == ["01.single", "01.multi", "01.camera-gb"]
    assert "3 questions" in z.header.value and "3 of 3 points (75%) pass" in z.header.value


def test_single_choice_right(z):
    c = card(z, "01.single")
    c.radio.value = 1
    c.check_button.click()
    assert c.credit == 1.0
    assert "Right." in c.feedback.value and "FB-B" in c.feedback.value and "EXPL-single" in c.feedback.value
    assert "FB-A" in c.feedback.value  # the other options' feedback is there to read once right
    assert c.radio.disabled and c.check_button.disabled
    assert "Score: <b>1 / 3</b> (1 of 3 checked)" in z.score.value


def test_single_choice_wrong_shows_why_but_not_the_answer(z):
    c = card(z, "01.single")
    c.radio.value = 0
    c.check_button.click()
    assert c.credit == 0.0
    assert "Not this one." in c.feedback.value and "FB-A" in c.feedback.value
    assert "FB-B" not in c.feedback.value and "EXPL-single" not in c.feedback.value
    assert "Retry" in c.feedback.value
    assert z.retry_button.layout.display is None  # Retry is offered at once


def test_nothing_chosen_is_not_a_try(z):
    c = card(z, "01.single")
    c.check_button.click()
    assert c.credit is None and c.tries == 0 and "Choose or type an answer first" in c.feedback.value
    assert not c.radio.disabled


@pytest.mark.parametrize(
    "ticks, credit, verdict",
    [
        ({0, 2}, 1.0, "Right: you found every correct option"),
        ({0}, 0.5, "Partly right: 1 of 2 correct options ticked, 1 correct one still missing"),
        ({0, 2, 3}, 0.5, "Partly right: 2 of 2 correct options ticked, 1 ticked that should not be"),
        ({0, 1}, 0.0, "Not yet: 1 of 2 correct options ticked, 1 correct one still missing, 1 ticked"),
        ({1, 3}, 0.0, "Not yet: 2 correct ones still missing, 2 ticked that should not be"),
    ],
)
def test_multiple_select_partial_credit(z, ticks, credit, verdict):
    c = card(z, "01.multi")
    for i in ticks:
        c.boxes[i].value = True
    c.check_button.click()
    assert c.credit == credit
    assert verdict in c.feedback.value
    # Feedback for every ticked option, and only those on a first wrong try.
    for i, fb in enumerate(["FB-lat", "FB-small", "FB-bw", "FB-magic"]):
        assert (fb in c.feedback.value) == (i in ticks or credit == 1.0)


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


def test_failed_round_then_retry_then_pass_masters_the_node(z):
    single, multi, num = z.cards
    single.radio.value = 1
    single.check_button.click()
    multi.boxes[0].value = True
    multi.check_button.click()
    num.entry.value = "30"
    num.check_button.click()
    # 1 + 0.5 + 0 = 1.5 of 3 = 50% < 75%
    assert "Not passed yet: 1.5 / 3 (50%)" in z.score.value
    assert not progress.is_mastered("01") and progress.load()["quizzes"]["01"]["rounds"] == 1
    assert z.retry_button.description == "Retry"

    z.retry_button.click()
    assert single.credit == 1.0 and single.radio.disabled  # right answers stay
    assert multi.credit is None and not any(b.value for b in multi.boxes) and not multi.boxes[0].disabled
    assert num.entry.value == "" and multi.feedback.value == ""
    multi.boxes[0].value = multi.boxes[2].value = True
    multi.check_button.click()
    num.entry.value = "30"
    num.check_button.click()
    # Second wrong try at the number: the full answer and the explanation are shown.
    assert num.tries == 2 and "Answer: 21.6 GB/day" in num.feedback.value and "EXPL-num" in num.feedback.value
    assert "Passed with 2 / 3" not in z.score.value and "Not passed yet: 2 / 3 (67%)" in z.score.value

    z.retry_button.click()
    num.entry.value = "21.6"
    num.check_button.click()
    assert "Passed with 3 / 3 (100%)" in z.score.value and "node 02" in z.score.value
    assert progress.node_states()["01"] == "mastered" and progress.node_states()["02"] == "unlocked"
    assert z.retry_button.description == "Start over"
    z.retry_button.click()  # after a full pass, Start over clears every card
    assert all(c.credit is None for c in z.cards) and progress.is_mastered("01")


def test_pass_with_a_miss_offers_to_retry_the_missed_one(bank_dir):
    doc = dict(BANK, pass_mark=0.5)
    (bank_dir / "01.json").write_text(json.dumps(doc))
    z = Q.make_quiz("01")
    z.cards[0].radio.value = 1
    z.cards[0].check_button.click()
    z.cards[1].boxes[0].value = z.cards[1].boxes[2].value = True
    z.cards[1].check_button.click()
    z.cards[2].entry.value = "1"
    z.cards[2].check_button.click()
    assert "Passed with 2 / 3 (67%)" in z.score.value and progress.is_mastered("01")
    assert z.retry_button.description == "Retry the missed ones"
    z.retry_button.click()
    assert [c.credit for c in z.cards] == [1.0, 1.0, None]


def test_quiz_shows_widget_and_static_html_in_one_output(bank_dir, monkeypatch):
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
    assert "Where does edge inference run?" in bundle["text/plain"] and "FB-B" not in bundle["text/plain"]

    shown.clear()
    monkeypatch.setattr(utils.course, "on_colab", lambda: True)
    Q.quiz("01")
    assert type(shown[0][0]).__name__ == "VBox"  # Colab: the widget alone


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
    (bank_dir / "01.json").write_text('{"notebook": "01",\n "questions": [}')
    with pytest.raises(CourseError, match="01.json is not valid JSON \\(line 2"):
        Q.quiz("01")


def test_grade_rejects_answers_of_the_wrong_shape():
    single, multi, _num, pred = BANK["questions"]
    with pytest.raises(CourseError, match="one option index from 0 to 2"):
        Q.grade(single, 3)
    with pytest.raises(CourseError, match="option indices from 0 to 3"):
        Q.grade(multi, [0, 7])
    with pytest.raises(CourseError, match="predict question"):
        Q.grade(pred, 0)


@pytest.mark.parametrize(
    "text, value",
    [("21.6", 21.6), ("21,6", 21.6), ("1,250", 1250.0), ("1,250.5", 1250.5), ("-3", -3.0),
     ("\u22123.5", -3.5), ("2e6", 2e6), (".5", 0.5), ("about 7 ms", 7.0), ("", None), ("none", None), (4, 4.0)],
)
def test_parse_number(text, value):
    assert Q.parse_number(text) == value


def test_within_tolerance_counts_the_edge_despite_float_rounding():
    assert 1.1 - 1.0 > 0.1  # the float arithmetic the slack exists for
    assert Q.within_tolerance(1.1, 1.0, 0.1) and Q.within_tolerance(0.9, 1.0, 0.1)
    assert not Q.within_tolerance(1.1001, 1.0, 0.1) and not Q.within_tolerance(22.1001, 21.6, 0.5)
    assert Q.within_tolerance(4, 4, 0) and not Q.within_tolerance(4.01, 4, 0)


def test_the_real_bank_00_builds_and_passes(monkeypatch, tmp_path):
    monkeypatch.setenv(progress.ENV_VAR, str(tmp_path / "p.json"))
    monkeypatch.setattr(progress, "_memory", None)
    z = Q.make_quiz("00")
    for c in z.cards:
        opts = c.q.get("options", [])
        if c.radio is not None:
            c.radio.value = next(i for i, o in enumerate(opts) if o["correct"])
        elif c.boxes:
            for b, o in zip(c.boxes, opts, strict=True):
                b.value = o["correct"]
        else:
            c.entry.value = str(c.q["answer"])
        c.check_button.click()
    assert z.points == len(z.cards) and "Passed" in z.score.value and "node 01" in z.score.value
    assert progress.load()["quizzes"]["00"]["passed"] is True
