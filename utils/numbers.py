"""Numbers as a learner reads them: the course's one number formatter.

Helpers format what they show with it (device table, tables, byte sizes, quiz and slider readouts), and
lessons call it where a plain f-string would print 4.1943e+06 or mix KB with KiB. Its rules:

- thousands separators: ``number(4194304)`` is ``'4,194,304'``, never ``4.1943e+06``;
- significant digits without dropping whole digits: ``number(63.0957)`` is ``'63.1'``,
  ``number(22751.3)`` is ``'22,751'``, ``number(0.000123)`` is ``'0.000123'``;
- no scientific notation below 10^15; from there on ``'1.75 × 10^15'``, written with superscripts;
- sizes in **decimal** units, the course's one choice for data and memory alike:
  1 KB = 1,000 bytes, 1 MB = 10^6, 1 GB = 10^9 (``size(532480)`` is ``'532 KB'``). A chip sold as
  "520 KB" of SRAM holds 520 x 1,024 bytes, which is 532 KB here;
- a number and its unit are joined by a no-break space, and ``fields(...)`` wraps a long line
  between its fields, so a line never breaks inside a number or between it and its unit.
"""

from __future__ import annotations

import math
import numbers as _abc
import re
import textwrap

from utils.errors import CourseError

# Binds a number to its unit, so a wrapped line never separates them.
NBSP = "\u00a0"
# Sizes: decimal units, from the largest down (bytes below 1 KB).
UNITS = (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3))
# From here on a number is written as a power of ten: below it, every digit is shown.
POWER_FROM = 1e15
_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _real(value) -> float | int:
    """``value`` as a Python int or float (NumPy scalars included), or one sentence."""
    if isinstance(value, bool) or not isinstance(value, _abc.Real):
        raise CourseError(f"Only a number can be formatted, not {type(value).__name__} {value!r}.")
    return int(value) if isinstance(value, _abc.Integral) else float(value)


def _strip(text: str) -> str:
    """Drop trailing zeros after a decimal point (and the point itself): '0.500' -> '0.5'."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _power(v: float, digits: int) -> str:
    exponent = math.floor(math.log10(abs(v)))
    mantissa = _strip(f"{v / 10 ** exponent:.{max(digits - 1, 0)}f}")
    if mantissa.lstrip("-") == "10":  # 9.999 rounded up
        mantissa, exponent = mantissa.replace("10", "1"), exponent + 1
    return f"{mantissa} \u00d7 10{str(exponent).translate(_SUPERSCRIPT)}"


def number(value, digits: int = 3, decimals: int | None = None) -> str:
    """``value`` for a learner: separators, ``digits`` significant digits (whole digits always kept).

    ``decimals`` fixes the places after the point instead (``number(0.5, decimals=2)`` is '0.50').
    Whole numbers print in full ('4,096'); below 10^15 nothing is ever written as 1e+06.
    """
    v = _real(value)
    if isinstance(v, float) and not math.isfinite(v):
        return "not a number" if math.isnan(v) else ("\u221e" if v > 0 else "-\u221e")
    if abs(v) >= POWER_FROM:
        return _power(float(v), digits)
    if decimals is not None:
        return f"{v:,.{decimals}f}" if decimals > 0 else _strip(f"{v:,.0f}")
    if isinstance(v, int) or v == 0:
        return f"{v:,}" if isinstance(v, int) else "0"
    places = max(0, digits - 1 - math.floor(math.log10(abs(v))))
    return _strip(f"{v:,.{places}f}")


def quantity(value, unit: str, digits: int = 3, decimals: int | None = None) -> str:
    """A number with its unit, joined so they never wrap apart: quantity(0.6, "mA") is '0.6 mA'."""
    return f"{number(value, digits, decimals)}{NBSP}{unit}"


def size(n_bytes, digits: int = 3) -> str:
    """A byte count in decimal units: size(73) '73 B', size(532480) '532 KB', size(21.6e9) '21.6 GB'."""
    n = _real(n_bytes)
    if n < 0:
        raise CourseError(f"A byte count cannot be negative, got {n!r}.")
    scales = [("B", 1), *reversed(UNITS)]
    i = max(k for k, (_, scale) in enumerate(scales) if k == 0 or n >= scale)
    shown = number(n / scales[i][1], digits)
    if shown == "1,000" and i + 1 < len(scales):  # 999,999 bytes rounds to 1,000 KB: say 1 MB
        i, shown = i + 1, "1"
    return f"{shown}{NBSP}{scales[i][0]}"


def fields(parts, sep: str = "; ", width: int = 88, indent: str = "    ") -> str:
    """Join ``parts`` with ``sep`` into lines of at most ``width`` characters, breaking only between parts.

    A part longer than ``width`` stays whole on its own line: a number is never cut.
    """
    if width < 20:
        raise CourseError(f"A line must be at least 20 characters wide, got {width}.")
    tail = sep.rstrip()
    lines: list[str] = []
    line = ""
    for part in map(str, parts):
        if not line:
            line = part
        elif len(line) + len(sep) + len(part) + len(tail) <= width:
            line += sep + part
        else:
            lines.append(line + tail)
            line = indent + part
    lines.append(line)
    return "\n".join(lines)


def wrap(text: str, width: int = 88, indent: str = "      ") -> str:
    """``text`` in lines of at most ``width`` characters, broken only at spaces (a number and its unit, joined
    by a no-break space, stay together); continuation lines start with ``indent``."""
    if width < 20:
        raise CourseError(f"A line must be at least 20 characters wide, got {width}.")
    return textwrap.fill(text, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+\d+")
_EMBEDDED = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


def scientific_in(text: str) -> list[str]:
    """Numbers written in scientific notation (1.2e+06) in ``text``, embedded base64 images left out."""
    return _SCIENTIFIC.findall(_EMBEDDED.sub("", str(text)))
