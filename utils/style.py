"""One look for every figure in the course, and the colours that mean cloud, edge and hybrid."""

from __future__ import annotations

CLOUD = "#3b75af"  # blue: anything that happens on a server
EDGE = "#e07b39"  # orange: anything that happens on the device
HYBRID = "#519e3e"  # green: the two together
NEUTRAL = "#7f7f7f"
CLOUD_ASSISTED = "#8d69b8"  # purple: the device filters, the cloud decides
PALETTE = [CLOUD, EDGE, HYBRID, CLOUD_ASSISTED, "#c03d3e", "#84584e", "#d57dbf", NEUTRAL]
# One colour per architecture of data/architectures.json, in every plot.
ARCHITECTURE_COLOURS = {"cloud-only": CLOUD, "edge": EDGE, "hybrid": HYBRID, "cloud-assisted": CLOUD_ASSISTED}


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
