"""The TFLite converter recipes the course uses, and the cached converted models later lessons load.

``convert(model, recipe, representative=x)`` turns a Keras model into .tflite bytes with one of
four recipes: 'float32' (no quantization), 'dynamic_range' (int8 weights, float activations),
'float16' (float16 weights) and 'int8' (full integer: int8 weights, activations, input and
output, integer-only builtin kernels, calibrated on a representative dataset). Every recipe
sets ``target_spec`` explicitly so no TensorFlow (Flex) ops can slip in. A float32 or int8
model with an operator TensorFlow Lite for Microcontrollers does not run is refused with the
operator's name, and so is an int8 model in which some operator still computes in float.

``int8_model("digits")`` and ``float32_model("digits")`` are what lessons 07 and 08 call: they
return the bytes of ``artefacts/digits_int8.tflite`` (``digits_float32.tflite``), converting
the trained model from :func:`utils.training.trained_model` when the file is missing or older
than that model.

Defined in lesson 06 (quantization); lessons 07 and 08 reuse it.
"""

from __future__ import annotations

import os
import re

import numpy as np

from utils.capture import captured_output
from utils.course import SEED
from utils.errors import CourseError, number
from utils.tflite_model import TfliteFile

RECIPES = ("float32", "dynamic_range", "float16", "int8")

# Recipes whose files a microcontroller can run; the other two need hybrid or float16 kernels TFLM lacks.
MICRO_RECIPES = ("float32", "int8")

# Calibration samples used by the cached int8 models (lesson 06 measures how few are enough).
REPRESENTATIVE_SAMPLES = 100

# Builtin operators TensorFlow Lite for Microcontrollers registers (read from the Register_* kernels of
# the tflite-micro pip package, build 0.dev20261023; its kernels/micro_ops.h lists the same set).
MICRO_OPS = frozenset("""
ABS ADD ARG_MAX ARG_MIN ASSIGN_VARIABLE AVERAGE_POOL_2D BATCH_MATMUL BATCH_TO_SPACE_ND BROADCAST_ARGS
BROADCAST_TO CALL_ONCE CAST CEIL CONCATENATION CONV_2D COS CUMSUM DEPTH_TO_SPACE DEPTHWISE_CONV_2D
DEQUANTIZE DIV DYNAMIC_UPDATE_SLICE ELU EMBEDDING_LOOKUP EQUAL EXP EXPAND_DIMS FILL FLOOR FLOOR_DIV
FLOOR_MOD FULLY_CONNECTED GATHER GATHER_ND GREATER GREATER_EQUAL HARD_SWISH IF L2_NORMALIZATION L2_POOL_2D
LEAKY_RELU LESS LESS_EQUAL LOG LOG_SOFTMAX LOGICAL_AND LOGICAL_NOT LOGICAL_OR LOGISTIC MAX_POOL_2D MAXIMUM
MEAN MINIMUM MIRROR_PAD MUL NEG NOT_EQUAL PACK PAD PADV2 PRELU QUANTIZE READ_VARIABLE REDUCE_ALL REDUCE_MAX
REDUCE_MIN RELU RELU6 RESHAPE RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR REVERSE_V2 ROUND RSQRT SELECT_V2 SHAPE
SIN SLICE SOFTMAX SPACE_TO_BATCH_ND SPACE_TO_DEPTH SPLIT SPLIT_V SQRT SQUARE SQUARED_DIFFERENCE SQUEEZE
STRIDED_SLICE SUB SUM SVDF TANH TRANSPOSE TRANSPOSE_CONV UNIDIRECTIONAL_SEQUENCE_LSTM UNPACK VAR_HANDLE
WHILE ZEROS_LIKE
""".split())


def _tf():
    import tensorflow as tf

    return tf


def _check_keras_model(model):
    import keras

    if not isinstance(model, keras.Model):
        raise CourseError(f"The converter needs a Keras model (keras.Model), not {type(model).__name__}.")
    try:
        inputs = model.inputs if model.built else None
    except AttributeError:  # a subclassed model that was never called has no inputs
        inputs = None
    if not inputs:
        raise CourseError("This Keras model has no defined input: build it with keras.Input(shape, batch_size=1).")
    if len(inputs) != 1:
        raise CourseError(f"The course's recipes convert models with one input; this one has {len(inputs)}.")
    return model


