"""utils.convert: the four converter recipes, the course's size/accuracy targets, and clear refusals."""

import os
import shutil

import numpy as np
import pytest

from utils import convert, litert, quant
from utils.errors import CourseError


def _keras():
    import keras

    return keras


@pytest.fixture(scope="module")
def small():
    """A seeded Conv2D + Dense model with a free batch (the converter must fix it to 1) and its data."""
    keras = _keras()
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(6, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    x = np.random.default_rng(5).random((60, 8, 8, 1), dtype=np.float32)
    files = {r: convert.convert(model, r, representative=x) for r in convert.RECIPES}
    return model, x, files


def _by_kind(tflite, kind):
    return [r for r in litert.tensors(tflite) if r["kind"] == kind]


def test_each_recipe_stores_what_it_promises(small):
    _, _, files = small
    const = {r: {t["shape"]: t["dtype"] for t in _by_kind(b, "constant") if len(t["shape"]) > 1} for r, b in files.items()}
    assert set(const["float32"].values()) == {"float32"}
    assert set(const["float16"].values()) == {"float16"}
    assert set(const["int8"].values()) == {"int8"}
    # Dynamic range quantizes only weight tensors of at least 1,024 elements; the 54-weight kernel stays float.
    assert const["dynamic_range"] == {(10, 216): "int8", (6, 3, 3, 1): "float32"}
    io = {r: {t["dtype"] for t in _by_kind(b, "input") + _by_kind(b, "output")} for r, b in files.items()}
    assert io == {"float32": {"float32"}, "dynamic_range": {"float32"}, "float16": {"float32"}, "int8": {"int8"}}
    # Full integer: every tensor is an integer, every activation int8.
    assert all(t["dtype"] in ("int8", "int32") for t in litert.tensors(files["int8"]))
    assert sizes_in_order(files)


def sizes_in_order(files):
    return len(files["int8"]) < len(files["float16"]) < len(files["float32"])


def test_free_batch_is_fixed_to_one(small):
    _, _, files = small
    for b in files.values():
        assert not {"SHAPE", "STRIDED_SLICE", "PACK"} & set(litert.ops(b))
        assert _by_kind(b, "input")[0]["shape"] == (1, 8, 8, 1)


def test_int8_weight_bytes_are_exactly_a_quarter(small):
    _, _, files = small
    f32 = {t["shape"]: t["bytes"] for t in _by_kind(files["float32"], "constant") if len(t["shape"]) > 1}
    i8 = {t["shape"]: t["bytes"] for t in _by_kind(files["int8"], "constant") if len(t["shape"]) > 1}
    assert f32.keys() == i8.keys() and len(f32) == 2
    for shape in f32:
        assert 4 * i8[shape] == f32[shape]


def test_converter_weights_match_the_hand_formula_bit_for_bit(small):
    model, _, files = small
    kernel = model.layers[-1].get_weights()[0].T  # Keras (in, out) -> TFLite (out, in)
    row = next(t for t in _by_kind(files["int8"], "constant") if t["shape"] == kernel.shape)
    stored = litert.tensor_data(files["int8"], row["index"])
    p = quant.choose_params(kernel, symmetric=True, axis=0)
    np.testing.assert_allclose(p.scale, row["scale"], rtol=1e-6)
    np.testing.assert_array_equal(quant.quantize(kernel, p), stored)


def test_per_tensor_switch_gives_one_scale_per_weight(small):
    model, x, _ = small
    b = convert.convert(model, "int8", representative=x, per_channel=False)
    weights = [t for t in _by_kind(b, "constant") if t["dtype"] == "int8"]
    assert len(weights) == 2 and all(t["scales"] == 1 for t in weights)


def test_representative_samples_are_seeded_subsets():
    x = np.arange(50, dtype=np.float32).reshape(50, 1)
    a, b = convert.representative_samples(x, 10), convert.representative_samples(x, 10)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 10 and len(convert.representative_samples(x, None)) == 50


def _bad_models():
    keras = _keras()
    inp = keras.Input((8, 8, 1), batch_size=1)
    return {
        "gelu": keras.Model(inp, keras.layers.Dense(4, activation="gelu")(keras.layers.Flatten()(inp))),
        "sin": keras.Model(inp, keras.layers.Dense(4)(keras.layers.Lambda(keras.ops.sin)(keras.layers.Flatten()(inp)))),
        "erfinv": keras.Model(inp, keras.layers.Lambda(keras.ops.erfinv)(keras.layers.Flatten()(inp))),
    }


@pytest.mark.parametrize(
    "case, recipe, words",
    [
        ("gelu", "float32", "TensorFlow Lite for Microcontrollers has no kernel for GELU"),
        ("gelu", "int8", "no kernel for GELU"),
        ("sin", "int8", "SIN has no int8 kernel"),
        ("erfinv", "float32", "no builtin kernel for the TensorFlow op.* Erfinv"),
    ],
)
def test_unsupported_ops_are_named(case, recipe, words):
    x = np.random.default_rng(0).random((8, 8, 8, 1), dtype=np.float32)
    with pytest.raises(CourseError, match=words) as info:
        convert.convert(_bad_models()[case], recipe, representative=x)
    assert "\n" not in str(info.value)


def test_phone_recipes_can_skip_the_micro_check():
    b = convert.convert(_bad_models()["gelu"], "float32", check_micro=False)
    assert "GELU" in litert.ops(b) and convert.micro_unsupported(b) == ["GELU"]


@pytest.mark.parametrize(
    "args, kwargs, words",
    [
        ((), {"recipe": "int8"}, "needs a representative dataset"),
        ((), {"recipe": "int8", "representative": np.zeros((5, 4, 4, 1))}, "representative dataset has shape"),
        ((), {"recipe": "int8", "representative": np.zeros((0, 8, 8, 1))}, "non-empty"),
        ((), {"recipe": "int4"}, "Unknown recipe"),
    ],
)
def test_bad_requests_give_one_sentence(small, args, kwargs, words):
    model, _, _ = small
    with pytest.raises(CourseError, match=words) as info:
        convert.convert(model, *args, **kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("thing", ["model.keras", None, 3.0])
def test_only_keras_models_are_converted(thing):
    with pytest.raises(CourseError, match="needs a Keras model"):
        convert.convert(thing, "float32")


# --- The course's own models: the targets of lesson 06 ------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    from utils import training

    return training.test_split("digits")


def test_edge_int8_loses_at_most_half_a_point(digits):
    from utils import training

    x, y = digits
    float_acc = training.evaluate(training.trained_model("digits", "edge", progress=False))
    int8_acc = litert.accuracy(convert.int8_model("digits"), x, y)
    assert float_acc > 0.9
    assert abs(int8_acc - float_acc) * 100 <= 0.5


def test_cloud_model_int8_file_is_at_most_030_of_float32(digits):
    from utils import training

    model = training.trained_model("digits", "cloud", progress=False)
    assert model.count_params() >= 50_000
    f32, i8 = convert.float32_model("digits", "cloud"), convert.int8_model("digits", "cloud")
    assert len(i8) <= 0.30 * len(f32)
    x, y = digits
    assert abs(litert.accuracy(i8, x, y) - training.evaluate(model)) * 100 <= 0.5
    # Weight tensors: exactly a quarter of their float32 bytes.
    shapes = {t["shape"]: t["bytes"] for t in _by_kind(f32, "constant") if len(t["shape"]) > 1}
    for t in _by_kind(i8, "constant"):
        if len(t["shape"]) > 1:
            assert 4 * t["bytes"] == shapes[t["shape"]]


def test_cached_model_is_written_reused_and_rebuilt_when_stale(tmp_path, monkeypatch):
    from utils import training

    training.trained_model("digits", "edge", progress=False)  # make sure the Keras model exists
    source = training.model_path("digits", "edge")
    for f in (source, source.with_suffix(".json")):
        shutil.copy2(f, tmp_path / f.name)
    monkeypatch.setenv("COURSE_ARTEFACTS", str(tmp_path))
    first = convert.int8_model("digits")
    path = tmp_path / "digits_int8.tflite"
    assert path.read_bytes() == first and litert.load(first)
    os.utime(path, (1, 1))
    os.utime(tmp_path / source.name, (2, 2))
    assert convert.int8_model("digits") == path.read_bytes()
    assert path.stat().st_mtime > 2  # older than its Keras model, so it was converted again
    stamp = path.stat().st_mtime
    convert.int8_model("digits")
    assert path.stat().st_mtime == stamp  # fresh, so reused
    with pytest.raises(CourseError, match="Unknown recipe"):
        convert.tflite_model("digits", "int3")


def test_a_model_without_inputs_is_refused():
    keras = _keras()

    class Unbuilt(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(CourseError, match="no defined input"):
        convert.convert(Unbuilt(), "float32")


def test_models_with_two_inputs_are_refused():
    keras = _keras()
    a, b = keras.Input((4,), batch_size=1), keras.Input((4,), batch_size=1)
    with pytest.raises(CourseError, match="one input; this one has 2"):
        convert.convert(keras.Model([a, b], keras.layers.Add()([a, b])), "float32")
