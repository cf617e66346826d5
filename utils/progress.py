"""The Architecture Tree: which of the course's nodes a learner has mastered, saved between sessions.

Each lesson 01-09 is one node, and the tree has the seed's three branches::

    cloud branch   01 The cloud AI paradigm -> 02 Limits of the cloud
    edge branch    03 Edge AI and TinyML -> 05 Training -> 06 Quantization -> 07 On-device inference
    both branches  04 Privacy by design   (needs 02 and 03)
                   08 The hybrid architecture   (needs 02 and 07)
                   09 The learning loop   (needs 08)

The two roots, 01 and 03, are open from the start. A node is **unlocked** when all its parents
(``PARENTS``) are mastered, and **mastered** when it is unlocked and its quiz has been mastered:
passed (score >= the bank's pass mark, 80 %) counting only the answers given before that
question's answer was shown (``utils.quiz`` shows it after repeated misses). A locked node never
stops anyone running its notebook or passing its quiz: the tree only says which nodes to finish
first. A quiz mastered while its node is still locked shows as **mastered early** (``shown_states``);
the node counts as mastered, and opens the nodes after it, as soon as its parents are mastered.

Progress lives in a small JSON file, ``~/.cloud_vs_edge_ai/progress.json`` by default, or wherever
the environment variable ``COURSE_PROGRESS_FILE`` points. It holds a random learner id (made once,
here, and used only to shuffle each learner's quiz options), quiz results, and per question how
often it was missed and whether its answer was shown; nothing personal::

    {"version": 2, "learner": "5f0c...", "quizzes": {"01": {"passed": true, "mastered": true,
     "score": 0.8, "rounds": 2, "questions": {"01.inference-def": {"misses": 1, "revealed": false}}}}}

Version 1 files (no learner id, no ``mastered``) load as they are: a quiz they record as passed
counts as mastered, since it was passed under the rules of its time. A missing file means a fresh
start. A corrupt one is kept aside as ``progress.json.corrupt``, the learner is told once, and the
course starts fresh. If the file cannot be written (a read-only home folder), progress is kept for
this session only, again with one notice. ``reset()`` forgets everything. ``show_tree()`` shows the
tree at the end of every lesson as a live widget: every quiz that passes redraws each tree already on
the page (``refresh_trees``), without re-running its cell. Where no widget can be drawn (GitHub,
exported HTML) the tree as it was when its cell ran stands in.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import secrets
import tempfile
from pathlib import Path

from utils.course import NOTEBOOKS, find_notebook
from utils.errors import CourseError, number

VERSION = 2
ENV_VAR = "COURSE_PROGRESS_FILE"
DEFAULT_FILE = Path("~/.cloud_vs_edge_ai/progress.json")

# The states a node can be in (node_states); show_tree() also draws a locked node whose quiz is mastered
# as mastered early (shown_states).
LOCKED, UNLOCKED, MASTERED = "locked", "unlocked", "mastered"
MASTERED_EARLY = "mastered early"

# The tree: each node's parents, all of which must be mastered before it unlocks. Training (05)
# grows on the edge branch, because its model is built for the device; 04 and 08 need both branches.
PARENTS: dict[str, tuple[str, ...]] = {
    "01": (),
    "02": ("01",),
    "03": (),
    "04": ("02", "03"),
    "05": ("03",),
    "06": ("05",),
    "07": ("06",),
    "08": ("02", "07"),
    "09": ("08",),
}
BRANCH = {"01": "cloud", "02": "cloud", "03": "edge", "05": "edge", "06": "edge", "07": "edge",
          "04": "both", "08": "both", "09": "both"}

# Notices already given in this session (one each: a corrupt or unwritable file is said once).
_told: set[str] = set()
# Used instead of the file once it proved unwritable, so the session still remembers.
_memory: dict | None = None
# The live trees shown in this session, one widget per highlight: refresh_trees() redraws them.
_trees: dict = {}


def _notice(key: str, message: str) -> None:
    if key not in _told:
        _told.add(key)
        print(message)


def progress_file() -> Path:
    """Where progress is saved: $COURSE_PROGRESS_FILE, or ~/.cloud_vs_edge_ai/progress.json."""
    override = os.environ.get(ENV_VAR, "").strip()
    return Path(override).expanduser() if override else DEFAULT_FILE.expanduser()


def shown_path(path: Path | None = None) -> str:
    """``path`` (the progress file by default) as a learner sees it: '~/...' inside the home folder.

    The home folder's absolute path names the user, which has no place in a shared notebook.
    """
    path = Path(progress_file() if path is None else path)
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def nodes() -> list[tuple[str, str]]:
    """The tree's nodes as (id, title), in course order (lessons 01-09; 00 is not a node)."""
    return [(nid, title) for nid, _, title in NOTEBOOKS if nid != "00"]


