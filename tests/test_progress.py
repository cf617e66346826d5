"""The Architecture Tree and its saved progress: the tree's shape, unlocking, mastery, old files, corruption, reset."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from utils import progress
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
NODES = ["01", "02", "03", "04", "05", "06", "07", "08", "09"]


@pytest.fixture
def progress_file(tmp_path, monkeypatch):
    """A private progress file per test, and no notices or memory left over from other tests."""
    path = tmp_path / "nested" / "progress.json"
    monkeypatch.setenv(progress.ENV_VAR, str(path))
    monkeypatch.setattr(progress, "_memory", None)
    monkeypatch.setattr(progress, "_told", set())
    return path


def master(*ids):
    for nid in ids:
        progress.record_quiz(nid, 1.0, True)


# ---------------------------------------------------------------- the tree's shape ------------------


def test_the_tree_has_the_seeds_three_branches():
    assert progress.PARENTS == {
        "01": (), "02": ("01",),                            # cloud: the paradigm, then its limits
        "03": (), "05": ("03",), "06": ("05",), "07": ("06",),  # edge: TinyML, training, quantization, device
        "04": ("02", "03"), "08": ("02", "07"),             # both: privacy, and the hybrid system
        "09": ("08",),                                      # the learning loop grows from the hybrid system
    }
    assert [nid for nid, _ in progress.nodes()] == NODES and set(progress.PARENTS) == set(NODES)


def _ancestors(nid):
    out = set()
    for p in progress.PARENTS[nid]:
        out |= {p} | _ancestors(p)
    return out


def test_04_and_08_need_both_branches_and_05_grows_on_the_edge():
    cloud, edge = {"01", "02"}, {"03", "05", "06", "07"}
    assert {n for n, b in progress.BRANCH.items() if b == "cloud"} == cloud
    assert {n for n, b in progress.BRANCH.items() if b == "edge"} == edge
    for nid in ("04", "08"):
        assert _ancestors(nid) & cloud and _ancestors(nid) & edge, f"{nid} must need both branches"
    assert _ancestors("08") == cloud | edge  # the hybrid system needs the whole of both branches
    assert _ancestors("05") == {"03"} and _ancestors("07") == {"03", "05", "06"}
    assert not _ancestors("01") and not _ancestors("03")  # the two roots
    assert not _ancestors("02") & edge  # the cloud branch does not depend on the edge branch
    assert progress.children("02") == ["04", "08"] and progress.children("07") == ["08"]
    assert progress.children("08") == ["09"] and _ancestors("09") == cloud | edge | {"08"}  # after the hybrid


def test_every_node_says_what_unlocks_it():
    assert progress.unlock_rule("01") == progress.unlock_rule("03") == "open from the start"
    assert progress.unlock_rule("04") == "unlocked by mastering 02 and 03"
    assert progress.unlock_rule("08") == "unlocked by mastering 02 and 07"
    assert progress.unlock_rule("06") == "unlocked by mastering 05"


# ---------------------------------------------------------------- unlocking and mastery --------------


def test_missing_file_starts_fresh_with_two_open_roots(progress_file, capsys):
    assert not progress_file.exists()
    assert progress.load() == {"version": 2, "quizzes": {}}
    assert progress.node_states() == {"01": "unlocked", "02": "locked", "03": "unlocked", "04": "locked",
                                      "05": "locked", "06": "locked", "07": "locked", "08": "locked",
                                      "09": "locked"}
    assert capsys.readouterr().out == ""


def test_unlocking_follows_the_tree(progress_file):
    states = progress.node_states
    assert progress.record_quiz("01", 1.0, True)["unlocked"] == ["02"]
    assert states()["04"] == "locked"  # 02 alone is not enough for 04
    change = progress.record_quiz("03", 0.8, True)
    assert change["unlocked"] == ["05"] and states()["04"] == "locked"
    assert progress.record_quiz("02", 1.0, True)["unlocked"] == ["04"]  # both branches: 04 opens
    assert states()["08"] == "locked"  # 08 still waits for 07
    assert progress.waiting_for("08") == ["07"]
    master("05", "06")
    assert progress.record_quiz("07", 1.0, True)["unlocked"] == ["08"]
    master("04")
    assert progress.record_quiz("08", 1.0, True)["unlocked"] == ["09"]
    master("09")
    assert set(states().values()) == {"mastered"}
    assert progress.summary() == "9 of 9 nodes mastered; the whole tree is mastered."


def test_a_failed_round_or_a_pass_without_mastery_does_not_master(progress_file):
    change = progress.record_quiz("01", 0.4, False)
    assert change["mastered"] is False and change["unlocked"] == [] and change["state"] == "unlocked"
    change = progress.record_quiz("01", 0.9, True, mastered=False)  # passed, but with shown answers counted
    assert change["passed"] and not change["mastered"] and progress.node_states()["02"] == "locked"
    assert not progress.is_mastered("01")
    assert progress.record_quiz("01", 0.8, True, mastered=True)["newly_mastered"]
    again = progress.record_quiz("01", 0.2, False)
    assert again["mastered"] and not again["newly_mastered"]  # a later fail does not unmaster
    assert progress.load()["quizzes"]["01"]["score"] == 0.9  # the best score is kept
    with pytest.raises(CourseError, match="cannot master a node without passing"):
        progress.record_quiz("01", 0.5, False, mastered=True)


def test_a_locked_node_waits_for_its_parents_even_when_its_quiz_is_mastered(progress_file):
    change = progress.record_quiz("04", 1.0, True)
    assert change["mastered"] and change["state"] == "locked" and change["waiting_for"] == ["02", "03"]
    note = progress.node_note("04")
    # Allowed, and shown as such: mastered early, not "locked" beside "mastered".
    assert "mastered early" in note and "already mastered" in note and "once 02 and 03 are mastered" in note
    assert "is locked" not in note and progress.shown_states()["04"] == progress.MASTERED_EARLY
    assert "mastered early: 04 (counts once 02 and 03 are mastered)" in progress.summary()
    master("01", "03")
    assert progress.node_states()["04"] == "locked" and progress.waiting_for("04") == ["02"]
    change = progress.record_quiz("02", 1.0, True)
    assert change["also_mastered"] == ["04"] and progress.node_states()["04"] == "mastered"


def test_summary_says_what_is_open_and_what_each_locked_node_waits_for(progress_file):
    master("01")
    assert progress.summary() == (
        "1 of 9 nodes mastered; open now: 02 Limits of the cloud, 03 Edge AI and TinyML; locked: "
        "04 (finish 02 and 03), 05 (finish 03), 06 (finish 05), 07 (finish 06), 08 (finish 02 and 07), 09 (finish 08).")
    assert progress.node_note("02") == ("Node 02 \u00b7 Limits of the cloud is open (unlocked by mastering 01): "
                                        "master its quiz to master it.")


def test_quiz_00_is_not_a_node_and_unlocks_nothing(progress_file):
    change = progress.record_quiz("00", 1.0, True)
    assert change["unlocked"] == [] and change["mastered"] and change["state"] is None
    assert "00" not in progress.node_states()


def test_shown_answers_and_misses_are_saved_per_question(progress_file):
    assert progress.question_record("02.gb-per-day") == {"misses": 0, "revealed": False}
    assert progress.record_miss("02.gb-per-day") == 1
    assert progress.record_miss("02.gb-per-day") == 2
    progress.record_reveal("02.gb-per-day")
    assert progress.question_record("02.gb-per-day") == {"misses": 2, "revealed": True}
    assert progress.revealed("02") == {"02.gb-per-day"} and progress.revealed("03") == set()
    doc = json.loads(progress_file.read_text())
    assert doc["quizzes"]["02"]["questions"] == {"02.gb-per-day": {"misses": 2, "revealed": True}}
    assert doc["quizzes"]["02"]["mastered"] is False and doc["quizzes"]["02"]["rounds"] == 0
    with pytest.raises(CourseError, match="should look like"):
        progress.record_miss("gb-per-day")


# ---------------------------------------------------------------- the file --------------------------


def test_default_location_is_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(progress.ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert progress.progress_file() == tmp_path / ".cloud_vs_edge_ai" / "progress.json"


def test_round_trip_survives_a_new_python_process(progress_file):
    change = progress.record_quiz("01", 0.9, True)
    assert change["mastered"] and change["newly_mastered"] and change["unlocked"] == ["02"]
    ident = progress.learner_id()
    # A kernel restart is a new process: it must read the same state from the file.
    code = ("from utils import progress; s = progress.node_states(); "
            "print(s['01'], s['02'], s['04'], progress.learner_id())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, progress.ENV_VAR: str(progress_file)}).stdout
    assert out.split() == ["mastered", "unlocked", "locked", ident]


def test_file_holds_scores_a_random_id_and_nothing_personal(progress_file):
    progress.record_quiz("02", 0.6, False)
    progress.record_quiz("02", 1.0, True)
    ident = progress.learner_id()
    doc = json.loads(progress_file.read_text())
    assert set(doc) == {"version", "learner", "quizzes"} and doc["version"] == 2
    assert doc["learner"] == ident and len(ident) == 16 and set(ident) <= set("0123456789abcdef")
    assert doc["quizzes"] == {"02": {"passed": True, "mastered": True, "score": 1.0, "rounds": 2}}


@pytest.mark.parametrize("old", [
    {"version": 1, "quizzes": {"01": {"passed": True, "score": 0.8, "rounds": 1},
                               "02": {"passed": False, "score": 0.4, "rounds": 3}}},
    {"quizzes": {"01": {"passed": True, "score": 0.8, "rounds": 1}, "02": {"passed": False}}},  # no version at all
])
def test_old_progress_files_load_and_keep_their_passes(progress_file, old, capsys):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(json.dumps(old, indent=1))
    state = progress.load()
    assert state["version"] == 2 and capsys.readouterr().out == ""  # no "corrupt" notice
    assert progress.is_mastered("01") and not progress.is_mastered("02")  # a pass of its time counts as mastered
    assert progress.node_states()["02"] == "unlocked" and progress.rounds("02") == (3 if "version" in old else 0)
    assert progress.question_record("01.wifi-goes-down") == {"misses": 0, "revealed": False}
    assert progress.revealed("01") == set()
    assert len(progress.learner_id()) == 16  # given an id on first use, and saved as version 2
    progress.record_quiz("02", 1.0, True)
    doc = json.loads(progress_file.read_text())
    assert doc["version"] == 2 and doc["quizzes"]["01"] == {**old["quizzes"]["01"], "mastered": True}
    assert progress.node_states()["04"] == "locked" and progress.node_states()["02"] == "mastered"


def test_damaged_fields_do_not_break_loading(progress_file):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(json.dumps({"version": 2, "learner": 7, "quizzes": {
        "01": {"passed": True, "mastered": True, "rounds": "many", "questions": ["not", "a", "dict"]},
        "02": {"questions": {"02.gb-per-day": "oops"}}}}))
    assert progress.rounds("01") == 0 and progress.revealed("01") == set()
    assert progress.question_record("02.gb-per-day") == {"misses": 0, "revealed": False}
    assert progress.record_miss("01.wifi-goes-down") == 1 and progress.record_miss("02.gb-per-day") == 1
    assert isinstance(progress.learner_id(), str) and progress.node_states()["02"] == "unlocked"


def test_corrupt_file_starts_fresh_keeps_the_old_file_and_says_so_once(progress_file, capsys):
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text("{not json")
    assert progress.load() == {"version": 2, "quizzes": {}}
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
    assert progress.load() == {"version": 2, "quizzes": {}}


def test_reset_forgets_everything(progress_file, capsys):
    progress.record_quiz("01", 1.0, True)
    progress.record_reveal("01.inference-def")
    ident = progress.learner_id()
    assert progress_file.exists()
    progress.reset()
    assert not progress_file.exists()
    assert progress.node_states()["01"] == "unlocked" and not progress.is_mastered("01")
    assert progress.revealed("01") == set() and progress.learner_id() != ident
    assert "starts again at its roots, 01 and 03" in capsys.readouterr().out
    progress.reset()  # resetting twice is harmless


def test_unwritable_location_keeps_progress_for_the_session(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(progress.ENV_VAR, str(blocker / "progress.json"))  # its folder is a file
    monkeypatch.setattr(progress, "_memory", None)
    monkeypatch.setattr(progress, "_told", set())
    assert progress.save(progress.load()) is None
    progress.record_quiz("01", 1.0, True)
    assert progress.is_mastered("01") and progress.learner_id() == progress.learner_id()
    out = capsys.readouterr().out
    assert out.count("Cannot save progress") == 1 and "this session only" in out


def test_bad_input_is_one_sentence(progress_file):
    with pytest.raises(CourseError, match="Unknown notebook id '9'"):
        progress.record_quiz("9", 1.0, True)
    with pytest.raises(CourseError, match="must be a number, from 0 to 1"):
        progress.record_quiz("01", 80, True)
    with pytest.raises(CourseError, match="must be a number, from 0 to 1"):
        progress.record_quiz("01", True, True)
    with pytest.raises(CourseError, match="Unknown notebook id"):
        progress.show_tree(highlight="12")
    with pytest.raises(CourseError, match="Unknown notebook id"):
        progress.parents("10")
    with pytest.raises(CourseError, match="'quizzes' dict"):
        progress.save({"nodes": []})


# ---------------------------------------------------------------- drawing ---------------------------


def test_tree_figure_draws_each_state_and_the_branches(progress_file):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex
    from matplotlib.patches import FancyBboxPatch

    from utils import style

    master("01")
    progress.record_quiz("04", 1.0, True)
    fig = progress.tree_figure()
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    texts = [t.get_text() for t in ax.texts]
    assert len(boxes) == 9
    by_title = {t.get_text()[:2]: b for t, b in zip([t for t in ax.texts if t.get_text()[:2] in NODES
                                                      and t.get_text()[2:4] == "  "], boxes, strict=True)}
    assert to_hex(by_title["01"].get_facecolor()) == style.HYBRID.lower()  # mastered
    assert to_hex(by_title["02"].get_edgecolor()) == style.EDGE.lower()  # open
    assert to_hex(by_title["03"].get_edgecolor()) == style.EDGE.lower()  # open: a root
    assert to_hex(by_title["04"].get_facecolor()) == style.PAGE  # mastered early: its quiz, before 02 and 03
    assert by_title["04"].get_linestyle() == "--" and to_hex(by_title["04"].get_edgecolor()) == style.HYBRID.lower()
    assert "\u2713 mastered early" in texts and "counts once 02 and 03 are mastered" in texts
    assert "locked: finish 02 and 03 first" not in texts
    assert to_hex(by_title["06"].get_facecolor()) == style.LOCKED_FACE  # locked
    assert "locked: finish 02 and 07 first" in texts and texts.count("open from the start") == 2
    assert "unlocked by mastering 01" in texts and "cloud branch" in texts and "edge branch" in texts
    assert len(ax.lines) == sum(len(ps) for ps in progress.PARENTS.values()) == 9  # one piece of wood per parent
    grown = [ln for ln in ax.lines if to_hex(ln.get_color()) == style.HYBRID.lower()]
    assert len(grown) == 1  # only 01 -> 02 grows from a mastered node
    assert ax.get_title(loc="left") == "Architecture Tree: 1 of 9 nodes mastered"
    plt.close(fig)


def test_show_tree_is_a_live_widget_that_refresh_redraws_in_place(progress_file, monkeypatch):
    import IPython.display
    import matplotlib

    from utils.display import WIDGET_MIME

    matplotlib.use("Agg")
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))
    monkeypatch.setattr("utils.course.on_colab", lambda: False)
    monkeypatch.setattr(progress, "_trees", {})
    progress.record_quiz("01", 1.0, True)
    progress.show_tree(highlight="02")
    (bundle,) = shown
    view = progress._trees["02"]
    assert bundle[WIDGET_MIME]["model_id"] == view.model_id and bundle["text/html"] == view.value
    assert '<img src="data:image/png;base64,' in view.value and 'alt="Architecture Tree: 1 of 9 nodes mastered.' in view.value
    assert "1 of 9 nodes mastered; open now: 02 Limits of the cloud, 03 Edge AI and TinyML;" in view.value
    assert "08 (finish 02 and 07)" in bundle["text/plain"] and str(progress_file) in view.value
    progress.record_quiz("02", 1.0, True)
    progress.refresh_trees()  # what a passed quiz calls: the same widget, redrawn, no new output
    assert len(shown) == 1 and "2 of 9 nodes mastered" in view.value and "open now: 03 Edge AI" in view.value
    progress.show_tree(highlight="02")  # the cell run again: a second view of the same live tree
    assert shown[1][WIDGET_MIME]["model_id"] == view.model_id


def test_the_progress_file_is_shown_from_the_home_folder_without_the_user_name(monkeypatch, tmp_path):
    home = tmp_path / "ada"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv(progress.ENV_VAR, raising=False)
    monkeypatch.setattr(progress, "_memory", None)
    monkeypatch.setattr(progress, "_told", set())
    assert progress.shown_path() == "~/.cloud_vs_edge_ai/progress.json"
    page = progress.tree_html()
    assert "<code>~/.cloud_vs_edge_ai/progress.json</code>" in page and str(home) not in page
    assert progress.shown_path(tmp_path / "elsewhere.json") == str(tmp_path / "elsewhere.json")
