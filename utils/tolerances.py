"""What float training lets differ between computers, and the bounds the course checks instead.

Training is seeded and repeats exactly on one computer, but not across CPUs: TensorFlow's float
matrix multiply goes through oneDNN, which picks its kernels by the CPU's instruction set at run
time, and different kernels round sums in a different order. The seeded edge digits model can
therefore end up one or two test images apart on two laptops, and everything downstream of its
weights (the int8 file's values, how many codes TFLite Micro and LiteRT disagree on) moves with it.

So the course checks two kinds of output:
- exact everywhere: counts, sizes of deterministic files, MACs, arenas, facts about shipped data, and
  that the numpy reference matches TFLite Micro on every value (both are integer-only);
- within a bound everywhere: anything that comes from float training or calibration, printed by
  :func:`bound` as "<what>: <bound>: yes", with the learner's own value shown beside it, unchecked.

The bounds were set from runs on several instruction sets and on Colab's versions (see the
maintainer notes in CONTRIBUTING.md); widen one only with a measurement that needs it.
"""

from __future__ import annotations

from utils.errors import CourseError, number

# Held-out accuracy of the trained digits models (a fraction), lesson 05.
ACCURACY_FLOOR = {"edge": 0.96, "cloud": 0.97}
# int8 against float32 accuracy on the same held-out images, in percentage points (lessons 06, 07).
INT8_CHANGE_POINTS = 1.0
# TFLite Micro against LiteRT's reference kernels: the share of int8 values that differ, and by how much.
RUNTIME_GAP_SHARE = 1e-4
RUNTIME_GAP_CODES = 4


def bound(what: str, value: float, low: float | None = None, high: float | None = None,
          unit: str = "", scale: float = 1.0, digits: int = 0) -> str:
    """One checkable line: "<what> <range>: yes", or "... : NO (value)" when ``value`` is outside it.

    ``scale`` and ``unit`` only change how the bound reads (0.96 with scale 100 and unit " %" reads
    "96 %"); the comparison uses the raw numbers.
    """
    value = number(value, "The value to check")
    if low is None and high is None:
        raise CourseError("Give a lower bound, an upper bound or both.")
    lo = None if low is None else number(low, "The lower bound")
    hi = None if high is None else number(high, "The upper bound")
    if lo is not None and hi is not None and lo > hi:
        raise CourseError(f"The lower bound {lo} is above the upper bound {hi}.")

    def show(x: float) -> str:
        return f"{x * scale:,.{digits}f}{unit}"

    if lo is not None and hi is not None:
        text = f"between {show(lo)} and {show(hi)}" if lo != -hi else f"within \u00b1{show(hi)}"
    elif lo is not None:
        text = f"at least {show(lo)}"
    else:
        text = f"at most {show(hi)}"
    ok = (lo is None or value >= lo) and (hi is None or value <= hi)
    return f"{what} {text}: " + ("yes" if ok else f"NO ({value * scale:,.4f}{unit})")