def parents(notebook: str) -> tuple[str, ...]:
    """The nodes that must be mastered before ``notebook``'s node unlocks (none for the roots 01 and 03)."""
    _check_id(notebook)
    return PARENTS.get(notebook, ())


def children(notebook: str) -> list[str]:
    """The nodes that have ``notebook`` among their parents."""
    _check_id(notebook)
    return [nid for nid, ps in PARENTS.items() if notebook in ps]


def _fresh() -> dict:
    return {"version": VERSION, "quizzes": {}}


def _valid(state: object) -> bool:
    """True for a progress document this version understands (version 1 or 2)."""
    if not isinstance(state, dict) or not isinstance(state.get("quizzes"), dict):
        return False
    return all(isinstance(k, str) and isinstance(v, dict) for k, v in state["quizzes"].items())


def _upgrade(state: dict) -> dict:
    """Bring a version 1 document to version 2 in memory: a quiz it passed counts as mastered."""
    version = state.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < VERSION:
        for entry in state["quizzes"].values():
            entry.setdefault("mastered", bool(entry.get("passed")))
        state["version"] = VERSION
    return state


def load() -> dict:
    """The saved progress, or a fresh one (a corrupt file is set aside and the learner told once)."""
    if _memory is not None:
        return json.loads(json.dumps(_memory))
    path = progress_file()
    if not path.exists():
        return _fresh()
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        problem = None if _valid(state) else "it does not hold course progress"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        problem = f"it is not readable JSON ({type(err).__name__})"
    if problem is None:
        return _upgrade(state)
    aside = path.with_name(path.name + ".corrupt")
    try:
        os.replace(path, aside)
        kept = f" (the old file is kept as {aside.name})"
    except OSError:
        kept = ""
    _notice("corrupt", f"Could not read your saved progress at {shown_path(path)}: {problem}; starting fresh{kept}.")
    return _fresh()


def save(state: dict) -> Path | None:
    """Write ``state`` atomically; returns the file, or None if it is kept in memory for this session."""
    global _memory
    if not _valid(state):
        raise CourseError("Progress to save must be a dict with a 'quizzes' dict (use record_quiz()).")
    if _memory is not None:
        _memory = json.loads(json.dumps(state))
        return None
    path = progress_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a temporary file and rename it, so a crash never leaves half a file behind.
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".json", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
        return path
    except OSError as err:
        _memory = json.loads(json.dumps(state))
        _notice(
            "unwritable",
            f"Cannot save progress to {shown_path(path)} ({err.strerror or type(err).__name__}): it is kept for this "
            f"session only; set {ENV_VAR} to a writable file to keep it.",
        )
        return None


def reset() -> None:
    """Forget all progress (every quiz, every shown answer) and start the tree again at its roots, 01 and 03."""
    global _memory
    _memory = None
    _told.clear()
    path = progress_file()
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as err:
        raise CourseError(f"Cannot delete the progress file {shown_path(path)}: {err.strerror}.") from None
    print("Progress reset: the Architecture Tree starts again at its roots, 01 and 03.")
    refresh_trees()


def _check_id(notebook: str) -> str:
    return find_notebook(notebook)[0]


def _check_question(qid: str) -> str:
    if not isinstance(qid, str) or len(qid) < 4 or qid[2] != ".":
        raise CourseError(f"Question id {qid!r} should look like '02.camera-gb'.")
    _check_id(qid[:2])
    return qid


