"""Host inference with LiteRT (``ai_edge_litert``): run a .tflite model on this computer and look inside it.

``load(model)`` accepts the model's bytes or a path and gives a LiteRT ``Interpreter``;
``run(model, x)`` runs a float batch through it one sample at a time, quantizing the input
and dequantizing the output with the model's own scale and zero point when they are int8;
``accuracy``, ``latency_per_sample``, ``tensors`` (dtype, shape, scale, zero point, bytes of
every tensor) and ``ops`` (the operator list) answer the usual questions about a converted
model. ``reference=True`` selects LiteRT's reference kernels (``OpResolverType.BUILTIN_REF``),
which compute the same integers as TensorFlow Lite for Microcontrollers except where LiteRT 2.3
rounds a rescale once and TFLM twice (FULLY_CONNECTED, stand-alone RELU6: lesson 07 shows the
few values this changes); the default XNNPACK kernels are faster and differ by one step more often.

Defined in lesson 06 (quantization); lessons 07 and 08 reuse it.
"""

from __future__ import annotations

import time

import numpy as np

from utils.capture import captured_output
from utils.errors import CourseError, number
from utils.quant import dequantize, params, quantize
from utils.tables import Table
from utils.tflite_model import TfliteFile, model_bytes


def _interpreter_class():
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    return Interpreter, OpResolverType


