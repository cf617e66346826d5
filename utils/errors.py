"""The course's one error type: a single sentence for the learner, never a deep traceback.

Every helper in `utils` raises :class:`CourseError` for bad input (wrong type, wrong shape,
a file that is not a model, a model that does not fit a board). In Jupyter the error renders
as one line, because IPython calls ``_render_traceback_`` when an exception defines it.
"""

from __future__ import annotations


class CourseError(ValueError):
    """Bad input to a course helper, described in one sentence that says what to do."""

    def _render_traceback_(self) -> list[str]:
        # IPython hook: show the sentence, not the stack of helper frames behind it.
        return [f"\x1b[1;31m{type(self).__name__}\x1b[0m: {self}"]


def require(condition: bool, message: str) -> None:
    """Raise :class:`CourseError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CourseError(message)


def shown(value, limit: int = 40) -> str:
    """A short repr of ``value`` for an error sentence (a long string or array is cut with '...')."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real problem
        text = f"a {type(value).__name__}"
    text = " ".join(text.split())  # one line, even for a numpy array
    return text if len(text) <= limit else text[: limit - 3] + "..."
