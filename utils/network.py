"""What the network between a device and the cloud costs: time, bandwidth, money and uptime.

Defined for lessons 01 and 02; lessons 04 and 08 reuse it. Everything here is either arithmetic
on cited tables in ``data/`` or a seeded simulation:

- ``links()`` / ``link("4G")``: access-link profiles (round-trip time, uplink) from data/networks.csv.
- ``rtt_ms``, ``distance_during_rtt_m``, ``missed_deadlines``: latency and what it costs.
- ``stream_mbps``, ``fleet_uplink_gbps``, ``gb_per_day``, ``transfer_cost``: bandwidth and money.
- ``simulate_outages``, ``events_missed``, ``availability``, ``downtime_minutes_per_month``: reliability.
- ``LinkEmulator``: applies a link's delays, jitter, loss and outages to real requests (the
  camera in ``utils.camera_client`` uses it).

Units: 1 GB = 10^9 bytes, 1 TB = 1,000 GB, 1 Mbps = 10^6 bit/s, and a month is
365.25 / 12 = 30.4375 days (so 99.9 % availability leaves 43.83 minutes of downtime a month).
"""

from __future__ import annotations

import bisect
import math
import random
import time
from dataclasses import dataclass
from functools import cache

import numpy as np

from utils.course import SEED
from utils.errors import CourseError, number, require, shown
from utils.paths import read_csv

SECONDS_PER_DAY = 86_400
MONTH_DAYS = 365.25 / 12  # 30.4375: the average calendar month
KM_PER_MS_RTT = 100.0  # light in glass ~200,000 km/s: 100 km there and back takes ~1 ms
# The most random draws one call makes: more would take minutes and gigabytes, never what a lesson wants.
MAX_DRAWS = 2_000_000


def _as_list(values, what: str) -> list:
    """``values`` as a list, or the sentence "<what>, got <type>" (text and dicts are not lists here)."""
    try:
        items = None if isinstance(values, (str, bytes, dict)) else list(values)
    except TypeError:  # not iterable, or a 0-d numpy array
        items = None
    if items is None:
        raise CourseError(f"{what}, got {type(values).__name__}.")
    return items


def _numbers(values, what: str) -> list[float]:
    """A list of non-negative finite numbers, or one sentence."""
    return [number(v, f"each value of {what}", 0) for v in _as_list(values, f"{what} must be a list of numbers")]


def _outages(outages) -> list[tuple[float, float]]:
    """Checked (start_h, end_h) pairs, sorted and non-overlapping as simulate_outages returns them."""
    items = _as_list(outages, "outages must be a list of (start_h, end_h) pairs")
    pairs, last_end = [], 0.0
    for pair in items:
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise CourseError(f"Each outage must be a (start_h, end_h) pair, got {shown(pair)}.")
        start, end = number(pair[0], "an outage start (h)", 0), number(pair[1], "an outage end (h)", 0)
        require(start <= end, f"Each outage must end after it starts, got ({start:g}, {end:g}).")
        require(start >= last_end,
                "outages must be sorted by start and must not overlap, as simulate_outages returns them.")
        pairs.append((start, end))
        last_end = end
    return pairs


# ----------------------------------------------------------------------------- link profiles


@dataclass(frozen=True)
class LinkProfile:
    """One access link: cited round trip and uplink, the course's jitter and loss, and (for the fleet) outages,
    radio power and data price.

    cellular: a mobile network (4G, 5G), where the fleet prices energy with utils.cellular's LTE modem model;
    otherwise a fixed line reached over Wi-Fi (data/networks.csv, column ``access``).
    mtbf_hours: mean time the link stays up between outages (math.inf: never fails; 0: never up).
    outage_minutes: mean length of an outage (0: no outages).
    tx_watts / rx_watts: a Wi-Fi radio's power while sending / while waiting for the answer (unused on a
    cellular link, whose modem's energy is utils.cellular's).
    usd_per_gb: what one gigabyte sent over the device's data plan costs its owner.
    usd_per_device_month: the plan's fixed monthly fee per device (a SIM's), whatever it sends.
    """

    name: str
    rtt_ms: float
    uplink_mbps: float
    jitter_ms: float
    loss_pct: float
    rtt_source: str
    uplink_source: str
    cellular: bool = False
    mtbf_hours: float = math.inf
    outage_minutes: float = 0.0
    tx_watts: float = 0.0
    rx_watts: float = 0.0
    usd_per_gb: float = 0.0
    usd_per_device_month: float = 0.0

    def with_(self, **changes) -> LinkProfile:
        """A copy with some fields changed (for sliders: ``link("4G").with_(jitter_ms=30)``)."""
        unknown = sorted(set(changes) - set(self.__dict__))
        require(not unknown, f"A link has no field {', '.join(unknown)}; its fields are {', '.join(self.__dict__)}.")
        fields = {**self.__dict__, **changes}
        for key in ("name", "rtt_source", "uplink_source"):
            require(isinstance(fields[key], str), f"{key} must be text, got {shown(fields[key])}.")
        require(isinstance(fields["cellular"], bool), f"cellular must be True or False, got {shown(fields['cellular'])}.")
        for key in ("rtt_ms", "jitter_ms", "loss_pct", "outage_minutes", "tx_watts", "rx_watts", "usd_per_gb",
                    "usd_per_device_month"):
            fields[key] = number(fields[key], key, 0)
        fields["mtbf_hours"] = number(fields["mtbf_hours"], "mtbf_hours", 0, allow_inf=True)
        fields["uplink_mbps"] = number(fields["uplink_mbps"], "uplink_mbps", above=0)
        if fields["loss_pct"] > 100:
            raise CourseError(f"loss_pct is a percentage between 0 and 100, got {shown(fields['loss_pct'])}.")
        return LinkProfile(**fields)


