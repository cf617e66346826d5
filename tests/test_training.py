"""The edge and cloud models, seeded training, and the cached-or-train helper lessons 06-08 call."""

import json

import numpy as np
import pytest

from utils.course import quiet_tensorflow

quiet_tensorflow()
from utils import training  # noqa: E402
from utils.datasets import load  # noqa: E402
from utils.errors import CourseError  # noqa: E402
from utils.model_stats import model_stats  # noqa: E402

# Layer types the TFLite Micro builtin kernels cover (after conversion).
EDGE_LAYERS = {"Conv2D", "DepthwiseConv2D", "MaxPooling2D", "AveragePooling2D", "Reshape", "Flatten", "Dense", "ReLU"}
TFLM_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED",
            "SOFTMAX", "RELU", "RELU6", "QUANTIZE", "DEQUANTIZE"}


def same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("artefacts")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_ARTEFACTS", str(folder))
        yield folder


@pytest.fixture(scope="module")
def edge(artefacts):
    return training.trained_model("digits", "edge", progress=False)


@pytest.mark.parametrize("name,size", list(training.RECIPES))
def test_models_use_only_microcontroller_layers(name, size):
    model = training.build_model(name, size)
    kinds = {type(layer).__name__ for layer in model.layers[1:]}
    assert kinds <= EDGE_LAYERS, kinds - EDGE_LAYERS
    assert tuple(model.input_shape[1:]) == load(name).input_shape


def test_sizes_edge_is_tiny_cloud_is_big():
    edge, cloud = (model_stats(training.build_model("digits", s)) for s in ("edge", "cloud"))
    assert edge.params == 1898 and edge.macs == 23680
    assert cloud.params >= 50_000 and cloud.macs > 5 * edge.macs
    assert model_stats(training.build_model("basic_motions", "edge")).params < 5000


def test_same_seed_same_initial_weights():
    a, b = training.build_model(), training.build_model()
    assert same_weights(a, b)


def test_trained_edge_model_is_accurate_and_saved(edge, artefacts):
    assert training.evaluate(edge, "digits") >= 0.95
    card = json.loads((artefacts / "digits_edge.json").read_text())
    assert card["test_accuracy"] == pytest.approx(training.evaluate(edge, "digits"))
    assert len(card["history"]["val_accuracy"]) == training.RECIPES[("digits", "edge")].epochs
    assert (artefacts / "digits_edge.keras").stat().st_size > 10_000


def test_second_call_loads_instead_of_training(edge, monkeypatch):
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained again instead of loading"))
    again = training.trained_model("digits", "edge")
    assert same_weights(edge, again)


def test_retraining_gives_the_same_result(edge):
    model = training.build_model("digits", "edge")
    training.train(model, "digits", progress=False)
    assert training.evaluate(model) == training.evaluate(edge)
    assert same_weights(edge, model)


def test_stale_or_corrupt_artefacts_are_rebuilt(edge, artefacts, monkeypatch):
    calls = []
    real_train = training.train
    monkeypatch.setattr(training, "train", lambda *a, **k: calls.append(1) or real_train(*a, **k))
    card_path = artefacts / "digits_edge.json"
    card = json.loads(card_path.read_text())
    card_path.write_text(json.dumps({**card, "fingerprint": "old-recipe"}))
    training.trained_model("digits", "edge", progress=False)
    (artefacts / "digits_edge.keras").write_bytes(b"not a model")
    rebuilt = training.trained_model("digits", "edge", progress=False)
    assert len(calls) == 2
    assert training.evaluate(rebuilt) == training.evaluate(edge)


def test_test_split_is_the_datasets_held_out_part():
    x, y = training.test_split("digits")
    assert x.shape == (359, 8, 8, 1) and np.array_equal(y, load("digits").y_test)


def test_fixed_batch_keeps_weights_and_converts_to_tflm_ops(edge):
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    one = training.fixed_batch(edge)
    assert one.input_shape == (1, 8, 8, 1)
    x, _ = training.test_split()
    np.testing.assert_allclose(training.model_outputs(one, x[:5]), training.model_outputs(edge, x[:5]), atol=1e-6)
    flat = tf.lite.TFLiteConverter.from_keras_model(one).convert()
    ops = {op["op_name"] for op in Interpreter(model_content=flat)._get_ops_details()}
    assert ops <= TFLM_OPS, ops - TFLM_OPS


def test_bad_inputs_are_one_sentence():
    with pytest.raises(CourseError, match=r"No model for dataset 'cifar' in size 'edge'"):
        training.trained_model("cifar")
    with pytest.raises(CourseError, match=r"No model for dataset 'basic_motions' in size 'cloud'"):
        training.build_model("basic_motions", "cloud")
    with pytest.raises(CourseError, match="batch_size must be a whole number, 1 or more"):
        training.fixed_batch(training.build_model(), 0)
    with pytest.raises(CourseError, match="needs a Keras model"):
        training.evaluate("model.keras")
    with pytest.raises(CourseError, match=r"expects inputs of shape \(8, 8, 1\) but basic_motions has \(100, 6\)"):
        training.train(training.build_model(), "basic_motions")
    with pytest.raises(CourseError, match=r"model_outputs needs a Keras model"):
        training.model_outputs("model.keras", np.zeros((1, 8, 8, 1)))
    with pytest.raises(CourseError, match=r"samples of shape \(8, 8, 1\), got an array of shape \(2, 3\)"):
        training.model_outputs(training.build_model(), np.zeros((2, 3)))


def test_progress_prints_when_not_in_a_notebook(capsys):
    callback = training.progress_callback(epochs=2, label="demo")
    callback.on_train_begin()
    assert callback.epoch_seconds == []
    callback.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.8})
    callback.on_epoch_end(1, {"loss": 0.25, "accuracy": 0.9})
    assert len(callback.epoch_seconds) == 2
    out = capsys.readouterr().out
    assert "demo: [####################] epoch 2/2" in out and "accuracy 0.900" in out
