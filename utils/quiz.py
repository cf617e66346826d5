"""Quizzes drawn as ipywidgets: per-option feedback, each learner's option order, mastery that is earned.

Every lesson ends with ``quiz("NN")``: the questions of ``data/quizzes/NN.json`` (loaded, checked
and graded by ``utils.quiz_bank``) as cards with a Check button each, feedback on every option the
learner chose, a running score and a Retry button.

- **Order.** Each learner sees the options of a single or multiple-select question in their own
  order, derived from a random learner id kept in the progress file: the same after a restart,
  different for the next learner, new on every Retry. Letters, feedback, the answer key and the
  static copy all follow the order shown.
- **Rounds.** A round ends when every question is checked. Retry starts a new one: all the
  questions again, options reshuffled.
- **Shown answers.** After ``REVEAL_AFTER`` misses of a question (counted across rounds and
  sessions) its full answer is shown, so nobody stays stuck; from then on it still scores, but
  never again counts toward mastery.
- **Mastery.** A round passes at the bank's ``pass_mark``; it masters the quiz when it passes
  counting only the answers given before their answer was shown. Mastering a quiz masters its node
  of the Architecture Tree once the node's parents are mastered (``utils.progress``).

Mid-lesson, ``predict("NN.slug")`` asks the learner to lock in a guess before an experiment
and ``reveal("NN.slug", observed)`` puts the measured result beside it.

The widgets use only what ipywidgets 7.7 (Colab) and 8.x (JupyterLab 4) both have. Each is
displayed as one output holding two views: the live widget, and a static HTML copy with the
answers folded into ``<details>``. A front end with a widget manager (JupyterLab, Notebook)
ranks the widget view first and shows only it; GitHub, nbviewer and nbconvert's HTML have no
widget state and fall back to the static copy, so an exported lesson still teaches.
"""

from __future__ import annotations

import html
import math
import re
import string

from utils import numbers, style
from utils.course import find_notebook
from utils.display import display_with_static_copy
from utils.errors import CourseError
from utils.quiz_bank import LETTERS, Grade, grade, load_questions, options, question, shuffled

__all__ = ["CSS", "REVEAL_AFTER", "Card", "Prediction", "Quiz", "make_quiz", "predict", "quiz", "reveal",
           "reveal_html", "static_html", "static_text"]

CHECK, CROSS = "\u2714", "\u2718"
# The second miss of a question shows its full answer, so nobody stays stuck; a question whose answer
# has been shown still scores, but no longer counts toward mastery (see Card.check).
REVEAL_AFTER = 2

# Text colours per verdict and their tints: defined, and checked for contrast, in utils.style.
RIGHT, WRONG, PARTIAL, MUTED = style.RIGHT, style.WRONG, style.PARTIAL, style.MUTED
BG = dict(style.TINTS)

# In-session guesses from predict(), read by reveal(); never saved (a stale guess would mislead).
_guesses: dict[str, int] = {}

CSS = string.Template("""<style>
.cvea-quiz {max-width: 780px; line-height: 1.45;}
.cvea-quiz .cvea-card {border: 1px solid rgba(127, 127, 127, 0.35); border-radius: 10px;
  background: rgba(127, 127, 127, 0.05);}
.cvea-quiz .widget-radio-box label, .cvea-quiz .widget-checkbox label, .cvea-quiz .widget-checkbox {
  white-space: normal !important; height: auto !important; overflow: visible !important;}
.cvea-quiz .widget-radio-box label, .cvea-quiz .widget-checkbox label.widget-label-basic {
  display: flex !important; align-items: flex-start; margin: 3px 0 !important; line-height: 1.4 !important;}
/* ipywidgets puts the radio after its text and floats it: put it first, so long options wrap beside it. */
.cvea-quiz .widget-radio-box label input, .cvea-quiz .widget-checkbox label.widget-label-basic input {
  order: -1; float: none !important; flex: none; margin: 3px 8px 0 1px !important;}
.cvea-quiz .widget-radio-box {width: 100% !important;}
.cvea-quiz .widget-html-content {line-height: 1.45 !important;}
.cvea-fb {border-radius: 8px; padding: 8px 12px; margin: 4px 0 2px 0;}
.cvea-fb ul {margin: 4px 0 0 0; padding-left: 1.1em; list-style: none;}
.cvea-fb li {margin: 3px 0;}
.cvea-fb summary {display: list-item; cursor: pointer; color: $LINK; margin: 4px 0;}
.cvea-quiz code, .cvea-static code {background: $CODE_BACKGROUND; border-radius: 3px; padding: 0 3px;}
/* ipywidgets' primary blue and its 60 % opacity for disabled buttons are below 4.5:1 contrast. */
.cvea-quiz .jupyter-button.mod-primary {background-color: $BUTTON; color: $PAGE;}
.cvea-quiz .jupyter-button:disabled, .cvea-quiz .jupyter-button.mod-primary:disabled {
  opacity: 1 !important; background-color: $DISABLED_FACE; color: $DISABLED_TEXT;}
</style>""").substitute(LINK=style.LINK, CODE_BACKGROUND=style.CODE_BACKGROUND, BUTTON=style.BUTTON, PAGE=style.PAGE,
                        DISABLED_FACE=style.DISABLED_FACE, DISABLED_TEXT=style.DISABLED_TEXT)


