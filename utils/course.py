"""Course-wide settings and the one setup call every notebook makes first.

``setup("05")`` finds the course root, installs on Colab only what Colab lacks, seeds
every random generator, quiets TensorFlow's C++ log noise and applies the plot style.
The repository address lives here and nowhere else (``tools/nb.py headers`` writes it
into each notebook's Colab link and setup cell).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import platform
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from utils import native_logs
from utils.artefacts import artefact_dir
from utils.errors import CourseError
from utils.paths import COLAB_DIR, find_root  # noqa: F401 - course.find_root and COLAB_DIR are public

REPO_URL = "https://github.com/edge-ai-course/cloud-vs-edge-ai"
BRANCH = "main"
SEED = 42

# The notebooks, in order: (id, file stem, title). Tools, quizzes and the tree read this.
NOTEBOOKS = [
    ("00", "00_start_here", "Start here"),
    ("01", "01_cloud_paradigm", "The cloud AI paradigm"),
    ("02", "02_limits_of_the_cloud", "Limits of the cloud"),
    ("03", "03_edge_ai_and_tinyml", "Edge AI and TinyML"),
    ("04", "04_privacy_by_design", "Privacy by design"),
    ("05", "05_training_in_the_cloud", "Training in the cloud"),
    ("06", "06_quantization", "Quantization"),
    ("07", "07_on_device_inference", "On-device inference"),
    ("08", "08_hybrid_architecture", "The hybrid architecture"),
    ("09", "09_the_learning_loop", "The learning loop"),
]

# Import name -> pip name of what the lessons need. Colab already has the first four.
REQUIRED = {
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "ipywidgets": "ipywidgets",
    "tensorflow": "tensorflow",
    "ai_edge_litert": "ai-edge-litert",
    "jsonschema": "jsonschema",
}
# TFLite Micro publishes wheels for Linux x86_64 only; elsewhere 07 falls back to LiteRT.
OPTIONAL = {"tflite_micro": "tflite-micro"}
# Never installed or upgraded on Colab: upgrading either breaks its preinstalled stack.
NEVER_INSTALL_ON_COLAB = {"tensorflow", "ipywidgets", "keras", "numpy"}


@dataclass(frozen=True)
class Course:
    """What a notebook needs to know about where it runs."""

    notebook: str
    root: Path
    data: Path
    artefacts: Path
    on_colab: bool


def on_colab() -> bool:
    """True inside Google Colab (its runtime always has the ``google.colab`` package)."""
    return "google.colab" in sys.modules or importlib.util.find_spec("google") is not None and (
        importlib.util.find_spec("google.colab") is not None
    )


def wheel_available(pip_name: str) -> bool:
    """Whether PyPI has a wheel of ``pip_name`` for this machine."""
    if pip_name == "tflite-micro":
        return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")
    return True


def missing_packages() -> list[str]:
    """pip names of required (and installable optional) packages this Python cannot import."""
    wanted = dict(REQUIRED)
    wanted.update({k: v for k, v in OPTIONAL.items() if wheel_available(v)})
    return [pip for mod, pip in wanted.items() if importlib.util.find_spec(mod) is None]


def _pip_install(packages: list[str]) -> None:
    """Install ``packages`` into this kernel's Python (used on Colab only)."""
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *packages])


def install_missing_on_colab() -> list[str]:
    """On Colab, install what is missing (never TF or ipywidgets); returns what it installed."""
    todo = [p for p in missing_packages() if p not in NEVER_INSTALL_ON_COLAB]
    if todo:
        print(f"Installing on Colab: {', '.join(todo)} (TensorFlow and ipywidgets stay as they are).")
        _pip_install(todo)
        importlib.invalidate_caches()
    return todo


def seed_everything(seed: int = SEED) -> None:
    """Seed Python, NumPy and (if imported) TensorFlow, and make TF's ops deterministic."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    if "tensorflow" in sys.modules:
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()


def _only_warnings(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ start-up chatter before it is imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
    # oneDNN's reordered float sums differ run to run in the last bits; the course wants repeatable numbers.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    # TF resets its logger to INFO on import, so filter (filters survive that) rather than set a level:
    # the converter would otherwise log "Assets written to ..." into the notebook.
    tf_logger = logging.getLogger("tensorflow")
    if _only_warnings not in tf_logger.filters:
        tf_logger.addFilter(_only_warnings)
    # absl's C++ lines ignore the level above; drop only the known-harmless ones from the cell.
    native_logs.install_in_kernel()


def find_notebook(nid: str) -> tuple[str, str, str]:
    """The (id, file stem, title) of lesson ``nid`` ('06'), or one sentence naming the ids there are."""
    for row in NOTEBOOKS:
        if row[0] == nid:
            return row
    raise CourseError(f"Unknown notebook id {nid!r}: use a two-digit id from "
                      f"'{NOTEBOOKS[0][0]}' to '{NOTEBOOKS[-1][0]}'.")


def setup(notebook: str) -> Course:
    """Prepare a notebook session: root, Colab installs, seeds, quiet logs, plot style."""
    find_notebook(notebook)
    quiet_tensorflow()
    root = find_root()
    colab = on_colab()
    if colab:
        install_missing_on_colab()
    else:
        missing = [p for p in missing_packages() if p in REQUIRED.values()]
        if missing:
            raise CourseError(
                f"Missing package(s) {', '.join(missing)}: run `make course` in {root} "
                "(it installs everything into .venv and starts JupyterLab with it)."
            )
    seed_everything()
    from utils import style

    style.apply()
    return Course(notebook, root, root / "data", artefact_dir(), colab)
