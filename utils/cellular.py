"""A cellular IoT link: the energy one LTE modem spends to send one message, and what an IoT SIM charges.

Defined for lesson 08's farm sensor. An LTE modem that has been idle first sets up a connection
(the *promotion*), then transmits, then stays connected for about ten seconds in case more data
follows (the *tail*). The figures are AT&T's LTE power model (its ARO tool's LTE profile) and a
published IoT data price, both cited in ``data/cellular.md``; nothing else borrows them.

``lte_send(n_bytes)`` gives the three parts of one send in joules; ``iot_data_usd(n_bytes)`` the
price of sending those bytes on an IoT data plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from utils import network
from utils.errors import CourseError, number
from utils.paths import read_csv


@cache
def _profile() -> dict[str, float]:
    return {row["name"]: float(row["value"]) for row in read_csv("cellular.csv")}


def figure(name: str) -> float:
    """One cited figure of ``data/cellular.csv`` (e.g. ``'tail_w'``), or one sentence naming the choices."""
    p = _profile()
    if name not in p:
        raise CourseError(f"No figure {name!r} in data/cellular.csv; it has: {', '.join(p)}.")
    return p[name]


def tail_s() -> float:
    """How long the radio stays connected after its last byte: inactivity + short DRX + long DRX."""
    return figure("inactivity_s") + figure("short_drx_s") + figure("long_drx_s")


@dataclass(frozen=True)
class LteSend:
    """The energy of one message, in joules, split into connection set-up, transfer and tail."""

    promotion_j: float
    transfer_j: float
    tail_j: float
    transfer_s: float
    tail_s: float

    @property
    def total_j(self) -> float:
        return self.promotion_j + self.transfer_j + self.tail_j


def lte_send(n_bytes: float, uplink_mbps: float | None = None, every_s: float | None = None) -> LteSend:
    """Energy for one LTE modem to send ``n_bytes`` at ``uplink_mbps`` (default: the course's 4G uplink).

    ``every_s``: seconds between messages when they repeat. If the next message comes before the tail
    ends, the radio is still connected: no new promotion, and the tail lasts only until that message.
    """
    if uplink_mbps is None:
        uplink_mbps = network.link("4G").uplink_mbps
    n_bytes, uplink_mbps = number(n_bytes, "n_bytes", above=0), number(uplink_mbps, "uplink_mbps", above=0)
    transfer_s = n_bytes * 8 / (uplink_mbps * 1e6)
    transfer_w = figure("beta_w") + figure("alpha_up_w_per_mbps") * uplink_mbps
    tail, promotion_j = tail_s(), figure("promotion_s") * figure("promotion_w")
    if every_s is not None:
        every_s = number(every_s, "every_s", above=0)
        if every_s <= transfer_s:
            raise CourseError(f"Sending {n_bytes:,.0f} bytes takes {transfer_s:.3f} s at {uplink_mbps} Mbps, "
                              f"longer than the {every_s:g} s between messages: send less often or less.")
        if every_s < transfer_s + tail:
            tail, promotion_j = every_s - transfer_s, 0.0  # still connected when the next message comes
    return LteSend(promotion_j, transfer_s * transfer_w, tail * figure("tail_w"), transfer_s, tail)


def iot_data_usd(n_bytes: float) -> float:
    """What ``n_bytes`` cost on the cited IoT data plan's first tier (1 MB = 10^6 bytes)."""
    n_bytes = number(n_bytes, "n_bytes", 0, unit="bytes")
    return n_bytes / 1e6 * figure("iot_usd_per_mb")
