"""What the learner sees, in a real browser: a notebook server on 127.0.0.1, headless Chromium, clicks, screenshots.

One front end per interpreter: the classic Notebook 6 with ipywidgets 7 (Colab's front end) where this
Python has notebook<7 and ipywidgets<8, as in the Colab configuration of `make proof`; JupyterLab 4 with
ipywidgets 8 otherwise. tools/browser_check.py holds the scenario (the end of lesson 03: quiz,
predict/reveal, the battery explorer, an Output widget, the Architecture Tree) and proves the chain a
learner uses: the kernel builds the widgets, the front end's widget manager draws them (not the static
copy that shares their output), clicks reach the Python handlers, and what comes back is right.
Screenshots: build/test-artefacts/<part>-<front end>.png. Offline: loopback only, news and update
checks off. Skipped only when Chromium (or playwright) is missing.
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


def _major(module: str) -> int | None:
    try:
        return int(__import__(module).__version__.split(".")[0])
    except ImportError:
        return None


# Colab's front end: the classic Notebook (notebook<7) drawing ipywidgets 7.
CLASSIC = (_major("notebook") or 99) < 7 and (_major("ipywidgets") or 99) < 8
FRONT_END = "classic" if CLASSIC else "lab"


def _browser():
    if not Path(browser_check.CHROMIUM).exists():
        pytest.skip(f"no Chromium at {browser_check.CHROMIUM} (install Debian's chromium package)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def test_lesson_widgets_in_the_browser():
    """Quiz (wrong, right, retry), predict/reveal, a slider, an Output widget and the live tree, as a learner drives them."""
    _browser()
    start = time.time()
    seen, saved, took = browser_check.check(sys.executable, classic=CLASSIC)
    # Wrong first, the rest right: 4 of 5 masters node 03; the miss is saved, no answer was shown.
    assert saved["quizzes"]["03"] == {"passed": True, "mastered": True, "score": 0.8, "rounds": 1,
                                      "questions": {"03.tinyml": {"misses": 1, "revealed": False}}}
    assert len(saved["learner"]) == 16
    # The slider starts at the value the lesson names (60 a minute, not 63.1), its first output was there
    # before any move and equals the static copy (drive() compares them), and one move changes both.
    assert seen["slider_readout"] == "60" and seen["slider_moved_readout"] == "120"
    assert seen["slider_first"].startswith("duty cycle") and seen["slider_moved"] != seen["slider_first"]
    assert seen["slider_word_break"] == "normal"  # printed text wraps at spaces, never inside a number
    # The tree redrew itself after the pass; its cell did not run again.
    assert seen["tree_redrawn"] and seen["tree_prompt_after"] == seen["tree_prompt_before"]
    assert seen["tree_text"].startswith("1 of 9 nodes mastered; open now: 01 The cloud AI paradigm, 05 Training")
    # Buttons as drawn (disabled ones included) meet WCAG AA.
    for key in ("disabled_button_contrast", "disabled_check_contrast", "primary_button_contrast"):
        assert seen[key] >= 4.5, (key, seen[key])
    for shot in browser_check.screenshots(FRONT_END).values():
        assert shot.stat().st_size > 5_000, shot
    assert took < 120 and time.time() - start < 150


def test_static_copies_in_exported_html(tmp_path):
    """Where no widget manager runs (nbconvert HTML, nbviewer, GitHub), every widget leaves a readable copy.

    Exported without widget state, as JupyterLab saves notebooks by default: with stored state
    nbconvert would embed the live widgets instead, which need a CDN script and a kernel. (The state
    is dropped after the run: nbclient cannot capture an Output widget without storing it.)
    """
    nbconvert = pytest.importorskip("nbconvert")
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(browser_check.write_notebook(tmp_path), as_version=4)
    before = os.environ.get("COURSE_PROGRESS_FILE")
    os.environ["COURSE_PROGRESS_FILE"] = str(tmp_path / "progress.json")
    try:
        NotebookClient(nb, timeout=90, resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        if before is None:
            os.environ.pop("COURSE_PROGRESS_FILE")
        else:
            os.environ["COURSE_PROGRESS_FILE"] = before
    nb.metadata.pop("widgets", None)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    # The quiz: five questions, answers folded, options lettered as the widget letters them.
    assert body.count("<summary>Show the answer</summary>") == 5
    assert "<li>A. " in body and "<li>D. " in body and '<ol type="A">' not in body
    # The slider: its copy names each control's value, says it is interactive, and shows the first view.
    static = browser_check.static_slider_copy()["text/html"]
    assert "board = STM32U575; battery = CR2032 coin cell; per minute = 60 (interactive in Jupyter)" in static
    assert static in body
    # The tree: the picture as it was when its cell ran, with the summary as its text.
    assert 'alt="Architecture Tree: 0 of 9 nodes mastered.' in body
    assert "application/vnd.jupyter.widget-state+json" not in body
    browser_check.ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (browser_check.ARTEFACTS / "lesson-static.html").write_text(body)
    assert json.loads((tmp_path / "progress.json").read_text())["quizzes"] == {}