@cache
def _links() -> tuple[LinkProfile, ...]:
    rows = read_csv("networks.csv")
    odd = [r["link"] for r in rows if r["access"] not in ("cellular", "fixed")]
    require(not odd, f"data/networks.csv: the access of {', '.join(odd)} must be 'cellular' or 'fixed'.")
    return tuple(
        LinkProfile(
            name=r["link"],
            rtt_ms=float(r["rtt_ms"]),
            uplink_mbps=float(r["uplink_mbps"]),
            jitter_ms=float(r["jitter_ms"]),
            loss_pct=float(r["loss_pct"]),
            rtt_source=r["rtt_source"],
            uplink_source=r["uplink_source"],
            cellular=r["access"] == "cellular",
        )
        for r in rows
    )


def links() -> list[LinkProfile]:
    """Every link in data/networks.csv, in table order (4G, 5G, Wi-Fi, fibre)."""
    return list(_links())


def link(name: str) -> LinkProfile:
    """The profile of one link by name (case-insensitive), e.g. ``link("4G")``."""
    if isinstance(name, LinkProfile):
        return name
    for profile in _links():
        if isinstance(name, str) and profile.name.lower() == name.strip().lower():
            return profile
    names = ", ".join(p.name for p in _links())
    raise CourseError(f"No link called {shown(name)} in data/networks.csv; choose one of: {names}.")


# ----------------------------------------------------------------------------- latency


def rtt_ms(profile: LinkProfile | str, server_km: float = 0.0) -> float:
    """Round trip over ``profile`` to a data centre ``server_km`` beyond the link's nearby test server."""
    return link(profile).rtt_ms + number(server_km, "server_km", 0) / KM_PER_MS_RTT


def distance_during_rtt_m(rtt: float, speed_kmh: float) -> float:
    """Metres a vehicle at ``speed_kmh`` covers while waiting ``rtt`` milliseconds for an answer."""
    return number(speed_kmh, "speed_kmh", 0) / 3.6 * number(rtt, "the round-trip time (ms)", 0) / 1000.0


def missed_deadlines(latencies_ms, deadline_ms: float) -> int:
    """How many answers arrived later than ``deadline_ms`` (e.g. items already past the ejector)."""
    deadline = number(deadline_ms, "deadline_ms", 0)
    return sum(v > deadline for v in _numbers(latencies_ms, "latencies_ms"))


def sample_rtts_ms(profile: LinkProfile | str, n: int, server_km: float = 0.0, seed: int | None = None) -> list[float]:
    """``n`` seeded round trips: the link's RTT plus normal jitter (never below the light-speed floor)."""
    p = link(profile)
    n = number(n, "n", 0, MAX_DRAWS, whole=True, unit="samples")
    rng = random.Random(_seed(seed))
    base = rtt_ms(p, server_km)
    floor = number(server_km, "server_km", 0) / KM_PER_MS_RTT
    return [max(floor, rng.gauss(base, p.jitter_ms)) for _ in range(n)]


def _seed(seed: int | None) -> int:
    if seed is None:
        return SEED
    return number(seed, "seed (or None for the course seed)", 0, whole=True)


# ----------------------------------------------------------------------------- bandwidth and money


@cache
def _bitrates() -> tuple[dict, ...]:
    return tuple(read_csv("video_bitrates.csv"))