def _entry(state: dict, notebook: str) -> dict:
    return state["quizzes"].setdefault(notebook, {"passed": False, "mastered": False, "score": 0.0, "rounds": 0})


def _questions(entry: dict) -> dict:
    """The per-question records of a quiz entry (a damaged one is replaced by an empty dict)."""
    if not isinstance(entry.get("questions"), dict):
        entry["questions"] = {}
    return entry["questions"]


def _record(state: dict, qid: str) -> dict:
    questions = _questions(_entry(state, qid[:2]))
    if not isinstance(questions.get(qid), dict):
        questions[qid] = {}
    return questions[qid]


# ----------------------------------------------------------------------------- the learner
def learner_id() -> str:
    """This learner's random id, made once and saved: it fixes the order of their quiz options.

    Stable across restarts (it is in the progress file), different for every learner (16 random
    hex digits). It says nothing about the person; ``reset()`` forgets it with everything else.
    """
    state = load()
    ident = state.get("learner")
    if not (isinstance(ident, str) and ident.strip()):
        ident = secrets.token_hex(8)
        state["learner"] = ident
        save(state)
    return ident


# ----------------------------------------------------------------------------- questions
def question_record(qid: str, state: dict | None = None) -> dict:
    """``{"misses": int, "revealed": bool}`` for question ``qid`` ('02.gb-per-day'): its history for this learner."""
    _check_question(qid)
    state = load() if state is None else state
    questions = state["quizzes"].get(qid[:2], {}).get("questions")
    record = questions.get(qid) if isinstance(questions, dict) else None
    record = record if isinstance(record, dict) else {}
    misses = record.get("misses", 0)
    return {"misses": misses if isinstance(misses, int) and not isinstance(misses, bool) and misses > 0 else 0,
            "revealed": bool(record.get("revealed"))}


def record_miss(qid: str) -> int:
    """Count one answer to ``qid`` that was not fully right; returns how many misses it has now."""
    _check_question(qid)
    state = load()
    count = question_record(qid, state)["misses"] + 1
    record = _record(state, qid)
    record["misses"] = count
    record.setdefault("revealed", False)
    save(state)
    return record["misses"]


def record_reveal(qid: str) -> None:
    """Remember that the answer of ``qid`` was shown: from now on it never counts toward mastery."""
    _check_question(qid)
    state = load()
    record = _record(state, qid)
    record.setdefault("misses", 0)
    record["revealed"] = True
    save(state)


def revealed(notebook: str, state: dict | None = None) -> set[str]:
    """The ids of ``notebook``'s questions whose answer this learner has been shown."""
    _check_id(notebook)
    state = load() if state is None else state
    questions = state["quizzes"].get(notebook, {}).get("questions")
    questions = questions if isinstance(questions, dict) else {}
    return {qid for qid, rec in questions.items() if isinstance(rec, dict) and rec.get("revealed")}


# ----------------------------------------------------------------------------- quizzes and the tree
def rounds(notebook: str, state: dict | None = None) -> int:
    """How many rounds of ``notebook``'s quiz were finished (every question checked)."""
    _check_id(notebook)
    state = load() if state is None else state
    n = state["quizzes"].get(notebook, {}).get("rounds", 0)
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 0


def record_quiz(notebook: str, score: float, passed: bool, mastered: bool | None = None) -> dict:
    """Save one finished quiz round: its score, whether it passed, and whether it masters the quiz.

    ``mastered`` is whether the round passed counting only answers given before their answer was
    shown (``utils.quiz`` works it out); None means the same as ``passed``. A mastered quiz stays
    mastered. Returns what changed: ``{"passed", "mastered", "newly_mastered": bool, "state": the
    node's state now, "unlocked": [nodes this round opened], "also_mastered": [locked nodes whose quiz
    was already mastered and that are mastered now], "waiting_for": [parents still to master]}``.
    """
    _check_id(notebook)
    number(score, "A quiz score", 0, 1)
    mastered = passed if mastered is None else mastered
    if mastered and not passed:
        raise CourseError("A quiz round cannot master a node without passing it.")
    state = load()
    before = node_states(state)
    entry = _entry(state, notebook)
    was = bool(entry.get("mastered"))
    entry["rounds"] = rounds(notebook, state) + 1
    entry["score"] = max(float(entry.get("score", 0.0)), round(float(score), 4))
    entry["passed"] = bool(entry.get("passed")) or bool(passed)
    entry["mastered"] = was or bool(mastered)
    save(state)
    after = node_states(state)
    return {
        "passed": entry["passed"],
        "mastered": entry["mastered"],
        "newly_mastered": entry["mastered"] and not was,
        "state": after.get(notebook),
        "unlocked": [n for n in after if before[n] == LOCKED and after[n] == UNLOCKED],
        "also_mastered": [n for n in after if n != notebook and before[n] != MASTERED and after[n] == MASTERED],
        "waiting_for": waiting_for(notebook, state) if notebook in PARENTS else [],
    }


