"""The course's one taxonomy of where inference runs: cloud-only, edge, hybrid, cloud-assisted.

The definitions live in ``data/architectures.json``; lesson 00 shows them with :func:`table`,
``utils.scenarios`` offers them as the choices of lesson 08's cards, and ``utils.fleet`` simulates
the ones marked ``simulated``. Every lesson, quiz key and card uses these names in these meanings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from utils.errors import CourseError
from utils.paths import read_json

FILE = "architectures.json"


@dataclass(frozen=True)
class Architecture:
    """One architecture: who decides, what goes up the link, what the cloud does, and what happens offline."""

    id: str
    name: str
    summary: str
    decides: str
    sends_up: str
    cloud_role: str
    offline: str
    example: str
    simulated: bool


@cache
def _doc() -> dict:
    return read_json(FILE)


def catalog() -> list[Architecture]:
    """The four architectures, in the order the course teaches them."""
    return [Architecture(**a) for a in _doc()["architectures"]]


def ids() -> list[str]:
    """The architecture ids: 'cloud-only', 'edge', 'hybrid', 'cloud-assisted'."""
    return [a.id for a in catalog()]


def get(arch_id: str) -> Architecture:
    """The architecture called ``arch_id`` (one of :func:`ids`)."""
    for a in catalog():
        if a.id == arch_id:
            return a
    raise CourseError(f"Unknown architecture {arch_id!r}: use one of {', '.join(ids())}.")


def simulated() -> tuple[str, ...]:
    """The ids that lesson 08's fleet simulation plays, in order."""
    return tuple(a.id for a in catalog() if a.simulated)


def examples() -> list[dict]:
    """The canonical examples: each names an architecture, the scenario card that shows it, and the
    words (``keywords``) by which a quiz question is recognised as being about it."""
    return [dict(e) for e in _doc()["examples"]]


def table():
    """The taxonomy as one table (lesson 00): a row per architecture."""
    from utils.tables import Table

    return Table({"architecture": a.name, "who decides": a.decides, "what goes up the link": a.sends_up,
                  "what the cloud does": a.cloud_role, "when the link is down": a.offline, "example": a.example}
                 for a in catalog())
