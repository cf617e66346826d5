"""Where the course's files are: its root folder, its data/ folder, and one door to read a data file.

Every module reads data through :func:`data_path`, :func:`read_csv` and :func:`read_json`, so a
missing or broken file gives the same one sentence wherever it is read. Nothing is read at import.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from utils.errors import CourseError

COLAB_DIR = "/content/cloud-vs-edge-ai"


def find_root(start: Path | None = None) -> Path:
    """The course folder: the nearest folder above ``start`` that holds utils/ and data/."""
    start = Path(start or Path.cwd()).resolve()
    candidates = [start, *start.parents, Path(COLAB_DIR), Path(__file__).resolve().parents[1]]
    for folder in candidates:
        if (folder / "utils" / "course.py").is_file() and (folder / "data").is_dir():
            return folder
    raise CourseError(
        f"Cannot find the course folder from {start}: open the notebooks from the course's "
        "notebooks/ folder (run `make course` in the course folder)."
    )


def data_dir() -> Path:
    """The course's data/ folder (found from this package, whatever the working folder)."""
    return find_root(Path(__file__).parent) / "data"


def data_path(name: str) -> Path:
    """The file ``data/<name>``, or one sentence if it is missing."""
    path = data_dir() / name
    if not path.exists():
        raise CourseError(f"The file data/{name} is missing: restore it from the course repository.")
    return path


def read_csv(name: str, delimiter: str = ",") -> list[dict]:
    """The rows of ``data/<name>`` as dicts keyed by its header."""
    with data_path(name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def read_json(name: str):
    """The JSON document ``data/<name>``, or one sentence if it is missing or not valid JSON."""
    try:
        return json.loads(data_path(name).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise CourseError(f"The file data/{name} is not valid JSON (line {err.lineno}): restore it from the "
                          "course repository.") from None
