"""Parameters and multiply-accumulates (MACs) of a Keras model, layer by layer, by formulas you can check by hand.

A MAC is one ``acc += w * x``: the unit in which edge hardware and MLPerf Tiny quote compute.
Per layer and per input example (batch of 1), biases counted as parameters but not as MACs:

- Dense: ``params = n_in * units + units``; ``MACs = n_in * units`` (times any extra leading axes).
- Conv2D: ``params = k_h * k_w * c_in * filters + filters``; ``MACs = h_out * w_out * filters * k_h * k_w * c_in``.
- DepthwiseConv2D: ``params = k_h * k_w * c_in * mult + c_in * mult``; ``MACs = h_out * w_out * c_in * mult * k_h * k_w``.
- Pooling, Flatten, Reshape, Dropout, activations: no parameters, no MACs (a pooling window compares or adds).

Taught in lesson 05 (cloud-sized vs edge-sized models); lessons 06-08 reuse it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from utils.errors import CourseError, number
from utils.tables import Html, Table

# Layers that hold no weights and do no multiply-accumulates.
FREE = {
    "InputLayer", "Flatten", "Reshape", "Dropout", "ReLU", "Activation", "Softmax", "MaxPooling2D",
    "AveragePooling2D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "GlobalAveragePooling1D", "GlobalMaxPooling1D", "ZeroPadding2D", "Rescaling", "Identity",
}


def _sizes(**sizes) -> list[int]:
    """The sizes as ints, or one sentence naming the first that is not a positive whole number."""
    for name, value in sizes.items():
        if value is None:
            raise CourseError(f"{name} is unknown (None): give the model a fixed input shape so every size is known.")
        number(value, name, 1, whole=True)
    return [int(v) for v in sizes.values()]


def dense_macs(n_in: int, units: int) -> int:
    """MACs of a Dense layer on one input vector."""
    return math.prod(_sizes(n_in=n_in, units=units))


def conv2d_macs(h_out: int, w_out: int, filters: int, k_h: int, k_w: int, c_in: int) -> int:
    """MACs of a Conv2D layer: every output value is a k_h x k_w x c_in dot product."""
    return math.prod(_sizes(h_out=h_out, w_out=w_out, filters=filters, k_h=k_h, k_w=k_w, c_in=c_in))


def depthwise_macs(h_out: int, w_out: int, c_in: int, k_h: int, k_w: int, multiplier: int = 1) -> int:
    """MACs of a DepthwiseConv2D layer: each output value looks at one input channel only."""
    return math.prod(_sizes(h_out=h_out, w_out=w_out, c_in=c_in, k_h=k_h, k_w=k_w, multiplier=multiplier))


@dataclass(frozen=True)
class LayerStats:
    """One layer's row: name, Keras class, output shape (without batch), parameters, MACs."""

    name: str
    kind: str
    output_shape: tuple
    params: int
    macs: int


@dataclass(frozen=True)
class ModelStats:
    """Per-layer parameters and MACs of a model, with totals; shows as a table in a notebook."""

    model: str
    layers: tuple

    @property
    def params(self) -> int:
        return sum(row.params for row in self.layers)

    @property
    def macs(self) -> int:
        return sum(row.macs for row in self.layers)

    @property
    def float32_bytes(self) -> int:
        """Bytes the weights take as float32 (4 bytes each), before any file-format overhead."""
        return 4 * self.params

    def rows(self) -> list[dict]:
        return [row.__dict__.copy() for row in self.layers]

    def __str__(self) -> str:
        lines = [f"{'layer':<14}{'kind':<20}{'output':<16}{'params':>9}{'MACs':>11}"]
        for r in self.layers:
            lines.append(f"{r.name:<14}{r.kind:<20}{str(r.output_shape):<16}{r.params:>9,}{r.macs:>11,}")
        lines.append(f"{'total':<50}{self.params:>9,}{self.macs:>11,}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ModelStats({self.model!r}: {self.params:,} parameters, {self.macs:,} MACs)\n{self}"

    def _repr_html_(self) -> str:
        rows = Table(({"layer": r.name, "kind": r.kind, "output": str(r.output_shape), "params": r.params,
                       "MACs": r.macs} for r in self.layers), right=("params", "MACs"))
        rows.append({"layer": Html(f"<b>total ({html.escape(str(self.model))})</b>"), "kind": "", "output": "",
                     "params": Html(f"<b>{self.params:,}</b>"), "MACs": Html(f"<b>{self.macs:,}</b>")})
        return rows._repr_html_()


def _shape(tensor) -> tuple:
    return tuple(int(d) if d is not None else None for d in tensor.shape[1:])


def layer_macs(layer) -> int:
    """MACs of one built Keras layer for one example, from its kernel shape and output shape."""
    kind = type(layer).__name__
    if kind in FREE or kind == "BatchNormalization":
        return 0  # batch norm is folded into the previous layer's weights at conversion
    if kind not in ("Dense", "Conv2D", "Conv1D", "DepthwiseConv2D"):
        if layer.weights:
            raise CourseError(f"Layer {layer.name!r} ({kind}) has no MAC formula here: count it by hand.")
        return 0  # element-wise layers (Add, Multiply ...) do no multiply-accumulates
    out = _shape(layer.output)
    if kind == "Dense":
        n_in, units = layer.kernel.shape
        extra = _sizes(**{f"output axis {i + 1}": d for i, d in enumerate(out[:-1])})
        return dense_macs(int(n_in), int(units)) * math.prod(extra)
    if kind == "Conv2D":
        k_h, k_w, c_in_per_group, filters = (int(d) for d in layer.kernel.shape)
        return conv2d_macs(out[0], out[1], filters, k_h, k_w, c_in_per_group)
    if kind == "Conv1D":
        k, c_in_per_group, filters = (int(d) for d in layer.kernel.shape)
        return conv2d_macs(out[0], 1, filters, k, 1, c_in_per_group)
    k_h, k_w, c_in, mult = (int(d) for d in layer.kernel.shape)
    return depthwise_macs(out[0], out[1], c_in, k_h, k_w, mult)


def model_stats(model) -> ModelStats:
    """Parameters and MACs per layer of a built Keras model (one example at a time)."""
    try:
        import keras
    except ImportError:  # pragma: no cover - keras ships with every supported TensorFlow
        raise CourseError("model_stats needs Keras: install TensorFlow.") from None
    if not isinstance(model, keras.Model):
        raise CourseError(f"model_stats needs a Keras model, not {type(model).__name__}.")
    if not model.built:
        raise CourseError("The model is not built yet: give it a keras.Input (or call it on data) first.")
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if isinstance(layer, keras.Model):
            raise CourseError(f"Layer {layer.name!r} is itself a model: flatten it into one model first.")
        rows.append(LayerStats(layer.name, type(layer).__name__, _shape(layer.output),
                               int(layer.count_params()), layer_macs(layer)))
    return ModelStats(model.name, tuple(rows))
