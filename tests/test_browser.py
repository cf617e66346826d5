"""The quiz in a real browser: JupyterLab on 127.0.0.1, a notebook with quiz("00"), headless Chromium.

It proves the chain a learner uses: the kernel builds the widgets, JupyterLab's widget manager
draws them (not the static HTML copy that shares their output), clicks reach the Python
handlers, feedback comes back, the round masters the quiz and reaches the progress file, and
Retry re-opens every question. The screenshot is kept in build/test-artefacts/quiz.png.
Offline: loopback only, news and update checks off. Skipped only when Chromium (or playwright) is missing.
The scenario lives in tools/browser_check.py, which can also drive the classic Notebook front
end of an ipywidgets 7.7.1 environment (as on Colab).
"""

import json
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402


def test_quiz_in_jupyterlab_with_headless_chromium(tmp_path):
    if not Path(browser_check.CHROMIUM).exists():
        pytest.skip(f"no Chromium at {browser_check.CHROMIUM} (install Debian's chromium package)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    browser_check.write_notebook(tmp_path)
    shot = browser_check.ARTEFACTS / "quiz.png"
    shot.unlink(missing_ok=True)
    start = time.time()
    with browser_check.notebook_server(tmp_path) as (url, token, env):
        browser_check.drive_quiz(url, token, shot)
    saved = json.loads(Path(env["COURSE_PROGRESS_FILE"]).read_text())
    assert saved["quizzes"]["00"] == {"passed": True, "mastered": True, "score": 0.8333, "rounds": 1,
                                      "questions": {"00.shown-answer": {"misses": 1, "revealed": False}}}
    assert len(saved["learner"]) == 16
    assert shot.stat().st_size > 20_000
    assert time.time() - start < 60


def test_static_copy_in_exported_html(tmp_path):
    """Where no widget manager runs (nbconvert HTML, nbviewer, GitHub), the questions show with folded answers.

    Executed without storing widget state, as JupyterLab saves notebooks by default: with stored
    state nbconvert would embed the live widgets instead, which need a CDN script and a kernel.
    """
    nbconvert = pytest.importorskip("nbconvert")
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(browser_check.write_notebook(tmp_path), as_version=4)
    before = os.environ.get("COURSE_PROGRESS_FILE")
    os.environ["COURSE_PROGRESS_FILE"] = str(tmp_path / "progress.json")
    try:
        NotebookClient(nb, timeout=60, store_widget_state=False,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        if before is None:
            os.environ.pop("COURSE_PROGRESS_FILE")
        else:
            os.environ["COURSE_PROGRESS_FILE"] = before
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    assert body.count("<summary>Show the answer</summary>") == 6
    assert "design, where does the face recognition model run?" in body.replace("<b>", "").replace("</b>", "")
    assert "Both: train in the cloud, compress the model, run it on the device" in body
    assert "application/vnd.jupyter.widget-state+json" not in body
    browser_check.ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (browser_check.ARTEFACTS / "quiz-static.html").write_text(body)