def _batch_of_one(model):
    """The model with its batch fixed to 1: a free batch adds SHAPE/STRIDED_SLICE/PACK ops to the file."""
    if model.input_shape[0] == 1:
        return model
    from utils.training import fixed_batch

    try:
        return fixed_batch(model, 1)
    except Exception:  # a model Keras cannot clone (e.g. subclassed): convert it as it is
        return model


def representative_samples(x, n: int | None = REPRESENTATIVE_SAMPLES, seed: int = SEED) -> np.ndarray:
    """``n`` samples of ``x`` picked at random with ``seed`` (all of ``x`` when ``n`` is None)."""
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim < 2 or len(arr) == 0:
        raise CourseError("The representative dataset must be a non-empty batch of input samples, shape (N, ...).")
    if n is None or n >= len(arr):
        return arr
    number(n, "n", 1, whole=True, unit="samples")
    return arr[np.random.default_rng(seed).choice(len(arr), size=int(n), replace=False)]


def _representative_fn(representative, sample_shape: tuple):
    if representative is None:
        raise CourseError(
            "Full-integer (int8) conversion needs a representative dataset to calibrate activation "
            "ranges: pass representative=x_train[:100] (a batch of typical inputs)."
        )
    arr = np.asarray(representative, dtype=np.float32)
    if arr.ndim == len(sample_shape):
        arr = arr[None]
    if arr.shape[1:] != sample_shape or len(arr) == 0:
        raise CourseError(
            f"The representative dataset has shape {arr.shape}, but the model takes samples of shape "
            f"{sample_shape}: pass a non-empty batch (N, {', '.join(map(str, sample_shape))})."
        )

    def gen():
        for sample in arr:
            yield [sample[None]]

    return gen


def _ops_named_in(message: str) -> list[str]:
    """TensorFlow op names in a converter error, e.g. 'tf.Erfinv' op is neither a custom op nor a flex op."""
    names = re.findall(r"'tf\.(\w+)' op is neither", message)
    names += re.findall(r"Custom ops: ([\w, ]+)", message)
    names += re.findall(r"Flex ops: ([\w, ]+)", message)
    found: list[str] = []
    for chunk in names:
        for name in chunk.split(","):
            name = name.strip().removeprefix("Flex")
            if name and name not in found:
                found.append(name)
    return found


def micro_unsupported(tflite: TfliteFile) -> list[str]:
    """Operators in a .tflite model that TensorFlow Lite for Microcontrollers has no kernel for."""
    from utils.litert import ops

    missing: list[str] = []
    for op in ops(tflite):
        if op not in MICRO_OPS and op not in missing:
            missing.append(op)
    return missing


def float_ops(tflite: TfliteFile) -> list[str]:
    """Operators of an int8 model that still compute in float32 (the converter leaves them when no int8 kernel exists)."""
    from utils.litert import load

    interp = load(tflite, _delegates=False)
    details = {d["index"]: d for d in interp.get_tensor_details()}
    found: list[str] = []
    for op in interp._get_ops_details():
        if op["op_name"] in ("QUANTIZE", "DEQUANTIZE"):
            continue
        touched = [*op["inputs"], *op["outputs"]]
        if any(i >= 0 and details[int(i)]["dtype"] == np.float32 for i in touched) and op["op_name"] not in found:
            found.append(op["op_name"])
    return found


def _run(converter) -> bytes:
    """The converter's .tflite bytes, or one sentence naming what it could not convert."""
    try:
        with captured_output() as log:
            return converter.convert()
    except Exception as err:  # ConverterError and friends: name the op, hide the MLIR dump
        message = f"{err}\n{log.getvalue()}"
        names = _ops_named_in(message)
        if names:
            raise CourseError(
                f"The TFLite converter has no builtin kernel for the TensorFlow op(s) {', '.join(names)}: "
                "replace that layer or operation with one TFLite supports."
            ) from None
        first = next((ln.strip() for ln in str(err).splitlines() if ln.strip()), type(err).__name__)
        raise CourseError(f"The TFLite converter failed ({first[:200]}).") from None