# ---------------------------------------------------------------- HTML -----------------------------


def _inline(text: str) -> str:
    """Escape text for HTML and allow the bank's tiny markup: `code`, **bold**, line breaks."""
    out = html.escape(str(text))
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    return out.replace("\n", "<br>")


def _plain(text: str) -> str:
    """The bank's text without its markup, for plain-text views."""
    return re.sub(r"\*\*([^*]+)\*\*", r"\1", str(text)).replace("`", "")


def _box(colour: str, inner: str) -> str:
    # Dark text on a light tint stays readable in light and dark themes alike.
    return (f'<div class="cvea-fb" style="background:{BG[colour]};color:{style.TEXT};border-left:4px solid {colour};'
            f'padding:8px 12px;border-radius:8px;margin:4px 0">{inner}</div>')


def _number(x: float) -> str:
    return numbers.number(x, digits=10)


def _instructions(q: dict) -> str:
    if q["type"] == "single":
        return "Choose one answer."
    if q["type"] == "multiple":
        return "Tick every answer that is true: it may be one, several or all of them."
    if q["type"] == "numeric":
        unit = f" in {html.escape(q['unit'])}" if q["unit"] else ""
        return f"Type a number{unit}."
    return "Lock in your guess before you run the experiment."


def _answer_html(q: dict) -> str:
    """The full answer: every option with its feedback, or the number with its tolerance."""
    if q["type"] == "numeric":
        unit = f" {html.escape(q['unit'])}" if q["unit"] else ""
        tol = f" (answers within \u00b1{_number(q['tolerance'])}{unit} count)" if q["tolerance"] else ""
        return f"<p><b>Answer: {_number(q['answer'])}{unit}</b>{tol}.</p>"
    items = []
    for i, opt in enumerate(options(q)):
        mark, colour = ("\u2714", RIGHT) if opt.get("correct") else ("\u2718", WRONG)
        if q["type"] == "predict":
            mark, colour = ("\u2714", RIGHT) if q.get("answer") == i else ("\u2022", MUTED)
        fb = f" {_inline(opt['feedback'])}" if opt.get("feedback") else ""
        items.append(f'<li><span style="color:{colour}"><b>{mark} {LETTERS[i]}.</b></span> '
                     f"<i>{_inline(opt['text'])}</i>{' &mdash; ' + fb if fb else ''}</li>")
    return f"<ul style=\"list-style:none;padding-left:0.4em\">{''.join(items)}</ul>"


def _explanation_html(q: dict) -> str:
    return f"<p><b>Why:</b> {_inline(q['explanation'])}</p>"


def _question_static(q: dict, number: int | None = None) -> str:
    num = f"{number}. " if number is not None else ""
    body = f"<p><b>{num}{_inline(q['prompt'])}</b><br><small>{_instructions(q)}</small></p>"
    if q["type"] != "numeric":
        # Lettered as the widget labels them ("A. ..."): a list's own letters vanish where HTML is sanitised.
        body += ('<ul style="list-style:none;padding-left:0.4em">'
                 + "".join(f"<li>{LETTERS[i]}. {_inline(o['text'])}</li>" for i, o in enumerate(options(q))) + "</ul>")
    summary = "What happens? (open after you have guessed)" if q["type"] == "predict" else "Show the answer"
    return (f"{body}<details><summary>{summary}</summary>"
            f"{_answer_html(q)}{_explanation_html(q)}</details>")


def _title(notebook: str) -> str:
    return find_notebook(notebook)[2]


