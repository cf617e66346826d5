"""Reading a .tflite flatbuffer: ops, shapes, quantization, MACs, and refusing what is not a model."""

from pathlib import Path

import numpy as np
import pytest

from utils.errors import CourseError
from utils.tflite_model import read_model

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "mlperf_tiny"


@pytest.fixture(scope="module")
def digits():
    from utils.convert import int8_model

    return int8_model("digits")


def test_digits_model_structure(digits):
    m = read_model(digits)
    assert m.op_names == ["CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    assert m.is_int8 and m.size_bytes == len(digits)
    assert m.input.shape == (1, 8, 8, 1) and m.output.shape == (1, 10)
    # Keras conv1: 8 filters 3x3 on 8x8 'same' -> 8*8*8*9 MACs; conv2: 4*4*16*72; dense 64->10
    assert [op.macs for op in m.ops if op.macs] == [4608, 18432, 640]
    assert m.macs == 4608 + 18432 + 640


def test_quantization_parameters(digits):
    m = read_model(digits)
    conv = m.ops[0]
    w = m.tensors[conv.inputs[1]]
    assert w.dtype == np.int8 and w.per_channel and len(w.scales) == 8
    assert np.all(w.zero_points == 0) and np.abs(w.data).max() == 127  # symmetric, full range per channel
    bias = m.tensors[conv.inputs[2]]
    assert bias.dtype == np.int32
    # bias scale = input scale x weight scale, per channel
    np.testing.assert_allclose(bias.scales, m.input.scale * w.scales, rtol=1e-6)
    soft = m.output
    assert soft.zero_point == -128 and soft.scale == pytest.approx(1 / 256)


def test_layer_table_and_peak_memory(digits):
    m = read_model(digits)
    rows = m.layer_table()
    assert len(rows) == len(m.ops) and rows[0]["output shape"] == "1x8x8x8"
    assert "<table>" in rows._repr_html_()
    # the first max-pool reads conv1's 8x8x8 output while writing its own 4x4x8: both are live
    assert m.peak_activation_bytes() == 512 + 128


@pytest.mark.parametrize("bad", [b"", b"hello world, not a model" * 4, bytes(100)])
def test_not_a_tflite_is_one_sentence(bad):
    with pytest.raises(CourseError, match="not a TensorFlow Lite model"):
        read_model(bad)


def test_a_text_file_and_a_missing_path(tmp_path):
    f = tmp_path / "notes.tflite"
    f.write_text("these are my notes")
    with pytest.raises(CourseError, match="not a TensorFlow Lite model"):
        read_model(f)
    with pytest.raises(CourseError, match="No model file"):
        read_model(tmp_path / "missing.tflite")
    with pytest.raises(CourseError, match="A .tflite model is given as its bytes, its file path or a parsed TFLiteModel"):
        read_model(42)


def test_corrupt_flatbuffer_is_one_sentence(digits):
    broken = digits[:8] + b"\xff" * 64
    with pytest.raises(CourseError, match="corrupt"):
        read_model(broken)


def test_require_int8_on_a_float_model():
    import keras

    from utils.convert import convert

    inputs = keras.Input((4,), batch_size=1)
    m = read_model(convert(keras.Model(inputs, keras.layers.Dense(2)(inputs)), "float32"))
    assert not m.is_int8
    with pytest.raises(CourseError, match="needs a full-integer int8 model"):
        m.require_int8("The board simulator")


@pytest.mark.parametrize("name,macs", [("kws_ref_model", 2_656_768), ("vww_96_int8", 7_489_664),
                                       ("pretrainedResnet_quant", 12_501_632), ("ad01_int8", 264_192)])
def test_macs_of_the_mlperf_reference_files(name, macs):
    assert read_model(REFERENCE / f"{name}.tflite").macs == macs


def _tflite_functions():
    """Every public utils function whose first parameter is a TfliteFile, with a dummy for its other arguments."""
    import importlib
    import inspect
    import pkgutil

    import utils

    found = []
    for info in pkgutil.iter_modules(utils.__path__):
        module = importlib.import_module(f"utils.{info.name}")
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            params = list(inspect.signature(fn).parameters.values())
            if params and params[0].annotation == "TfliteFile":
                dummies = {"x": np.zeros((1, 8, 8, 1), np.float32), "board": "ESP32", "benchmark": "ad",
                           "arena_size": 4096, "folder": "unused", "index": 0, "y": np.zeros(1)}
                rest = {p.name: dummies[p.name] for p in params[1:]
                        if p.default is inspect.Parameter.empty and p.kind is not p.KEYWORD_ONLY}
                found.append(pytest.param(fn, rest, id=f"{info.name}.{name}"))
    return found


TFLITE_FUNCTIONS = _tflite_functions()


def test_every_tflite_argument_is_one_type():
    assert len(TFLITE_FUNCTIONS) >= 25  # litert, tflm, export, board_sim, convert, int8_reference, tflite_model...


@pytest.mark.parametrize(("fn", "rest"), TFLITE_FUNCTIONS)
def test_every_tflite_function_refuses_other_types_in_one_sentence(fn, rest):
    for wrong in (42, [1, 2], None):
        with pytest.raises(CourseError) as err:
            fn(wrong, **rest)
        assert str(err.value) == ("A .tflite model is given as its bytes, its file path or a parsed TFLiteModel "
                                  f"(utils.tflite_model.read_model), not a {type(wrong).__name__}.")


def test_bytes_a_path_and_the_parsed_model_are_the_same_model(digits, tmp_path):
    from utils import export, litert, tflite_model

    path = tmp_path / "digits.tflite"
    path.write_bytes(digits)
    parsed = read_model(digits)
    for form in (digits, bytearray(digits), str(path), path, parsed):
        assert tflite_model.model_bytes(form) == digits
        assert export.c_array(form) == export.c_array(digits)
        assert litert.ops(form) == litert.ops(digits)
