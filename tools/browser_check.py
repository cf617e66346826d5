"""Drive quiz("00") in a real browser: a notebook server on 127.0.0.1, headless Chromium, clicks, a screenshot.

    python tools/browser_check.py                       JupyterLab 4 + ipywidgets 8 from this venv
    python tools/browser_check.py --classic PYTHON      the classic Notebook 6 front end of another
                                                        Python (e.g. a venv with notebook<7 and
                                                        ipywidgets==7.7.1, as on Colab)

It answers all six questions (one wrongly first, options clicked by their text since each learner
sees them in their own order), checks that the feedback appears, that the round masters the quiz
and reaches the progress file, and that Retry re-opens every question; it saves a screenshot
(build/test-artefacts/quiz-<front end>.png).
tests/test_browser.py runs the JupyterLab case. Offline: loopback only, update checks off.
"""

from __future__ import annotations

import argparse
import contextlib
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
NOTEBOOK = "quiz_check.ipynb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(folder: Path) -> Path:
    """A one-cell notebook that shows quiz("00") from this course."""
    cell = {"cell_type": "code", "id": "quiz-check", "execution_count": None, "metadata": {}, "outputs": [],
            "source": f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom utils.quiz import quiz\nquiz('00')"}
    nb = {"cells": [cell], "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path = folder / NOTEBOOK
    path.write_text(json.dumps(nb))
    return path


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
        # No news or update checks: nothing may reach the internet, no toast may cover the quiz.
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


def drive_quiz(url: str, token: str, screenshot: Path, classic: bool = False) -> None:
    """Open the notebook, run the cell, answer the quiz (one wrong try), keep a screenshot, then Retry."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 3400})
            if classic:
                page.goto(f"{url}/notebooks/{NOTEBOOK}?token={token}", timeout=30_000)
                expect(page.locator("#kernel_indicator_icon.kernel_idle_icon")).to_have_count(1, timeout=30_000)
                page.locator(".CodeMirror").first.click()
                output = page.locator(".output_area").first
            else:
                page.goto(f"{url}/lab/tree/{NOTEBOOK}?reset&token={token}", timeout=30_000)
                page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=30_000)
                expect(page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle"))).to_be_visible(timeout=30_000)
                page.locator(".jp-Cell .cm-content").first.click()
                output = page.locator(".jp-OutputArea").first
            page.keyboard.press("Shift+Enter")
            quiz = page.locator(".cvea-quiz")
            expect(quiz).to_be_visible(timeout=30_000)
            # The front end draws the widget, not the static copy that shares its output.
            expect(page.get_by_text("Show the answer")).to_have_count(0)
            cards = quiz.locator(".cvea-card")
            expect(cards).to_have_count(6)
            # Options are shuffled per learner, so each one is clicked by its text, never by its letter.

            # Question 1, right: the chosen option's feedback and the explanation appear.
            cards.nth(0).get_by_text("On the doorbell itself").click()
            cards.nth(0).get_by_role("button", name="Check").click()
            expect(cards.nth(0).get_by_text("Yes: the model goes to the data")).to_be_visible(timeout=10_000)
            expect(cards.nth(0).get_by_text("Why:")).to_be_visible()
            # Question 3, wrong first: feedback on that option, the answer not given away, a warning instead.
            cards.nth(2).get_by_text("It counts twice, because you corrected a mistake").click()
            cards.nth(2).get_by_role("button", name="Check").click()
            expect(cards.nth(2).get_by_text("Not this one.")).to_be_visible(timeout=10_000)
            expect(cards.nth(2).get_by_text("Every question is worth one point at most")).to_be_visible()
            expect(cards.nth(2).get_by_text("Why:")).to_have_count(0)
            expect(cards.nth(2).get_by_text("One more miss of this question shows its answer", exact=False)).to_be_visible()
            # Question 2 (four of five right), 4, 5 (a number) and 6, right: 5 of 6 points master it.
            for text in ("A reply no longer waits", "Fewer bytes cross the network", "The device keeps working",
                         "Raw camera and microphone data"):
                cards.nth(1).get_by_text(text).click()
            cards.nth(1).get_by_role("button", name="Check").click()
            expect(cards.nth(1).get_by_text("Right: you found every correct option")).to_be_visible(timeout=10_000)
            cards.nth(3).get_by_text("When 02 (the end of the cloud branch) and 03 are both mastered").click()
            cards.nth(3).get_by_role("button", name="Check").click()
            expect(cards.nth(3).get_by_text("Right.")).to_be_visible(timeout=10_000)
            cards.nth(4).locator("input[type='text']").fill("4")
            cards.nth(4).get_by_role("button", name="Check").click()
            expect(cards.nth(4).get_by_text("Right.")).to_be_visible(timeout=10_000)
            cards.nth(5).get_by_text("Both: train in the cloud").click()
            cards.nth(5).get_by_role("button", name="Check").click()
            expect(quiz.get_by_text("Mastered with 5 / 6 (83%)")).to_be_visible(timeout=10_000)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            output.screenshot(path=str(screenshot))
            # Retry asks every question again, right ones included, in a new order.
            quiz.get_by_role("button", name="Retry").click()
            expect(cards.nth(2).get_by_text("Not this one.")).to_have_count(0, timeout=10_000)
            expect(cards.nth(2).get_by_role("button", name="Check")).to_be_enabled()
            expect(cards.nth(0).get_by_role("button", name="Check")).to_be_enabled()
            expect(cards.nth(0).get_by_text("Yes: the model goes to the data")).to_have_count(0)
            expect(quiz.get_by_text("0 of 6 checked", exact=False)).to_be_visible()
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classic", metavar="PYTHON", help="use the classic Notebook of this Python")
    args = parser.parse_args()
    name = "classic" if args.classic else "lab"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_notebook(folder)
        start = time.time()
        with notebook_server(folder, args.classic or sys.executable, bool(args.classic)) as (url, token, env):
            shot = ARTEFACTS / f"quiz-{name}.png"
            drive_quiz(url, token, shot, classic=bool(args.classic))
            saved = json.loads(Path(env["COURSE_PROGRESS_FILE"]).read_text())
        print(f"{name}: quiz answered in the browser in {time.time() - start:.1f} s; progress saved "
              f"{saved['quizzes']['00']}; screenshot {shot.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
