"""The one folder where lessons leave things for later lessons (models, .tflite files, C arrays).

It is ``artefacts/`` in the course root (ignored by git), or the folder named by the
``COURSE_ARTEFACTS`` environment variable. Anything in it can be deleted: the helper that
made a file rebuilds it when a notebook asks for it.
"""

from __future__ import annotations

import os
from pathlib import Path

from utils.errors import CourseError
from utils.paths import find_root


def artefact_dir() -> Path:
    """The artefact folder, created on first use."""
    override = os.environ.get("COURSE_ARTEFACTS")
    if override:
        folder = Path(override).expanduser()
    else:
        folder = find_root(Path(__file__).parent) / "artefacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def artefact_path(name: str) -> Path:
    """Where the artefact called ``name`` (a plain file name such as 'digits_int8.tflite') lives."""
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise CourseError(f"Artefact name {name!r} must be a plain file name such as 'model.tflite'.")
    return artefact_dir() / name
