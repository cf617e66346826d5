"""Read a .tflite file: its operators, tensors, shapes, quantization parameters and MACs per layer.

A .tflite file is a FlatBuffer written to the TFLite schema. ``read_model(bytes_or_path)``
parses it with the schema module that ships in LiteRT (or TensorFlow, or TFLite Micro) and
returns a :class:`TFLiteModel`: ``model.ops`` (each with its kind, input/output tensors,
options, MACs and the bytes it reads and writes: ``input_bytes``, ``weight_bytes``,
``output_bytes``), ``model.tensors`` (shape, dtype, scales, zero points, constant data),
``model.op_names`` (the distinct kernels an op resolver must register) and
``model.layer_table()`` for a notebook. MACs count one multiply-accumulate per weight use in
CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (the convention of MLPerf Tiny's figures).
Defined for lesson 07 (on-device inference); the board simulator and the exporter use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from utils.errors import CourseError
from utils.tables import Table

# TFLite's TensorType enum -> numpy dtype (only the types the course meets).
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 6: np.bool_,
           7: np.int16, 9: np.int8, 10: np.float64}
_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
_PADDING = {0: "SAME", 1: "VALID"}
MAC_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def schema():
    """The generated TFLite schema module (LiteRT's, else TensorFlow's, else TFLite Micro's)."""
    for name in ("ai_edge_litert.schema_py_generated", "tensorflow.lite.python.schema_py_generated",
                 "tflite_micro.tensorflow.lite.micro.python.schema_py_generated"):
        try:
            return __import__(name, fromlist=["Model"])
        except ImportError:
            continue
    raise CourseError("No TFLite schema module found: install ai-edge-litert (pip install ai-edge-litert).")


@dataclass
class Tensor:
    """One tensor of the graph: activations have ``data`` None, weights and biases hold their values."""

    index: int
    name: str
    shape: tuple
    dtype: type
    scales: np.ndarray
    zero_points: np.ndarray
    quantized_dimension: int
    data: np.ndarray | None = None

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize

    @property
    def scale(self) -> float:
        """The per-tensor scale (the first one for per-channel weights)."""
        return float(self.scales[0]) if len(self.scales) else 0.0

    @property
    def zero_point(self) -> int:
        return int(self.zero_points[0]) if len(self.zero_points) else 0

    @property
    def per_channel(self) -> bool:
        return len(self.scales) > 1


@dataclass
class Op:
    """One operator: which kernel, which tensors go in and out, its options, its MACs and the bytes it touches."""

    index: int
    kind: str
    inputs: list
    outputs: list
    options: dict = field(default_factory=dict)
    macs: int = 0
    input_bytes: int = 0  # activations read (tensors computed at run time)
    weight_bytes: int = 0  # constant inputs read (weights, biases, shapes)
    output_bytes: int = 0  # activations written


@dataclass
class TFLiteModel:
    """A parsed .tflite model (first subgraph: the one a microcontroller runs)."""

    size_bytes: int
    tensors: list
    ops: list
    inputs: list
    outputs: list
    description: str = ""
    data: bytes = field(default=b"", repr=False, compare=False)  # the file's bytes, so a parsed model is a TfliteFile too

    @property
    def op_names(self) -> list[str]:
        """The distinct operator kinds, in order of first use (what an op resolver must register)."""
        return list(dict.fromkeys(op.kind for op in self.ops))

    @property
    def macs(self) -> int:
        return sum(op.macs for op in self.ops)

    @property
    def input(self) -> Tensor:
        return self.tensors[self.inputs[0]]

    @property
    def output(self) -> Tensor:
        return self.tensors[self.outputs[0]]

    @property
    def is_int8(self) -> bool:
        """True when the model takes and returns int8 (a full-integer model)."""
        return all(self.tensors[i].dtype == np.int8 for i in self.inputs + self.outputs)

    @property
    def is_hybrid(self) -> bool:
        """True for a dynamic-range (hybrid) model: an op multiplies float activations by int8 weights."""
        for op in self.ops:
            if op.kind in ("QUANTIZE", "DEQUANTIZE"):
                continue  # these convert between types; they are not hybrid kernels
            ins = [self.tensors[i] for i in op.inputs if i >= 0]
            if (any(t.data is None and t.dtype in (np.float32, np.float16) for t in ins)
                    and any(t.data is not None and t.dtype == np.int8 for t in ins)):
                return True
        return False

    @property
    def weight_bytes(self) -> int:
        """Bytes of constant tensors (weights and biases)."""
        return sum(t.nbytes for t in self.tensors if t.data is not None)

    def peak_activation_bytes(self) -> int:
        """Largest sum of live activation bytes at any op (a lower bound of TFLM's arena head)."""
        last_use = {}
        for op in self.ops:
            for t in op.inputs + op.outputs:
                if t >= 0 and self.tensors[t].data is None:
                    last_use[t] = op.index
        for t in self.outputs:
            last_use[t] = len(self.ops)
        peak = 0
        for op in self.ops:
            live = {t for t, end in last_use.items() if end >= op.index and self._first_use(t) <= op.index}
            peak = max(peak, sum(self.tensors[t].nbytes for t in live))
        return peak

    def _first_use(self, t: int) -> int:
        if t in self.inputs:
            return 0
        return next((op.index for op in self.ops if t in op.outputs), 0)

    def require_int8(self, what: str = "this step") -> None:
        """Raise one sentence unless the model has int8 input and output."""
        if not self.is_int8:
            kind = np.dtype(self.input.dtype).name
            raise CourseError(
                f"{what} needs a full-integer int8 model, but this model's input is {kind}: convert it "
                "with a representative dataset and inference_input_type/inference_output_type = tf.int8."
            )

    def layer_table(self) -> Table:
        """One row per op: kind, output shape, activation, MACs, parameter bytes, quantization."""
        rows = Table()
        for op in self.ops:
            out = self.tensors[op.outputs[0]]
            weights = [self.tensors[i] for i in op.inputs if i >= 0 and self.tensors[i].data is not None]
            w = weights[0] if weights else None
            rows.append({
                "#": op.index,
                "op": op.kind,
                "output shape": "x".join(str(d) for d in out.shape),
                "activation": op.options.get("activation", ""),
                "MACs": op.macs,
                "constant bytes": sum(t.nbytes for t in weights),
                "weight scales": (f"{len(w.scales)} (per channel)" if w is not None and w.per_channel
                                  else "1" if w is not None and len(w.scales) else ""),
                "output scale": out.scale,
                "output zero point": out.zero_point,
            })
        return rows


# The one type of a .tflite argument everywhere in utils: its bytes, its file path, or the parsed model.
TfliteFile = bytes | bytearray | memoryview | str | os.PathLike | TFLiteModel


def model_bytes(model: TfliteFile) -> bytes:
    """The checked bytes of a .tflite model: its bytes, its file path, or a parsed :class:`TFLiteModel`."""
    if isinstance(model, TFLiteModel):
        return model.data
    if isinstance(model, (bytes, bytearray, memoryview)):
        data, where = bytes(model), "These bytes are"
    elif isinstance(model, (str, os.PathLike)):
        path = Path(model)
        shown_path = str(path) if str(path).isprintable() else repr(str(path))  # a newline would split the sentence
        name = path.name if path.name.isprintable() else repr(path.name)
        try:
            data = path.read_bytes() if path.is_file() else None
        except (OSError, ValueError):
            raise CourseError(f"Cannot read a model file at {shown_path[:200]}: check the path.") from None
        if data is None:
            raise CourseError(f"No model file at {shown_path[:200]}: convert the model first (utils.convert).")
        where = f"The file {name[:80]} is"
    else:
        raise CourseError(f"A .tflite model is given as its bytes, its file path or a parsed TFLiteModel "
                          f"(utils.tflite_model.read_model), not a {type(model).__name__}.")
    # Every TFLite flatbuffer carries the identifier 'TFL3' at bytes 4-8.
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise CourseError(f"{where} not a TensorFlow Lite model (no 'TFL3' identifier): "
                          "pass the output of the converter or a .tflite file.")
    return data


def _options(op) -> dict:
    o = op.builtinOptions
    if o is None:
        return {}
    out = {}
    for attr, key in (("strideH", "stride_h"), ("strideW", "stride_w"), ("filterHeight", "filter_h"),
                      ("filterWidth", "filter_w"), ("depthMultiplier", "depth_multiplier"),
                      ("dilationHFactor", "dilation_h"), ("dilationWFactor", "dilation_w"),
                      ("beta", "beta"), ("keepNumDims", "keep_num_dims")):
        if hasattr(o, attr):
            out[key] = getattr(o, attr)
    if hasattr(o, "padding"):
        out["padding"] = _PADDING.get(o.padding, str(o.padding))
    if hasattr(o, "fusedActivationFunction"):
        out["activation"] = _ACTIVATIONS.get(o.fusedActivationFunction, str(o.fusedActivationFunction))
    return out


def _macs(op: Op, tensors: list) -> int:
    out = tensors[op.outputs[0]].shape
    if op.kind not in MAC_OPS or len(op.inputs) < 2:
        return 0
    w = tensors[op.inputs[1]].shape
    if op.kind == "CONV_2D":  # every output value uses kh*kw*in_channels weights
        return int(np.prod(out, dtype=np.int64)) * int(w[1] * w[2] * w[3])
    if op.kind == "DEPTHWISE_CONV_2D":  # every output value uses one kh*kw filter
        return int(np.prod(out, dtype=np.int64)) * int(w[1] * w[2])
    return int(np.prod(out, dtype=np.int64)) * int(w[-1])  # FULLY_CONNECTED: out_units x in_features


def _count_bytes(op: Op, tensors: list) -> None:
    """Fill in the bytes an operator reads (activations, constants) and writes, at each tensor's own dtype."""
    ins = [tensors[i] for i in op.inputs if 0 <= i < len(tensors)]
    op.input_bytes = sum(t.nbytes for t in ins if t.data is None)
    op.weight_bytes = sum(t.nbytes for t in ins if t.data is not None)
    op.output_bytes = sum(tensors[i].nbytes for i in op.outputs if 0 <= i < len(tensors))


def read_model(model: TfliteFile) -> TFLiteModel:
    """Parse a .tflite model (bytes, a file path, or an already parsed model: returned as it is; first subgraph)."""
    if isinstance(model, TFLiteModel):
        return model
    data = model_bytes(model)
    s = schema()
    try:
        parsed = _parse(s, data)
    except Exception:  # a corrupt buffer fails deep inside flatbuffers or numpy: one sentence instead
        parsed = None
    if parsed is None:
        raise CourseError("This .tflite file is corrupt (its FlatBuffer cannot be parsed): convert the model again.")
    return parsed


def _parse(s, data: bytes) -> TFLiteModel | None:
    """The parsed model, or None when the FlatBuffer lacks a graph with inputs and outputs."""
    m = s.ModelT.InitFromObj(s.Model.GetRootAsModel(data, 0))
    if not m.subgraphs or m.subgraphs[0].inputs is None or m.subgraphs[0].outputs is None:
        return None
    if not len(m.subgraphs[0].inputs) or not len(m.subgraphs[0].outputs) or not m.subgraphs[0].tensors:
        return None
    names = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
    g = m.subgraphs[0]
    tensors = []
    for i, t in enumerate(g.tensors):
        q = t.quantization
        scales = np.asarray(q.scale if q is not None and q.scale is not None else [], dtype=np.float32)
        zps = np.asarray(q.zeroPoint if q is not None and q.zeroPoint is not None else [], dtype=np.int64)
        dtype = _DTYPES.get(t.type, np.uint8)
        shape = tuple(int(d) for d in (t.shape if t.shape is not None else []))
        buf = m.buffers[t.buffer].data if t.buffer < len(m.buffers) else None
        values = None
        if buf is not None and len(buf):
            values = np.frombuffer(np.asarray(buf, dtype=np.uint8).tobytes(), dtype=dtype).reshape(shape)
        name = t.name.decode() if isinstance(t.name, bytes) else str(t.name)
        tensors.append(Tensor(i, name, shape, dtype, scales, zps, int(q.quantizedDimension if q else 0), values))
    ops = []
    for i, op in enumerate(g.operators or []):
        code = m.operatorCodes[op.opcodeIndex]
        kind = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), f"OP_{code.builtinCode}")
        if kind == "CUSTOM":
            kind = f"CUSTOM:{code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode}"
        o = Op(i, kind, [int(x) for x in op.inputs], [int(x) for x in op.outputs], _options(op))
        o.macs = _macs(o, tensors)
        _count_bytes(o, tensors)
        ops.append(o)
    desc = m.description.decode() if isinstance(m.description, bytes) else str(m.description or "")
    return TFLiteModel(len(data), tensors, ops, [int(x) for x in g.inputs], [int(x) for x in g.outputs], desc, data)
