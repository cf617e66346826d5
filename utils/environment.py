"""The environment check of notebook 00: versions, and which runtimes really run here.

"Usable" is measured, not assumed: a two-layer Keras model is converted with the TFLite
converter and run in LiteRT and in TFLite Micro; a runtime is usable when it returns the
same answer as Keras.
"""

from __future__ import annotations

import contextlib
import html
import importlib.metadata as md
import io
import platform
import sys
from dataclasses import dataclass

from utils.course import wheel_available
from utils.tables import Html, Table


@dataclass(frozen=True)
class Row:
    component: str
    version: str
    status: str
    used_for: str
    ok: bool


def _version(*dists: str) -> str | None:
    for dist in dists:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            continue
    return None


def _smoke_model_bytes():
    """A tiny float model as a .tflite flatbuffer, plus an input and Keras's own output."""
    import keras
    import numpy as np
    import tensorflow as tf

    inp = keras.Input((4,), batch_size=1)
    out = keras.layers.Dense(3)(keras.layers.Dense(8, activation="relu")(inp))
    model = keras.Model(inp, out)
    x = np.linspace(-1, 1, 4, dtype=np.float32)[None]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its SavedModel signature
        blob = converter.convert()
    return blob, x, model(x).numpy()


def runtime_checks() -> dict[str, str]:
    """Run the smoke model in each runtime; map runtime name -> 'ok' or the reason it failed."""
    import numpy as np

    result: dict[str, str] = {}
    try:
        blob, x, want = _smoke_model_bytes()
        result["converter"] = "ok"
    except Exception as err:  # report, do not crash the check
        return {"converter": f"failed: {type(err).__name__}"}
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        # Reference kernels: no XNNPACK delegate, so no delegate banner in the notebook.
        it = Interpreter(model_content=blob, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        got = it.get_tensor(it.get_output_details()[0]["index"])
        result["litert"] = "ok" if np.allclose(got, want, atol=1e-5) else "wrong answer"
    except Exception as err:
        result["litert"] = f"failed: {type(err).__name__}"
    if not wheel_available("tflite-micro"):
        result["tflm"] = "no wheel for this platform"
    else:
        try:
            from tflite_micro import runtime

            it = runtime.Interpreter.from_bytes(blob, arena_size=16 * 1024)
            it.set_input(x, 0)
            it.invoke()
            result["tflm"] = "ok" if np.allclose(it.get_output(0), want, atol=1e-5) else "wrong answer"
        except Exception as err:
            result["tflm"] = f"failed: {type(err).__name__}"
    return result


def report(run_models: bool = True) -> list[Row]:
    """One row per component: version and whether it works here."""
    checks = runtime_checks() if run_models else {}
    fix = "run `make course` (or the setup cell on Colab)"

    def row(name, version, used_for, check=None, missing_status=None):
        if version is None:
            return Row(name, "-", missing_status or f"missing: {fix}", used_for, False)
        if check is None:
            return Row(name, version, "installed", used_for, True)
        state = checks.get(check, "not checked")
        return Row(name, version, "usable (ran a model)" if state == "ok" else state, used_for, state == "ok")

    tflm_missing = None if wheel_available("tflite-micro") else (
        f"no wheel for {platform.system()} {platform.machine()}: 07 falls back to LiteRT"
    )
    return [
        Row("Python", platform.python_version(), "ok" if sys.version_info >= (3, 10) else "needs 3.10+",
            "everything", sys.version_info >= (3, 10)),
        row("TensorFlow", _version("tensorflow", "tensorflow-cpu"), "training, TFLite converter", "converter"),
        row("Keras", _version("keras"), "building and training models"),
        row("LiteRT (ai-edge-litert)", _version("ai-edge-litert"), "host inference, reference kernels", "litert"),
        row("TFLite Micro (tflite-micro)", _version("tflite-micro"), "the microcontroller runtime (07)", "tflm",
            tflm_missing),
        row("NumPy", _version("numpy"), "arrays, integer reference kernels"),
        row("Matplotlib", _version("matplotlib"), "every plot"),
        row("ipywidgets", _version("ipywidgets"), "quizzes, sliders, the Architecture Tree"),
    ]


def to_html(rows: list[Row]) -> str:
    """The report as an HTML table, green for working parts and red for missing ones."""
    return Table({
        "component": r.component,
        "version": Html(f"<code>{html.escape(r.version)}</code>"),
        "status here": Html(f"<span style='color:{'#1b7a3a' if r.ok else '#a4262c'}'>"
                            f"{'&#10004;' if r.ok else '&#10008;'} {html.escape(r.status)}</span>"),
        "used for": r.used_for,
    } for r in rows)._repr_html_()
