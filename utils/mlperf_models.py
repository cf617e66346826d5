"""The four MLPerf Tiny reference networks, rebuilt in Keras from their published shapes.

MLPerf Tiny (mlcommons/tiny, benchmark/training/*) measures boards on four int8 models:
keyword spotting (DS-CNN, 49x10 MFCC input), visual wake words (MobileNetV1 width 0.25,
96x96 RGB), image classification (ResNet-8 on 32x32 CIFAR-10) and anomaly detection (a fully
connected autoencoder on 640 log-mel values). ``build(name)`` returns the untrained Keras
model with batch 1; ``macs(name)`` converts it (float32, no training needed: MACs depend on
shapes only) and counts multiply-accumulates from the .tflite. They equal the published
2,656,768 / 7,489,664 / 12,501,632 / 264,192. BatchNormalization and Dropout are left out:
the converter folds the first into the convolution and drops the second, so MACs do not change.

``operators(name)`` gives the per-operator work of each benchmark as the boards ran it (kind, MACs,
bytes read and written), from ``data/mlperf_tiny_ops.csv``: the board simulator's latency model is
fitted on it. That table is read from the MLPerf Tiny int8 reference files (``operator_rows``;
``write_operator_table`` regenerates it), and ``person_detection`` (the ESP32 rows) is derived from
VWW by giving its first convolution one input channel instead of three.
Defined for lesson 07, where these counts calibrate the latency model against published results.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from utils.course import quiet_tensorflow, seed_everything
from utils.errors import CourseError, shown
from utils.paths import data_path, read_csv
from utils.tflite_model import TfliteFile, read_model

PUBLISHED_MACS = {"kws": 2_656_768, "vww": 7_489_664, "ic": 12_501_632, "ad": 264_192}
TITLES = {
    "kws": "keyword spotting: DS-CNN, 49x10x1 MFCC",
    "vww": "visual wake words: MobileNetV1-0.25, 96x96x3",
    "ic": "image classification: ResNet-8, 32x32x3",
    "ad": "anomaly detection: FC autoencoder, 640 inputs",
}


def _keras():
    quiet_tensorflow()
    import keras

    return keras


def _ds_cnn(keras):
    layers = keras.layers
    inputs = keras.Input((49, 10, 1), batch_size=1)
    x = layers.Conv2D(64, (10, 4), strides=2, padding="same", activation="relu")(inputs)
    for _ in range(4):  # four depthwise-separable blocks: 3x3 depthwise, then 1x1 pointwise
        x = layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)
        x = layers.Conv2D(64, 1, padding="same", activation="relu")(x)
    x = layers.AveragePooling2D((25, 5))(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(12, activation="softmax")(x), name="kws_ds_cnn")


def _mobilenet_025(keras):
    layers = keras.layers
    inputs = keras.Input((96, 96, 3), batch_size=1)
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inputs)
    # (pointwise filters, depthwise stride) of the 13 blocks of MobileNetV1 at width 0.25
    blocks = [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2)] + [(128, 1)] * 5 + [(256, 2), (256, 1)]
    for filters, stride in blocks:
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 1, padding="same", activation="relu")(x)
    x = layers.AveragePooling2D(3)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(2, activation="softmax")(x), name="vww_mobilenet_v1_025")


def _resnet8(keras):
    layers = keras.layers
    inputs = keras.Input((32, 32, 3), batch_size=1)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    for filters, stride in ((16, 1), (32, 2), (64, 2)):
        y = layers.Conv2D(filters, 3, strides=stride, padding="same", activation="relu")(x)
        y = layers.Conv2D(filters, 3, padding="same")(y)
        if stride > 1:  # a 1x1 convolution matches the shortcut's shape
            x = layers.Conv2D(filters, 1, strides=stride, padding="same")(x)
        x = layers.Activation("relu")(layers.Add()([x, y]))
    x = layers.AveragePooling2D(8)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x), name="ic_resnet8")


def _autoencoder(keras):
    layers = keras.layers
    inputs = keras.Input((640,), batch_size=1)
    x = inputs
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        x = layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(640)(x), name="ad_fc_autoencoder")


BUILDERS = {"kws": _ds_cnn, "vww": _mobilenet_025, "ic": _resnet8, "ad": _autoencoder}


def _check(name: str) -> None:
    if name not in BUILDERS:
        raise CourseError(f"Unknown MLPerf Tiny model {name!r}: choose one of {', '.join(BUILDERS)}.")


def build(name: str):
    """The untrained Keras model of MLPerf Tiny benchmark ``name`` ('kws', 'vww', 'ic', 'ad'), batch 1."""
    _check(name)
    keras = _keras()
    seed_everything()
    return BUILDERS[name](keras)


@cache
def tflite(name: str) -> bytes:
    """The float32 .tflite of the rebuilt model (shapes are all that MAC counting needs), cached in artefacts/."""
    import hashlib
    import inspect
    import os

    from utils.artefacts import artefact_path
    from utils.convert import convert

    _check(name)
    # The builder's own source is part of the file name, so editing a builder never reuses a stale file.
    digest = hashlib.sha256(inspect.getsource(BUILDERS[name]).encode()).hexdigest()[:10]
    path = artefact_path(f"mlperf_{name}_{digest}_float32.tflite")
    if path.is_file():
        return path.read_bytes()
    data = convert(build(name), "float32")
    tmp = path.with_name(f".{path.name}.{os.getpid()}")  # write then rename: no half-written file
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data


def macs(name: str) -> int:
    """Multiply-accumulates per inference of the rebuilt model, counted from its .tflite."""

    return read_model(tflite(name)).macs


# ----------------------------------------------------------------------------- per-operator work
OPERATOR_COLUMNS = ("benchmark", "index", "op", "macs", "input_bytes", "weight_bytes", "output_bytes")
# The MLPerf Tiny v0.5 int8 reference files, named as in mlcommons/tiny (benchmark/training/*/trained_models/).
REFERENCE_FILES = {"kws": "kws_ref_model.tflite", "vww": "vww_96_int8.tflite",
                   "ic": "pretrainedResnet_quant.tflite", "ad": "ad01_int8.tflite"}


def _operator_path() -> Path:
    return data_path("mlperf_tiny_ops.csv")


def operator_rows(tflite: TfliteFile, benchmark: str) -> list[dict]:
    """One row per operator of an int8 .tflite (bytes or path): kind, MACs, bytes read and written."""

    return [{"benchmark": benchmark, "index": op.index, "op": op.kind, "macs": op.macs,
             "input_bytes": op.input_bytes, "weight_bytes": op.weight_bytes, "output_bytes": op.output_bytes}
            for op in read_model(tflite).ops]


def person_detection_rows(vww_rows: list[dict]) -> list[dict]:
    """The ESP32 person detector: VWW's operators with a one-channel (grayscale) input to the first convolution."""
    rows = [dict(r, benchmark="person_detection") for r in vww_rows]
    first = rows[0]
    # The first convolution reads 1 channel instead of 3: a third of its MACs, input and int8 weights.
    weights = first["macs"] // (48 * 48)  # one int8 weight per MAC of an output pixel; the int32 biases stay
    first.update(macs=first["macs"] // 3, input_bytes=first["input_bytes"] // 3,
                 weight_bytes=first["weight_bytes"] - weights + weights // 3)
    return rows


def write_operator_table(reference_dir, path=None) -> Path:
    """Regenerate data/mlperf_tiny_ops.csv from the four int8 reference files in ``reference_dir``."""
    reference_dir = Path(reference_dir)
    rows = []
    for name, file in REFERENCE_FILES.items():
        rows += operator_rows(reference_dir / file, name)
    rows += person_detection_rows([r for r in rows if r["benchmark"] == "vww"])
    path = Path(path) if path is not None else _operator_path()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, OPERATOR_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@cache
def _operator_table() -> dict:
    out: dict = {}
    for r in read_csv("mlperf_tiny_ops.csv"):
        out.setdefault(r["benchmark"], []).append(
            {"index": int(r["index"]), "op": r["op"], **{k: int(r[k]) for k in OPERATOR_COLUMNS[3:]}})
    return {k: tuple(v) for k, v in out.items()}


def operators(name: str) -> tuple:
    """The operators of benchmark ``name`` as the boards ran them (dicts: index, op, macs, bytes)."""
    table = _operator_table()
    if not isinstance(name, str) or name not in table:
        raise CourseError(f"No operator table for {shown(name)}: choose one of {', '.join(table)}.")
    return tuple(dict(r) for r in table[name])
