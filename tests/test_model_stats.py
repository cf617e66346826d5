"""Parameter and MAC counts against values worked out by hand."""

import pytest

from utils.course import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402

from utils import model_stats as ms  # noqa: E402
from utils.errors import CourseError  # noqa: E402


def _model(shape, *layers):
    inputs = keras.Input(shape)
    x = inputs
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x, name="m")


def test_dense_by_hand():
    # 64 inputs x 10 units = 640 weights (and MACs) + 10 biases.
    stats = ms.model_stats(_model((64,), keras.layers.Dense(10)))
    assert (stats.params, stats.macs) == (650, 640)
    assert stats.float32_bytes == 2600


def test_conv2d_same_padding_by_hand():
    # 3x3x1 kernel, 8 filters: 72 weights + 8 biases; 8x8 outputs x 8 filters x 9 MACs each.
    stats = ms.model_stats(_model((8, 8, 1), keras.layers.Conv2D(8, 3, padding="same")))
    assert (stats.params, stats.macs) == (80, 8 * 8 * 8 * 9)


def test_conv2d_valid_strided_by_hand():
    # 10x10x3 input, 3x3 kernel, stride 2, valid: 4x4 outputs; 3*3*3*4 + 4 = 112 params.
    stats = ms.model_stats(_model((10, 10, 3), keras.layers.Conv2D(4, 3, strides=2)))
    assert stats.layers[0].output_shape == (4, 4, 4)
    assert (stats.params, stats.macs) == (112, 4 * 4 * 4 * 27)


def test_depthwise_by_hand():
    # One 3x3 filter per channel: 16*9 weights + 16 biases; 8x8x16 outputs x 9 MACs.
    stats = ms.model_stats(_model((8, 8, 16), keras.layers.DepthwiseConv2D(3, padding="same")))
    assert (stats.params, stats.macs) == (160, 8 * 8 * 16 * 9)


def test_conv1d_by_hand():
    # 100 steps x 6 channels, kernel 5, 8 filters, valid: 96 steps; 5*6*8 + 8 = 248 params.
    stats = ms.model_stats(_model((100, 6), keras.layers.Conv1D(8, 5)))
    assert (stats.params, stats.macs) == (248, 96 * 8 * 30)


def test_free_layers_and_totals():
    model = _model(
        (8, 8, 1),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    )
    stats = ms.model_stats(model)
    assert [row.macs for row in stats.layers] == [8 * 8 * 4 * 9, 0, 0, 0, 64 * 10]
    assert stats.params == model.count_params() == 40 + 650
    assert "total" in str(stats) and "<table>" in stats._repr_html_()


def test_formulas_match_the_module_helpers():
    assert ms.dense_macs(64, 10) == 640
    assert ms.conv2d_macs(4, 4, 16, 3, 3, 8) == 18432
    assert ms.depthwise_macs(8, 8, 16, 3, 3) == 9216


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: ms.conv2d_macs(-1, 4, 16, 3, 3, 8), "h_out must be a whole number, 1 or more"),
        (lambda: ms.conv2d_macs(4, 4, 16, 3, 3, 2.5), "c_in must be a whole number, 1 or more"),
        (lambda: ms.dense_macs(None, 10), r"n_in is unknown \(None\)"),
        (lambda: ms.depthwise_macs(8, 8, 16, 3, 3, multiplier=0), "multiplier must be a whole number, 1 or more"),
    ],
)
def test_mac_formulas_reject_sizes_that_are_not_counts(call, words):
    with pytest.raises(CourseError, match=words) as info:
        call()
    assert "\n" not in str(info.value)


def test_bad_inputs_are_one_sentence():
    with pytest.raises(CourseError, match="needs a Keras model, not str"):
        ms.model_stats("model.keras")
    with pytest.raises(CourseError, match="not built yet"):
        ms.model_stats(keras.Sequential([keras.layers.Dense(3)]))
    with pytest.raises(CourseError, match=r"'lstm' \(LSTM\) has no MAC formula"):
        ms.model_stats(_model((5, 2), keras.layers.LSTM(3, name="lstm")))
    inner = _model((4,), keras.layers.Dense(2))
    with pytest.raises(CourseError, match="is itself a model"):
        ms.model_stats(_model((4,), inner))
