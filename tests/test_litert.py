"""utils.litert: loading, running (with int8 in/out), inspecting and timing .tflite models on the host."""

import numpy as np
import pytest

from utils import convert, litert, quant
from utils.errors import CourseError


@pytest.fixture(scope="module")
def tiny():
    """A small seeded Keras model, its data, and its float32 and int8 .tflite files."""
    import keras

    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((6, 6, 1), batch_size=1),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(5),
    ])
    x = np.random.default_rng(3).random((40, 6, 6, 1), dtype=np.float32)
    return {
        "model": model,
        "x": x,
        "float32": convert.convert(model, "float32"),
        "int8": convert.convert(model, "int8", representative=x),
    }


def test_load_accepts_bytes_and_paths(tiny, tmp_path):
    path = tmp_path / "m.tflite"
    path.write_bytes(tiny["int8"])
    for source in (tiny["int8"], path, str(path)):
        interp = litert.load(source)
        assert interp.get_input_details()[0]["dtype"] == np.int8
    assert litert.load(interp) is interp


@pytest.mark.parametrize(
    "source, words",
    [
        (b"definitely not a model", "not a TensorFlow Lite model"),
        (b"", "not a TensorFlow Lite model"),
        ("/no/such/file.tflite", "No model file"),
        (12345, "A .tflite model is given as its bytes, its file path or a parsed TFLiteModel"),
    ],
)
def test_load_rejects_non_models_in_one_sentence(source, words):
    with pytest.raises(CourseError, match=words) as info:
        litert.load(source)
    assert "\n" not in str(info.value)


def test_load_rejects_a_truncated_model(tiny):
    with pytest.raises(CourseError, match="LiteRT cannot load|not a TensorFlow Lite"):
        litert.load(tiny["int8"][:200])


def test_float_model_matches_keras(tiny):
    want = tiny["model"].predict(tiny["x"], verbose=0)
    got = litert.run(tiny["float32"], tiny["x"])
    assert got.shape == want.shape == (40, 5)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_int8_run_quantizes_input_and_dequantizes_output(tiny):
    interp = litert.load(tiny["int8"])
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    q_in = quant.params(*[v[0] for v in (inp["quantization_parameters"]["scales"],
                                        inp["quantization_parameters"]["zero_points"])])
    q_out = quant.params(out["quantization_parameters"]["scales"][0], out["quantization_parameters"]["zero_points"][0])
    raw = litert.run(tiny["int8"], tiny["x"], raw=True)
    assert raw.dtype == np.int8
    # Feeding the codes ourselves gives the same integers: run() quantized the input exactly this way.
    np.testing.assert_array_equal(litert.run(tiny["int8"], quant.quantize(tiny["x"], q_in), raw=True), raw)
    np.testing.assert_array_equal(litert.run(tiny["int8"], tiny["x"]), quant.dequantize(raw, q_out))
    # And the int8 model tracks the float one to within a few output steps.
    err = np.abs(litert.run(tiny["int8"], tiny["x"]) - tiny["model"].predict(tiny["x"], verbose=0))
    assert err.max() < 6 * q_out.scale[0]


def test_reference_kernels_agree_within_one_step(tiny):
    ref = litert.run(tiny["int8"], tiny["x"], reference=True, raw=True).astype(int)
    fast = litert.run(tiny["int8"], tiny["x"], raw=True).astype(int)
    assert np.abs(ref - fast).max() <= 1


def test_run_accepts_one_sample_and_rejects_wrong_shapes(tiny):
    assert litert.run(tiny["float32"], tiny["x"][0]).shape == (1, 5)
    with pytest.raises(CourseError, match="shape"):
        litert.run(tiny["float32"], np.zeros((3, 7, 7, 1), np.float32))


def test_accuracy_counts_argmax_hits(tiny):
    labels = np.argmax(tiny["model"].predict(tiny["x"], verbose=0), axis=1)
    assert litert.accuracy(tiny["float32"], tiny["x"], labels) == 1.0
    assert litert.accuracy(tiny["float32"], tiny["x"], (labels + 1) % 5) == 0.0
    with pytest.raises(CourseError, match="labels"):
        litert.accuracy(tiny["float32"], tiny["x"], labels[:3])


def test_latency_rejects_no_passes_and_no_samples(tiny):
    assert litert.latency_per_sample(tiny["float32"], tiny["x"][:2], repeats=1) > 0
    with pytest.raises(CourseError, match="must be a whole number of timed passes, 1 or more"):
        litert.latency_per_sample(tiny["float32"], tiny["x"], repeats=0)
    with pytest.raises(CourseError, match="non-empty batch"):
        litert.latency_per_sample(tiny["float32"], tiny["x"][:0])


def test_latency_is_a_small_positive_time(tiny):
    t = litert.latency_per_sample(tiny["int8"], tiny["x"], repeats=2)
    assert 0 < t < 0.01


def test_ops_and_tensors_describe_the_int8_model(tiny):
    assert litert.ops(tiny["int8"]) == ["CONV_2D", "RESHAPE", "FULLY_CONNECTED"]
    rows = litert.tensors(tiny["int8"])
    kinds = [r["kind"] for r in rows]
    assert kinds.count("input") == 1 and kinds.count("output") == 1
    weights = {r["shape"]: r for r in rows if r["kind"] == "constant" and r["dtype"] == "int8"}
    # TFLite stores kernels output-channel first, with one scale per output channel.
    assert set(weights) == {(4, 3, 3, 1), (5, 64)}
    assert weights[(4, 3, 3, 1)]["scales"] == 4 and weights[(4, 3, 3, 1)]["axis"] == 0
    assert all(z == 0 for z in weights[(5, 64)]["zero_point"])
    assert all(r["dtype"] == "int8" for r in rows if r["kind"] in ("input", "output", "activation"))
    # Bytes = elements x item size.
    assert weights[(5, 64)]["bytes"] == 320
    assert "int8" in repr(rows) and "<table>" in rows._repr_html_()


def test_tensor_data_reads_constants_only(tiny):
    rows = litert.tensors(tiny["int8"])
    kernel = next(r for r in rows if r["shape"] == (5, 64))
    values = litert.tensor_data(tiny["int8"], kernel["index"])
    assert values.dtype == np.int8 and values.shape == (5, 64) and np.abs(values).max() == 127
    act = next(r for r in rows if r["kind"] == "activation")
    with pytest.raises(CourseError, match="computed while the model runs"):
        litert.tensor_data(tiny["int8"], act["index"])
    with pytest.raises(CourseError, match="No tensor"):
        litert.tensor_data(tiny["int8"], 999)
