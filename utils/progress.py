"""The Architecture Tree: which of the course's eight nodes a learner has mastered, saved between sessions.

Each lesson 01-08 is one node. Node 01 is open from the start; passing a lesson's quiz
(``utils.quiz.quiz("NN")``) masters node NN and unlocks the next one. Progress lives in a small
JSON file, ``~/.cloud_vs_edge_ai/progress.json`` by default, or wherever the environment
variable ``COURSE_PROGRESS_FILE`` points. It holds quiz scores and nothing personal::

    {"version": 1, "quizzes": {"01": {"passed": true, "score": 0.8, "rounds": 1}}}

A missing file means a fresh start. A corrupt one is kept aside as ``progress.json.corrupt``,
the learner is told once, and the course starts fresh. If the file cannot be written
(a read-only home folder), progress is kept for this session only, again with one notice.
``reset()`` forgets everything. ``show_tree()`` draws the tree at the end of every lesson.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from utils.errors import CourseError

VERSION = 1
ENV_VAR = "COURSE_PROGRESS_FILE"
DEFAULT_FILE = Path("~/.cloud_vs_edge_ai/progress.json")

# The states a node can be in, as show_tree() draws them.
LOCKED, UNLOCKED, MASTERED = "locked", "unlocked", "mastered"

# Notices already given in this session (one each: a corrupt or unwritable file is said once).
_told: set[str] = set()
# Used instead of the file once it proved unwritable, so the session still remembers.
_memory: dict | None = None


def _notice(key: str, message: str) -> None:
    if key not in _told:
        _told.add(key)
        print(message)


def progress_file() -> Path:
    """Where progress is saved: $COURSE_PROGRESS_FILE, or ~/.cloud_vs_edge_ai/progress.json."""
    override = os.environ.get(ENV_VAR, "").strip()
    return Path(override).expanduser() if override else DEFAULT_FILE.expanduser()


def nodes() -> list[tuple[str, str]]:
    """The tree's eight nodes as (id, title), in course order (lessons 01-08; 00 is not a node)."""
    from utils.course import NOTEBOOKS

    return [(nid, title) for nid, _, title in NOTEBOOKS if nid != "00"]


def _fresh() -> dict:
    return {"version": VERSION, "quizzes": {}}


def _valid(state: object) -> bool:
    """True for a progress document this version understands."""
    if not isinstance(state, dict) or not isinstance(state.get("quizzes"), dict):
        return False
    return all(isinstance(k, str) and isinstance(v, dict) for k, v in state["quizzes"].items())


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
        return state
    aside = path.with_name(path.name + ".corrupt")
    try:
        os.replace(path, aside)
        kept = f" (the old file is kept as {aside.name})"
    except OSError:
        kept = ""
    _notice("corrupt", f"Could not read your saved progress at {path}: {problem}; starting fresh{kept}.")
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
            f"Cannot save progress to {path} ({err.strerror or type(err).__name__}): it is kept for this "
            f"session only; set {ENV_VAR} to a writable file to keep it.",
        )
        return None


def reset() -> None:
    """Forget all progress (the quizzes of every lesson) and start the tree again at node 01."""
    global _memory
    _memory = None
    _told.clear()
    path = progress_file()
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as err:
        raise CourseError(f"Cannot delete the progress file {path}: {err.strerror}.") from None
    print("Progress reset: the Architecture Tree starts again at node 01.")


def _check_id(notebook: str) -> str:
    from utils.course import NOTEBOOKS

    if not isinstance(notebook, str) or notebook not in {nid for nid, _, _ in NOTEBOOKS}:
        raise CourseError(f"Unknown notebook id {notebook!r}: use a two-digit id from '00' to '08'.")
    return notebook


def record_quiz(notebook: str, score: float, passed: bool) -> dict:
    """Save one finished quiz round; a pass masters the notebook's node for good.

    Returns what changed: ``{"mastered": bool, "newly_mastered": bool, "unlocked": next id or None}``.
    """
    _check_id(notebook)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise CourseError(f"A quiz score must be a fraction between 0 and 1, got {score!r}.")
    state = load()
    entry = state["quizzes"].setdefault(notebook, {"passed": False, "score": 0.0, "rounds": 0})
    before = bool(entry.get("passed"))
    entry["rounds"] = int(entry.get("rounds", 0)) + 1
    entry["score"] = max(float(entry.get("score", 0.0)), round(float(score), 4))
    entry["passed"] = before or bool(passed)
    save(state)
    ids = [nid for nid, _ in nodes()]
    following = ids[ids.index(notebook) + 1] if notebook in ids and notebook != ids[-1] else None
    if notebook == "00":
        following = ids[0]
    return {
        "mastered": entry["passed"],
        "newly_mastered": entry["passed"] and not before,
        "unlocked": following if entry["passed"] else None,
    }


