"""An integer-only reference of the TFLite int8 kernels, in numpy, to follow one inference by hand.

Written from the arithmetic of TensorFlow Lite's reference kernels (the ones TFLite Micro runs):
every layer sums ``w_q * (x_q - zp_in)`` into an int32 accumulator, adds the int32 bias, and
rescales with a fixed-point multiplier ``qm`` (a 31-bit integer) and a power-of-two ``shift``
found by :func:`quantize_multiplier`, then adds the output zero point and clamps. No float is
used at inference time. ``run_model(tflite_bytes, x_int8)`` runs a whole model layer by layer
and returns every intermediate tensor; ``requant_table`` lists each layer's multiplier and
shift. Kernels: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, MAX_POOL_2D, AVERAGE_POOL_2D,
RESHAPE, RELU, RELU6, SOFTMAX (the gemmlowp fixed-point exp of the reference kernel).
TFLite Micro and LiteRT's reference kernels (2.x) disagree in two places: FULLY_CONNECTED
rounds twice in TFLite Micro and once in LiteRT, and TFLite Micro's stand-alone RELU6 only
clamps; ``run_model(..., runtime="litert")`` reproduces LiteRT, the default TFLite Micro.
Defined for lesson 07; checked bit for bit against both runtimes on every intermediate tensor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from utils.errors import CourseError
from utils.quant import round_half_away_from_zero
from utils.tflite_model import Op, TfliteFile, TFLiteModel, read_model

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


# ----------------------------------------------------------------------------- fixed point
def round_half_away(x: float) -> int:
    """C's std::round on one number: halves go away from zero (numpy's np.round goes to even)."""
    return int(round_half_away_from_zero(x))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """Split a positive real multiplier into (qm, shift) with real ~= qm * 2^(shift - 31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)  # real = q * 2^shift, q in [0.5, 1)
    qm = round_half_away(q * (1 << 31))
    if qm == 1 << 31:  # q rounded up to 1.0: renormalise
        qm //= 2
        shift += 1
    if shift < -31:  # too small to represent: the layer outputs its zero point
        return 0, 0
    return int(qm), int(shift)


def _wrap32(x: np.ndarray) -> np.ndarray:
    """Two's-complement wrap of int64 values to int32, as C's int32 arithmetic does."""
    return ((x + 2**31) % 2**32) - 2**31


def _trunc_div(a: np.ndarray, d: int) -> np.ndarray:
    """Integer division truncating toward zero (C semantics), for int64 arrays."""
    q = np.abs(a) // d
    return np.where(a < 0, -q, q)