def is_mastered(notebook: str, state: dict | None = None) -> bool:
    """Whether the quiz of ``notebook`` has been mastered (passed without shown answers counting)."""
    _check_id(notebook)
    state = load() if state is None else state
    return bool(state["quizzes"].get(notebook, {}).get("mastered"))


def node_states(state: dict | None = None) -> dict[str, str]:
    """Each node's state: mastered (unlocked and its quiz mastered), unlocked (every parent mastered), or locked."""
    state = load() if state is None else state
    result: dict[str, str] = {}
    for nid, _ in nodes():  # course order lists every parent before its children
        if all(result.get(p) == MASTERED for p in PARENTS[nid]):
            result[nid] = MASTERED if is_mastered(nid, state) else UNLOCKED
        else:
            result[nid] = LOCKED
    return result


def waiting_for(notebook: str, state: dict | None = None) -> list[str]:
    """The parents of ``notebook`` that are not mastered yet (empty when its node is unlocked)."""
    states = node_states(state)
    return [p for p in parents(notebook) if states[p] != MASTERED]


def shown_states(state: dict | None = None) -> dict[str, str]:
    """Each node's state as the tree shows it: ``node_states``, with a locked node whose quiz is mastered
    shown as ``MASTERED_EARLY`` (allowed: it counts as mastered once its parents are)."""
    state = load() if state is None else state
    return {n: MASTERED_EARLY if s == LOCKED and is_mastered(n, state) else s for n, s in node_states(state).items()}


def to_finish(notebook: str, state: dict | None = None) -> list[str]:
    """The nodes to master before ``notebook``'s node counts: its unmastered parents, looking through any
    parent that is mastered early to the nodes that one still waits for (course order)."""
    state = load() if state is None else state
    shown = shown_states(state)
    found: set[str] = set()
    for p in waiting_for(notebook, state):
        found |= set(to_finish(p, state)) if shown[p] == MASTERED_EARLY else {p}
    return [n for n, _ in nodes() if n in found]


def _ids(ids) -> str:
    ids = list(ids)
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def _is_are(ids) -> str:
    return "is" if len(list(ids)) == 1 else "are"


def unlock_rule(notebook: str) -> str:
    """What unlocks ``notebook``'s node, in a few words ('open from the start', 'unlocked by mastering 02 and 03')."""
    ps = parents(notebook)
    return "open from the start" if not ps else f"unlocked by mastering {_ids(ps)}"


def node_note(notebook: str, state: dict | None = None) -> str:
    """One sentence on a node: its state, what unlocks it, and for a locked node which nodes to finish first."""
    state = load() if state is None else state
    title = dict(nodes())[_check_id(notebook)]
    st = shown_states(state)[notebook]
    first = to_finish(notebook, state)
    if st == MASTERED:
        return f"Node {notebook} \u00b7 {title} is mastered."
    if st == UNLOCKED:
        return f"Node {notebook} \u00b7 {title} is open ({unlock_rule(notebook)}): master its quiz to master it."
    if st == MASTERED_EARLY:
        return (f"Node {notebook} \u00b7 {title} is mastered early: its quiz is already mastered, before "
                f"{_ids(waiting_for(notebook, state))} ({unlock_rule(notebook)}). It counts for the nodes after it "
                f"once {_ids(first)} {_is_are(first)} mastered too.")
    return (f"Node {notebook} \u00b7 {title} is locked: finish {_ids(first)} first "
            f"({unlock_rule(notebook)}). The lesson and its quiz still work.")