def _quiz_questions(bank: dict, questions: list[dict] | None) -> list[dict]:
    return questions if questions is not None else [q for q in bank["questions"] if q["type"] != "predict"]


def static_html(bank: dict, questions: list[dict] | None = None) -> str:
    """The quiz as plain HTML with the answers folded away: what GitHub, nbviewer and exported HTML show.

    ``questions`` are the quiz's questions as the learner sees them (``Quiz.shown_questions()``), so
    the static copy's letters and answer key match the widget's order; by default the stored order.
    """
    qs = _quiz_questions(bank, questions)
    head = (f"<h4>Quiz \u00b7 {bank['notebook']} {html.escape(_title(bank['notebook']))}</h4>"
            f"<p><small>{len(qs)} questions; pass mark {bank['pass_mark']:.0%}. Run the notebook to answer them "
            "interactively; here each answer is folded under its question.</small></p>")
    items = "".join(f"<li style=\"margin-bottom:0.8em\">{_question_static(q)}</li>" for q in qs)
    return f'<div class="cvea-static">{head}<ol>{items}</ol></div>'


def static_text(bank: dict, questions: list[dict] | None = None) -> str:
    """The quiz as plain text (questions and options only, in the order given), for consoles without HTML."""
    qs = _quiz_questions(bank, questions)
    lines = [f"Quiz {bank['notebook']} ({len(qs)} questions; run it in Jupyter to answer):"]
    for n, q in enumerate(qs, 1):
        lines.append(f"{n}. {_plain(q['prompt'])} [{_instructions(q)}]")
        if q["type"] != "numeric":
            lines += [f"   {LETTERS[i]}. {_plain(o['text'])}" for i, o in enumerate(options(q))]
    return "\n".join(lines)


# ---------------------------------------------------------------- widgets --------------------------


