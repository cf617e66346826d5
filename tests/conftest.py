"""Shared test settings: quiet TensorFlow, keep artefacts and progress of tests apart from the learner's.

Also the one place that adapts the notebook checks to the platform: where TFLite Micro has no
wheel, lesson 07's cells tagged ``needs-tflm`` still run (on LiteRT) but their stored outputs,
which only the real TFLite Micro produces, are not compared; the run's summary says so.
"""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("COURSE_PROGRESS_FILE", str(ROOT / "build" / "test-progress.json"))
# Models the tests and the notebooks under nbval build go to a fresh folder, never the learner's artefacts/.
if "COURSE_ARTEFACTS" not in os.environ:
    _artefacts = tempfile.mkdtemp(prefix="course-test-artefacts-")
    atexit.register(shutil.rmtree, _artefacts, ignore_errors=True)
    os.environ["COURSE_ARTEFACTS"] = _artefacts

NEEDS_TFLM = "needs-tflm"
NO_TFLM_NOTE = ("TFLite Micro is not available here (no wheel for this platform, or COURSE_TFLM=off), so lesson "
                "07's cells tagged needs-tflm run on LiteRT's reference kernels and their outputs are not compared.")


def _tflm_missing() -> bool:
    from utils import tflm

    return not tflm.available()


def pytest_terminal_summary(terminalreporter):
    if _tflm_missing():  # at the end, where `pytest -q` still shows it
        terminalreporter.write_line(NO_TFLM_NOTE)


def _output_texts(outputs):
    for out in outputs or []:
        if "text" in out:
            yield "".join(out["text"]) if isinstance(out["text"], list) else str(out["text"])
        for mime, data in (out.get("data") or {}).items():
            if mime in ("text/plain", "text/html", "text/markdown"):
                yield "".join(data) if isinstance(data, list) else str(data)


# A printed line longer than this wraps in JupyterLab beside the file browser at 1280 px, and JupyterLab breaks
# it anywhere, inside a number too: break long lines between fields (utils.numbers.fields) instead.
LINE_WIDTH = 100
# Lessons that still print longer lines (the work left, named; remove one when it passes).
def _long_lines(outputs) -> list[str]:
    lines = (line for out in outputs or [] if out.get("output_type") == "stream" and out.get("name") == "stdout"
             for line in ("".join(out["text"]) if isinstance(out["text"], list) else str(out["text"])).splitlines())
    return [line for line in lines if len(line) > LINE_WIDTH]


class LessonOutputs:
    """Every lesson cell nbval runs: a number in scientific notation fails the cell (utils.numbers formats them),
    and so does a printed line longer than LINE_WIDTH."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.when != "call" or not report.passed or not getattr(item, "test_outputs", None):
            return
        from utils.numbers import scientific_in

        found = [n for text in _output_texts(item.test_outputs) for n in scientific_in(text)]
        if found:
            report.outcome = "failed"
            report.longrepr = (f"This cell shows numbers in scientific notation ({', '.join(found[:5])}): "
                               "format them with utils.numbers.")
            return
        long = _long_lines(item.test_outputs)
        if long:
            report.outcome = "failed"
            report.longrepr = (f"This cell prints a line of {len(long[0])} characters (the limit is {LINE_WIDTH}): "
                               f"{long[0][:60]!r}...; break it between fields with utils.numbers.fields.")


def pytest_configure(config):
    # Registered as a plugin, so it sees notebooks/ too (a conftest's own item hooks stop at tests/).
    config.pluginmanager.register(LessonOutputs(), "lesson-outputs")


def pytest_collection_modifyitems(config, items):
    if not _tflm_missing():
        return
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is not None and NEEDS_TFLM in cell.get("metadata", {}).get("tags", []):
            item.options["check"] = False


# A tiny digits-shaped model behind a real endpoint on 127.0.0.1, for the endpoint and camera tests.
@pytest.fixture(scope="module")
def model():
    from utils.course import quiet_tensorflow

    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )


@pytest.fixture(scope="module")
def endpoint(model):
    from utils.cloud_endpoint import CloudEndpoint

    with CloudEndpoint(model, name="digits") as ep:
        yield ep