def is_mastered(notebook: str, state: dict | None = None) -> bool:
    """Whether the quiz of ``notebook`` has been passed."""
    _check_id(notebook)
    state = load() if state is None else state
    return bool(state["quizzes"].get(notebook, {}).get("passed"))


def node_states(state: dict | None = None) -> dict[str, str]:
    """Each node's state: mastered (quiz passed), unlocked (node 01, or the one after a mastered node), locked."""
    state = load() if state is None else state
    result, previous_mastered = {}, True
    for nid, _ in nodes():
        if is_mastered(nid, state):
            result[nid] = MASTERED
        elif previous_mastered:
            result[nid] = UNLOCKED
        else:
            result[nid] = LOCKED
        previous_mastered = result[nid] == MASTERED
    return result


def summary(state: dict | None = None) -> str:
    """One line for the learner: how many nodes are mastered and which ones are open next."""
    states = node_states(state)
    titles = dict(nodes())
    done = [n for n, s in states.items() if s == MASTERED]
    open_ = [f"{n} {titles[n]}" for n, s in states.items() if s == UNLOCKED]
    text = f"{len(done)} of {len(states)} nodes mastered"
    if open_:
        text += f"; open next: {', '.join(open_)}"
    else:
        text += "; the whole tree is mastered"
    return text + "."


def tree_figure(state: dict | None = None, highlight: str | None = None):
    """A matplotlib figure of the Architecture Tree: a trunk with the eight nodes as leaves, 01 at the root."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    from utils import style

    states = node_states(state)
    look = {
        MASTERED: {"face": style.HYBRID, "edge": style.HYBRID, "text": "white", "tag": "\u2713 mastered"},
        UNLOCKED: {"face": "white", "edge": style.EDGE, "text": "#222222", "tag": "open: pass its quiz to master it"},
        LOCKED: {"face": "#eeeeee", "edge": "#bbbbbb", "text": "#999999", "tag": "locked"},
    }
    items = nodes()
    fig, ax = plt.subplots(figsize=(7.4, 5.6))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.2, len(items) + 0.6)
    ax.axis("off")
    # The trunk grows upwards from the cloud (01) to the hybrid system (08); mastered wood is green.
    for i, (nid, _) in enumerate(items):
        grown = states[nid] == MASTERED
        ax.plot([5, 5], [i + 0.05, i + 1], color=style.HYBRID if grown else "#cccccc", lw=5 if grown else 3,
                solid_capstyle="round", zorder=1)
    for i, (nid, title) in enumerate(items):
        y, left = i + 0.55, i % 2 == 0
        st = look[states[nid]]
        x0 = 0.35 if left else 5.65
        ax.plot([5, x0 + 4.0 if left else x0], [y - 0.25, y], color=st["edge"], lw=2, zorder=1)
        box = FancyBboxPatch((x0, y - 0.36), 4.0, 0.72, boxstyle="round,pad=0.02,rounding_size=0.18",
                             facecolor=st["face"], edgecolor=st["edge"],
                             lw=3 if nid == highlight else 1.6, zorder=2)
        ax.add_patch(box)
        ax.text(x0 + 0.2, y + 0.1, f"{nid}  {title}", color=st["text"], fontsize=10.5, fontweight="bold",
                va="center", ha="left", zorder=3)
        ax.text(x0 + 0.2, y - 0.19, st["tag"], color=st["text"], fontsize=8.5, va="center", ha="left",
                zorder=3)
    done = sum(s == MASTERED for s in states.values())
    ax.set_title(f"Architecture Tree: {done} of {len(items)} nodes mastered", fontsize=12, loc="left")
    ax.text(9.9, -0.1, "from the cloud (01) to the hybrid system (08)", ha="right", va="center", fontsize=8.5,
            color="#777777")
    fig.tight_layout()
    return fig


def show_tree(highlight: str | None = None) -> None:
    """Draw the Architecture Tree with this learner's progress, and say in one line what is open next."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    if highlight is not None:
        _check_id(highlight)
    state = load()
    fig = tree_figure(state, highlight)
    display(fig)
    # Closed after display so the inline backend does not draw the same figure a second time.
    plt.close(fig)
    print(summary(state) + f" Saved in {progress_file()} (utils.progress.reset() starts over).")
