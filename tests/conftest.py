"""Shared test settings: quiet TensorFlow, keep artefacts and progress of tests apart from the learner's."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("COURSE_PROGRESS_FILE", str(ROOT / "build" / "test-progress.json"))
