"""One look for every figure in the course, the colours that mean cloud, edge and hybrid, and readable text colours.

Every colour here that text is drawn in, or that text is drawn on, meets WCAG AA: a contrast of at
least 4.5:1 (``CONTRAST_PAIRS`` lists each pair; tests/test_colours.py computes the ratios). The
plot colours are dark enough to label a plot in, on the white page.
"""

from __future__ import annotations

CLOUD = "#3b75af"  # blue: anything that happens on a server
EDGE = "#b1571c"  # orange: anything that happens on the device
HYBRID = "#407d31"  # green: the two together
NEUTRAL = "#707070"
CLOUD_ASSISTED = "#855fb3"  # purple: the device filters, the cloud decides
PALETTE = [CLOUD, EDGE, HYBRID, CLOUD_ASSISTED, "#c03d3e", "#84584e", "#ba3c9b", NEUTRAL]
# One colour per architecture of data/architectures.json, in every plot.
ARCHITECTURE_COLOURS = {"cloud-only": CLOUD, "edge": EDGE, "hybrid": HYBRID, "cloud-assisted": CLOUD_ASSISTED}

# Text and what it is drawn on.
PAGE = "#ffffff"  # the notebook's background, and white text on a dark face
TEXT = "#1f2328"
MUTED_TEXT = "#595959"  # secondary text: notes, locked tree nodes
LINK = "#245a8f"  # clickable text (a <summary> that unfolds), also on the feedback tints
CODE_BACKGROUND = "#eef1f4"

# Quiz feedback: a text colour per verdict, each on its own light tint.
RIGHT, WRONG, PARTIAL, MUTED = "#1b7a3a", "#a4262c", "#8a5a00", "#6a6a6a"
TINTS = {RIGHT: "#e9f6ee", WRONG: "#fdeced", PARTIAL: "#fff5e0", MUTED: "#f3f3f3"}

# Buttons: ipywidgets' own primary blue (#2196f3) gives white text 3.1:1, and a disabled button is
# drawn at 60 % opacity; the quiz draws both in these instead.
BUTTON = "#1f5f9e"
DISABLED_FACE = "#e4e4e4"
DISABLED_TEXT = "#4d4d4d"

# The Architecture Tree's nodes (text on face) and its borders and bare wood (not text).
LOCKED_FACE = "#f0f0f0"
LOCKED_EDGE = "#bbbbbb"
BARE_WOOD = "#c8c8c8"
CARD_BORDER = "#d5dbe1"
# Colours that never carry text (borders, lines): WCAG asks 3:1 of them only where they are the
# only cue, and in the course each border comes with words that say the same.
NON_TEXT = (LOCKED_EDGE, BARE_WOOD, CARD_BORDER)

# Every (text, background) pair the course draws, for the contrast test.
CONTRAST_PAIRS = (
    *((c, PAGE) for c in (*PALETTE, TEXT, MUTED_TEXT, LINK, RIGHT, WRONG, PARTIAL, MUTED)),
    *((c, tint) for tint in TINTS.values() for c in (TEXT, LINK, RIGHT, WRONG, PARTIAL, MUTED)),
    (TEXT, CODE_BACKGROUND),
    (PAGE, BUTTON),
    (DISABLED_TEXT, DISABLED_FACE),
    (PAGE, HYBRID),  # a mastered tree node
    (TEXT, PAGE),  # an open or early-mastered node
    (MUTED_TEXT, LOCKED_FACE),  # a locked node
)


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two '#rrggbb' colours, from 1 (none) to 21 (black on white)."""

    def luminance(colour: str) -> float:
        rgb = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def apply() -> None:
    """Apply the course's matplotlib style (small, readable, the same in every notebook)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=PALETTE),
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "legend.frameon": False,
            "font.size": 10,
        }
    )
