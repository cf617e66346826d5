"""Colours a learner can read: WCAG AA, a contrast of at least 4.5:1 for all text against its background.

Computed from the course's style constants (utils.style), from every colour written in the modules
that draw text for learners, and from the Architecture Tree as drawn. Disabled buttons and locked tree
nodes included; tests/test_browser.py measures the buttons once more as the browser draws them.
"""

import io
import re
import tokenize
from pathlib import Path

import pytest

from utils import style

ROOT = Path(__file__).resolve().parents[1]
AA = 4.5
MODULES = ["utils/style.py", "utils/quiz.py", "utils/progress.py", "utils/scenarios.py", "utils/display.py"]
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")


def test_contrast_is_computed_as_wcag_defines_it():
    assert style.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert style.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert style.contrast("#ffffff", "#2196f3") == pytest.approx(3.12, abs=0.01)  # ipywidgets' primary button


@pytest.mark.parametrize("fg, bg", style.CONTRAST_PAIRS, ids=[f"{f}-on-{b}" for f, b in style.CONTRAST_PAIRS])
def test_every_text_colour_meets_aa_on_its_background(fg, bg):
    assert style.contrast(fg, bg) >= AA


def test_the_plot_colours_can_label_a_plot():
    for colour in [*style.PALETTE, *style.ARCHITECTURE_COLOURS.values(), style.NEUTRAL]:
        assert style.contrast(colour, style.PAGE) >= AA, colour


def _literals(path: Path) -> set[str]:
    """Colours written in a module's strings (comments left out)."""
    kinds = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return {m.lower() for t in tokens if t.type in kinds for m in HEX.findall(t.string)}


@pytest.mark.parametrize("module", MODULES)
def test_every_colour_literal_is_one_whose_contrast_is_checked(module):
    """A colour written anywhere learners read text is either a checked text/background pair or a border."""
    checked = {c.lower() for pair in style.CONTRAST_PAIRS for c in pair} | {c.lower() for c in style.NON_TEXT}
    unknown = _literals(ROOT / module) - checked
    assert not unknown, f"{module} uses {sorted(unknown)}: add each to utils.style with the background it is drawn on"


def test_the_quiz_css_draws_buttons_in_checked_colours():
    from utils import quiz

    primary = re.search(r"\.jupyter-button\.mod-primary \{background-color: (#\w+); color: (#\w+);\}", quiz.CSS)
    disabled = re.search(r":disabled \{\s*opacity: 1 !important; background-color: (#\w+); color: (#\w+);\}", quiz.CSS)
    assert primary and disabled, "the quiz must restyle ipywidgets' primary and disabled buttons"
    assert style.contrast(primary.group(2), primary.group(1)) >= AA
    assert style.contrast(disabled.group(2), disabled.group(1)) >= AA
    summary = re.search(r"\.cvea-fb summary \{[^}]*color: (#\w+)", quiz.CSS).group(1)
    assert all(style.contrast(summary, tint) >= AA for tint in style.TINTS.values())


def test_every_word_on_the_tree_is_readable_in_every_state(tmp_path, monkeypatch):
    """Open, mastered, mastered early and locked nodes, as drawn: each text against the face of its box."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import to_hex
    from matplotlib.patches import FancyBboxPatch

    from utils import progress

    monkeypatch.setenv(progress.ENV_VAR, str(tmp_path / "progress.json"))
    monkeypatch.setattr(progress, "_memory", None)
    progress.record_quiz("03", 1.0, True)  # mastered; 05 open
    progress.record_quiz("04", 1.0, True)  # mastered early (02 is not mastered)
    states = set(progress.shown_states().values())
    assert states == {progress.MASTERED, progress.UNLOCKED, progress.LOCKED, progress.MASTERED_EARLY}
    fig = progress.tree_figure()
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    checked = 0
    for text in ax.texts:
        x, y = text.get_position()
        inside = [b for b in boxes if b.get_x() <= x <= b.get_x() + b.get_width()
                  and b.get_y() <= y <= b.get_y() + b.get_height()]
        face = to_hex(inside[0].get_facecolor()) if inside else style.PAGE
        assert style.contrast(to_hex(text.get_color()), face) >= AA, (text.get_text(), text.get_color(), face)
        checked += 1
    assert checked == 3 * len(progress.PARENTS) + 3  # three lines per node, three branch labels