def summary(state: dict | None = None) -> str:
    """One line for the learner: how many nodes are mastered, which are open, and what each locked one waits for."""
    state = load() if state is None else state
    states = shown_states(state)
    titles = dict(nodes())
    done = [n for n, s in states.items() if s == MASTERED]
    early = [f"{n} (counts once {_ids(to_finish(n, state))} {_is_are(to_finish(n, state))} mastered)"
             for n, s in states.items() if s == MASTERED_EARLY]
    open_ = [f"{n} {titles[n]}" for n, s in states.items() if s == UNLOCKED]
    locked = [f"{n} (finish {_ids(to_finish(n, state))})" for n, s in states.items() if s == LOCKED]
    text = f"{len(done)} of {len(states)} nodes mastered"
    if early:
        text += f"; mastered early: {', '.join(early)}"
    if open_:
        text += f"; open now: {', '.join(open_)}"
    if locked:
        text += f"; locked: {', '.join(locked)}"
    if not open_ and not locked and not early:
        text += "; the whole tree is mastered"
    return text + "."


# ----------------------------------------------------------------------------- drawing
# Where each node sits: (column, level). Columns: 0 cloud branch, 1 both branches, 2 edge branch.
_LAYOUT = {"01": (0, 0), "02": (0, 1), "03": (2, 0), "05": (2, 1), "06": (2, 2), "07": (2, 3),
           "04": (1, 2), "08": (1, 4), "09": (1, 5)}
_X = (1.75, 5.0, 8.25)
_W, _H, _DY = 3.05, 0.86, 1.3


def _edge_path(parent: str, child: str) -> list[tuple[float, float]]:
    """The wood between two nodes, as an elbow that stays clear of the other boxes."""
    (pc, pl), (cc, cl) = _LAYOUT[parent], _LAYOUT[child]
    px, py, cx, cy = _X[pc], pl * _DY, _X[cc], cl * _DY
    if pc == cc:  # straight up the branch
        return [(px, py + _H / 2), (cx, cy - _H / 2)]
    if pl == 0 and pc == 2:  # the edge root's own branch grows above it: leave from its side, enter from below
        return [(px - _W / 2, py), (cx, py), (cx, cy - _H / 2)]
    side = cx - _W / 2 if px < cx else cx + _W / 2  # up its branch, then across into the box's side
    return [(px, py + _H / 2), (px, cy), (side, cy)]


def _node_text(nid: str, st: str, state: dict) -> tuple[str, str]:
    """(status line, rule line) printed in node ``nid``'s box."""
    rule = unlock_rule(nid)
    first = to_finish(nid, state)
    if st == MASTERED:
        tag = "\u2713 mastered"
    elif st == MASTERED_EARLY:
        tag = "\u2713 mastered early"
        rule = f"counts once {_ids(first)} {_is_are(first)} mastered"
    elif st == UNLOCKED:
        tag = "open: master its quiz"
    else:
        tag = f"locked: finish {_ids(first)} first"
    return tag, rule


