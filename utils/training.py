"""Models built for a microcontroller from the start, their seeded training, and the cached model.

API in one paragraph (taught in lesson 05, reused by 06-08): ``build_model(name, size)`` makes
the Keras 3 model for dataset ``name`` ('digits' or 'basic_motions') in size 'edge' (a couple
of thousand parameters) or 'cloud' (digits only, > 50k parameters), using only layers that
TFLite Micro runs (Conv2D, DepthwiseConv2D, pooling, Reshape/Flatten, Dense, ReLU/ReLU6,
softmax; no BatchNormalization). ``train(model, data)`` compiles and fits it with the course
seed and a one-line progress display. ``trained_model(name, size)`` is what later lessons
call: it loads ``artefacts/<name>_<size>.keras`` or, if that is missing or stale, builds,
trains and saves it (same seed, same result). ``test_split(name)`` returns the held-out
``(x_test, y_test)`` every lesson evaluates on, ``evaluate(model, name)`` the test accuracy,
and ``fixed_batch(model)`` the same model with a batch of exactly 1, the form to convert.
Models are trained with a free batch size; export uses ``fixed_batch`` because a ``None``
batch adds SHAPE/STRIDED_SLICE/PACK ops that a microcontroller runtime does not want.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass

import numpy as np

from utils.course import SEED, quiet_tensorflow, seed_everything
from utils.datasets import Dataset, load
from utils.errors import CourseError, number


@dataclass(frozen=True)
class Recipe:
    """How a model is trained; part of the cache key, so changing it retrains."""

    epochs: int
    batch_size: int
    learning_rate: float
    validation_fraction: float = 0.15


RECIPES = {
    ("digits", "edge"): Recipe(epochs=20, batch_size=32, learning_rate=0.01),
    ("digits", "cloud"): Recipe(epochs=10, batch_size=32, learning_rate=0.002),
    ("basic_motions", "edge"): Recipe(epochs=30, batch_size=8, learning_rate=0.01, validation_fraction=0.0),
}


def _keras():
    quiet_tensorflow()
    import keras

    return keras


def _check(name: str, size: str) -> Recipe:
    if (name, size) not in RECIPES:
        known = ", ".join(f"({n!r}, {s!r})" for n, s in RECIPES)
        raise CourseError(f"No model for dataset {name!r} in size {size!r}: choose one of {known}.")
    return RECIPES[(name, size)]


def _layers(name: str, size: str) -> list:
    """The layer stack of each model (after the Input)."""
    layers = _keras().layers
    if name == "digits" and size == "edge":
        return [
            layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(10, activation="softmax", name="classes"),
        ]
    if name == "digits" and size == "cloud":
        return [
            layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="hidden"),
            layers.Dense(10, activation="softmax", name="classes"),
        ]
    # basic_motions, edge: treat 100 steps x 6 channels as a 100x1 image with 6 channels (Conv2D, not Conv1D).
    return [
        layers.Reshape((100, 1, 6), name="as_image"),
        layers.Conv2D(8, (5, 1), strides=(2, 1), activation="relu", name="conv1"),
        layers.MaxPooling2D((2, 1), name="pool1"),
        layers.Conv2D(16, (5, 1), activation="relu", name="conv2"),
        layers.AveragePooling2D((20, 1), name="average"),
        layers.Flatten(name="flatten"),
        layers.Dense(4, activation="softmax", name="classes"),
    ]


def build_model(name: str = "digits", size: str = "edge", batch_size: int | None = None, seed: int = SEED):
    """The (uncompiled) Keras model for ``name``/``size``, its weights initialised from ``seed``."""
    _check(name, size)
    if batch_size is not None:
        batch_size = number(batch_size, "batch_size (or None)", 1, whole=True)
    keras = _keras()
    seed_everything(seed)
    inputs = keras.Input(load(name).input_shape, batch_size=batch_size, name="input")
    x = inputs
    for layer in _layers(name, size):
        x = layer(x)
    return keras.Model(inputs, x, name=f"{name}_{size}")


def fixed_batch(model, batch_size: int = 1):
    """A copy of ``model`` whose input batch is fixed (1 by default) and whose weights are the same."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise CourseError(f"fixed_batch needs a Keras model, not {type(model).__name__}.")
    number(batch_size, "batch_size", 1, whole=True)
    inputs = keras.Input(model.input_shape[1:], batch_size=batch_size, name="input")
    twin = keras.models.clone_model(model, input_tensors=inputs)
    twin.set_weights(model.get_weights())
    return twin