def video_streams() -> list[dict]:
    """Rows of data/video_bitrates.csv: stream, codec, mbps (float), source."""
    return [{**r, "mbps": float(r["mbps"])} for r in _bitrates()]


def stream_mbps(stream: str = "1080p standard", codec: str = "H.264") -> float:
    """Cited bitrate of one continuous camera stream, in Mbps."""
    for r in _bitrates():
        if r["stream"].lower() == str(stream).lower() and r["codec"].lower() == str(codec).lower():
            return float(r["mbps"])
    options = "; ".join(f"{r['stream']} / {r['codec']}" for r in _bitrates())
    raise CourseError(f"No stream {shown(stream)} with codec {shown(codec)} in data/video_bitrates.csv; "
                      f"options: {options}.")


# Cited in data/video_bitrates.md: a key frame (I-frame) is "frequently 10 or 20x" a predicted
# frame (IPVM 2013); the course takes the low end, with one I-frame a second as in that test.
I_TO_P_RATIO = 10.0


def frame_bytes(mbps: float, fps: float = 15.0, kind: str = "I") -> float:
    """Bytes of one frame of a ``mbps`` stream at ``fps`` frames per second.

    kind 'I': a key frame, the only kind a server can decode on its own, so what one inference
    request carries (one I-frame a second, I_TO_P_RATIO times a P-frame); kind 'average': the
    stream's bytes shared evenly over its frames (most of them P-frames that mean nothing alone).
    """
    per_second = number(mbps, "mbps", 0) * 1e6 / 8
    frames = number(fps, "fps", 0)
    if frames < 1:
        raise CourseError(f"fps must be at least 1 frame per second, got {shown(fps)}.")
    if kind == "average":
        return per_second / frames
    if kind == "I":
        return I_TO_P_RATIO * per_second / (I_TO_P_RATIO + frames - 1)
    raise CourseError(f"kind must be 'I' (a key frame) or 'average', got {shown(kind)}.")


def gb_per_day(mbps: float) -> float:
    """Decimal GB one stream of ``mbps`` sends in a day (2 Mbps -> 21.6 GB)."""
    return number(mbps, "mbps", 0) * 1e6 * SECONDS_PER_DAY / 8 / 1e9


def gb_per_month(mbps: float) -> float:
    """Decimal GB one stream of ``mbps`` sends in an average month (30.4375 days)."""
    return gb_per_day(mbps) * MONTH_DAYS


def fleet_uplink_gbps(n_cameras: int, mbps: float) -> float:
    """Uplink (Gbps) that ``n_cameras`` continuous streams of ``mbps`` need together."""
    return number(n_cameras, "n_cameras", 0) * number(mbps, "mbps", 0) / 1000.0


@cache
def _price_tiers(provider: str, direction: str) -> tuple[tuple[float, float, float], ...]:
    rows = [
        r
        for r in read_csv("cloud_prices.csv")
        if r["provider"].lower() == provider.lower() and r["direction"] == direction
    ]
    if not rows:
        raise CourseError(f"No {shown(direction)} prices for provider {shown(provider)} in data/cloud_prices.csv.")
    return tuple(sorted((float(r["from_gb"]), float(r["to_gb"]), float(r["usd_per_gb"])) for r in rows))


def price_tiers(direction: str = "out", provider: str = "AWS") -> list[tuple[float, float, float]]:
    """(from_gb, to_gb, usd_per_gb) tiers of one month, from data/cloud_prices.csv."""
    if not isinstance(direction, str) or direction not in ("in", "out", "store"):
        raise CourseError(f"direction must be 'in' (ingress), 'out' (egress) or 'store' (storage), "
                          f"got {shown(direction)}.")
    require(isinstance(provider, str), f"provider must be a name such as 'AWS', got {shown(provider)}.")
    return list(_price_tiers(provider, direction))


def transfer_cost(gb: float, direction: str = "out", provider: str = "AWS") -> float:
    """US dollars for ``gb`` of data in one month, summed tier by tier (each GB at its tier's price)."""
    total_gb = number(gb, "gb", 0)
    cost = 0.0
    for start, end, price in price_tiers(direction, provider):
        if total_gb <= start:
            break
        cost += (min(total_gb, end) - start) * price
    return cost


def storage_cost(gb_stored: float, provider: str = "AWS") -> float:
    """US dollars a month to keep ``gb_stored`` GB in standard object storage, tier by tier."""
    return transfer_cost(gb_stored, "store", provider)


@cache
def _instances() -> dict[str, tuple[int, float]]:
    return {r["instance"]: (int(r["vcpus"]), float(r["usd_per_hour"])) for r in read_csv("cloud_compute.csv")}


