"""Drive a lesson's widgets in a real browser: a notebook server on 127.0.0.1, headless Chromium, clicks, screenshots.

    python tools/browser_check.py                       JupyterLab 4 + ipywidgets 8 from this venv
    python tools/browser_check.py --classic PYTHON      the classic Notebook 6 front end of another
                                                        Python (a venv with notebook<7 and
                                                        ipywidgets==7.7.1, Colab's front end)

The notebook holds what a learner meets at the end of lesson 03: its quiz, a predict/reveal pair,
the battery explorer (lesson 03's own cells, taken from the notebook), an Output widget, and the
Architecture Tree. The driver locks in a guess and checks the reveal; checks that the slider
starts at the value the lesson names and that its first output is there before any move, equal
to the static copy, and changes after one move; answers the quiz (one question wrongly first, then
the rest, options clicked by their text since each learner sees them in their own order), checks
that the tree already on the page redraws itself after the pass without its cell running again,
then presses Retry. It measures the contrast of a disabled button as drawn. Screenshots go to
build/test-artefacts/<part>-<front end>.png. tests/test_browser.py runs it for the front end its
Python has. Offline: loopback only, update checks off.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = ROOT / "build" / "test-artefacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
NOTEBOOK = "lesson_check.ipynb"
QUIZ = "03"
PREDICT = "03.memory-gap"
PREDICT_GUESS = "About 100,000 times"
WRONG_FIRST = "03.tinyml"  # the question answered wrongly first
LESSON = ROOT / "notebooks" / "03_edge_ai_and_tinyml.ipynb"
# Lesson 03's cells the battery explorer needs, by id: cells, batteries and microphone; average_mw;
# battery_days (and its plot); the imports; the explorer.
EXPLORER_CELLS = ("ef6ed004", "5da30166", "d0e70200", "8973b16a", "1ad085db")
# What the lesson's earlier cells and its setup cell provide (setup itself would import TensorFlow).
EXPLORER_PREAMBLE = """import csv
import types

import matplotlib.pyplot as plt
import numpy as np

from utils import devices, style
from utils.course import find_root
from utils.paths import read_csv

style.apply()
C = types.SimpleNamespace(data=find_root() / "data")
catalog = devices.catalog()
"""
OUTPUT_TEXT = "printed inside an Output widget"
PARTS = ("quiz", "predict", "slider", "tree")


def tree_nodes() -> int:
    """How many nodes the Architecture Tree has (utils.progress is the one list of them)."""
    from utils import progress

    return len(progress.PARENTS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def explorer_source() -> str:
    """Lesson 03's battery explorer as one cell: the preamble, then the lesson's own cells in order."""
    cells = {c.get("id"): "".join(c["source"]) for c in json.loads(LESSON.read_text(encoding="utf-8"))["cells"]}
    missing = [i for i in EXPLORER_CELLS if i not in cells]
    if missing:
        raise RuntimeError(f"lesson 03 has no cell {', '.join(missing)}: update EXPLORER_CELLS in tools/browser_check.py")
    return EXPLORER_PREAMBLE + "\n".join(cells[i] for i in EXPLORER_CELLS)


def cell_sources() -> list[tuple[str, str]]:
    """(id, source) of the check notebook's cells, in order."""
    path = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
    return [
        ("quiz", f"{path}from utils.quiz import predict, quiz, reveal\n\nquiz({QUIZ!r})"),
        ("predict", f"predict({PREDICT!r})"),
        ("reveal", f"reveal({PREDICT!r}, '161,319 times more memory')"),
        ("slider", explorer_source()),
        ("output", f"from ipywidgets import Output\n\nout = Output()\ndisplay(out)\nwith out:\n    print({OUTPUT_TEXT!r})"),
        ("tree", "from utils.progress import show_tree\n\nshow_tree()"),
    ]


def write_notebook(folder: Path) -> Path:
    cells = [{"cell_type": "code", "id": ident, "execution_count": None, "metadata": {}, "outputs": [], "source": src}
             for ident, src in cell_sources()]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path = folder / NOTEBOOK
    path.write_text(json.dumps(nb))
    return path