class Card:
    """One question as a widget card: inputs, a Check button and a feedback area.

    ``q`` is the question as stored in its bank. With a ``learner`` id, the card shows its options
    in that learner's order for ``attempt`` (``quiz_bank.shuffled``); ``self.q`` is the question
    as shown, so letters, feedback and the answer key all follow the shown order. ``record`` is the
    question's saved history (``progress.question_record``): how often it was missed and whether its
    answer has been shown, after which it no longer counts toward mastery.
    """

    def __init__(self, q: dict, number: int, on_checked=None, learner: str | None = None, attempt: int = 0,
                 record: dict | None = None):
        import ipywidgets as w

        self.stored = q
        self.learner = learner
        self.on_checked = on_checked
        record = record or {"misses": 0, "revealed": False}
        self.misses = int(record["misses"])  # saved across sessions: answers that were not fully right
        self.revealed = bool(record["revealed"])  # its answer has been shown to this learner
        self.tries = 0  # checks in this session
        self.credit: float | None = None  # None until checked in this round
        self.counts: bool | None = None  # whether this round's answer counts toward mastery
        self.q, self.order = shuffled(q, learner, attempt) if learner else (q, None)
        prompt = w.HTML(value=f"<div style=\"font-size:1.05em\"><b>{number}. {_inline(q['prompt'])}</b></div>"
                        f"<div style=\"color:{MUTED};font-size:0.9em\">{_instructions(q)}</div>")
        self.note = w.HTML(value="")
        self.radio = self.entry = None
        self.boxes: list = []
        labels = self._labels()
        if q["type"] == "single":
            self.radio = w.RadioButtons(options=[(label, i) for i, label in enumerate(labels)], index=None,
                                        layout=w.Layout(width="100%"))
            inputs = self.radio
        elif q["type"] == "multiple":
            self.boxes = [w.Checkbox(value=False, description=label, indent=False,
                                     layout=w.Layout(width="100%")) for label in labels]
            inputs = w.VBox(self.boxes)
        else:
            self.entry = w.Text(value="", placeholder="a number", layout=w.Layout(width="14em"))
            inputs = w.HBox([self.entry, w.HTML(value=f"&nbsp;{html.escape(q['unit'])}")])
        self.check_button = w.Button(description="Check", button_style="primary",
                                     tooltip="Check this answer")
        self.check_button.on_click(self.check)
        self.feedback = w.HTML(value="")
        self.widget = w.VBox([prompt, self.note, inputs, self.check_button, self.feedback],
                             layout=w.Layout(padding="8px 14px", margin="6px 0"))
        self.widget.add_class("cvea-card")
        self._show_note()

    def _labels(self) -> list[str]:
        return [f"{LETTERS[i]}. {o['text']}" for i, o in enumerate(options(self.q))] if "options" in self.q else []

    def _show_note(self) -> None:
        self.note.value = (f'<div style="color:{PARTIAL};font-size:0.9em">You have been shown this answer: it still '
                           "scores, but no longer counts toward mastery.</div>" if self.revealed else "")

    def set_attempt(self, attempt: int) -> None:
        """Show the options in this learner's order for ``attempt`` (Retry asks in a new order)."""
        if not self.learner or self.order is None:
            return
        self.q, self.order = shuffled(self.stored, self.learner, attempt)
        labels = self._labels()
        if self.radio is not None:
            self.radio.options = [(label, i) for i, label in enumerate(labels)]
            self.radio.index = None
        if self.boxes:
            for box, label in zip(self.boxes, labels, strict=True):
                box.description = label

    # The learner's answer, read from the widgets (None when nothing is chosen yet).
    def answer(self):
        if self.radio is not None:
            return self.radio.value
        if self.boxes:
            chosen = [i for i, b in enumerate(self.boxes) if b.value]
            return chosen or None
        return self.entry.value if self.entry.value.strip() else None

    def _set_disabled(self, flag: bool) -> None:
        for x in [self.radio, self.entry, self.check_button, *self.boxes]:
            if x is not None:
                x.disabled = flag

    def check(self, _button=None) -> Grade | None:
        """Grade the current answer, lock the inputs and show the feedback (the Check button's handler).

        A miss is saved; the ``REVEAL_AFTER``-th miss of a question shows its full answer, and a
        question whose answer has been shown still scores but never again counts toward mastery.
        """
        from utils import progress

        answer = self.answer()
        if answer is None:
            self.feedback.value = _box(MUTED, "Choose or type an answer first, then press Check.")
            return None
        try:
            g = grade(self.q, answer)
        except CourseError as err:
            self.feedback.value = _box(WRONG, html.escape(str(err)))
            return None
        self.tries += 1
        self.credit = g.credit
        self.counts = not self.revealed
        shown_now = False
        if g.credit < 1:
            self.misses = progress.record_miss(self.q["id"])
            if self.misses >= REVEAL_AFTER and not self.revealed:
                progress.record_reveal(self.q["id"])
                self.revealed = shown_now = True
        self._set_disabled(True)
        self.feedback.value = self._feedback_html(g, shown_now)
        self._show_note()
        if self.on_checked:
            self.on_checked()
        return g

    def _feedback_html(self, g: Grade, shown_now: bool = False) -> str:
        colour = {"right": RIGHT, "partial": PARTIAL, "wrong": WRONG}[g.verdict]
        mark = {"right": "\u2714", "partial": "\u25d1", "wrong": "\u2718"}[g.verdict]
        parts = [f'<div style="color:{colour};font-weight:600">{mark} {_inline(g.message)}</div>']
        opts = options(self.q) if self.q["type"] != "numeric" else []
        if opts:
            rows = []
            for i in g.chosen:
                ok = opts[i]["correct"]
                c = RIGHT if ok else WRONG
                tick = CHECK if ok else CROSS
                rows.append(f'<li><span style="color:{c}"><b>{tick} {LETTERS[i]}.</b></span> '
                            f"{_inline(opts[i]['feedback'])}</li>")
            parts.append(f"<ul>{''.join(rows)}</ul>")
        if g.verdict == "right":
            others = [i for i in range(len(opts)) if i not in g.chosen]
            if others:
                parts.append("<details><summary>Why the other options are wrong</summary><ul>"
                             + "".join(f"<li><b>{LETTERS[i]}.</b> {_inline(opts[i]['feedback'])}</li>"
                                       for i in others) + "</ul></details>")
            parts.append(_explanation_html(self.q))
            if not self.counts:
                parts.append(f'<div style="color:{MUTED}">You had been shown this answer, so this point counts for '
                             "your score but not toward mastery.</div>")
        elif self.revealed:
            why = (f"you have missed it {self.misses} times, so here it is. From now on this question still "
                   "scores, but no longer counts toward mastering the node" if shown_now else "shown before")
            parts.append(f'<div style="margin-top:6px"><b>The full answer</b> ({why}):</div>')
            parts.append(_answer_html(self.q))
            parts.append(_explanation_html(self.q))
        else:
            warn = (" One more miss of this question shows its answer, and a shown answer no longer counts "
                    "toward mastery." if self.misses == REVEAL_AFTER - 1 else "")
            parts.append(f'<div style="color:{MUTED}">When every question is checked, <b>Retry</b> asks them all '
                         f"again, in a new order.{warn}</div>")
        return _box(colour, "".join(parts))

    def reset(self) -> None:
        """Clear the answer and the feedback so the question can be answered again."""
        if self.radio is not None:
            self.radio.index = None
        for b in self.boxes:
            b.value = False
        if self.entry is not None:
            self.entry.value = ""
        self.credit = self.counts = None
        self.feedback.value = ""
        self._set_disabled(False)
        self._show_note()


