"""Quantization by hand: the affine map between float32 and int8, as TensorFlow Lite does it.

A float ``x`` is stored as an integer ``q`` with a *scale* (the size of one integer step) and a
*zero point* (the integer that stands for 0.0)::

    q = clip(round_half_away_from_zero(x / scale) + zero_point, qmin, qmax)
    x ~ (q - zero_point) * scale

*Asymmetric* parameters stretch [min, max] over all 256 codes (activations in TFLite);
*symmetric* ones fix the zero point at 0 and use [-127, 127] (weights in TFLite). *Per-tensor*
means one scale for the whole array; *per-channel* one scale for each slice along ``axis``.
Inside the representable range the round trip is off by at most half a step (``scale / 2``);
outside it the value saturates at the nearest end. Arithmetic is float32, like the TFLite
QUANTIZE and DEQUANTIZE kernels, so results match the runtime bit for bit.

Defined in lesson 06 (quantization); lesson 07 reuses it to quantize inputs by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from utils.errors import CourseError, number, require, shown

INT8_MIN, INT8_MAX = -128, 127
# Smallest normal float32: a scale below it would underflow to 0 for ranges of denormal size.
_TINY = np.finfo(np.float32).tiny


def _array(x) -> np.ndarray:
    """``x`` as a numpy array; an object array of None when it cannot be one (ragged lists), for the caller's sentence."""
    try:
        return np.asarray(x)
    except (TypeError, ValueError):
        return np.asarray(None)


def round_half_away_from_zero(x) -> np.ndarray:
    """Round to the nearest integer, ties away from zero (C's ``round``, used by TFLite).

    ``np.round`` rounds ties to the even neighbour instead: 2.5 -> 2.0, but TFLite gives 3.
    """
    arr = _array(x)
    if arr.dtype.kind not in "iuf":
        raise CourseError(f"x must be real numbers (a float, list or numpy array), not {type(x).__name__}.")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise CourseError("x contains NaN or infinity, which has no nearest integer.")
    x = arr
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


@dataclass(frozen=True)
class QuantParams:
    """Scale(s) and zero point(s) of an int8 tensor; ``axis`` is None for per-tensor parameters."""

    scale: np.ndarray
    zero_point: np.ndarray
    axis: int | None = None
    qmin: int = INT8_MIN
    qmax: int = INT8_MAX

    @property
    def per_channel(self) -> bool:
        return self.axis is not None

    def _shaped(self, ndim: int) -> tuple[np.ndarray, np.ndarray]:
        """Scale and zero point shaped to broadcast against an array of ``ndim`` dimensions."""
        if self.axis is None:
            return self.scale, self.zero_point
        shape = [1] * ndim
        shape[self.axis] = -1
        return self.scale.reshape(shape), self.zero_point.reshape(shape)

    def range(self) -> tuple[np.ndarray, np.ndarray]:
        """The smallest and largest float each scale can represent (beyond them values saturate)."""
        lo = (self.qmin - self.zero_point.astype(np.float32)) * self.scale
        hi = (self.qmax - self.zero_point.astype(np.float32)) * self.scale
        return lo, hi

    def __repr__(self) -> str:
        def show(a):
            return f"{a.item():.6g}" if a.size == 1 else f"[{a.size} values]"

        where = "per-tensor" if self.axis is None else f"per-channel on axis {self.axis}"
        return (f"QuantParams(scale={show(self.scale)}, zero_point={show(self.zero_point)}, "
                f"{where}, codes {self.qmin}..{self.qmax})")


def _as_float_array(x, what: str = "x") -> np.ndarray:
    try:
        raw = np.asarray(x)
        if raw.dtype.kind not in "iuf":  # strings, bools, None and objects are not values to quantize
            raise TypeError
        with np.errstate(over="ignore"):  # too large for float32 becomes inf, refused below
            arr = raw.astype(np.float32)
    except (TypeError, ValueError):
        raise CourseError(f"{what} must be numbers (a float, list or numpy array), not {type(x).__name__}.") from None
    if arr.size == 0:
        raise CourseError(f"{what} is empty: quantization parameters need at least one value.")
    if not np.all(np.isfinite(arr)):
        raise CourseError(f"{what} contains NaN or infinity: a finite range is needed to choose a scale.")
    return arr


def _normalise_axis(axis: int | None, ndim: int) -> int | None:
    if axis is None:
        return None
    return number(axis, f"axis (of an array with {ndim} dimension(s))", -ndim, ndim - 1, whole=True) % ndim


def _codes(bits: int, symmetric: bool) -> tuple[int, int]:
    """The integer codes a ``bits``-bit tensor may use: symmetric grids drop the lowest code."""
    number(bits, "bits", 2, 8, whole=True)
    qmax = 2 ** (int(bits) - 1) - 1
    return (-qmax if symmetric else -qmax - 1), qmax


def _flag(value, what: str) -> bool:
    require(isinstance(value, (bool, np.bool_)), f"{what} must be True or False, got {shown(value)}.")
    return bool(value)


def _real(value) -> np.ndarray:
    """``value`` as a numpy array, or an object array when it is not numbers at all."""
    arr = _array(value)
    return arr if arr.dtype.kind in "iuf" else np.asarray(None)