def static_slider_copy() -> dict:
    """The battery explorer's static copy, computed in this process: the bundle the notebook would save."""
    import IPython.display

    import utils.course
    from utils import display as D

    shown = []
    real_display, real_colab = IPython.display.display, utils.course.on_colab
    IPython.display.display = lambda obj, **kw: shown.append(obj)
    utils.course.on_colab = lambda: False
    try:
        import matplotlib

        matplotlib.use("Agg")
        with contextlib.redirect_stdout(io.StringIO()):  # what the lesson's cells print is the browser's to show
            exec(compile(explorer_source(), "lesson 03 battery explorer", "exec"), {"__name__": "explorer"})
    finally:
        IPython.display.display, utils.course.on_colab = real_display, real_colab
    (bundle,) = [b for b in shown if isinstance(b, dict) and D.WIDGET_MIME in b]
    return bundle


def quiz_answers() -> dict:
    """Per question of the quiz: the texts of its right options (or its number), and a wrong option's text."""
    bank = json.loads((ROOT / "data" / "quizzes" / f"{QUIZ}.json").read_text(encoding="utf-8"))
    out = {}
    for q in bank["questions"]:
        if q["type"] == "predict":
            continue
        if q["type"] == "numeric":
            out[q["id"]] = {"type": "numeric", "right": [str(q["answer"])]}
            continue
        right = [o for o in q["options"] if o["correct"]]
        wrong = next(o for o in q["options"] if not o["correct"])
        out[q["id"]] = {"type": q["type"], "right": [o["text"] for o in right], "feedback": right[0]["feedback"],
                        "wrong": wrong["text"], "wrong_feedback": wrong["feedback"]}
    return out


@contextlib.contextmanager
def notebook_server(folder: Path, python: str = sys.executable, classic: bool = False):
    """Run JupyterLab (or the classic Notebook) on a free loopback port; yields (url, token, env)."""
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ,
           "COURSE_PROGRESS_FILE": str(folder / "progress.json"),
           "JUPYTER_CONFIG_DIR": str(folder / ".config"),
           "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings")}
    common = ["--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0", "--allow-root"]
    if classic:
        cmd = [python, "-m", "notebook", *common, f"--NotebookApp.token={token}", f"--notebook-dir={folder}"]
    else:
        # No news or update checks: nothing may reach the internet, no toast may cover the widgets.
        settings = folder / ".settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        cmd = [python, "-m", "jupyter", "lab", *common, f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={folder}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
    log_path = folder / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 40
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).read()
                    break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        raise RuntimeError("the notebook server did not start:\n" + log_path.read_text()[-2000:]) from None
                    time.sleep(0.3)
            if not classic:
                # Start the kernel through the REST API, so the page finds a running session.
                body = {"path": NOTEBOOK, "name": NOTEBOOK, "type": "notebook", "kernel": {"name": "python3"}}
                request = urllib.request.Request(f"{url}/api/sessions?token={token}", method="POST",
                                                 data=json.dumps(body).encode(),
                                                 headers={"Content-Type": "application/json"})
                urllib.request.urlopen(request, timeout=30).read()
            yield url, token, env
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