def servers_needed(requests_per_s: float, per_server: float = 200.0) -> int:
    """Whole servers to answer ``requests_per_s`` when each answers ``per_server`` a second."""
    need = number(requests_per_s, "requests_per_s", 0)
    each = number(per_server, "per_server", above=0)
    return math.ceil(need / each - 1e-9)  # 10,000 / 200 is 50 servers, not 51 from rounding


def compute_cost(requests_per_s: float, per_server: float = 200.0, instance: str = "c6i.large") -> float:
    """US dollars a month for the servers that run the model (on demand, all month), from data/cloud_compute.csv."""
    if instance not in _instances():
        raise CourseError(f"No instance {shown(instance)} in data/cloud_compute.csv; it has: {', '.join(_instances())}.")
    return servers_needed(requests_per_s, per_server) * _instances()[instance][1] * MONTH_DAYS * 24


# ----------------------------------------------------------------------------- reliability


def availability(mtbf_hours: float, mean_outage_hours: float) -> float:
    """Long-run share of time the link is up: MTBF / (MTBF + mean outage length)."""
    up = number(mtbf_hours, "mtbf_hours", above=0, allow_inf=True)
    down = number(mean_outage_hours, "mean_outage_hours", 0)
    return 1.0 if math.isinf(up) else up / (up + down)


def downtime_minutes_per_month(avail: float, percent: bool = False) -> float:
    """Minutes a month a service is down; month = 30.4375 days.

    ``avail`` is a fraction from 0 to 1 (0.999), or with ``percent=True`` a percentage from 0 to 100
    (99.9): the unit is said, never guessed, so 2 is not silently read as 2 %.
    """
    require(isinstance(percent, bool), f"percent must be True or False, got {shown(percent)}.")
    a = number(avail, "availability", 0)
    if percent:
        require(a <= 100, f"availability is a percentage from 0 to 100 with percent=True, got {shown(avail)}.")
        a = a / 100.0
    require(a <= 1, f"availability must be a fraction from 0 to 1 (0.999), got {shown(avail)}: "
                    "for a percentage such as 99.9 pass percent=True.")
    return (1.0 - a) * MONTH_DAYS * 24 * 60


def nines(n: int) -> float:
    """Availability with ``n`` nines: nines(3) = 0.999."""
    return 1.0 - 10.0 ** (-number(n, "The number of nines", 1, whole=True))


def outage_intervals(n_links: int, up_mean: float, down_mean: float, horizon: float, rng) -> tuple:
    """Outages of ``n_links`` links at once as (link, start, end) arrays, clipped to [0, horizon).

    The course's one outage model: each link starts up; up-times and outage lengths are exponential
    with means ``up_mean`` and ``down_mean`` (any one time unit). ``rng`` is a numpy Generator.
    An infinite ``up_mean`` or a zero ``down_mean`` gives no outages; a zero ``up_mean`` one outage
    covering the whole period.
    """
    if down_mean == 0 or math.isinf(up_mean):
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    if up_mean == 0:
        return np.arange(n_links), np.zeros(n_links), np.full(n_links, float(horizon))
    k = int(math.ceil(horizon / (up_mean + down_mean))) * 2 + 8
    while True:
        ups = rng.exponential(up_mean, size=(n_links, k))
        downs = rng.exponential(down_mean, size=(n_links, k))
        ends = np.cumsum(ups + downs, axis=1)
        if np.all(ends[:, -1] >= horizon):
            break
        k *= 2  # rare: some link needed more cycles than planned
    starts = ends - downs
    keep = starts < horizon
    which = np.broadcast_to(np.arange(n_links)[:, None], starts.shape)[keep]
    return which, starts[keep], np.minimum(ends[keep], horizon)


def simulate_outages(
    mtbf_hours: float, mean_outage_minutes: float, hours: float = 24.0, seed: int | None = None
) -> list[tuple[float, float]]:
    """Seeded outages of one link in ``hours``: (start_h, end_h) pairs, drawn by :func:`outage_intervals`.

    ``mtbf_hours=math.inf`` or a zero mean outage gives no outages at all.
    """
    up_mean = number(mtbf_hours, "mtbf_hours", above=0, allow_inf=True)
    down_mean = number(mean_outage_minutes, "mean_outage_minutes", 0) / 60.0
    horizon = number(hours, "hours", 0)
    if not (math.isinf(up_mean) or down_mean == 0):
        require(horizon / (up_mean + down_mean) <= MAX_DRAWS,
                f"{horizon:g} hours with an outage every {up_mean + down_mean:g} hours is more than "
                f"{MAX_DRAWS:,} outages: simulate fewer hours or a longer mtbf_hours.")
    _, starts, ends = outage_intervals(1, up_mean, down_mean, horizon, np.random.default_rng(_seed(seed)))
    return [(float(a), float(b)) for a, b in zip(starts, ends, strict=True)]