class Quiz:
    """The end-of-lesson quiz of one bank: cards in this learner's order, the score, and a Retry button.

    A round ends when every card is checked; it is saved with ``progress.record_quiz``. It passes at
    the bank's pass mark, and masters the quiz when it passes counting only the answers given
    before their answer was shown. Retry starts a new round: every question again, options in a
    new order (the attempt number is the count of finished rounds, so a restart keeps the order).
    """

    def __init__(self, notebook: str):
        import ipywidgets as w

        from utils import progress

        self.bank = load_questions(notebook)
        self.notebook = notebook
        self.pass_mark = float(self.bank["pass_mark"])
        qs = [q for q in self.bank["questions"] if q["type"] != "predict"]
        self.learner = progress.learner_id()
        state = progress.load()
        self.attempt = progress.rounds(notebook, state)
        self.cards = [Card(q, n, self._update, self.learner, self.attempt, progress.question_record(q["id"], state))
                      for n, q in enumerate(qs, 1)]
        self.mastered = progress.is_mastered(notebook, state)
        self.need = math.ceil(self.pass_mark * len(qs) - 1e-9)
        self._recorded = False
        badge = f' <span style="color:{RIGHT}">\u2714 mastered before</span>' if self.mastered else ""
        where = ("This quiz is about the course itself; it is not a node of the Architecture Tree."
                 if notebook not in progress.PARENTS else html.escape(progress.node_note(notebook, state)))
        self.header = w.HTML(value=(
            f"<div style=\"font-size:1.2em;font-weight:700\">Quiz \u00b7 {notebook} "
            f"{html.escape(_title(notebook))}{badge}</div><div style=\"color:{MUTED}\">{len(qs)} questions, their "
            f"options in your own order. Check each answer to see why it is right or wrong; {self.need} of "
            f"{len(qs)} points ({self.pass_mark:.0%}) pass. To <b>master</b> it, those points must come from answers "
            f"given before the quiz showed you the answer: after {REVEAL_AFTER} misses a question's answer is shown, "
            "and from then on it still scores but no longer counts toward mastery. Retry asks every question "
            f"again, in a new order.</div><div style=\"margin-top:4px\">{where}</div>"))
        self.score = w.HTML(value="")
        self.retry_button = w.Button(description="Retry", tooltip="Answer every question again, in a new order",
                                     layout=w.Layout(display="none", width="auto", align_self="flex-start"))
        self.retry_button.on_click(self.retry)
        self.widget = w.VBox([w.HTML(value=CSS), self.header, *[c.widget for c in self.cards],
                              self.score, self.retry_button])
        self.widget.add_class("cvea-quiz")
        self._update()

    @property
    def points(self) -> float:
        return sum(c.credit or 0.0 for c in self.cards)

    @property
    def mastery_points(self) -> float:
        """Points from answers given before their question's answer was shown: the ones mastery counts."""
        return sum(c.credit or 0.0 for c in self.cards if c.counts)

    def shown_questions(self) -> list[dict]:
        """The quiz's questions as this learner sees them now (options in their order)."""
        return [c.q for c in self.cards]

    def _update(self) -> None:
        """Refresh the score line; when every card is checked, save the round in the progress file."""
        from utils import progress

        n = len(self.cards)
        checked = sum(c.credit is not None for c in self.cards)
        pts = self.points
        if checked < n:
            self.score.value = f'<div style="margin-top:6px">Score: <b>{pts:g} / {n}</b> ({checked} of {n} checked)</div>'
            self.retry_button.layout.display = "none"
            return
        if self._recorded:
            return
        self._recorded = True
        counted = round(self.mastery_points, 4)
        fraction = pts / n
        ok = fraction + 1e-9 >= self.pass_mark
        mastered = ok and counted / n + 1e-9 >= self.pass_mark
        change = progress.record_quiz(self.notebook, fraction, ok, mastered=mastered)
        self.attempt = progress.rounds(self.notebook)
        self.mastered = self.mastered or mastered
        shown = sum(c.revealed for c in self.cards)
        out_of_reach = n - shown < self.need
        again = "Press <b>Retry</b> to answer every question again, in a new order."
        if out_of_reach and not change["mastered"]:
            again = (f"You have been shown the answers of {shown} of these {n} questions, so at most {n - shown} "
                     f"points can count, fewer than the {self.need} mastery needs: this quiz can no longer master "
                     "the node. Retry still lets you practise; the other lessons and nodes stay open to you, and "
                     "<code>utils.progress.reset()</code> starts the whole tree over.")
        if mastered:
            msg = _box(RIGHT, f"<b>\u2714 Mastered with {pts:g} / {n} ({fraction:.0%}):</b> "
                              f"{self._mastered_text(change)} Your progress is saved; the tree below shows it.")
        elif ok:
            lost = pts - counted
            msg = _box(PARTIAL, f"<b>Passed with {pts:g} / {n} ({fraction:.0%}), but not mastered:</b> {lost:g} of "
                                "those points came from questions whose answer you had been shown, so "
                                f"{counted:g} count toward mastery, which needs {self.need}. {again}")
        else:
            msg = _box(WRONG, f"<b>Not passed yet: {pts:g} / {n} ({fraction:.0%}), the pass mark is "
                              f"{self.pass_mark:.0%}.</b> Read the feedback above. {again}")
        self.score.value = msg
        self.retry_button.description = "Retry"
        self.retry_button.layout.display = None
        if ok:
            progress.refresh_trees()  # every tree already on the page redraws in place

    def _mastered_text(self, change: dict) -> str:
        from utils import progress

        if self.notebook not in progress.PARENTS:
            return "you know how the quizzes work; the tree starts at its two roots, 01 and 03."
        title = html.escape(_title(self.notebook))
        if change["state"] != progress.MASTERED:
            wait = " and ".join(change["waiting_for"])
            return (f"node {self.notebook} \u00b7 {title} is <b>mastered early</b>: you mastered the quiz of node "
                    f"{self.notebook} before {wait}, which is allowed. It counts for the nodes after it once {wait} "
                    f"{'is' if len(change['waiting_for']) == 1 else 'are'} mastered too.")
        text = f"node {self.notebook} \u00b7 {title} is mastered"
        if change["unlocked"]:
            text += " and it unlocks " + ", ".join(f"{n} \u00b7 {html.escape(_title(n))}" for n in change["unlocked"])
        if change["also_mastered"]:
            text += "; " + ", ".join(f"{n} \u00b7 {html.escape(_title(n))}" for n in change["also_mastered"])
            text += ", whose quiz you had already mastered, " + ("is" if len(change["also_mastered"]) == 1 else "are")
            text += " now mastered too"
        return text + "."

    def retry(self, _button=None) -> None:
        """Start a new round: every question again, its options in a new order."""
        for c in self.cards:
            c.set_attempt(self.attempt)
            c.reset()
        self._recorded = False
        self._update()


