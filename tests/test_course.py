"""The foundation: root finding, setup, the Colab path, artefacts, one-sentence errors, the environment check."""

import importlib.util
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from utils import artefacts, course
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nb as nbtool  # noqa: E402


def test_find_root_from_notebooks_root_and_subfolder():
    assert course.find_root(ROOT / "notebooks") == ROOT
    assert course.find_root(ROOT) == ROOT
    assert course.find_root(ROOT / "utils") == ROOT


def test_setup_returns_paths_and_seeds_numpy(monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks")
    c = course.setup("05")
    first = np.random.rand(3)
    course.setup("05")
    assert c.root == ROOT and c.data == ROOT / "data" and c.artefacts.is_dir()
    assert not c.on_colab
    np.testing.assert_array_equal(first, np.random.rand(3))


def test_setup_rejects_unknown_notebook_in_one_sentence():
    with pytest.raises(CourseError, match=r"Unknown notebook id '42': use a two-digit id from '00' to '09'\."):
        course.setup("42")


def test_missing_package_outside_colab_says_what_to_run(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "ai_edge_litert" else real(n, *a))
    with pytest.raises(CourseError, match=r"Missing package\(s\) ai-edge-litert: run `make course`"):
        course.setup("00")


def test_colab_installs_only_what_colab_lacks(monkeypatch):
    """A stand-in google.colab module; the installer records instead of running pip."""
    colab = types.ModuleType("google.colab")
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    absent = {"tensorflow", "ipywidgets", "ai_edge_litert", "tflite_micro"}
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n in absent else real(n, *a))
    recorded = []
    monkeypatch.setattr(course, "_pip_install", recorded.extend)
    monkeypatch.setattr(course, "wheel_available", lambda pip: True)
    c = course.setup("07")
    assert c.on_colab
    assert recorded == ["ai-edge-litert", "tflite-micro"]  # never tensorflow or ipywidgets


def test_colab_with_everything_present_installs_nothing(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    recorded = []
    monkeypatch.setattr(course, "_pip_install", recorded.extend)
    course.setup("00")
    assert recorded == []


def test_course_error_renders_as_one_line_in_ipython():
    lines = CourseError("The file x is not a model.")._render_traceback_()
    assert len(lines) == 1 and lines[0].endswith("The file x is not a model.")
    assert issubclass(CourseError, ValueError)


def test_artefact_path_override_and_bad_names(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTEFACTS", str(tmp_path / "art"))
    assert artefacts.artefact_path("m.tflite") == tmp_path / "art" / "m.tflite"
    assert (tmp_path / "art").is_dir()
    for bad in ("", "../escape.tflite", "a/b.tflite", 3):
        with pytest.raises(CourseError, match="must be a plain file name"):
            artefacts.artefact_path(bad)


def _run_setup_cell(cwd: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", nbtool.setup_source("03")], cwd=cwd, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def test_setup_cell_works_from_the_notebooks_folder():
    done = _run_setup_cell(ROOT / "notebooks")
    assert done.returncode == 0, done.stderr


def test_setup_cell_outside_the_course_finds_it_through_course_root(tmp_path):
    """How the grader runs a submission that sits outside the course folder."""
    done = _run_setup_cell(tmp_path, COURSE_ROOT=str(ROOT))
    assert done.returncode == 0, done.stderr


def test_setup_cell_outside_the_course_prints_one_sentence(tmp_path):
    done = _run_setup_cell(tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == "Cannot find the course folder: start JupyterLab in it with `make course`."


def test_environment_report_runs_real_models_here():
    from utils.environment import report, to_html

    rows = {r.component: r for r in report()}
    assert rows["TensorFlow"].status == "usable (ran a model)"
    assert rows["LiteRT (ai-edge-litert)"].status == "usable (ran a model)"
    if course.wheel_available("tflite-micro"):
        assert rows["TFLite Micro (tflite-micro)"].status == "usable (ran a model)"
    assert all(r.ok for r in rows.values())
    assert to_html(list(rows.values())).count("<tr>") == len(rows) + 1
