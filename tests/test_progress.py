"""The Architecture Tree's saved progress: round trip, restarts, corruption, reset, unlocking order."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from utils import progress
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def progress_file(tmp_path, monkeypatch):
    """A private progress file per test, and no notices or memory left over from other tests."""
    path = tmp_path / "nested" / "progress.json"
    monkeypatch.setenv(progress.ENV_VAR, str(path))
    monkeypatch.setattr(progress, "_memory", None)
    monkeypatch.setattr(progress, "_told", set())
    return path


def test_default_location_is_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(progress.ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress.progress_file() == tmp_path / ".cloud_vs_edge_ai" / "progress.json"


def test_missing_file_starts_fresh_without_a_notice(progress_file, capsys):
    assert not progress_file.exists()
    assert progress.load() == {"version": 1, "quizzes": {}}
    assert progress.node_states() == {"01": "unlocked", **{f"0{i}": "locked" for i in range(2, 9)}}
    assert capsys.readouterr().out == ""


def test_round_trip_survives_a_new_python_process(progress_file):
    change = progress.record_quiz("01", 0.9, True)
    assert change == {"mastered": True, "newly_mastered": True, "unlocked": "02"}
    # A kernel restart is a new process: it must read the same state from the file.
    code = "from utils import progress; print(progress.node_states()['01'], progress.node_states()['02'])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, progress.ENV_VAR: str(progress_file)}).stdout
    assert out.split() == ["mastered", "unlocked"]


def test_file_holds_scores_and_nothing_personal(progress_file):
    progress.record_quiz("02", 0.6, False)
    progress.record_quiz("02", 1.0, True)
    doc = json.loads(progress_file.read_text())
    assert set(doc) == {"version", "quizzes"}
    assert doc["quizzes"] == {"02": {"passed": True, "score": 1.0, "rounds": 2}}


def test_failed_round_does_not_master_and_a_later_fail_does_not_unmaster(progress_file):
    assert progress.record_quiz("01", 0.4, False) == {"mastered": False, "newly_mastered": False, "unlocked": None}
    assert not progress.is_mastered("01")
    progress.record_quiz("01", 0.8, True)
    again = progress.record_quiz("01", 0.2, False)
    assert again["mastered"] and not again["newly_mastered"]
    assert progress.load()["quizzes"]["01"]["score"] == 0.8  # the best score is kept


def test_unlocking_order(progress_file):
    states = progress.node_states
    assert [s for s in states().values()].count("unlocked") == 1
    progress.record_quiz("01", 1.0, True)
    assert states()["01"] == "mastered" and states()["02"] == "unlocked" and states()["03"] == "locked"
    # Passing a later quiz out of order masters it and opens the one after; the skipped node stays open.
    progress.record_quiz("03", 1.0, True)
    s = states()
    assert (s["02"], s["03"], s["04"], s["05"]) == ("unlocked", "mastered", "unlocked", "locked")
    for nid in ("02", "04", "05", "06", "07", "08"):
        progress.record_quiz(nid, 1.0, True)
    assert set(states().values()) == {"mastered"}
    assert "8 of 8 nodes mastered; the whole tree is mastered." == progress.summary()


def test_quiz_00_opens_node_01_but_is_not_a_node(progress_file):
    assert progress.record_quiz("00", 1.0, True)["unlocked"] == "01"
    assert "00" not in progress.node_states()
    assert progress.record_quiz("08", 1.0, True)["unlocked"] is None


def test_corrupt_file_starts_fresh_keeps_the_old_file_and_says_so_once(progress_file, capsys):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text("{not json")
    assert progress.load() == {"version": 1, "quizzes": {}}
    out = capsys.readouterr().out
    assert "Could not read your saved progress" in out and "starting fresh" in out
    assert (progress_file.parent / "progress.json.corrupt").read_text() == "{not json"
    progress_file.write_text("[1, 2, 3]")  # valid JSON, but not progress
    assert progress.load()["quizzes"] == {}
    assert capsys.readouterr().out == ""  # said once per session
    progress.record_quiz("01", 1.0, True)
    assert progress.is_mastered("01")


@pytest.mark.parametrize("content", ['{"quizzes": []}', '"text"', '{"quizzes": {"01": 5}}', "\xff\xfe"])
def test_other_corruptions_start_fresh(progress_file, content):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_bytes(content.encode("latin-1"))
    assert progress.load() == {"version": 1, "quizzes": {}}


def test_reset_forgets_everything(progress_file, capsys):
    progress.record_quiz("01", 1.0, True)
    assert progress_file.exists()
    progress.reset()
    assert not progress_file.exists()
    assert progress.node_states()["01"] == "unlocked" and not progress.is_mastered("01")
    assert "Progress reset" in capsys.readouterr().out
    progress.reset()  # resetting twice is harmless


def test_unwritable_location_keeps_progress_for_the_session(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(progress.ENV_VAR, str(blocker / "progress.json"))  # its folder is a file
    monkeypatch.setattr(progress, "_memory", None)
    monkeypatch.setattr(progress, "_told", set())
    assert progress.save(progress.load()) is None
    progress.record_quiz("01", 1.0, True)
    assert progress.is_mastered("01")
    out = capsys.readouterr().out
    assert out.count("Cannot save progress") == 1 and "this session only" in out


def test_bad_input_is_one_sentence(progress_file):
    with pytest.raises(CourseError, match="Unknown notebook id '9'"):
        progress.record_quiz("9", 1.0, True)
    with pytest.raises(CourseError, match="fraction between 0 and 1"):
        progress.record_quiz("01", 80, True)
    with pytest.raises(CourseError, match="fraction between 0 and 1"):
        progress.record_quiz("01", True, True)
    with pytest.raises(CourseError, match="Unknown notebook id"):
        progress.show_tree(highlight="12")
    with pytest.raises(CourseError, match="'quizzes' dict"):
        progress.save({"nodes": []})


def test_tree_figure_draws_each_state(progress_file):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import to_hex
    from matplotlib.patches import FancyBboxPatch

    from utils import style

    progress.record_quiz("01", 1.0, True)
    fig = progress.tree_figure()
    boxes = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(boxes) == 8
    assert to_hex(boxes[0].get_facecolor()) == style.HYBRID.lower()  # 01 mastered
    assert to_hex(boxes[1].get_edgecolor()) == style.EDGE.lower()  # 02 open
    assert to_hex(boxes[2].get_facecolor()) == "#eeeeee"  # 03 locked
    assert "01  The cloud AI paradigm" in texts and "08  The hybrid architecture" in texts
    assert fig.axes[0].get_title(loc="left") == "Architecture Tree: 1 of 8 nodes mastered"
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_show_tree_displays_one_figure_and_a_summary(progress_file, monkeypatch, capsys):
    import IPython.display
    import matplotlib

    matplotlib.use("Agg")
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    progress.record_quiz("01", 1.0, True)
    progress.show_tree(highlight="02")
    assert len(shown) == 1 and type(shown[0]).__name__ == "Figure"
    out = capsys.readouterr().out
    assert "1 of 8 nodes mastered; open next: 02 Limits of the cloud." in out and str(progress_file) in out