def progress_callback(epochs: int, label: str = "training", show: bool = True):
    """A Keras callback that times every epoch and (if ``show``) shows one line of progress, updated in place."""
    keras = _keras()

    class Progress(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = self.last = time.perf_counter()
            self.epoch_seconds = []
            self.handle = _display_handle() if show else None
            self._show(0, {})

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            self.epoch_seconds.append(now - self.last)
            self.last = now
            self._show(epoch + 1, logs or {})

        def _show(self, done, logs):
            if not show:
                return
            filled = round(20 * done / epochs)
            parts = [f"{k} {v:.3f}" for k, v in logs.items() if k in ("loss", "accuracy", "val_accuracy")]
            line = (f"{label}: [{'#' * filled}{'.' * (20 - filled)}] epoch {done}/{epochs}  "
                    f"{'  '.join(parts)}  ({time.perf_counter() - self.start:.1f} s)")
            if self.handle is not None:
                self.handle.update(_Text(line))
            elif done == epochs or done % max(1, epochs // 5) == 0:
                print(line, flush=True)

    return Progress()


class _Text:
    """Plain text for an IPython display handle."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _display_handle():
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if getattr(shell, "kernel", None) is None:  # plain Python or a terminal IPython: print lines instead
        return None
    return display(_Text(""), display_id=True)


def train(model, data: Dataset | str = "digits", recipe: Recipe | None = None, progress: bool = True,
          seed: int = SEED, label: str | None = None):
    """Compile and fit ``model`` on ``data`` with the recipe for its name (seeded); returns the History.

    ``history.history`` holds the learning curves, ``history.epoch_seconds`` each epoch's wall time, and
    ``history.train_size`` / ``history.validation_size`` how the training split was divided.
    Works inside ``strategy.scope()`` too: then ``recipe.batch_size`` is the global batch, split
    evenly across the replicas.
    """
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise CourseError(f"train needs a Keras model, not {type(model).__name__}.")
    if isinstance(data, str):
        data = load(data)
    if not isinstance(data, Dataset):
        raise CourseError(f"data must be a dataset name or a Dataset from utils.datasets.load, not {type(data).__name__}.")
    if tuple(model.input_shape[1:]) != tuple(data.input_shape):
        raise CourseError(
            f"The model expects inputs of shape {model.input_shape[1:]} but {data.name} has {data.input_shape}: "
            "build the model for this dataset."
        )
    if recipe is None:
        size = model.name.rsplit("_", 1)[-1]
        recipe = RECIPES.get((data.name, size)) or RECIPES[(data.name, "edge")]
    seed_everything(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(recipe.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    train_ds, val_ds = datasets_for(data, recipe, seed)
    timer = progress_callback(recipe.epochs, label or model.name, show=progress)
    history = model.fit(train_ds, validation_data=val_ds, epochs=recipe.epochs, shuffle=False, verbose=0,
                        callbacks=[timer])
    history.epoch_seconds = timer.epoch_seconds  # wall time of each epoch; the first includes tracing
    history.validation_size = int(round(len(data.x_train) * recipe.validation_fraction))
    history.train_size = len(data.x_train) - history.validation_size
    return history


def datasets_for(data: Dataset, recipe: Recipe, seed: int = SEED):
    """tf.data pipelines (train, validation or None): the last ``validation_fraction`` of the training split
    is held back for the learning curves, the rest is shuffled (seeded) and cut into ``batch_size`` batches."""
    import tensorflow as tf

    n_val = int(round(len(data.x_train) * recipe.validation_fraction))  # train() reports the same split
    n_fit = len(data.x_train) - n_val
    fit = tf.data.Dataset.from_tensor_slices((data.x_train[:n_fit], data.y_train[:n_fit]))
    fit = fit.shuffle(n_fit, seed=seed, reshuffle_each_iteration=True).batch(recipe.batch_size)
    if n_val == 0:
        return fit.prefetch(2), None
    val = tf.data.Dataset.from_tensor_slices((data.x_train[n_fit:], data.y_train[n_fit:])).batch(256)
    return fit.prefetch(2), val


def test_split(name: str = "digits") -> tuple[np.ndarray, np.ndarray]:
    """The held-out ``(x_test, y_test)`` of dataset ``name``: never seen in training, the same in every lesson."""
    data = load(name)
    return data.x_test, data.y_test


def evaluate(model, name: str = "digits") -> float:
    """Accuracy of ``model`` on the held-out test split of ``name`` (a fraction between 0 and 1)."""
    x, y = test_split(name)
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise CourseError(f"evaluate needs a Keras model, not {type(model).__name__}.")
    if tuple(model.input_shape[1:]) != tuple(x.shape[1:]):
        raise CourseError(f"The model expects inputs of shape {model.input_shape[1:]}, not {name}'s {x.shape[1:]}.")
    return float(np.mean(np.argmax(model_outputs(model, x), axis=-1) == y))


def model_outputs(model, x: np.ndarray) -> np.ndarray:
    """``model``'s outputs for every row of ``x``, in batches the model accepts (eager: no retracing)."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise CourseError(f"model_outputs needs a Keras model, not {type(model).__name__}.")
    x = np.asarray(x, dtype=np.float32) if not hasattr(x, "shape") else x
    expected = tuple(model.input_shape[1:])
    got = tuple(x.shape[1:])
    fits = len(got) == len(expected) and all(e is None or e == g for e, g in zip(expected, got, strict=True))
    if not fits or len(x) == 0:
        raise CourseError(f"The model expects a non-empty batch of samples of shape {expected}, "
                          f"got an array of shape {tuple(x.shape)}.")
    batch = model.input_shape[0] or 512
    outs = [np.asarray(model(x[i:i + batch], training=False)) for i in range(0, len(x), batch)]
    return np.concatenate(outs)


def _fingerprint(name: str, size: str) -> str:
    # The recipe and the layer configs: change either and the cached model is retrained.
    model_config = [layer.get_config() for layer in _layers(name, size)]
    for cfg in model_config:
        cfg.pop("name", None)
    blob = json.dumps({"recipe": asdict(RECIPES[(name, size)]), "layers": model_config, "seed": SEED},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def model_path(name: str = "digits", size: str = "edge"):
    """Where the trained model lives: ``artefacts/<name>_<size>.keras``."""
    from utils.artefacts import artefact_path

    _check(name, size)
    return artefact_path(f"{name}_{size}.keras")


def save(model, history=None, name: str = "digits", size: str = "edge") -> dict:
    """Save ``model`` as the course's trained ``name``/``size`` model, with a JSON card beside it."""
    keras = _keras()
    path = model_path(name, size)
    if not isinstance(model, keras.Model):
        raise CourseError(f"save needs a Keras model, not {type(model).__name__}.")
    card = {
        "name": name,
        "size": size,
        "fingerprint": _fingerprint(name, size),
        "test_accuracy": evaluate(model, name),
        "params": int(model.count_params()),
        "history": {k: [float(v) for v in vs] for k, vs in (history.history if history else {}).items()},
        "keras": keras.__version__,
    }
    # Write then rename, so a notebook running in parallel never reads half a file.
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.keras")
    model.save(tmp)
    os.replace(tmp, path)
    card_path = path.with_suffix(".json")
    tmp_card = card_path.with_name(f".{card_path.name}.{os.getpid()}")
    tmp_card.write_text(json.dumps(card, indent=1))
    os.replace(tmp_card, card_path)
    return card


def model_card(name: str = "digits", size: str = "edge") -> dict | None:
    """The JSON card saved with the trained model (test accuracy, history), or None if there is none."""
    path = model_path(name, size).with_suffix(".json")
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def trained_model(name: str = "digits", size: str = "edge", retrain: bool = False, progress: bool = True):
    """The trained float32 Keras model ``name``/``size``: loaded from the artefact folder, or trained and saved.

    Lessons 06-08 call this; it trains (same seed, same result as lesson 05) only when the saved
    model is missing, unreadable, or was made by a different recipe. The returned model has a
    free batch size; pass it through :func:`fixed_batch` before converting it for a device.
    """
    _check(name, size)
    keras = _keras()
    path = model_path(name, size)
    card = model_card(name, size)
    if not retrain and path.is_file() and card and card.get("fingerprint") == _fingerprint(name, size):
        try:
            return keras.saving.load_model(path)
        except Exception:  # a truncated or foreign file: rebuild it rather than fail
            pass
    model = build_model(name, size)
    history = train(model, name, progress=progress, label=f"training {name}_{size}")
    save(model, history, name, size)
    return model