def srdhm(a, b) -> np.ndarray:
    """SaturatingRoundingDoublingHighMul: round(a * b / 2^31) on int32 values, as gemmlowp does."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    out = _trunc_div(ab + nudge, 1 << 31)
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, out)


def rdbpot(x, exponent) -> np.ndarray:
    """RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero."""
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    mask = (np.int64(1) << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (remainder > threshold)


def multiply_by_quantized_multiplier(acc, qm, shift, single: bool = False) -> np.ndarray:
    """acc * qm * 2^(shift-31), rounded twice as TFLite Micro does (or once, ``single=True``)."""
    acc = np.asarray(acc, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    if single:  # one rounding of the 64-bit product (TFLITE_SINGLE_ROUNDING, LiteRT's FC kernel)
        sh = np.minimum(shift, 30)
        return (acc * np.asarray(qm, np.int64) + (np.int64(1) << (30 - sh))) >> (31 - sh)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    return rdbpot(srdhm(_wrap32(acc << left), qm), right)


def _saturating_shift_left(x: np.ndarray, e: int) -> np.ndarray:
    """gemmlowp SaturatingRoundingMultiplyByPOT for a positive exponent."""
    threshold = (1 << (31 - e)) - 1
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << e))


# ----------------------------------------------------------------------------- activations
def activation_range(activation: str, scale: float, zero_point: int) -> tuple[int, int]:
    """The int8 clamp bounds of a fused activation (CalculateActivationRangeQuantized)."""
    lo, hi = -128, 127

    def q(f):  # float32 division, as the C++ does it
        return zero_point + round_half_away(float(np.float32(f) / np.float32(scale)))

    if activation == "RELU":
        return max(lo, q(0.0)), hi
    if activation == "RELU6":
        return max(lo, q(0.0)), min(hi, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(lo, q(-1.0)), min(hi, q(1.0))
    if activation in ("NONE", "", None):
        return lo, hi
    raise CourseError(f"The int8 reference does not implement the fused activation {activation}.")


# ----------------------------------------------------------------------------- layers
@dataclass
class Requant:
    """How one layer rescales its int32 accumulator to int8: per output channel qm and shift."""

    layer: int
    op: str
    multipliers: np.ndarray  # real M = s_in * s_w / s_out
    qm: np.ndarray
    shift: np.ndarray
    act_min: int
    act_max: int


def _requant(model: TFLiteModel, op: Op) -> Requant:
    x, w, y = (model.tensors[i] for i in op.inputs[:2] + op.outputs[:1])
    s_w = w.scales.astype(np.float64)
    real = np.float64(x.scale) * s_w / np.float64(y.scale)
    pairs = [quantize_multiplier(float(m)) for m in real]
    lo, hi = activation_range(op.options.get("activation", "NONE"), y.scale, y.zero_point)
    return Requant(op.index, op.kind, real, np.array([p[0] for p in pairs], np.int64),
                   np.array([p[1] for p in pairs], np.int64), lo, hi)


def _finish(acc: np.ndarray, rq: Requant, zp_out: int, channels: int, single: bool = False) -> np.ndarray:
    qm = np.broadcast_to(rq.qm, (channels,)) if rq.qm.size == 1 else rq.qm
    sh = np.broadcast_to(rq.shift, (channels,)) if rq.shift.size == 1 else rq.shift
    y = multiply_by_quantized_multiplier(acc, qm, sh, single) + zp_out
    return np.clip(y, rq.act_min, rq.act_max).astype(np.int8)


def _padding(in_size: int, out_size: int, filt: int, stride: int, dilation: int = 1) -> int:
    effective = (filt - 1) * dilation + 1
    return max(((out_size - 1) * stride + effective - in_size) // 2, 0)


def _patches(x: np.ndarray, out_hw: tuple, k: tuple, stride: tuple, dilation: tuple, pad_value: int):
    """(N, OH, OW, KH, KW, C) windows of x; padding filled with pad_value (the input zero point)."""
    n, h, w, c = x.shape
    oh, ow = out_hw
    ph = _padding(h, oh, k[0], stride[0], dilation[0])
    pw = _padding(w, ow, k[1], stride[1], dilation[1])
    need_h = (oh - 1) * stride[0] + (k[0] - 1) * dilation[0] + 1
    need_w = (ow - 1) * stride[1] + (k[1] - 1) * dilation[1] + 1
    padded = np.full((n, max(need_h, h + ph), max(need_w, w + pw), c), pad_value, dtype=x.dtype)
    padded[:, ph:ph + h, pw:pw + w, :] = x
    rows = (np.arange(oh) * stride[0])[:, None] + np.arange(k[0]) * dilation[0]  # (OH, KH)
    cols = (np.arange(ow) * stride[1])[:, None] + np.arange(k[1]) * dilation[1]  # (OW, KW)
    return padded[:, rows[:, None, :, None], cols[None, :, None, :], :], (ph, pw)


def _exact_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # int8 x int8 sums stay far below 2^53, so float64 BLAS gives the exact integer result, fast.
    return np.rint(a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)


def conv2d(model: TFLiteModel, op: Op, x: np.ndarray) -> np.ndarray:
    """CONV_2D, per-channel int8 (reference_integer_ops::ConvPerChannel)."""
    t_x, t_w, t_y = (model.tensors[i] for i in (op.inputs[0], op.inputs[1], op.outputs[0]))
    w = t_w.data.astype(np.int64)  # (OC, KH, KW, IC)
    oc, kh, kw, ic = w.shape
    o = op.options
    xs = x.astype(np.int64) - t_x.zero_point  # padding then contributes exactly 0
    win, _ = _patches(xs, t_y.shape[1:3], (kh, kw), (o["stride_h"], o["stride_w"]),
                      (o.get("dilation_h", 1), o.get("dilation_w", 1)), 0)
    n, oh, ow = win.shape[:3]
    acc = _exact_dot(win.reshape(n * oh * ow, kh * kw * ic), w.reshape(oc, -1).T)
    acc = acc + _bias(model, op, oc)
    return _finish(acc, _requant(model, op), t_y.zero_point, oc).reshape(n, oh, ow, oc)


def depthwise_conv2d(model: TFLiteModel, op: Op, x: np.ndarray) -> np.ndarray:
    """DEPTHWISE_CONV_2D, per-channel int8 (reference_integer_ops::DepthwiseConvPerChannel)."""
    t_x, t_w, t_y = (model.tensors[i] for i in (op.inputs[0], op.inputs[1], op.outputs[0]))
    w = t_w.data.astype(np.int64)[0]  # (KH, KW, IC * multiplier)
    kh, kw, oc = w.shape
    o = op.options
    mult = o.get("depth_multiplier", 1) or oc // x.shape[-1]
    xs = x.astype(np.int64) - t_x.zero_point
    win, _ = _patches(xs, t_y.shape[1:3], (kh, kw), (o["stride_h"], o["stride_w"]),
                      (o.get("dilation_h", 1), o.get("dilation_w", 1)), 0)
    win = np.repeat(win, mult, axis=-1)  # output channel c reads input channel c // multiplier
    acc = np.einsum("nhwijc,ijc->nhwc", win, w) + _bias(model, op, oc)
    return _finish(acc, _requant(model, op), t_y.zero_point, oc)


def fully_connected(model: TFLiteModel, op: Op, x: np.ndarray, runtime: str = "tflm") -> np.ndarray:
    """FULLY_CONNECTED int8, per-tensor or per-channel weights.

    TFLite Micro rounds the rescale twice; LiteRT's reference FC kernel (2.x) rounds once, so
    ``runtime="litert"`` reproduces LiteRT and the default reproduces TFLite Micro.
    """
    t_x, t_w, t_y = (model.tensors[i] for i in (op.inputs[0], op.inputs[1], op.outputs[0]))
    w = t_w.data.astype(np.int64)  # (OUT, IN)
    units, depth = w.shape
    xs = x.reshape(-1, depth).astype(np.int64) - t_x.zero_point
    acc = _exact_dot(xs, w.T) + _bias(model, op, units)
    y = _finish(acc, _requant(model, op), t_y.zero_point, units, single=runtime == "litert")
    return y.reshape((x.shape[0],) + tuple(t_y.shape[1:]))


def _bias(model: TFLiteModel, op: Op, channels: int) -> np.ndarray:
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        return model.tensors[op.inputs[2]].data.astype(np.int64)
    return np.zeros(channels, np.int64)


def _pool(model: TFLiteModel, op: Op, x: np.ndarray, kind: str) -> np.ndarray:
    t_y = model.tensors[op.outputs[0]]
    o = op.options
    k = (o["filter_h"], o["filter_w"])
    # Pad with a sentinel outside int8 so padding never wins a max and is not counted in an average.
    win, _ = _patches(x.astype(np.int64), t_y.shape[1:3], k, (o["stride_h"], o["stride_w"]), (1, 1), -1000)
    valid = win != -1000
    lo, hi = activation_range(o.get("activation", "NONE"), t_y.scale, t_y.zero_point)
    if kind == "max":
        y = np.where(valid, win, -1000).max(axis=(3, 4))
    else:
        s = np.where(valid, win, 0).sum(axis=(3, 4))
        cnt = valid.sum(axis=(3, 4))
        # Round to nearest: add or subtract half the count, then divide truncating toward zero.
        y = np.where(s > 0, _trunc_div_arr(s + cnt // 2, cnt), _trunc_div_arr(s - cnt // 2, cnt))
    return np.clip(y, lo, hi).astype(np.int8)


def _trunc_div_arr(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    q = np.abs(a) // d
    return np.where(a < 0, -q, q)


def relu(model: TFLiteModel, op: Op, x: np.ndarray, runtime: str = "tflm") -> np.ndarray:
    """Stand-alone RELU / RELU6 on int8.

    RELU (both runtimes) and RELU6 in LiteRT rescale by s_in / s_out, then clamp. TFLite Micro's
    RELU6 only clamps the input codes to [zp_in, q(6)] in the *input's* scale, assuming the
    converter gave input and output the same quantization.
    """
    t_x, t_y = model.tensors[op.inputs[0]], model.tensors[op.outputs[0]]
    if op.kind == "RELU6" and runtime == "tflm":
        six = min(127, max(-128, round_half_away(float(np.float32(6.0) / np.float32(t_x.scale))) + t_x.zero_point))
        return np.clip(x, t_x.zero_point, six).astype(np.int8)
    real = float(np.float32(t_x.scale) / np.float32(t_y.scale))  # the C++ divides in float
    qm, sh = quantize_multiplier(real)
    lo, hi = activation_range("RELU6" if op.kind == "RELU6" else "RELU", t_y.scale, t_y.zero_point)
    y = multiply_by_quantized_multiplier(x.astype(np.int64) - t_x.zero_point, qm, sh) + t_y.zero_point
    return np.clip(y, lo, hi).astype(np.int8)


# ----------------------------------------------------------------------------- softmax
def _exp_on_interval(a: np.ndarray) -> np.ndarray:
    """gemmlowp exp on [-1/4, 0), Q0.31 in and out (a Taylor series around -1/8)."""
    x = a + (1 << 28)
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(srdhm(x4_over_4 + x3, 715827883) + x2, 1)
    const = 1895147668
    return const + srdhm(const, x + poly)


def exp_on_negative_values(a: np.ndarray) -> np.ndarray:
    """gemmlowp exp for a <= 0 given in Q5.26; result in Q0.31."""
    frac_bits = 26
    quarter = 1 << (frac_bits - 2)
    a_mod = (a & (quarter - 1)) - quarter
    result = _exp_on_interval(_saturating_shift_left(a_mod, 5))
    remainder = a_mod - a
    for exponent, mult in ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
                           (2, 39332535), (3, 720401), (4, 242)):
        bit = 1 << (frac_bits + exponent)
        result = np.where(remainder & bit, srdhm(result, mult), result)
    return np.where(a == 0, INT32_MAX, result)


def _one_over_one_plus_x(a: np.ndarray) -> np.ndarray:
    """gemmlowp 1 / (1 + x) for x in [0, 1), Q0.31 in; Newton-Raphson in Q2.29; Q0.31 out."""
    s = a + INT32_MAX
    half_den = _trunc_div(s + np.where(s >= 0, 1, -1), 2)
    x = 1515870810 + srdhm(half_den, -1010580540)
    for _ in range(3):
        one_minus = (1 << 29) - srdhm(half_den, x)
        x = x + _saturating_shift_left(srdhm(x, one_minus), 2)
    return _saturating_shift_left(x, 1)


def softmax(model: TFLiteModel, op: Op, x: np.ndarray) -> np.ndarray:
    """SOFTMAX int8 -> int8 (scale 1/256, zero point -128), TFLite's reference fixed-point kernel."""
    t_x = model.tensors[op.inputs[0]]
    beta = float(op.options.get("beta", 1.0))
    real = min(beta * float(np.float32(t_x.scale)) * (1 << 26), float(2**31 - 1))
    qm, left = quantize_multiplier(real)
    radius = math.floor(31.0 * (1 << 26) / (1 << left))  # CalculateInputRadius(5, left)
    diff_min = -radius
    xi = x.astype(np.int64)
    diff = xi - xi.max(axis=-1, keepdims=True)
    use = diff >= diff_min
    scaled = srdhm(_wrap32(diff << left), qm)
    e = exp_on_negative_values(np.where(use, scaled, 0))
    total = np.where(use, rdbpot(e, 12), 0).sum(axis=-1, keepdims=True)
    lz = np.array([32 - int(v).bit_length() for v in total.ravel()], np.int64).reshape(total.shape)
    bits_over_unit = 12 - lz
    shifted = _wrap32(((total << lz) & 0xFFFFFFFF) - (1 << 31))
    scale = _one_over_one_plus_x(shifted)
    out = rdbpot(srdhm(scale, e), bits_over_unit + 31 - 8) - 128
    return np.where(use, np.clip(out, -128, 127), -128).astype(np.int8)