def poisson_event_times(per_hour: float, hours: float = 24.0, seed: int | None = None) -> list[float]:
    """Seeded times (hours) of events that arrive at random, ``per_hour`` on average."""
    rate = number(per_hour, "per_hour", 0)
    horizon = number(hours, "hours", 0)
    if rate == 0:
        return []
    require(rate * horizon <= MAX_DRAWS, f"{rate:g} events per hour for {horizon:g} hours is more than "
                                         f"{MAX_DRAWS:,} events: simulate fewer hours or a lower rate.")
    rng = random.Random(_seed(seed) + 1)  # a different stream from the outages
    times, t = [], rng.expovariate(rate)
    while t < horizon:
        times.append(t)
        t += rng.expovariate(rate)
    return times


def is_down(t_hours: float, outages: list[tuple[float, float]]) -> bool:
    """Whether time ``t_hours`` falls inside one of ``outages`` (sorted, non-overlapping, as simulated)."""
    t = number(t_hours, "t_hours", 0)
    outages = _outages(outages)
    i = bisect.bisect_right([start for start, _ in outages], t) - 1
    return i >= 0 and t < outages[i][1]


def events_missed(event_times: list[float], outages: list[tuple[float, float]]) -> int:
    """How many events a cloud-dependent device misses: those that happen while the link is down."""
    times = _numbers(event_times, "event_times")
    outages = _outages(outages)
    starts = [start for start, _ in outages]
    missed = 0
    for t in times:
        i = bisect.bisect_right(starts, t) - 1
        missed += i >= 0 and t < outages[i][1]
    return missed


def downtime_hours(outages: list[tuple[float, float]]) -> float:
    """Total hours of ``outages``."""
    return sum(end - start for start, end in _outages(outages))


# ----------------------------------------------------------------------------- emulating a link on real requests


@dataclass
class LinkDelays:
    """The emulated part of one request over a link (milliseconds), or why it never arrived."""

    upload_ms: float
    propagate_ms: float
    return_ms: float
    lost: bool = False
    down: bool = False


class LinkEmulator:
    """Applies a link's round trip, jitter, uplink bandwidth, loss and outages to real requests.

    The requests themselves are real (HTTP on 127.0.0.1); what the emulator adds is the time the
    link would take, computed from the cited profile: upload = bytes x 8 / uplink, propagate = one
    round trip with normal jitter, return = response bytes x 8 / uplink. ``cut()`` takes the link
    down (like Wi-Fi dropping) and ``restore()`` brings it back. Seeded: the same run, the same delays.
    """

    def __init__(self, profile: LinkProfile | str, server_km: float = 0.0, seed: int | None = None):
        self.profile = link(profile)
        self.server_km = number(server_km, "server_km", 0)
        self._rng = random.Random(_seed(seed))
        self.up = True

    def cut(self) -> None:
        """Take the link down: requests fail at once until ``restore()``."""
        self.up = False

    def restore(self) -> None:
        """Bring the link back up."""
        self.up = True

    def delays(self, request_bytes: int, response_bytes: int = 0) -> LinkDelays:
        """Sample the emulated delays of one request of ``request_bytes`` (and its reply)."""
        number(request_bytes, "request_bytes", 0)
        number(response_bytes, "response_bytes", 0)
        p = self.profile
        bits_per_ms = p.uplink_mbps * 1e3
        lost = self._rng.random() < p.loss_pct / 100.0
        rtt = max(self.server_km / KM_PER_MS_RTT, self._rng.gauss(rtt_ms(p, self.server_km), p.jitter_ms))
        return LinkDelays(
            upload_ms=request_bytes * 8 / bits_per_ms,
            propagate_ms=rtt,
            return_ms=response_bytes * 8 / bits_per_ms,
            lost=lost,
            down=not self.up,
        )

    @staticmethod
    def wait(ms: float) -> None:
        """Really wait ``ms`` milliseconds (at most 10 minutes; zero or less is no wait), as the link would."""
        wait_ms = number(ms, "the wait (ms)", allow_inf=True)
        require(wait_ms <= 600_000, f"A wait of {wait_ms:,.0f} ms is longer than 10 minutes: the emulated "
                                    "request is too large for this link (send fewer bytes).")
        if wait_ms > 0:
            time.sleep(wait_ms / 1000.0)