def make_quiz(notebook: str) -> Quiz:
    """Build (without showing) the quiz of ``notebook``; ``quiz()`` shows it."""
    return Quiz(notebook)


def quiz(notebook: str) -> None:
    """Show the end-of-lesson quiz of ``notebook`` ("05"): mastering it masters node 05 of the tree."""
    z = make_quiz(notebook)
    shown = z.shown_questions()
    display_with_static_copy(z.widget, CSS + static_html(z.bank, shown), static_text(z.bank, shown))


# ---------------------------------------------------------------- predict / reveal ------------------


class Prediction:
    """A predict question as a widget: choose an option, then lock it in before the experiment runs."""

    def __init__(self, qid: str):
        import ipywidgets as w

        self.q = question(qid)
        if self.q["type"] != "predict":
            raise CourseError(f"{qid!r} is a {self.q['type']} question; predict() needs a predict question.")
        labels = [f"{LETTERS[i]}. {o['text']}" for i, o in enumerate(options(self.q))]
        self.radio = w.RadioButtons(options=[(label, i) for i, label in enumerate(labels)], index=None,
                                    layout=w.Layout(width="100%"))
        self.lock_button = w.Button(description="Lock in my guess", button_style="primary",
                                    layout=w.Layout(width="auto", align_self="flex-start"))
        self.lock_button.on_click(self.lock)
        self.feedback = w.HTML(value="")
        card = w.VBox([
            w.HTML(value=f"<div style=\"color:{MUTED};font-size:0.9em\">PREDICT FIRST</div>"
                   f"<div style=\"font-size:1.05em\"><b>{_inline(self.q['prompt'])}</b></div>"),
            self.radio, self.lock_button, self.feedback,
        ], layout=w.Layout(padding="8px 14px", margin="6px 0"))
        card.add_class("cvea-card")
        self.widget = w.VBox([w.HTML(value=CSS), card])
        self.widget.add_class("cvea-quiz")

    def lock(self, _button=None) -> int | None:
        """Store the chosen option as this session's guess (the button's handler)."""
        if self.radio.index is None:
            self.feedback.value = _box(MUTED, "Choose the option you expect first.")
            return None
        _guesses[self.q["id"]] = self.radio.index
        self.radio.disabled = self.lock_button.disabled = True
        text = options(self.q)[self.radio.index]["text"]
        self.feedback.value = _box(MUTED, f"Locked in: <b>{LETTERS[self.radio.index]}. {_inline(text)}</b>. "
                                          "Now run the experiment below and see whether you were right.")
        return self.radio.index