def convert(model, recipe: str = "int8", *, representative=None, per_channel: bool = True,
            check_micro: bool | None = None) -> bytes:
    """The .tflite bytes of Keras ``model`` converted with ``recipe`` (one of RECIPES).

    ``representative``: a batch of typical inputs (N, *input_shape), required for 'int8'.
    ``per_channel=False`` gives one weight scale per tensor instead of one per output channel.
    ``check_micro`` (default: on for the 'float32' and 'int8' recipes) refuses a model with an
    operator TensorFlow Lite for Microcontrollers cannot run.
    """
    if recipe not in RECIPES:
        raise CourseError(f"Unknown recipe {recipe!r}: choose one of {', '.join(RECIPES)}.")
    _check_keras_model(model)
    tf = _tf()
    model = _batch_of_one(model)
    sample_shape = tuple(int(d) for d in model.input_shape[1:])
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    # Builtin TFLite ops only: without this a model could silently pull in TensorFlow (Flex) kernels.
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if recipe != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if recipe == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if recipe == "int8":
        converter.representative_dataset = _representative_fn(representative, sample_shape)
        # Integer-only kernels, int8 in and out: what a microcontroller without a float unit needs.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    if not per_channel:
        # Private switches, present from TF 2.16 on; without them Conv2D and Dense get per-channel scales.
        converter._experimental_disable_per_channel = True
        if hasattr(converter, "_experimental_disable_per_channel_quantization_for_dense_layers"):
            converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    tflite = _run(converter)
    if check_micro is None:
        check_micro = recipe in MICRO_RECIPES
    if check_micro:
        missing = micro_unsupported(tflite)
        if missing:
            raise CourseError(
                f"TensorFlow Lite for Microcontrollers has no kernel for {', '.join(missing)}: replace the "
                "layer that produces it (or pass check_micro=False to convert for a phone or PC only)."
            )
    if recipe == "int8":
        floats = float_ops(tflite)
        if floats:
            raise CourseError(
                f"{', '.join(floats)} has no int8 kernel, so the converter left it computing in float32 "
                "inside the int8 model: replace that layer to get an integer-only model."
            )
    return tflite


def _artefact_name(name: str, recipe: str, size: str) -> str:
    return f"{name}_{recipe}.tflite" if size == "edge" else f"{name}_{size}_{recipe}.tflite"


def tflite_model(name: str = "digits", recipe: str = "int8", size: str = "edge", rebuild: bool = False) -> bytes:
    """Bytes of the course's trained ``name``/``size`` model converted with ``recipe``, cached in artefacts/.

    The file (e.g. ``artefacts/digits_int8.tflite``) is rebuilt when it is missing, older than the
    trained Keras model, or ``rebuild`` is True. int8 calibration uses REPRESENTATIVE_SAMPLES
    seeded training images, so every lesson gets the same file.
    """
    if recipe not in RECIPES:
        raise CourseError(f"Unknown recipe {recipe!r}: choose one of {', '.join(RECIPES)}.")
    from utils.artefacts import artefact_path
    from utils.training import model_path, trained_model

    path = artefact_path(_artefact_name(name, recipe, size))
    source = model_path(name, size)
    if not rebuild and path.is_file() and source.is_file() and path.stat().st_mtime >= source.stat().st_mtime:
        return path.read_bytes()
    model = trained_model(name, size)
    representative = None
    if recipe == "int8":
        from utils.datasets import load

        representative = representative_samples(load(name).x_train)
    tflite = convert(model, recipe, representative=representative)
    # Write then rename, so a notebook running at the same time never reads half a file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(tflite)
    os.replace(tmp, path)
    return tflite


def int8_model(name: str = "digits", size: str = "edge", rebuild: bool = False) -> bytes:
    """The full-integer int8 .tflite of the trained model (``artefacts/<name>_int8.tflite``)."""
    return tflite_model(name, "int8", size, rebuild)


def float32_model(name: str = "digits", size: str = "edge", rebuild: bool = False) -> bytes:
    """The float32 .tflite of the trained model (``artefacts/<name>_float32.tflite``)."""
    return tflite_model(name, "float32", size, rebuild)
