"""utils.quant: the affine int8 map, checked by hand-worked examples and by properties (hypothesis)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from utils import quant
from utils.errors import CourseError

# Float32 arithmetic (like the TFLite kernels) adds a little to the exact half-step bound.
SLACK = 1e-4

finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False, width=32)
arrays = hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=finite)


def test_round_half_away_from_zero_differs_from_numpy_on_ties():
    ties = np.array([0.5, 1.5, 2.5, -0.5, -2.5])
    assert quant.round_half_away_from_zero(ties).tolist() == [1, 2, 3, -1, -3]
    assert np.round(ties).tolist() == [0, 2, 2, -0, -2]


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_round_half_away_is_nearest_with_ties_away(x):
    r = float(quant.round_half_away_from_zero(x))
    assert abs(r - x) <= 0.5
    if abs(abs(x - math.trunc(x)) - 0.5) == 0:
        assert abs(r) > abs(x)


def test_hand_worked_asymmetric_example():
    # Range [-1, 3]: 4 / 255 per step; zero point round(-128 + 1 / (4/255)) = round(-64.25) = -64.
    p = quant.choose_params(np.array([-1.0, 0.5, 3.0]))
    assert p.scale[0] == pytest.approx(4 / 255, rel=1e-6)
    assert p.zero_point[0] == -64
    assert quant.quantize(np.array([0.0, 1.0, -1.0]), p).tolist() == [-64, 0, -128]
    assert quant.dequantize(np.array([-64], dtype=np.int8), p)[0] == 0.0


def test_hand_worked_symmetric_example():
    p = quant.choose_params(np.array([-0.5, 0.25, 1.27]), symmetric=True)
    assert p.scale[0] == pytest.approx(0.01, rel=1e-6)
    assert p.zero_point[0] == 0 and (p.qmin, p.qmax) == (-127, 127)
    assert quant.quantize(np.array([1.27, -1.27, 0.005, -0.005]), p).tolist() == [127, -127, 1, -1]


@settings(max_examples=200, deadline=None)
@given(arrays, st.booleans())
def test_round_trip_error_is_at_most_half_a_step_inside_the_range(x, symmetric):
    p = quant.choose_params(x, symmetric=symmetric)
    err = np.abs(quant.fake_quantize(x, p) - x)
    assert np.all(err <= p.scale[0] * (0.5 + SLACK))


@settings(max_examples=100, deadline=None)
@given(arrays, st.booleans())
def test_zero_is_exact(x, symmetric):
    p = quant.choose_params(x, symmetric=symmetric)
    assert quant.fake_quantize(np.zeros(3, np.float32), p).tolist() == [0.0, 0.0, 0.0]


@settings(max_examples=100, deadline=None)
@given(arrays, st.floats(min_value=1.01, max_value=100.0), st.booleans())
def test_values_outside_the_range_saturate(x, factor, symmetric):
    p = quant.choose_params(x, symmetric=symmetric)
    lo, hi = p.range()
    outside = np.array([hi[0] * factor + p.scale[0], lo[0] * factor - p.scale[0]], dtype=np.float32)
    q = quant.quantize(outside, p)
    assert q.tolist() == [p.qmax, p.qmin]
    np.testing.assert_allclose(quant.dequantize(q, p), [hi[0], lo[0]], rtol=1e-6)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=4, max_side=5), elements=finite),
       st.integers(min_value=0, max_value=3))
def test_per_channel_scales_and_bound(w, axis_pick):
    axis = axis_pick % w.ndim
    pc = quant.choose_params(w, symmetric=True, axis=axis)
    assert pc.scale.shape == (w.shape[axis],)
    err = np.abs(quant.fake_quantize(w, pc) - w)
    for c in range(w.shape[axis]):
        channel = np.take(w, c, axis=axis)
        # Each channel's scale is the per-tensor scale of that slice alone ...
        assert pc.scale[c] == quant.choose_params(channel, symmetric=True).scale[0]
        # ... and its error stays within half of its own (never larger) step.
        assert np.all(np.take(err, c, axis=axis) <= pc.scale[c] * (0.5 + SLACK))
    live = pc.scale != 1.0  # all-zero channels get scale 1 (any scale represents them exactly)
    assert np.all(pc.scale[live] <= quant.choose_params(w, symmetric=True).scale[0])


def test_per_channel_beats_per_tensor_when_channels_differ():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(16, 4)).astype(np.float32) * np.array([1.0, 0.1, 0.01, 0.001], np.float32)
    per_tensor = np.abs(quant.fake_quantize(w, quant.choose_params(w, symmetric=True)) - w)
    per_channel = np.abs(quant.fake_quantize(w, quant.choose_params(w, symmetric=True, axis=1)) - w)
    # The tiny channel is wiped out by one shared scale but kept by its own.
    assert np.all(quant.quantize(w[:, 3], quant.choose_params(w, symmetric=True)) == 0)
    assert per_channel[:, 3].max() < per_tensor[:, 3].max() / 50


def test_an_outlier_inflates_the_per_tensor_scale():
    w = np.linspace(-1, 1, 101, dtype=np.float32)
    before = quant.choose_params(w, symmetric=True).scale[0]
    w_out = w.copy()
    w_out[0] = 50.0
    after = quant.choose_params(w_out, symmetric=True).scale[0]
    assert after == pytest.approx(50 * before, rel=1e-6)


def test_lower_bit_grids_are_coarser():
    w = np.linspace(-1, 1, 1001, dtype=np.float32)[:, None]
    errors = [np.abs(quant.quantize_weights(w, bits=b) - w).max() for b in (8, 4, 3, 2)]
    assert errors == sorted(errors)
    assert len(np.unique(quant.quantize_weights(w, bits=3))) == 7


def test_params_from_numbers_round_trip():
    p = quant.params(0.5, -3)
    assert quant.quantize([1.0], p).tolist() == [-1]
    pc = quant.params([0.1, 0.2], 0, axis=1, symmetric=True)
    assert quant.quantize(np.ones((2, 2)), pc).tolist() == [[10, 5], [10, 5]]


def test_all_zero_channel_gets_scale_one():
    p = quant.choose_params(np.zeros((3, 2)), symmetric=True, axis=1)
    assert p.scale.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: quant.choose_params([]), "empty"),
        (lambda: quant.choose_params([1.0, float("nan")]), "NaN"),
        (lambda: quant.choose_params("abc"), "must be numbers"),
        (lambda: quant.choose_params(np.ones((2, 2)), axis=2), "must be a whole number, from -2 to 1, got 2"),
        (lambda: quant.choose_params([1.0], bits=9), "bits"),
        (lambda: quant.quantize([1.0], 0.1), "QuantParams"),
        (lambda: quant.dequantize([1.5], quant.params(0.1)), "integer codes"),
        (lambda: quant.quantize(np.ones((2, 3)), quant.params([1, 2], axis=1)), "per-channel scales"),
        (lambda: quant.params(0.0), "positive"),
        (lambda: quant.params([0.1, 0.2]), "axis"),
        (lambda: quant.params(0.1, 300), "zero point"),
        (lambda: quant.params([0.1, 0.2], [0, 0, 0], axis=0), "zero points"),
        (lambda: quant.round_half_away_from_zero("2.5"), "real numbers"),
    ],
)
def test_bad_input_gives_one_sentence(call, words):
    with pytest.raises(CourseError, match=words) as info:
        call()
    assert "\n" not in str(info.value)