def load(model: TfliteFile, *, reference: bool = False, num_threads: int = 1, _delegates: bool = True):
    """A LiteRT Interpreter for ``model`` (bytes, a path, or an Interpreter), tensors allocated."""
    Interpreter, OpResolverType = _interpreter_class()
    if isinstance(model, Interpreter):
        return model
    data = model_bytes(model)
    resolver = OpResolverType.BUILTIN_REF if reference else OpResolverType.AUTO
    if not reference and not _delegates:
        # XNNPACK would replace the graph by one DELEGATE node; inspection wants the model's own ops.
        resolver = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    try:
        with captured_output():  # LiteRT announces its XNNPACK delegate from C++
            interp = Interpreter(model_content=data, experimental_op_resolver_type=resolver, num_threads=num_threads)
            interp.allocate_tensors()
    except (ValueError, RuntimeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CourseError(f"LiteRT cannot load this model ({first}).") from None
    return interp


def _single(details: list, what: str) -> dict:
    if len(details) != 1:
        raise CourseError(f"This helper runs models with one {what}; this model has {len(details)}.")
    return details[0]


def _qparams(detail: dict):
    """The QuantParams of an int8 input/output tensor, or None for a float tensor."""
    if detail["dtype"] != np.int8:
        return None
    qp = detail["quantization_parameters"]
    return params(qp["scales"][0], qp["zero_points"][0])


def run(model: TfliteFile, x, *, reference: bool = False, raw: bool = False) -> np.ndarray:
    """Outputs of ``model`` for the float batch ``x`` (shape ``(N, *input_shape)``), one sample at a time.

    int8 inputs are quantized with the input tensor's scale and zero point; int8 outputs are
    dequantized unless ``raw=True`` (then the integer codes come back, as the device sees them).
    """
    interp = load(model, reference=reference)
    inp = _single(interp.get_input_details(), "input")
    out = _single(interp.get_output_details(), "output")
    sample_shape = tuple(int(d) for d in inp["shape"][1:])
    batch = np.asarray(x)
    if batch.shape[1:] != sample_shape:
        if batch.shape == sample_shape:
            batch = batch[None]
        else:
            raise CourseError(f"The model expects samples of shape {sample_shape}, got a batch of shape {batch.shape}.")
    if int(inp["shape"][0]) != 1:
        interp.resize_tensor_input(inp["index"], [1, *sample_shape])
        interp.allocate_tensors()
    q_in, q_out = _qparams(inp), _qparams(out)
    if q_in is None and batch.dtype.kind in "iu":
        raise CourseError("This model takes float inputs: pass floats, not integer codes.")
    feed = batch if batch.dtype == inp["dtype"] else (quantize(batch, q_in) if q_in else batch.astype(inp["dtype"]))
    results = []
    for sample in feed:
        interp.set_tensor(inp["index"], sample[None])
        interp.invoke()
        results.append(interp.get_tensor(out["index"])[0].copy())
    y = np.stack(results)
    if q_out is not None and not raw:
        return dequantize(y, q_out)
    return y


def accuracy(model: TfliteFile, x, y, *, reference: bool = False) -> float:
    """Fraction of samples whose highest-scoring class equals the label ``y``."""
    scores = run(model, x, reference=reference)
    labels = np.asarray(y).reshape(-1)
    if len(labels) != len(scores):
        raise CourseError(f"Got {len(scores)} samples but {len(labels)} labels.")
    return float(np.mean(np.argmax(scores, axis=-1) == labels))


def latency_per_sample(model: TfliteFile, x, *, repeats: int = 3, reference: bool = False) -> float:
    """Median time (seconds) of one set-input / invoke / get-output step on this computer.

    Times ``repeats`` passes over the samples in ``x`` after one warm-up pass; the median of
    the per-pass averages is robust to a busy machine.
    """
    number(repeats, "repeats", 1, whole=True, unit="timed passes")
    interp = load(model, reference=reference)
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    batch = np.asarray(x)
    if batch.ndim == 0 or len(batch) == 0:
        raise CourseError("latency_per_sample needs a non-empty batch of samples, shape (N, ...).")
    q_in = _qparams(inp)
    feed = quantize(batch, q_in) if q_in is not None and batch.dtype != np.int8 else batch.astype(inp["dtype"])
    if feed.shape[1:] != tuple(inp["shape"][1:]):
        raise CourseError(f"The model expects samples of shape {tuple(inp['shape'][1:])}, got {feed.shape[1:]}.")
    passes = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        for sample in feed:
            interp.set_tensor(inp["index"], sample[None])
            interp.invoke()
            interp.get_tensor(out["index"])
        if i:  # the first pass warms caches up and is not counted
            passes.append((time.perf_counter() - start) / len(feed))
    return float(np.median(passes))


def ops(model: TfliteFile) -> list[str]:
    """The builtin operators of the model in execution order, e.g. ['CONV_2D', 'MAX_POOL_2D', ...]."""
    interp = load(model, _delegates=False)
    return [op["op_name"] for op in interp._get_ops_details()]


def _constant_indices(interp) -> set[int]:
    """Tensors that no operator produces and that are not model inputs: the stored weights and biases."""
    produced, used = set(), set()
    for op in interp._get_ops_details():
        produced.update(int(i) for i in op["outputs"])
        used.update(int(i) for i in op["inputs"] if i >= 0)
    inputs = {d["index"] for d in interp.get_input_details()}
    return used - produced - inputs


def tensors(model: TfliteFile) -> Table:
    """Every tensor of the model: kind, name, dtype, shape, bytes, scale(s), zero point(s), channel axis.

    ``kind`` is 'input', 'output', 'constant' (weights and biases stored in the file) or
    'activation' (computed while the model runs). A per-channel tensor lists how many scales it
    has; ``scale`` then shows the first few.
    """
    interp = load(model, _delegates=False)
    constants = _constant_indices(interp)
    referenced = {int(i) for op in interp._get_ops_details() for i in [*op["inputs"], *op["outputs"]]}
    inputs = {d["index"] for d in interp.get_input_details()}
    outputs = {d["index"] for d in interp.get_output_details()}
    rows = Table()
    for d in sorted(interp.get_tensor_details(), key=lambda d: d["index"]):
        i = d["index"]
        if i not in referenced:
            continue  # a kernel's scratch buffer added at allocation time, not part of the file
        kind = "input" if i in inputs else "output" if i in outputs else "constant" if i in constants else "activation"
        qp = d["quantization_parameters"]
        scales, zeros = qp["scales"], qp["zero_points"]
        shape = tuple(int(s) for s in d["shape"])
        rows.append({
            "index": int(i),
            "kind": kind,
            "name": d["name"],
            "dtype": np.dtype(d["dtype"]).name,
            "shape": shape,
            "bytes": int(np.prod(shape, dtype=np.int64)) * np.dtype(d["dtype"]).itemsize,
            "scales": len(scales),
            "scale": float(scales[0]) if len(scales) == 1 else tuple(float(s) for s in scales) if len(scales) else None,
            "zero_point": int(zeros[0]) if len(zeros) == 1 else tuple(int(z) for z in zeros) if len(zeros) else None,
            "axis": int(qp["quantized_dimension"]) if len(scales) > 1 else None,
        })
    return rows


def tensor_data(model: TfliteFile, index: int) -> np.ndarray:
    """A copy of the values stored in tensor ``index`` (a constant: weights or biases, as in the file)."""
    interp = load(model, _delegates=False)
    rows = {r["index"]: r for r in tensors(interp)}
    if index not in rows:
        raise CourseError(f"No tensor {index!r} in this model: list them with utils.litert.tensors(model).")
    if rows[index]["kind"] != "constant":
        raise CourseError(f"Tensor {index} is an {rows[index]['kind']}, computed while the model runs: only constants hold stored values.")
    return interp.get_tensor(index).copy()
