"""The data-flow audit: how many bytes of a product's data cross the internet each day, per architecture.

Defined for lesson 04; lesson 03 reuses the doorbell's figures. Products and their cited raw
data rates live in data/products.csv (security camera, doorbell, smart speaker, health wearable).
Three of the course's architectures (data/architectures.json), in their meanings there:

``cloud-only``
    the raw sensor stream goes to a server all day (the server does the inference);
``cloud-assisted``
    a small model on the device detects events and forwards a short raw excerpt of each, on which
    the cloud decides (the smart speaker's real design: an on-device wake word, then the question's audio);
``edge``
    the device runs the whole model and sends only its conclusion, a short text.

``audit()`` returns, for each product and architecture, the raw sensor bytes and the conclusion
bytes that leave the home per day. Raw bytes are the sensitive part (faces, voices, heartbeats);
a conclusion is smaller but still personal data (it says when someone came home).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from utils.errors import CourseError, number
from utils.paths import read_csv

ARCHITECTURES = ("cloud-only", "cloud-assisted", "edge")
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Product:
    """One product of data/products.csv."""

    name: str
    raw_signal: str
    raw_bytes_per_second: float
    raw_hours_per_day: float
    raw_source: str
    event_text: str
    events_per_day: float
    forwarded_seconds: float


@dataclass(frozen=True)
class Flow:
    """Bytes per day one product sends over the internet in one architecture."""

    product: str
    architecture: str
    raw_bytes: float  # sensor data: video, audio, physiological signals
    event_bytes: float  # conclusions: short JSON messages

    @property
    def total_bytes(self) -> float:
        return self.raw_bytes + self.event_bytes


@cache
def _products() -> tuple[Product, ...]:
    return tuple(
        Product(
            name=r["product"],
            raw_signal=r["raw_signal"],
            raw_bytes_per_second=float(r["raw_bytes_per_second"]),
            raw_hours_per_day=float(r["raw_hours_per_day"]),
            raw_source=r["raw_source"],
            event_text=r["event_text"],
            events_per_day=float(r["events_per_day"]),
            forwarded_seconds=float(r["forwarded_seconds"]),
        )
        for r in read_csv("products.csv")
    )


def products() -> list[Product]:
    """The four products of data/products.csv."""
    return list(_products())


def product(name: str) -> Product:
    """One product by name, e.g. ``product("doorbell")``."""
    for p in _products():
        if isinstance(name, str) and p.name == name.strip().lower():
            return p
    raise CourseError(f"No product {name!r} in data/products.csv; choose one of: {', '.join(p.name for p in _products())}.")


def event_message(p: Product) -> bytes:
    """The JSON an edge device sends for one event: its conclusion and nothing else."""
    return json.dumps({"device": p.name, "event": p.event_text}).encode("utf-8")


def raw_bytes_per_day(p: Product) -> float:
    """Bytes the sensor produces in a day."""
    return p.raw_bytes_per_second * p.raw_hours_per_day * SECONDS_PER_HOUR


def flow(p: Product | str, architecture: str, events_per_day: float | None = None,
         forwarded_seconds: float | None = None) -> Flow:
    """Bytes per day that ``p`` sends in ``architecture``; the two scenario numbers can be overridden."""
    p = product(p) if isinstance(p, str) else p
    if architecture not in ARCHITECTURES:
        raise CourseError(f"architecture must be one of {', '.join(ARCHITECTURES)}, got {architecture!r}.")
    events = p.events_per_day if events_per_day is None else number(events_per_day, "events_per_day", 0)
    seconds = p.forwarded_seconds if forwarded_seconds is None else number(forwarded_seconds, "forwarded_seconds", 0)
    message = len(event_message(p))
    if architecture == "cloud-only":
        return Flow(p.name, architecture, raw_bytes_per_day(p), 0.0)  # the server draws its own conclusions
    if architecture == "cloud-assisted":
        raw = min(events * seconds * p.raw_bytes_per_second, raw_bytes_per_day(p))
        return Flow(p.name, architecture, raw, events * message)
    return Flow(p.name, architecture, 0.0, events * message)


def audit(architectures=ARCHITECTURES, **overrides) -> list[Flow]:
    """Every product in every architecture (overrides such as events_per_day apply to all products)."""
    return [flow(p, a, **overrides) for p in _products() for a in architectures]


def human_bytes(n: float) -> str:
    """Bytes in decimal units for a learner: 21.6 GB, 4.2 KB, 73 B (the course's one formatter, utils.numbers)."""
    from utils.numbers import size

    return size(n)
