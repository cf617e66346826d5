"""Quizzes: question banks as data, graded with per-option feedback, drawn as ipywidgets.

Every lesson ends with ``quiz("NN")``: the questions of ``data/quizzes/NN.json`` (schema in
CONTRIBUTING.md, "Question banks") as cards with a Check button each, feedback on every
option the learner chose, a running score and a Retry button. Passing (score >= the bank's
``pass_mark``) masters the lesson's node of the Architecture Tree (``utils.progress``).

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
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from utils.display import display_with_static_copy
from utils.errors import CourseError

TYPES = ("single", "multiple", "numeric", "predict")
LETTERS = "ABCDEFGHIJ"
CHECK, CROSS = "\u2714", "\u2718"
# Two wrong checks of one question and the answer is shown, so nobody stays stuck.
REVEAL_AFTER = 2

RIGHT, WRONG, PARTIAL, MUTED = "#1b7a3a", "#a4262c", "#8a5a00", "#6a6a6a"
BG = {RIGHT: "#e9f6ee", WRONG: "#fdeced", PARTIAL: "#fff5e0", MUTED: "#f3f3f3"}

# Fields each kind of question may have (anything else is a typo the bank test reports).
_COMMON = {"id", "type", "prompt", "explanation", "source"}
_FIELDS = {
    "single": _COMMON | {"options"},
    "multiple": _COMMON | {"options"},
    "numeric": _COMMON | {"answer", "tolerance", "unit", "feedback_low", "feedback_high"},
    "predict": _COMMON | {"options", "answer"},
}
_BANK_FIELDS = {"notebook", "pass_mark", "questions", "title", "source"}
_ID = re.compile(r"^\d\d\.[a-z0-9]+(?:-[a-z0-9]+)*$")

# In-session guesses from predict(), read by reveal(); never saved (a stale guess would mislead).
_guesses: dict[str, int] = {}

CSS = """<style>
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
.cvea-fb summary {display: list-item; cursor: pointer; color: #3b75af; margin: 4px 0;}
.cvea-quiz code, .cvea-static code {background: #eef1f4; border-radius: 3px; padding: 0 3px;}
</style>"""


# ---------------------------------------------------------------- banks ----------------------------


def _bank_dir() -> Path:
    from utils.course import find_root

    return find_root(Path(__file__).parent) / "data" / "quizzes"


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _text(x) -> bool:
    return isinstance(x, str) and bool(x.strip())


def validate_question(q, source: str, notebook: str | None = None) -> None:
    """Raise one sentence naming ``source`` and the question id when ``q`` breaks the bank schema."""
    if not isinstance(q, dict):
        raise CourseError(f"{source}: every question must be a JSON object, found {type(q).__name__}.")
    ident = q.get("id")
    where = f"{source}, question {ident!r}"
    if not isinstance(ident, str) or not _ID.match(ident):
        raise CourseError(f"{where}: the id must look like 'NN.some-slug' (lower case, digits, hyphens).")
    if notebook is not None and not ident.startswith(notebook + "."):
        raise CourseError(f"{where}: the id must start with the bank's notebook number {notebook!r}.")
    kind = q.get("type")
    if kind not in TYPES:
        raise CourseError(f"{where}: type {kind!r} is not one of {', '.join(TYPES)}.")
    unknown = sorted(set(q) - _FIELDS[kind])
    if unknown:
        raise CourseError(f"{where}: unknown field(s) {', '.join(unknown)} for a {kind} question (a typo?).")
    for name in ("prompt", "explanation"):
        if not _text(q.get(name)):
            raise CourseError(f"{where}: needs a non-empty {name!r}.")
    if kind == "numeric":
        if not _is_number(q.get("answer")):
            raise CourseError(f"{where}: a numeric question needs a number 'answer'.")
        if not _is_number(q.get("tolerance")) or q["tolerance"] < 0:
            raise CourseError(f"{where}: a numeric question needs a 'tolerance' >= 0.")
        if not isinstance(q.get("unit"), str):
            raise CourseError(f"{where}: a numeric question needs a 'unit' (use \"\" for a pure number).")
        for name in ("feedback_low", "feedback_high"):
            if not _text(q.get(name)):
                raise CourseError(f"{where}: a numeric question needs {name!r} feedback.")
        return
    options = q.get("options")
    if not isinstance(options, list) or len(options) < 2 or len(options) > len(LETTERS):
        raise CourseError(f"{where}: needs a list of 2 to {len(LETTERS)} 'options'.")
    texts = []
    for i, opt in enumerate(options):
        label = f"{where}, option {LETTERS[i]}"
        if kind == "predict" and isinstance(opt, str):
            opt = {"text": opt}
        if not isinstance(opt, dict) or not _text(opt.get("text")):
            raise CourseError(f"{label}: needs a non-empty 'text'.")
        allowed = {"text", "feedback"} if kind == "predict" else {"text", "correct", "feedback"}
        if set(opt) - allowed:
            raise CourseError(f"{label}: unknown field(s) {', '.join(sorted(set(opt) - allowed))}.")
        if kind != "predict":
            if not isinstance(opt.get("correct"), bool):
                raise CourseError(f"{label}: 'correct' must be true or false.")
            if not _text(opt.get("feedback")):
                raise CourseError(f"{label}: every option needs 'feedback' saying why it is right or wrong.")
        elif "feedback" in opt and not _text(opt["feedback"]):
            raise CourseError(f"{label}: 'feedback', when given, must not be empty.")
        texts.append(" ".join(opt["text"].lower().split()))
    if len(set(texts)) != len(texts):
        raise CourseError(f"{where}: two options have the same text.")
    if kind == "predict":
        answer = q.get("answer")
        if answer is not None and (not isinstance(answer, int) or isinstance(answer, bool)
                                   or not 0 <= answer < len(options)):
            raise CourseError(f"{where}: 'answer' of a predict question must be an option index 0-{len(options) - 1}.")
        return
    right = sum(opt["correct"] for opt in options)
    if kind == "single" and right != 1:
        raise CourseError(f"{where}: a single-choice question needs exactly one correct option, found {right}.")
    if kind == "multiple" and not 1 <= right < len(options):
        raise CourseError(f"{where}: a multiple-select question needs at least one correct and one wrong option.")


def validate_bank(doc, source: str) -> dict:
    """Check a whole bank (the parsed JSON of ``source``); returns it, or raises naming file and question."""
    if not isinstance(doc, dict):
        raise CourseError(f"{source}: the bank must be a JSON object with 'notebook', 'pass_mark' and 'questions'.")
    unknown = sorted(set(doc) - _BANK_FIELDS)
    if unknown:
        raise CourseError(f"{source}: unknown top-level field(s) {', '.join(unknown)}.")
    notebook = doc.get("notebook")
    if not isinstance(notebook, str) or not re.fullmatch(r"\d\d", notebook):
        raise CourseError(f"{source}: 'notebook' must be a two-digit string such as \"05\".")
    stem = Path(source).stem
    if re.fullmatch(r"\d\d", stem) and stem != notebook:
        raise CourseError(f"{source}: 'notebook' is {notebook!r} but the file is named for {stem!r}.")
    mark = doc.get("pass_mark")
    if not _is_number(mark) or not 0 < mark <= 1:
        raise CourseError(f"{source}: 'pass_mark' must be a fraction in (0, 1], such as 0.8.")
    questions = doc.get("questions")
    if not isinstance(questions, list) or not questions:
        raise CourseError(f"{source}: 'questions' must be a non-empty list.")
    seen = set()
    for q in questions:
        validate_question(q, source, notebook)
        if q["id"] in seen:
            raise CourseError(f"{source}, question {q['id']!r}: this id appears twice.")
        seen.add(q["id"])
    if not any(q["type"] != "predict" for q in questions):
        raise CourseError(f"{source}: needs at least one single, multiple or numeric question for the quiz.")
    return doc


def bank_path(notebook: str) -> Path:
    """The file of notebook ``notebook``'s question bank."""
    if not isinstance(notebook, str) or not re.fullmatch(r"\d\d", notebook):
        raise CourseError(f"Quiz id {notebook!r} should be a two-digit notebook number such as \"05\".")
    return _bank_dir() / f"{notebook}.json"


def load_bank(notebook: str) -> dict:
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
    bank = load_bank(qid[:2])
    for q in bank["questions"]:
        if q["id"] == qid:
            return q
    raise CourseError(f"No question {qid!r} in data/quizzes/{qid[:2]}.json.")


def _options(q: dict) -> list[dict]:
    """Options as dicts (predict banks may list plain strings)."""
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
    if _is_number(text):
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
        opts = _options(q)
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(opts):
            raise CourseError(f"An answer to {q['id']!r} is one option index from 0 to {len(opts) - 1}.")
        ok = opts[answer]["correct"]
        return Grade(1.0 if ok else 0.0, "right" if ok else "wrong",
                     "Right." if ok else "Not this one.", [answer])
    if kind == "multiple":
        opts = _options(q)
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
    return (f'<div class="cvea-fb" style="background:{BG[colour]};color:#1f2328;border-left:4px solid {colour};'
            f'padding:8px 12px;border-radius:8px;margin:4px 0">{inner}</div>')


def _number(x: float) -> str:
    return f"{x:,.10g}" if abs(x) < 1e15 else f"{x:.4g}"


def _instructions(q: dict) -> str:
    if q["type"] == "single":
        return "Choose one answer."
    if q["type"] == "multiple":
        return "Tick every answer that is true (there may be more than one)."
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
    for i, opt in enumerate(_options(q)):
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
        body += '<ol type="A">' + "".join(f"<li>{_inline(o['text'])}</li>" for o in _options(q)) + "</ol>"
    summary = "What happens? (open after you have guessed)" if q["type"] == "predict" else "Show the answer"
    return (f"{body}<details><summary>{summary}</summary>"
            f"{_answer_html(q)}{_explanation_html(q)}</details>")


def _title(notebook: str) -> str:
    from utils.course import NOTEBOOKS

    return next((t for n, _, t in NOTEBOOKS if n == notebook), notebook)


def static_html(bank: dict) -> str:
    """The quiz as plain HTML with the answers folded away: what GitHub, nbviewer and exported HTML show."""
    qs = [q for q in bank["questions"] if q["type"] != "predict"]
    head = (f"<h4>Quiz \u00b7 {bank['notebook']} {html.escape(_title(bank['notebook']))}</h4>"
            f"<p><small>{len(qs)} questions; pass mark {bank['pass_mark']:.0%}. Run the notebook to answer them "
            "interactively; here each answer is folded under its question.</small></p>")
    items = "".join(f"<li style=\"margin-bottom:0.8em\">{_question_static(q)}</li>" for q in qs)
    return f'<div class="cvea-static">{head}<ol>{items}</ol></div>'


def static_text(bank: dict) -> str:
    """The quiz as plain text (questions and options only), for consoles without HTML."""
    qs = [q for q in bank["questions"] if q["type"] != "predict"]
    lines = [f"Quiz {bank['notebook']} ({len(qs)} questions; run it in Jupyter to answer):"]
    for n, q in enumerate(qs, 1):
        lines.append(f"{n}. {_plain(q['prompt'])} [{_instructions(q)}]")
        if q["type"] != "numeric":
            lines += [f"   {LETTERS[i]}. {_plain(o['text'])}" for i, o in enumerate(_options(q))]
    return "\n".join(lines)


# ---------------------------------------------------------------- widgets --------------------------


class Card:
    """One question as a widget card: inputs, a Check button and a feedback area."""

    def __init__(self, q: dict, number: int, on_checked=None):
        import ipywidgets as w

        self.q = q
        self.on_checked = on_checked
        self.tries = 0
        self.credit: float | None = None  # None until checked in this round
        prompt = w.HTML(value=f"<div style=\"font-size:1.05em\"><b>{number}. {_inline(q['prompt'])}</b></div>"
                        f"<div style=\"color:{MUTED};font-size:0.9em\">{_instructions(q)}</div>")
        self.radio = self.entry = None
        self.boxes: list = []
        opts = _options(q) if q["type"] != "numeric" else []
        labels = [f"{LETTERS[i]}. {o['text']}" for i, o in enumerate(opts)]
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
        self.widget = w.VBox([prompt, inputs, self.check_button, self.feedback],
                             layout=w.Layout(padding="8px 14px", margin="6px 0"))
        self.widget.add_class("cvea-card")

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
        """Grade the current answer, lock the inputs and show the feedback (the Check button's handler)."""
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
        self._set_disabled(True)
        self.feedback.value = self._feedback_html(g)
        if self.on_checked:
            self.on_checked()
        return g

    def _feedback_html(self, g: Grade) -> str:
        colour = {"right": RIGHT, "partial": PARTIAL, "wrong": WRONG}[g.verdict]
        mark = {"right": "\u2714", "partial": "\u25d1", "wrong": "\u2718"}[g.verdict]
        show_all = g.verdict == "right" or self.tries >= REVEAL_AFTER
        parts = [f'<div style="color:{colour};font-weight:600">{mark} {_inline(g.message)}</div>']
        if self.q["type"] != "numeric":
            opts = _options(self.q)
            rows = []
            for i in g.chosen:
                ok = opts[i]["correct"]
                c = RIGHT if ok else WRONG
                tick = CHECK if ok else CROSS
                rows.append(f'<li><span style="color:{c}"><b>{tick} {LETTERS[i]}.</b></span> '
                            f"{_inline(opts[i]['feedback'])}</li>")
            parts.append(f"<ul>{''.join(rows)}</ul>")
        if show_all:
            if g.verdict != "right":
                parts.append(f"<div style=\"margin-top:6px\"><b>The full answer</b> (after {self.tries} tries):</div>")
                parts.append(_answer_html(self.q))
            elif self.q["type"] != "numeric" and len(_options(self.q)) > len(g.chosen):
                others = [i for i in range(len(_options(self.q))) if i not in g.chosen]
                opts = _options(self.q)
                parts.append("<details><summary>Why the other options are wrong</summary><ul>"
                             + "".join(f"<li><b>{LETTERS[i]}.</b> {_inline(opts[i]['feedback'])}</li>"
                                       for i in others) + "</ul></details>")
            parts.append(_explanation_html(self.q))
        elif self.credit is not None and self.credit < 1:
            parts.append(f'<div style="color:{MUTED}">Press <b>Retry</b> below the quiz to answer it again.</div>')
        return _box(colour, "".join(parts))

    def reset(self) -> None:
        """Clear the answer and the feedback so the question can be answered again."""
        if self.radio is not None:
            self.radio.index = None
        for b in self.boxes:
            b.value = False
        if self.entry is not None:
            self.entry.value = ""
        self.credit = None
        self.feedback.value = ""
        self._set_disabled(False)


class Quiz:
    """The end-of-lesson quiz of one bank: cards, the score, and a Retry button."""

    def __init__(self, notebook: str):
        import ipywidgets as w

        from utils import progress

        self.bank = load_bank(notebook)
        self.notebook = notebook
        self.pass_mark = float(self.bank["pass_mark"])
        qs = [q for q in self.bank["questions"] if q["type"] != "predict"]
        self.cards = [Card(q, n, self._update) for n, q in enumerate(qs, 1)]
        self.rounds = 0
        self.passed = progress.is_mastered(notebook)
        badge = (f' <span style="color:{RIGHT}">\u2714 passed before</span>' if self.passed else "")
        need = math.ceil(self.pass_mark * len(qs) - 1e-9)
        self.header = w.HTML(value=(
            f"<div style=\"font-size:1.2em;font-weight:700\">Quiz \u00b7 {notebook} "
            f"{html.escape(_title(notebook))}{badge}</div><div style=\"color:{MUTED}\">{len(qs)} questions. "
            f"Check each answer to see why it is right or wrong; {need} of {len(qs)} points "
            f"({self.pass_mark:.0%}) pass{' and master this node of the Architecture Tree' if notebook != '00' else ''}."
            "</div>"))
        self.score = w.HTML(value="")
        self.retry_button = w.Button(description="Retry", tooltip="Answer again the questions that were not right",
                                     layout=w.Layout(display="none", width="auto", align_self="flex-start"))
        self.retry_button.on_click(self.retry)
        self.widget = w.VBox([w.HTML(value=CSS), self.header, *[c.widget for c in self.cards],
                              self.score, self.retry_button])
        self.widget.add_class("cvea-quiz")
        self._update()

    @property
    def points(self) -> float:
        return sum(c.credit or 0.0 for c in self.cards)

    def _update(self) -> None:
        """Refresh the score line; when every card is checked, record the round in the progress file."""
        from utils import progress

        n = len(self.cards)
        checked = sum(c.credit is not None for c in self.cards)
        pts = self.points
        line = f"Score: <b>{pts:g} / {n}</b> ({checked} of {n} checked)"
        if checked < n:
            self.score.value = f'<div style="margin-top:6px">{line}</div>'
            self.retry_button.layout.display = "none" if all(
                c.credit is None or c.credit == 1 for c in self.cards) else None
            return
        self.rounds += 1
        fraction = pts / n
        ok = fraction + 1e-9 >= self.pass_mark
        change = progress.record_quiz(self.notebook, fraction, ok)
        self.passed = self.passed or ok
        if ok:
            title = _title(self.notebook)
            nxt = change["unlocked"]
            what = (f"node {self.notebook} \u00b7 {html.escape(title)} is mastered" if self.notebook != "00"
                    else "you know how the quizzes work")
            if nxt:
                what += f" and node {nxt} \u00b7 {html.escape(_title(nxt))} is open"
            msg = _box(RIGHT, f"<b>\u2714 Passed with {pts:g} / {n} ({fraction:.0%}):</b> {what}. "
                              "Your progress is saved; the tree below shows it.")
            everything_right = all(c.credit == 1 for c in self.cards)
            self.retry_button.description = "Start over" if everything_right else "Retry the missed ones"
        else:
            msg = _box(WRONG, f"<b>Not passed yet: {pts:g} / {n} ({fraction:.0%}), the pass mark is "
                              f"{self.pass_mark:.0%}.</b> Read the feedback above, then press Retry to answer "
                              "again the questions that were not fully right.")
            self.retry_button.description = "Retry"
        self.score.value = msg
        self.retry_button.layout.display = None

    def retry(self, _button=None) -> None:
        """Re-open the questions that were not fully right (or all of them after a pass)."""
        everything = all(c.credit == 1 for c in self.cards)
        for c in self.cards:
            if everything or c.credit is None or c.credit < 1:
                c.reset()
        self.retry_button.description = "Retry"
        self._update()


def make_quiz(notebook: str) -> Quiz:
    """Build (without showing) the quiz of ``notebook``; ``quiz()`` shows it."""
    return Quiz(notebook)


def quiz(notebook: str) -> None:
    """Show the end-of-lesson quiz of ``notebook`` ("05"): passing it masters node 05 of the tree."""
    q = make_quiz(notebook)
    display_with_static_copy(q.widget, CSS + static_html(q.bank), static_text(q.bank))


# ---------------------------------------------------------------- predict / reveal ------------------


class Prediction:
    """A predict question as a widget: choose an option, then lock it in before the experiment runs."""

    def __init__(self, qid: str):
        import ipywidgets as w

        self.q = question(qid)
        if self.q["type"] != "predict":
            raise CourseError(f"{qid!r} is a {self.q['type']} question; predict() needs a predict question.")
        labels = [f"{LETTERS[i]}. {o['text']}" for i, o in enumerate(_options(self.q))]
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
        text = _options(self.q)[self.radio.index]["text"]
        self.feedback.value = _box(MUTED, f"Locked in: <b>{LETTERS[self.radio.index]}. {_inline(text)}</b>. "
                                          "Now run the experiment below and see whether you were right.")
        return self.radio.index


def predict(qid: str) -> None:
    """Ask predict question ``qid`` ("02.outage-latency"): the learner locks in a guess before the experiment."""
    p = Prediction(qid)
    _guesses.pop(qid, None)  # a re-run cell asks again
    plain = f"Predict: {_plain(p.q['prompt'])}\n" + "\n".join(
        f"   {LETTERS[i]}. {_plain(o['text'])}" for i, o in enumerate(_options(p.q)))
    display_with_static_copy(p.widget, CSS + f'<div class="cvea-static">{_question_static(p.q)}</div>', plain)


def _observed_text(observed) -> str:
    if isinstance(observed, bool) or observed is None:
        return str(observed)
    if isinstance(observed, int):
        return f"{observed:,}"
    try:
        if isinstance(observed, float) or type(observed).__module__ == "numpy":
            v = float(observed)
            return f"{v:,.4g}" if abs(v) < 1e4 or not v.is_integer() else f"{v:,.0f}"
    except (TypeError, ValueError):
        pass
    return str(observed)


def reveal_html(qid: str, observed) -> str:
    """The reveal card: the learner's guess (if any), the observed result, and the explanation."""
    q = question(qid)
    if q["type"] != "predict":
        raise CourseError(f"{qid!r} is a {q['type']} question; reveal() needs a predict question.")
    opts = _options(q)
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