def predict(qid: str) -> None:
    """Ask predict question ``qid`` ("02.outage-latency"): the learner locks in a guess before the experiment."""
    p = Prediction(qid)
    _guesses.pop(qid, None)  # a re-run cell asks again
    plain = f"Predict: {_plain(p.q['prompt'])}\n" + "\n".join(
        f"   {LETTERS[i]}. {_plain(o['text'])}" for i, o in enumerate(options(p.q)))
    display_with_static_copy(p.widget, CSS + f'<div class="cvea-static">{_question_static(p.q)}</div>', plain)


def _observed_text(observed) -> str:
    if isinstance(observed, bool) or observed is None:
        return str(observed)
    if isinstance(observed, int):
        return f"{observed:,}"
    try:
        if isinstance(observed, float) or type(observed).__module__ == "numpy":
            return numbers.number(float(observed), digits=4)
    except (TypeError, ValueError):
        pass
    return str(observed)


def reveal_html(qid: str, observed) -> str:
    """The reveal card: the learner's guess (if any), the observed result, and the explanation."""
    q = question(qid)
    if q["type"] != "predict":
        raise CourseError(f"{qid!r} is a {q['type']} question; reveal() needs a predict question.")
    opts = options(q)
    guess = _guesses.get(qid)
    rows = [f"<div style=\"color:{MUTED};font-size:0.9em\">PREDICTION CHECK</div>"
            f"<div><b>{_inline(q['prompt'])}</b></div>",
            f"<p>Observed: <b style=\"font-size:1.1em\">{html.escape(_observed_text(observed))}</b></p>"]
    colour = MUTED
    if guess is None:
        rows.append("<p>You did not lock in a guess (fine when the notebook runs unattended). "
                    "Next time, pick one before the experiment: a guess that turns out wrong teaches most.</p>")
    else:
        line = f"Your guess: <b>{LETTERS[guess]}. {_inline(opts[guess]['text'])}</b>"
        if q.get("answer") is not None:
            hit = guess == q["answer"]
            colour = RIGHT if hit else PARTIAL  # a wrong guess is the lesson, not a failure
            said = f"{CHECK} matches what happened" if hit else f"{CROSS} not what happened"
            line += f' <span style="color:{colour}">{said}</span>'
        rows.append(f"<p>{line}</p>")
        if opts[guess].get("feedback"):
            rows.append(f"<p>{_inline(opts[guess]['feedback'])}</p>")
    if q.get("answer") is not None and guess != q["answer"]:
        a = q["answer"]
        rows.append(f"<p>What happens: <b>{LETTERS[a]}. {_inline(opts[a]['text'])}</b></p>")
    rows.append(_explanation_html(q))
    return f'<div class="cvea-quiz" style="max-width:780px">{_box(colour, "".join(rows))}</div>'


def reveal(qid: str, observed) -> None:
    """Show the observed result of the experiment beside the guess locked in with ``predict(qid)``."""
    from IPython.display import HTML, display

    display(HTML(CSS + reveal_html(qid, observed)))
