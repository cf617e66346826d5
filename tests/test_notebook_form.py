"""Every committed notebook is in clean form, opens the same way and ends with its quiz and the tree."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nb as nbtool  # noqa: E402

from utils.course import NOTEBOOKS  # noqa: E402

FILES = nbtool.notebook_files()


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_notebooks_exist_in_course_order():
    assert FILES and FILES[0].name == "00_start_here.ipynb"
    known = {f"{stem}.ipynb" for _, stem, _ in NOTEBOOKS}
    assert {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} <= known


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_committed_in_clean_form(path):
    assert nbtool.problems(path) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_opens_with_title_colab_link_objectives_and_setup(path):
    cells = _cells(path)
    head = "".join(cells[0]["source"])
    title = dict((n, t) for n, _, t in NOTEBOOKS)[path.name[:2]]
    assert head.startswith(f"# {path.name[:2]} · {title}")
    assert nbtool.colab_link(path) in head
    assert "**In this notebook you will**" in head
    assert "".join(cells[1]["source"]) == nbtool.setup_source(path.name[:2])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_ends_with_quiz_and_tree(path):
    code = ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code"]
    assert any(f'quiz("{path.name[:2]}")' in c for c in code)
    assert "show_tree()" in code[-1]


def test_dirty_notebook_is_caught(tmp_path):
    src = FILES[0]
    nb = json.loads(src.read_text(encoding="utf-8"))
    lesson_code = [c for c in nb["cells"][2:] if c["cell_type"] == "code"]
    lesson_code[0]["execution_count"] = 7
    lesson_code[0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    nb["metadata"]["widgets"] = {"state": {}}
    dirty = tmp_path / src.name
    dirty.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert nbtool.problems(dirty) == ["it has outputs", "it has execution counts", "it has extra notebook metadata"]


def test_stale_colab_link_is_caught(tmp_path):
    src = FILES[0]
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb["cells"][0]["source"] = [s.replace("blob/main", "blob/old") for s in nb["cells"][0]["source"]]
    stale = tmp_path / src.name
    stale.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert nbtool.problems(stale) == ["its Colab link or setup cell is not the generated one"]
