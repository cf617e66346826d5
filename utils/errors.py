"""The course's one error type: a single sentence for the learner, never a deep traceback.

Every helper in `utils` raises :class:`CourseError` for bad input (wrong type, wrong shape,
a file that is not a model, a model that does not fit a board). In Jupyter the error renders
as one line, because IPython calls ``_render_traceback_`` when an exception defines it.
"""

from __future__ import annotations

import math
import numbers


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


def _plain(x: float) -> str:
    """A bound in an error sentence, without scientific notation (1,440, 0.001)."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.6f}".rstrip("0").rstrip(".")


def number(value, what: str, low: float | None = None, high: float | None = None, *, above: float | None = None,
           whole: bool = False, unit: str = "", allow_inf: bool = False):
    """``value`` as a float (an int when ``whole``) within the bounds, or one sentence saying what ``what`` must be.

    ``low``/``high`` are inclusive, ``above`` an exclusive lower bound; ``unit`` names what is counted
    ("a whole number of bytes"); ``allow_inf`` accepts math.inf
    (a link that never fails). Text, booleans, NaN and (unless allowed) infinity are refused.
    """
    rules = [f"above {_plain(above)}"] if above is not None else []
    if low is not None and high is not None:
        rules.append(f"from {_plain(low)} to {_plain(high)}")
    elif low is not None:
        rules.append(f"{_plain(low)} or more")
    elif high is not None:
        rules.append(f"at most {_plain(high)}")
    expected = ("a whole number" if whole else "a number") + (f" of {unit}" if unit else "")
    expected += ", " + " and ".join(rules) if rules else ""
    kind = numbers.Integral if whole else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool) and type(value).__name__ != "bool_"
    try:
        v = (int(value) if whole else float(value)) if ok else math.nan
    except (OverflowError, ValueError):
        v = math.nan
    ok = not math.isnan(v) and (allow_inf or not math.isinf(v))
    ok = ok and (above is None or v > above) and (low is None or v >= low) and (high is None or v <= high)
    if not ok:
        raise CourseError(f"{what} must be {expected}, got {shown(value)}.")
    return v
