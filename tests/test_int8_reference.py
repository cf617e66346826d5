"""The integer-only reference: fixed-point pieces against exact integer maths, whole models bit for bit.

Every intermediate tensor of the course's digits model and of a model using every supported
kernel must equal what TFLite Micro computes (and, with runtime="litert", what LiteRT's
reference kernels compute), on the whole held-out set.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import int8_reference as ref
from utils import tflm
from utils.errors import CourseError

needs_tflm = pytest.mark.skipif(not tflm.available(), reason="TFLite Micro is not available here (no wheel for this platform, or COURSE_TFLM=off)")


def _exact_double_rounding(acc: int, qm: int, shift: int) -> int:
    """The specification of MBQM in exact integer arithmetic (int8-arithmetic.md)."""
    left, right = max(shift, 0), max(-shift, 0)
    a = acc * (1 << left)
    ab = a * qm
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    x = int(Fraction(ab + nudge, 1 << 31))  # int() of a Fraction truncates toward zero
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> right) + (1 if (x & mask) > threshold else 0)


def test_quantize_multiplier_known_values():
    assert ref.quantize_multiplier(0.5) == (1 << 30, 0)
    assert ref.quantize_multiplier(0.75) == (1610612736, 0)
    assert ref.quantize_multiplier(1.0) == (1 << 30, 1)
    assert ref.quantize_multiplier(0.0) == (0, 0)
    assert ref.quantize_multiplier(2.0**-40) == (0, 0)  # below 2^-32 it cannot be represented


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e-9, max_value=100.0))
def test_quantize_multiplier_reconstructs_the_real_number(m):
    qm, shift = ref.quantize_multiplier(m)
    assert (1 << 30) <= qm < (1 << 31)
    assert abs(qm * 2.0 ** (shift - 31) - m) <= m * 2.0**-30


@settings(max_examples=400, deadline=None)
@given(st.integers(-(2**24), 2**24), st.integers(1 << 30, (1 << 31) - 1), st.integers(-20, 3))
def test_mbqm_equals_exact_integer_specification(acc, qm, shift):
    assert int(ref.multiply_by_quantized_multiplier(acc, qm, shift)) == _exact_double_rounding(acc, qm, shift)


def test_round_half_away_is_not_numpy_round():
    assert [ref.round_half_away(v) for v in (0.5, 1.5, 2.5, -0.5, -2.5)] == [1, 2, 3, -1, -3]
    assert np.round(2.5) == 2.0  # the trap the reference avoids


def test_srdhm_saturates_only_at_int32_min_squared():
    assert int(ref.srdhm(-(2**31), -(2**31))) == 2**31 - 1
    assert int(ref.srdhm(2**30, 2**30)) == 2**29


def test_activation_range_of_relu6():
    # scale 6/255 and zero point -128: 6.0 lands exactly on 127
    assert ref.activation_range("RELU6", 6 / 255, -128) == (-128, 127)
    assert ref.activation_range("RELU", 0.1, -5) == (-5, 127)


@pytest.fixture(scope="module")
def every_kernel_model():
    """A small int8 model with each kernel the reference implements (and odd shapes and strides)."""
    import keras

    from utils.convert import convert

    layers = keras.layers
    keras.utils.set_random_seed(0)
    inputs = keras.Input((12, 12, 2), batch_size=1)
    x = layers.ReLU()(inputs)  # a stand-alone RELU: nothing before it to fuse into
    x = layers.Conv2D(6, 3, strides=2, padding="same", activation="relu6")(x)
    x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(8, 1)(x)
    x = layers.AveragePooling2D(3, strides=1, padding="same")(x)  # edge windows count fewer values
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    x = layers.Dense(5)(x)
    outputs = layers.Softmax()(x)
    rng = np.random.default_rng(0)
    rep = rng.normal(size=(64, 12, 12, 2)).astype("float32")
    return convert(keras.Model(inputs, outputs), "int8", representative=rep)


@pytest.fixture(scope="module")
def relu6_model():
    import keras

    from utils.convert import convert

    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 6, 1), batch_size=1)
    x = keras.layers.Flatten()(keras.layers.Activation("relu6")(inputs))
    rep = np.random.default_rng(1).normal(size=(32, 6, 6, 1)).astype("float32") * 4
    return convert(keras.Model(inputs, keras.layers.Dense(3)(x)), "int8", representative=rep)


def _random_inputs(model, n=300, seed=3):
    from utils.tflite_model import read_model

    shape = read_model(model).input.shape[1:]
    return np.random.default_rng(seed).integers(-128, 128, size=(n, *shape)).astype(np.int8)


def test_fixture_has_every_kernel(every_kernel_model):
    from utils.tflite_model import read_model

    ops = set(read_model(every_kernel_model).op_names)
    assert {"RELU", "CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "RESHAPE",
            "FULLY_CONNECTED", "SOFTMAX"} <= ops


@needs_tflm
@pytest.mark.parametrize("which", ["every_kernel_model", "relu6_model"])
def test_every_intermediate_tensor_equals_tflite_micro(which, request):
    model = request.getfixturevalue(which)
    x = _random_inputs(model)
    ours = ref.run_model(model, x)
    theirs = tflm.run(model, x, all_tensors=True).tensors
    assert set(ours) == set(theirs)
    for index, value in ours.items():
        assert value.dtype == np.int8
        assert np.array_equal(value, theirs[index]), f"tensor {index}: {(value != theirs[index]).sum()} values differ"


@pytest.mark.parametrize("which", ["every_kernel_model", "relu6_model"])
def test_every_intermediate_tensor_equals_litert_reference_kernels(which, request):
    model = request.getfixturevalue(which)
    x = _random_inputs(model)
    ours = ref.run_model(model, x, runtime="litert")
    theirs = tflm.run_reference_litert(model, x, all_tensors=True).tensors
    for index, value in ours.items():
        assert np.array_equal(value, theirs[index]), f"tensor {index}: {(value != theirs[index]).sum()} values differ"


@needs_tflm
def test_digits_model_bit_exact_on_the_whole_held_out_set():
    from utils.convert import int8_model
    from utils.datasets import load
    from utils.tflite_model import read_model

    model = int8_model("digits")
    m = read_model(model)
    data = load("digits")
    xq = np.clip(np.floor(np.abs(data.x_test / m.input.scale) + 0.5) * np.sign(data.x_test) + m.input.zero_point,
                 -128, 127).astype(np.int8)
    ours = ref.run_model(model, xq)
    micro = tflm.run(model, xq, all_tensors=True)
    lite = tflm.run_reference_litert(model, xq, all_tensors=True)
    ours_lite = ref.run_model(model, xq, runtime="litert")
    assert len(xq) == 359
    for index in ours:
        assert np.array_equal(ours[index], micro.tensors[index])
        assert np.array_equal(ours_lite[index], lite.tensors[index])
    accuracy = float((ours[m.outputs[0]].argmax(axis=1) == data.y_test).mean())
    assert accuracy >= 0.9


def test_requant_table_shows_multiplier_and_shift(every_kernel_model):
    rows = ref.requant_table(every_kernel_model)
    assert [r["op"] for r in rows][:2] == ["CONV_2D", "DEPTHWISE_CONV_2D"]
    for r in rows:
        assert abs(r["qm * 2^(shift-31)"] - r["M (channel 0)"]) <= r["M (channel 0)"] * 2**-30


def test_unimplemented_op_is_named_in_one_sentence():
    import keras

    from utils.convert import convert

    inputs = keras.Input((8,), batch_size=1)
    model = convert(keras.Model(inputs, keras.layers.Dense(4, activation="tanh")(inputs)), "int8",
                    representative=np.random.default_rng(0).normal(size=(32, 8)).astype("float32"))
    with pytest.raises(CourseError, match=r"does not implement TANH \(layer 1\)"):
        ref.run_model(model, np.zeros((1, 8), np.int8))


def test_float_model_is_refused():
    import keras

    from utils.convert import convert

    inputs = keras.Input((8,), batch_size=1)
    model = convert(keras.Model(inputs, keras.layers.Dense(4)(inputs)), "float32")
    with pytest.raises(CourseError, match="needs a full-integer int8 model, but this model's input is float32"):
        ref.run_model(model, np.zeros((1, 8), np.int8))


def test_float_input_and_wrong_shape_are_refused(every_kernel_model):
    with pytest.raises(CourseError, match="takes int8 inputs"):
        ref.run_model(every_kernel_model, np.zeros((1, 12, 12, 2), np.float32))
    with pytest.raises(CourseError, match="does not match"):
        ref.run_model(every_kernel_model, np.zeros((1, 5, 5, 2), np.int8))
    with pytest.raises(CourseError, match="runtime must be one of"):
        ref.run_model(every_kernel_model, np.zeros((1, 12, 12, 2), np.int8), runtime="cmsis")