# The contrast of an element as drawn: its text colour over its background, both under its opacity.
CONTRAST_JS = """el => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const s = getComputedStyle(el);
  let a = 1;
  for (let e = el; e; e = e.parentElement) a *= Number(getComputedStyle(e).opacity);
  let bg = [255, 255, 255];
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c.slice(0, 3); break; }
  }
  const fg = rgb(s.color).slice(0, 3).map((v, i) => a * v + (1 - a) * 255);
  const face = bg.map(v => a * v + (1 - a) * 255);
  const lum = c => { const l = c.map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
  const [hi, lo] = [lum(fg), lum(face)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""


class Notebook:
    """The open notebook in either front end: its cells, their outputs, running one."""

    def __init__(self, page, classic: bool):
        self.page, self.classic = page, classic
        self.cells = page.locator("#notebook-container .cell" if classic else ".jp-Notebook .jp-Cell")
        self.ids = [ident for ident, _ in cell_sources()]

    def cell(self, ident: str):
        return self.cells.nth(self.ids.index(ident))

    def output(self, ident: str):
        return self.cell(ident).locator(".output_wrapper" if self.classic else ".jp-Cell-outputWrapper")

    def prompt(self, ident: str) -> str:
        return self.cell(ident).locator(".input_prompt" if self.classic else ".jp-InputPrompt").inner_text()

    def run(self, ident: str) -> None:
        self.cell(ident).locator(".CodeMirror" if self.classic else ".cm-content").first.click()
        self.page.keyboard.press("Shift+Enter")


def drive(url: str, token: str, shots: dict, classic: bool = False, static_copy: dict | None = None) -> dict:
    """Open the notebook and drive each part; returns what it measured. Every check is an expect()."""
    from playwright.sync_api import expect, sync_playwright

    seen: dict = {}
    answers = quiz_answers()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 3400})
            if classic:
                page.goto(f"{url}/notebooks/{NOTEBOOK}?token={token}", timeout=30_000)
                expect(page.locator("#kernel_indicator_icon.kernel_idle_icon")).to_have_count(1, timeout=30_000)
            else:
                page.goto(f"{url}/lab/tree/{NOTEBOOK}?reset&token={token}", timeout=30_000)
                page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=30_000)
                expect(page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle"))).to_be_visible(timeout=30_000)
            nb = Notebook(page, classic)
            expect(nb.cells).to_have_count(len(nb.ids))
            nb.run("quiz")
            quiz = nb.output("quiz").locator(".cvea-quiz")
            expect(quiz).to_be_visible(timeout=30_000)
            # The front end draws the widget, not the static copy that shares its output.
            expect(nb.output("quiz").get_by_text("Show the answer")).to_have_count(0)

            # Predict, lock in, reveal.
            nb.run("predict")
            card = nb.output("predict").locator(".cvea-quiz")
            expect(card).to_be_visible(timeout=30_000)
            card.get_by_text(PREDICT_GUESS).click()
            lock = card.get_by_role("button", name="Lock in my guess")
            lock.click()
            expect(card.get_by_text("Locked in:")).to_be_visible(timeout=10_000)
            expect(lock).to_be_disabled()
            seen["disabled_button_contrast"] = lock.evaluate(CONTRAST_JS)
            nb.run("reveal")
            shown = nb.output("reveal")
            expect(shown.get_by_text("PREDICTION CHECK")).to_be_visible(timeout=30_000)
            expect(shown.get_by_text("matches what happened")).to_be_visible()
            expect(shown.get_by_text(PREDICT_GUESS)).to_be_visible()
            _shoot(page, [nb.output("predict"), shown], shots["predict"])

            # The slider: its readout is the value the lesson names, and the first output is there before any move.
            nb.run("slider")
            view = nb.output("slider").locator(".cvea-interactive-view")
            expect(view).to_contain_text("duty cycle", timeout=60_000)
            slider = nb.output("slider").locator(".widget-slider")
            readout = slider.locator(".widget-readout")
            seen["slider_readout"] = readout.inner_text().strip()
            seen["slider_word_break"] = view.locator("pre").first.evaluate("e => getComputedStyle(e).wordBreak")
            seen["slider_first"] = view.inner_text().strip()
            if static_copy is not None:
                expect(view).to_have_text(_text_of(static_copy["text/html"]))
            first = seen["slider_first"]
            handle = slider.locator(".noUi-handle, .ui-slider-handle").first
            handle.focus()
            page.keyboard.press("ArrowRight")
            expect(readout).not_to_have_text(seen["slider_readout"], timeout=10_000)
            expect(view).not_to_have_text(first, timeout=30_000)
            seen["slider_moved_readout"] = readout.inner_text().strip()
            seen["slider_moved"] = view.inner_text().strip()
            _shoot(page, [nb.output("slider").locator(".cvea-interactive")], shots["slider"])

            # An Output widget draws what is printed inside it (widgetsnbextension 3.6.10 cannot).
            nb.run("output")
            expect(nb.output("output").locator(".widget-output, .jupyter-widgets-output-area").get_by_text(OUTPUT_TEXT)).to_be_visible(
                timeout=30_000)

            # The tree, drawn once, before the quiz is passed.
            nb.run("tree")
            tree = nb.output("tree").locator(".cvea-tree-view")
            expect(tree).to_contain_text(f"0 of {tree_nodes()} nodes mastered", timeout=30_000)
            expect(nb.cell("tree").locator(".input_prompt" if classic else ".jp-InputPrompt")).to_have_text(
                re.compile(r"\[6\]"), timeout=30_000)
            tree_prompt = nb.prompt("tree")
            image_before = tree.locator("img").get_attribute("src")

            # The quiz: one question wrong first (feedback, no answer given away), then the rest right.
            cards = quiz.locator(".cvea-card")
            order = [q for q in answers]
            expect(cards).to_have_count(len(order))
            wrong = cards.nth(order.index(WRONG_FIRST))
            wrong.get_by_text(_option(answers[WRONG_FIRST]["wrong"])).click()
            check = wrong.get_by_role("button", name="Check")
            check.click()
            expect(wrong.get_by_text("Not this one.")).to_be_visible(timeout=10_000)
            expect(wrong.get_by_text(answers[WRONG_FIRST]["wrong_feedback"])).to_be_visible()
            expect(wrong.get_by_text("Why:")).to_have_count(0)
            expect(wrong.get_by_text("One more miss of this question shows its answer", exact=False)).to_be_visible()
            expect(check).to_be_disabled()
            seen["disabled_check_contrast"] = check.evaluate(CONTRAST_JS)
            enabled = cards.nth(0).get_by_role("button", name="Check")
            seen["primary_button_contrast"] = enabled.evaluate(CONTRAST_JS)
            for n, qid in enumerate(order):
                if qid == WRONG_FIRST:
                    continue
                c, a = cards.nth(n), answers[qid]
                if a["type"] == "numeric":
                    c.locator("input[type='text']").fill(a["right"][0])
                else:
                    for text in a["right"]:
                        c.get_by_text(_option(text)).click()
                c.get_by_role("button", name="Check").click()
                expect(c.get_by_text("Why:")).to_be_visible(timeout=10_000)
                if a["type"] == "single":
                    expect(c.get_by_text(a["feedback"])).to_be_visible()
            right = len(order) - 1
            expect(quiz.get_by_text(f"Mastered with {right} / {len(order)}", exact=False)).to_be_visible(timeout=10_000)
            _shoot(page, [quiz], shots["quiz"])

            # The tree already on the page redraws itself: its cell has not run again.
            expect(tree).to_contain_text(f"1 of {tree_nodes()} nodes mastered", timeout=30_000)
            expect(tree.locator("img")).to_have_attribute("alt", re.compile(rf"^Architecture Tree: 1 of {tree_nodes()} nodes"))
            seen["tree_redrawn"] = tree.locator("img").get_attribute("src") != image_before
            seen["tree_prompt_before"], seen["tree_prompt_after"] = tree_prompt, nb.prompt("tree")
            seen["tree_text"] = tree.inner_text().strip()
            _shoot(page, [tree], shots["tree"])

            # Retry asks every question again, the wrong one included.
            quiz.get_by_role("button", name="Retry").click()
            expect(wrong.get_by_text("Not this one.")).to_have_count(0, timeout=10_000)
            expect(check).to_be_enabled()
            expect(quiz.get_by_text(f"0 of {len(order)} checked", exact=False)).to_be_visible()
        finally:
            browser.close()
    return seen


def _option(text: str):
    """An option's label as the widget shows it: its letter in this learner's order, then its text."""
    return re.compile(r"^[A-H]\. " + re.escape(text) + "$")


def _text_of(html_text: str) -> str:
    """The text a browser shows for the static copy's output (without its caption)."""
    body = re.sub(r"^<p><small>.*?</small></p>", "", html_text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body)).strip()