# ----------------------------------------------------------------------------- whole model
KERNELS = {
    "CONV_2D": conv2d,
    "DEPTHWISE_CONV_2D": depthwise_conv2d,
    "FULLY_CONNECTED": fully_connected,
    "MAX_POOL_2D": lambda m, op, x: _pool(m, op, x, "max"),
    "AVERAGE_POOL_2D": lambda m, op, x: _pool(m, op, x, "avg"),
    "RESHAPE": lambda m, op, x: x.reshape((x.shape[0],) + tuple(m.tensors[op.outputs[0]].shape[1:])),
    "RELU": relu,
    "RELU6": relu,
    "SOFTMAX": softmax,
}


def check_supported(model: TfliteFile) -> TFLiteModel:
    """The parsed model, or one sentence naming the first op the reference does not implement."""
    m = read_model(model)
    m.require_int8("The integer-only reference")
    for op in m.ops:
        if op.kind not in KERNELS:
            raise CourseError(
                f"The int8 reference does not implement {op.kind} (layer {op.index}); it runs "
                f"{', '.join(KERNELS)}: run this model in TFLite Micro instead."
            )
    return m


RUNTIMES = ("tflm", "litert")


def run_model(model: TfliteFile, x: np.ndarray, runtime: str = "tflm") -> dict:
    """Run an int8 model on a batch ``x`` (N, ...) int8; returns {tensor index: int8 array (N, ...)}.

    The dict holds the input and every op's output, in execution order, so a learner can look
    at any intermediate tensor. The model may have a fixed batch of 1: the batch axis here is N.
    ``runtime`` picks which runtime to reproduce, 'tflm' or 'litert': they differ in how
    FULLY_CONNECTED rounds its rescale and in how a stand-alone RELU6 treats its scales.
    """
    if runtime not in RUNTIMES:
        raise CourseError(f"runtime must be one of {RUNTIMES}, not {runtime!r}.")
    m = check_supported(model)
    t_in = m.input
    x = np.asarray(x)
    if x.dtype != np.int8:
        raise CourseError(f"The reference takes int8 inputs (quantize them first), not {x.dtype}.")
    if x.shape[1:] != tuple(t_in.shape[1:]):
        if x.shape == tuple(t_in.shape[1:]):
            x = x[None]
        else:
            raise CourseError(f"Input shape {x.shape} does not match the model's (N, {', '.join(map(str, t_in.shape[1:]))}).")
    values = {m.inputs[0]: x}
    for op in m.ops:
        if op.kind in ("FULLY_CONNECTED", "RELU", "RELU6"):  # the kernels whose rounding differs by runtime
            kernel = fully_connected if op.kind == "FULLY_CONNECTED" else relu
            values[op.outputs[0]] = kernel(m, op, values[op.inputs[0]], runtime)
        else:
            values[op.outputs[0]] = KERNELS[op.kind](m, op, values[op.inputs[0]])
    return values


def requant_table(model: TfliteFile):
    """One row per layer with weights: real multiplier M, its fixed-point qm and shift (first channel)."""
    from utils.tables import Table

    m = read_model(model)
    rows = Table()
    for op in m.ops:
        if op.kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            rq = _requant(m, op)
            rows.append({
                "#": op.index, "op": op.kind, "channels": len(rq.qm),
                "M (channel 0)": float(rq.multipliers[0]), "qm (channel 0)": int(rq.qm[0]),
                "shift (channel 0)": int(rq.shift[0]),
                "qm * 2^(shift-31)": float(rq.qm[0]) * 2.0 ** (int(rq.shift[0]) - 31),
                "clamp": f"[{rq.act_min}, {rq.act_max}]",
            })
    return rows