def tree_figure(state: dict | None = None, highlight: str | None = None):
    """A matplotlib figure of the Architecture Tree: two roots (01 cloud, 03 edge), three branches.

    Drawn without pyplot, so it can be redrawn from a button's handler without showing up as a stray plot.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    from utils import style

    state = load() if state is None else state
    states = shown_states(state)
    # Each text colour meets WCAG AA (4.5:1) on its face; utils.style lists the pairs.
    look = {
        MASTERED: {"face": style.HYBRID, "edge": style.HYBRID, "text": style.PAGE, "ls": "-"},
        MASTERED_EARLY: {"face": style.PAGE, "edge": style.HYBRID, "text": style.TEXT, "ls": "--"},
        UNLOCKED: {"face": style.PAGE, "edge": style.EDGE, "text": style.TEXT, "ls": "-"},
        LOCKED: {"face": style.LOCKED_FACE, "edge": style.LOCKED_EDGE, "text": style.MUTED_TEXT, "ls": "-"},
    }
    fig = Figure(figsize=(9.2, 7.6))
    ax = fig.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(-1.0, max(level for _, level in _LAYOUT.values()) * _DY + 0.75)
    ax.axis("off")
    for child, ps in PARENTS.items():
        for p in ps:
            grown = states[p] == MASTERED
            xs, ys = zip(*_edge_path(p, child), strict=True)
            ax.plot(xs, ys, color=style.HYBRID if grown else style.BARE_WOOD, lw=4 if grown else 2.2,
                    solid_capstyle="round", solid_joinstyle="round", zorder=1)
    for nid, title in nodes():
        col, level = _LAYOUT[nid]
        x, y = _X[col], level * _DY
        st, colours = states[nid], look[states[nid]]
        tag, rule = _node_text(nid, st, state)
        box = FancyBboxPatch((x - _W / 2, y - _H / 2), _W, _H, boxstyle="round,pad=0.02,rounding_size=0.15",
                             facecolor=colours["face"], edgecolor=colours["edge"], linestyle=colours["ls"],
                             lw=3.2 if nid == highlight else 1.6, zorder=2)
        ax.add_patch(box)
        left = x - _W / 2 + 0.14
        ax.text(left, y + 0.22, f"{nid}  {title}", color=colours["text"], fontsize=9.5, fontweight="bold",
                va="center", ha="left", zorder=3)
        ax.text(left, y - 0.03, tag, color=colours["text"], fontsize=8.2, va="center", ha="left", zorder=3)
        ax.text(left, y - 0.25, rule, color=colours["text"], fontsize=7.6, va="center", ha="left",
                style="italic", zorder=3)
    for col, label, colour in ((0, "cloud branch", style.CLOUD), (2, "edge branch", style.EDGE)):
        ax.text(_X[col], -_H / 2 - 0.25, label, ha="center", va="center", fontsize=9, color=colour, fontweight="bold")
    ax.text(_X[1], -_H / 2 - 0.25, "04 and 08 need both", ha="center", va="center", fontsize=9,
            color=style.HYBRID, fontweight="bold")
    done = sum(s == MASTERED for s in states.values())
    ax.set_title(f"Architecture Tree: {done} of {len(states)} nodes mastered", fontsize=12, loc="left")
    fig.tight_layout()
    return fig


def tree_html(state: dict | None = None, highlight: str | None = None) -> str:
    """The tree as HTML: the figure as a PNG (its alt text the summary), the summary, and where progress is saved."""
    from utils import style

    state = load() if state is None else state
    png = io.BytesIO()
    tree_figure(state, highlight).savefig(png, format="png", dpi=100)
    text = summary(state)
    done = sum(s == MASTERED for s in node_states(state).values())
    alt = f"Architecture Tree: {done} of {len(PARENTS)} nodes mastered. {text}"
    return (f'<div class="cvea-tree" style="max-width:920px;color:{style.TEXT};background:{style.PAGE}">'
            f'<img src="data:image/png;base64,{base64.b64encode(png.getvalue()).decode("ascii")}" '
            f'alt="{html.escape(alt)}" style="max-width:100%">'
            f'<div class="cvea-tree-summary">{html.escape(text)} Saved in <code>{html.escape(shown_path())}</code> '
            "(<code>utils.progress.reset()</code> starts over).</div></div>")


def show_tree(highlight: str | None = None) -> None:
    """Show the Architecture Tree with this learner's progress, and say in one line what is open and what waits.

    The tree is a live widget: each quiz that passes redraws it in place (``refresh_trees``).
    """
    import ipywidgets as widgets

    from utils.display import display_with_static_copy

    if highlight is not None:
        _check_id(highlight)
    view = _trees.get(highlight)
    if view is None:
        view = _trees[highlight] = widgets.HTML(value="")
        view.add_class("cvea-tree-view")
    state = load()
    view.value = tree_html(state, highlight)
    display_with_static_copy(view, view.value, f"Architecture Tree: {summary(state)} Saved in {shown_path()}.")


def refresh_trees() -> None:
    """Redraw, in place, every tree shown in this session (the quiz calls it after a pass; reset() too)."""
    if not _trees:
        return
    state = load()
    for highlight, view in _trees.items():
        view.value = tree_html(state, highlight)
