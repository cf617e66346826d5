"""A cellular IoT link: the energy one LTE modem spends to send one message, and what an IoT SIM charges.

Defined for lesson 08's farm sensor. An LTE modem that has been idle first sets up a connection
(the *promotion*), then transmits, then stays connected for about ten seconds in case more data
follows (the *tail*). The figures are AT&T's LTE power model (its ARO tool's LTE profile) and a
published IoT data price, both cited in ``data/cellular.md``; nothing else borrows them.

``lte_send(n_bytes)`` gives the three parts of one send in joules; ``lte_sends(device, t_s, n_bytes)``
the same parts summed over many sends of many devices (lesson 08's fleet), each device's modem paying a
promotion only when it was idle; ``iot_data_usd(n_bytes)`` the price of sending those bytes on an IoT data plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

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


def _uplink(uplink_mbps: float | None) -> float:
    """The uplink rate in Mbit/s: the course's 4G link's unless given."""
    return network.link("4G").uplink_mbps if uplink_mbps is None else number(uplink_mbps, "uplink_mbps", above=0)


def _powers(uplink_mbps: float) -> tuple[float, float, float]:
    """The model's three figures at ``uplink_mbps``: promotion joules, transfer watts, tail seconds."""
    transfer_w = figure("beta_w") + figure("alpha_up_w_per_mbps") * uplink_mbps
    return figure("promotion_s") * figure("promotion_w"), transfer_w, tail_s()


def lte_send(n_bytes: float, uplink_mbps: float | None = None, every_s: float | None = None) -> LteSend:
    """Energy for one LTE modem to send ``n_bytes`` at ``uplink_mbps`` (default: the course's 4G uplink).

    ``every_s``: seconds between messages when they repeat. If the next message comes before the tail
    ends, the radio is still connected: no new promotion, and the tail lasts only until that message.
    """
    n_bytes, uplink_mbps = number(n_bytes, "n_bytes", above=0), _uplink(uplink_mbps)
    transfer_s = n_bytes * 8 / (uplink_mbps * 1e6)
    promotion_j, transfer_w, tail = _powers(uplink_mbps)
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


def lte_sends(device, t_s, n_bytes, uplink_mbps: float | None = None) -> LteSend:
    """The summed energy of many sends, ``n_bytes[i]`` by ``device[i]`` at ``t_s[i]`` seconds, over one LTE link.

    Each device has its own modem, and each send is :func:`lte_send`'s: a promotion if that modem was idle
    (its previous send ended a whole tail ago or more, or there was none), the transfer, and a tail cut
    short when the device's next send comes first. Sends that overlap (rare) are each counted in full.
    Returns an :class:`LteSend` whose fields are totals over all sends.
    """
    device, t, n = (np.asarray(a, dtype=float).ravel() for a in (device, t_s, n_bytes))
    if not device.size == t.size == n.size:
        raise CourseError(f"device, t_s and n_bytes must be the same length, got {device.size}, {t.size} and {n.size}.")
    if not (np.isfinite(t).all() and np.isfinite(n).all() and (t >= 0).all() and (n >= 0).all()):
        raise CourseError("t_s and n_bytes must be finite numbers, 0 or more: a send has a time and a size.")
    uplink_mbps = _uplink(uplink_mbps)
    promotion_j, transfer_w, tail = _powers(uplink_mbps)
    if t.size == 0:
        return LteSend(0.0, 0.0, 0.0, 0.0, 0.0)
    # One timeline for all devices: device d's sends fall in [d * span, (d + 1) * span), so one sort orders them.
    key = device * (float(t.max()) + tail + 1.0) + t
    if not (key[1:] >= key[:-1]).all():  # the fleet passes its events already in order: skip the sort
        order = np.argsort(key, kind="stable")
        device, t, n = device[order], t[order], n[order]
    transfer_s = n * 8 / (uplink_mbps * 1e6)
    same = device[1:] == device[:-1]  # the next send is by the same device
    gap = np.where(same, t[1:] - (t[:-1] + transfer_s[:-1]), np.inf)  # idle time before that next send
    promotions = 1 + int(np.count_nonzero(gap >= tail))  # the first send, and every send after an idle modem
    # A tail lasts until the device's next send, at most a whole tail; the very last send's is whole.
    sending_s, tail_total_s = float(transfer_s.sum()), float(np.clip(gap, 0.0, tail).sum()) + tail
    return LteSend(promotions * promotion_j, sending_s * transfer_w, tail_total_s * figure("tail_w"),
                   sending_s, tail_total_s)