def _shoot(page, locators, path: Path) -> None:
    """One screenshot around all of ``locators``."""
    boxes = []
    for loc in locators:
        loc.scroll_into_view_if_needed()
        boxes.append(loc.bounding_box())
    x0, y0 = min(b["x"] for b in boxes), min(b["y"] for b in boxes)
    x1, y1 = max(b["x"] + b["width"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), clip={"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}, full_page=True)


def screenshots(front_end: str) -> dict:
    return {part: ARTEFACTS / f"{part}-{front_end}.png" for part in PARTS}


def check(python: str = sys.executable, classic: bool = False) -> tuple[dict, dict, float]:
    """Run the whole check in a temporary folder: (what the browser saw, the saved progress, seconds)."""
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_notebook(folder)
        shots = screenshots("classic" if classic else "lab")
        for shot in shots.values():
            shot.unlink(missing_ok=True)
        with notebook_server(folder, python, classic) as (url, token, env):
            seen = drive(url, token, shots, classic, static_slider_copy())
            saved = json.loads(Path(env["COURSE_PROGRESS_FILE"]).read_text())
    return seen, saved, time.time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classic", metavar="PYTHON", help="use the classic Notebook of this Python")
    args = parser.parse_args()
    seen, saved, took = check(args.classic or sys.executable, bool(args.classic))
    name = "classic" if args.classic else "lab"
    print(f"{name}: driven in the browser in {took:.1f} s; progress saved {saved['quizzes'][QUIZ]}")
    print(json.dumps(seen, indent=1))
    print("screenshots: " + ", ".join(str(p.relative_to(ROOT)) for p in screenshots(name).values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