def choose_params(x, *, symmetric: bool = False, axis: int | None = None, bits: int = 8) -> QuantParams:
    """Scale and zero point that cover the values of ``x`` (per tensor, or per slice along ``axis``).

    Asymmetric (activations): the range [min(x, 0), max(x, 0)] spread over codes -128..127;
    0.0 is always exactly representable. Symmetric (weights): scale = max|x| / 127, zero point 0,
    codes -127..127. ``bits`` below 8 gives a coarser grid (same formulas, fewer codes).
    """
    symmetric = _flag(symmetric, "symmetric")
    qmin, qmax = _codes(bits, symmetric)
    arr = _as_float_array(x)
    ax = _normalise_axis(axis, arr.ndim)
    reduce = None if ax is None else tuple(i for i in range(arr.ndim) if i != ax)
    lo = np.minimum(arr.min(axis=reduce), 0.0).astype(np.float32)
    hi = np.maximum(arr.max(axis=reduce), 0.0).astype(np.float32)
    if symmetric:
        bound = np.maximum(-lo, hi)
        # An all-zero slice has no range; any scale represents it exactly, TFLite picks 1.
        scale = np.where(bound > 0, np.maximum(bound / np.float32(qmax), _TINY), np.float32(1.0)).astype(np.float32)
        zero = np.zeros_like(scale, dtype=np.int32)
    else:
        span = hi - lo
        scale = np.where(span > 0, np.maximum(span / np.float32(qmax - qmin), _TINY), np.float32(1.0)).astype(np.float32)
        zero = np.clip(round_half_away_from_zero(qmin - lo / scale), qmin, qmax).astype(np.int32)
    return QuantParams(np.atleast_1d(scale), np.atleast_1d(zero), ax, qmin, qmax)


def params(scale, zero_point=0, *, axis: int | None = None, symmetric: bool = False) -> QuantParams:
    """QuantParams from numbers you already have (e.g. read from a .tflite tensor's details)."""
    symmetric = _flag(symmetric, "symmetric")
    s = np.atleast_1d(_real(scale))
    if (s.dtype.kind not in "iuf" or s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s.astype(np.float64)))
            or np.any(s <= 0)):
        raise CourseError(f"Every scale must be a positive number, got {shown(scale)}.")
    with np.errstate(over="ignore", under="ignore"):  # out-of-range scales are refused just below
        s = s.astype(np.float32)
    if not np.all(s > 0):  # positive, but below float32's smallest value
        raise CourseError(f"Every scale must be a positive number that float32 can hold, got {shown(scale)}.")
    if not np.all(np.isfinite(s)):
        raise CourseError(f"Every scale must be a number that float32 can hold (below 3.4e38), "
                          f"got {shown(scale)}.")
    z = np.atleast_1d(_real(zero_point))
    whole_floats = z.dtype.kind == "f" and np.all(np.isfinite(z)) and np.all(z == np.round(z))
    if z.ndim != 1 or z.dtype.kind not in "iu" and not whole_floats:
        raise CourseError(f"Every zero point must be a whole number, got {shown(zero_point)}.")
    if np.any(z < INT8_MIN) or np.any(z > INT8_MAX):
        raise CourseError(f"An int8 zero point must lie in -128..127, got {shown(zero_point)}.")
    z = z.astype(np.int32)
    if axis is not None:
        number(axis, "axis (the dimension that holds the channels, or None)", -32, 31, whole=True)
    if z.size == 1 and s.size > 1:
        z = np.full(s.shape, int(z[0]), dtype=np.int32)
    if z.shape != s.shape:
        raise CourseError(f"Got {s.size} scales but {z.size} zero points: give one zero point per scale.")
    if s.size > 1 and axis is None:
        raise CourseError(f"{s.size} scales need an axis: say which dimension holds the channels.")
    qmin, qmax = _codes(8, symmetric)
    return QuantParams(s, z, None if axis is None else int(axis), qmin, qmax)


def _check_fits(arr: np.ndarray, p: QuantParams) -> None:
    if p.axis is not None:
        if not -arr.ndim <= p.axis < arr.ndim or arr.shape[p.axis] != p.scale.size:
            raise CourseError(
                f"These parameters have {p.scale.size} per-channel scales on axis {p.axis}, "
                f"but the array has shape {arr.shape}."
            )


def quantize(x, p: QuantParams) -> np.ndarray:
    """Float values -> int8 codes: round half away from zero, add the zero point, saturate."""
    if not isinstance(p, QuantParams):
        raise CourseError("quantize needs QuantParams as its second argument: make them with choose_params(x).")
    arr = np.asarray(_as_float_array(x), dtype=np.float32)
    _check_fits(arr, p)
    scale, zero = p._shaped(arr.ndim)
    with np.errstate(over="ignore"):  # a tiny scale overflows to inf, which saturates like any large value
        steps = np.clip(arr / scale, -2.0**31, 2.0**31)
    q = round_half_away_from_zero(steps) + zero
    return np.clip(q, p.qmin, p.qmax).astype(np.int8)


def dequantize(q, p: QuantParams) -> np.ndarray:
    """int8 codes -> the float values they stand for: ``(q - zero_point) * scale``."""
    if not isinstance(p, QuantParams):
        raise CourseError("dequantize needs QuantParams as its second argument: make them with choose_params(x).")
    arr = _array(q)
    if arr.dtype.kind not in "iu":
        raise CourseError(f"dequantize expects integer codes, got {arr.dtype} values: quantize them first.")
    _check_fits(arr, p)
    scale, zero = p._shaped(arr.ndim)
    return ((arr.astype(np.int32) - zero).astype(np.float32) * scale).astype(np.float32)


def fake_quantize(x, p: QuantParams) -> np.ndarray:
    """Quantize then dequantize: the float values a model really computes with after quantization."""
    return dequantize(quantize(x, p), p)


def quantize_weights(w, *, bits: int = 8, axis: int | None = -1) -> np.ndarray:
    """Symmetric fake quantization of a weight array to ``bits`` bits, per channel on ``axis``.

    With 8 bits and the output-channel axis this is TFLite's weight scheme; fewer bits show
    what a coarser grid costs (and what quantization-aware training can win back).
    """
    return fake_quantize(w, choose_params(w, symmetric=True, axis=axis, bits=bits))
