"""A seeded, event-driven simulation of a fleet of devices under three architectures.

Defined for lesson 08 (the hybrid architecture). ``simulate(n_devices, workload, link)``
gives every device a day (or any number of hours) of sensor events and a link that fails now
and then, and plays the same events through the three designs that data/architectures.json
marks as simulated (the fourth, cloud-assisted, appears on lesson 08's scenario cards):

- **cloud-only**: every event's raw sample goes up; the server decides and answers.
  While the link is down no decision is made: the event is lost.
- **edge**: the device decides locally and sends a small JSON report of each conclusion;
  during an outage reports wait in a small buffer (overflow is dropped).
- **hybrid**: as edge, and the cloud also asks for the rare low-confidence raw sample, to
  label it and retrain the model it then ships back (the update itself is not simulated).

It reports, per design: p50/p99 decision latency, bytes uplinked, the monthly data-plan bill,
radio + compute energy per device, events lost during outages, reports the cloud never
received, and raw (sensitive) bytes that left the devices.

The radio is one chip on one link (``make_link``). On a cellular link (4G, 5G) it is an LTE
modem: every request costs ``utils.cellular``'s connection set-up (when the modem was idle),
transfer and ~10 s tail, and data is billed on an IoT SIM plan (per MB plus a monthly fee per
SIM). On Wi-Fi or fibre it is the ESP32's Wi-Fi radio, transmitting the bytes and listening for
each answer, on flat-rate broadband.

Everything is vectorised with NumPy (no per-event Python loop): 1,000 devices for a day
take well under a second. The random stream is a ``numpy.random.Generator`` seeded from
the ``seed`` argument, so the same call gives the same numbers.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np

from utils import cellular, network
from utils.course import SEED
from utils.errors import CourseError, number
from utils.network import LinkProfile
from utils.paths import read_csv
from utils.tables import Html, Table

SECONDS_PER_HOUR = 3600.0
# Guard rails: above these the arrays stop fitting comfortably in a laptop's memory.
MAX_DEVICES = 100_000
MAX_EVENTS = 60_000_000


@dataclass(frozen=True)
class Workload:
    """What one device does per event, measured on the course's own model and endpoint.

    raw_bytes: bytes of one raw sample as the cloud would receive it (request body + headers).
    report_bytes: bytes of the small JSON report a hybrid device sends instead.
    edge_latency_ms / edge_energy_mj: one on-device inference (lesson 07's board figures).
    cloud_server_ms: time the server takes to decide (lesson 01's endpoint).
    low_confidence: fraction of events the on-device model is unsure about.

    The defaults are round, illustrative numbers; lesson 08 passes the ones it measured.
    """

    name: str = "digit reader"
    events_per_hour: float = 30.0
    raw_bytes: int = 1_000
    report_bytes: int = 100
    edge_latency_ms: float = 5.0
    edge_energy_mj: float = 0.1
    cloud_server_ms: float = 2.0
    low_confidence: float = 0.02


def modes_simulated() -> tuple[str, ...]:
    """The architectures this simulation plays, as data/architectures.json names them."""
    from utils import architectures

    return architectures.simulated()


def defaults() -> dict:
    """The cited defaults of data/fleet_defaults.csv as {name: (value, unit, source)}."""
    return {k: (v, u, s) for k, (v, u, s) in _defaults().items()}


@cache
def _defaults() -> dict:
    return {r["name"]: (float(r["value"]), r["unit"], r["source"]) for r in read_csv("fleet_defaults.csv")}


def make_link(name: str = "4G", outages_per_day: float | None = None, outage_minutes: float | None = None,
              **changes) -> LinkProfile:
    """``utils.network``'s profile ``name`` with the radio, price and outage defaults of the device on that link.

    A cellular link (4G, 5G) carries an LTE modem (its energy: ``utils.cellular``) on an IoT SIM plan
    (price per MB plus a monthly fee per SIM, data/cellular.csv). A fixed link is reached with the
    ESP32's Wi-Fi radio (data/fleet_defaults.csv) on flat-rate broadband (a course assumption).
    ``outages_per_day`` / ``outage_minutes`` set the outage model; any other field of
    :class:`utils.network.LinkProfile` can be changed by keyword (``uplink_mbps=1.0``).
    """
    d = _defaults()
    per_day = d["outages_per_day"][0] if outages_per_day is None else outages_per_day
    minutes = d["outage_minutes"][0] if outage_minutes is None else outage_minutes
    base = network.link(name)
    if base.cellular:  # the modem's power is the LTE model's, so no Wi-Fi watts on this link
        plan = {"tx_watts": 0.0, "rx_watts": 0.0, "usd_per_gb": cellular.iot_data_usd(1e9),
                "usd_per_device_month": cellular.figure("iot_sim_usd_per_month")}
    else:
        plan = {"tx_watts": d["tx_watts"][0], "rx_watts": d["rx_watts"][0],
                "usd_per_gb": d["broadband_usd_per_gb"][0], "usd_per_device_month": 0.0}
    return with_outages(base.with_(**plan), per_day, minutes).with_(**changes)


@dataclass
class ModeStats:
    """The outcome of one architecture over the simulated period (fleet totals unless named per device)."""

    mode: str
    events: int
    decided: int
    events_lost: int
    reports_missing: int
    p50_ms: float
    p99_ms: float
    uplink_bytes: int
    monthly_cost_usd: float
    energy_j_per_device: float
    radio_j_per_device: float
    tail_j_per_device: float
    raw_bytes_left: int
    samples_uploaded: int
    latencies_ms: np.ndarray = field(repr=False)
    lost_per_hour: np.ndarray = field(repr=False)
    uplink_per_hour: np.ndarray = field(repr=False)


@dataclass
class FleetResult:
    """What ``simulate`` returns: the inputs, the per-mode statistics and the link's down fraction."""

    n_devices: int
    hours: float
    workload: Workload
    link: LinkProfile
    seed: int
    down_fraction: float
    modes: dict

    def __getitem__(self, mode: str) -> ModeStats:
        if mode not in self.modes:
            raise CourseError(f"Unknown architecture {mode!r}: use one of {', '.join(self.modes)}.")
        return self.modes[mode]

    def rows(self) -> list[dict]:
        """One row per architecture with the numbers of the summary table."""
        per_day = 24.0 / self.hours
        out = []
        for m, s in self.modes.items():
            out.append(
                {
                    "architecture": m,
                    "p50 latency (ms)": s.p50_ms,
                    "p99 latency (ms)": s.p99_ms,
                    "uplink (MB/day)": s.uplink_bytes * per_day / 1e6,
                    "data plan ($/month)": s.monthly_cost_usd,
                    "energy (J/device/day)": s.energy_j_per_device * per_day,
                    "events lost": s.events_lost,
                    "reports missing": s.reports_missing,
                    "raw bytes that left (MB)": s.raw_bytes_left / 1e6,
                }
            )
        return out

    def to_html(self) -> str:
        """The summary table as HTML (the best value of each column in bold)."""
        rows = self.rows()
        cols = list(rows[0])
        best = {c: min(r[c] for r in rows) for c in cols[1:]}
        caption = (
            f"{self.n_devices:,} devices, {self.hours:g} h, {self.workload.events_per_hour:g} events/device/h, "
            f"link {self.link.name} ({self.link.uplink_mbps:g} Mbit/s up, down {self.down_fraction:.1%} of the time)"
        )
        table = Table(({"architecture": Html(f"<b>{html.escape(r['architecture'])}</b>"),
                        **{c: Html(f"<b>{_fmt(r[c])}</b>") if r[c] == best[c] else _fmt(r[c]) for c in cols[1:]}}
                       for r in rows), caption=caption, right=tuple(cols[1:]))
        return table._repr_html_()

    def _repr_html_(self) -> str:
        return self.to_html()


def _fmt(v: float) -> str:
    if isinstance(v, (int, np.integer)):
        return f"{v:,}"
    if not math.isfinite(v):
        return "no decision"
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:,.2f}"
    return f"{v:.3g}"


def validate(n_devices, workload: Workload, link: LinkProfile, hours) -> None:
    """Raise one sentence for the first input that cannot describe a real fleet."""
    number(n_devices, "n_devices", 1, MAX_DEVICES, whole=True, unit="devices")
    if not isinstance(workload, Workload):
        raise CourseError(f"workload must be a fleet.Workload, not {type(workload).__name__}.")
    if not isinstance(link, LinkProfile):
        raise CourseError(f"link must be a network.LinkProfile (see fleet.make_link), not {type(link).__name__}.")
    number(hours, "hours", 1e-3, 24 * 31)
    number(workload.events_per_hour, "events_per_hour", 0, 3600.0)
    number(workload.raw_bytes, "raw_bytes", 0)
    number(workload.report_bytes, "report_bytes", 0)
    number(workload.edge_latency_ms, "edge_latency_ms", 0)
    number(workload.edge_energy_mj, "edge_energy_mj", 0)
    number(workload.cloud_server_ms, "cloud_server_ms", 0)
    number(workload.low_confidence, "low_confidence", 0, 1.0)
    number(link.uplink_mbps, "uplink_mbps", above=0)
    number(link.rtt_ms, "rtt_ms", 0)
    number(link.jitter_ms, "jitter_ms", 0)
    number(link.mtbf_hours, "mtbf_hours", 0, allow_inf=True)
    number(link.outage_minutes, "outage_minutes", 0)
    number(link.tx_watts, "tx_watts", 0)
    number(link.rx_watts, "rx_watts", 0)
    number(link.usd_per_gb, "usd_per_gb", 0)
    number(link.usd_per_device_month, "usd_per_device_month", 0)
    expected = n_devices * workload.events_per_hour * hours
    if expected > MAX_EVENTS:
        raise CourseError(
            f"That is about {expected:,.0f} events, more than the {MAX_EVENTS:,} this simulation keeps in "
            "memory: use fewer devices, fewer hours or a lower event rate."
        )


def _hourly(times_s: np.ndarray, each, hours: float) -> np.ndarray:
    """Sum per hour of ``each`` (one number for every time, or an array of weights) at ``times_s``."""
    bins = max(1, int(math.ceil(hours)))
    idx = np.minimum((times_s / SECONDS_PER_HOUR).astype(np.int64), bins - 1)
    if np.ndim(each) == 0:  # the same weight for every time: count, then scale (no weight array)
        return np.bincount(idx, minlength=bins) * float(each)
    return np.bincount(idx, weights=each, minlength=bins)


def _pct(latencies: np.ndarray) -> tuple[float, float]:
    if latencies.size == 0:
        return math.inf, math.inf  # no decision was ever made
    if latencies.strides == (0,):  # a constant (broadcast) array: every percentile is that value
        return float(latencies[0]), float(latencies[0])
    p50, p99 = np.percentile(latencies, [50, 99])
    return float(p50), float(p99)


@dataclass(frozen=True)
class _Day:
    """One seeded period of events and outages that every architecture is played through."""

    n_devices: int
    hours: float
    seconds: float
    device: np.ndarray  # the device of each event
    t: np.ndarray  # each event's time, seconds from the start
    up: np.ndarray  # the device's link was up at the event
    low_conf: np.ndarray  # the on-device model is unsure about the event
    outage: np.ndarray  # for an event during an outage: the index of that outage
    o_dev: np.ndarray  # each outage's device
    o_end: np.ndarray  # each outage's end, seconds
    down_fraction: float


def _sorted_uniform(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``counts[d]`` uniform numbers in [0, 1) for each device d, each device's in increasing order, without a sort.

    The first k of k + 1 exponential gaps, divided by their total, are k sorted uniforms (their order statistics).
    """
    total = np.cumsum(rng.exponential(size=int(counts.sum()) + counts.size))
    last = np.cumsum(counts + 1) - 1  # each device's (k + 1)-th gap, which only closes its interval
    start = np.concatenate(([0.0], total[last[:-1]]))
    keep = np.ones(total.size, dtype=bool)
    keep[last] = False
    device = np.repeat(np.arange(counts.size), counts)
    return (total[keep] - start[device]) * (1.0 / (total[last] - start))[device]


def _draw_day(n_devices: int, workload: Workload, link: LinkProfile, hours: float, rng: np.random.Generator) -> _Day:
    seconds = float(hours) * SECONDS_PER_HOUR
    # Events: a Poisson process per device (count, then uniform times), all devices on one timeline.
    counts = rng.poisson(workload.events_per_hour * hours, size=n_devices)
    device = np.repeat(np.arange(n_devices), counts)
    t = _sorted_uniform(counts, rng) * seconds  # each device's events in time order (the radio model needs it)
    # Outages on the same timeline: device d's period is [d*T, (d+1)*T), so one searchsorted finds them all.
    o_dev, o_start, o_end = network.outage_intervals(
        n_devices, link.mtbf_hours * SECONDS_PER_HOUR, link.outage_minutes * 60.0, seconds, rng)
    g_start, g_end = o_dev * seconds + o_start, o_dev * seconds + o_end
    key = device * seconds + t
    which = np.searchsorted(g_start, key, side="right") - 1
    if g_start.size:
        down = (which >= 0) & (key < g_end[np.maximum(which, 0)])
    else:
        down = np.zeros(device.size, dtype=bool)
    low_conf = rng.random(device.size) < workload.low_confidence
    return _Day(n_devices=n_devices, hours=float(hours), seconds=seconds, device=device, t=t, up=~down,
                low_conf=low_conf, outage=which[down], o_dev=o_dev, o_end=o_end,
                down_fraction=float((o_end - o_start).sum() / (n_devices * seconds)))


class _Costs:
    """Money and radio energy of what the fleet sends over ``link``; money scaled from the simulated period to a month."""

    def __init__(self, link: LinkProfile, hours: float, n_devices: int):
        self.link, self.per_month, self.up_bps = link, network.MONTH_DAYS * 24.0 / hours, link.uplink_mbps * 1e6
        self.n_devices = n_devices

    def usd_per_month(self, nbytes: float) -> float:
        # The devices' data plan (per GB, and each device's fixed SIM fee), plus the cloud's ingress (free at AWS).
        gb = nbytes * self.per_month / 1e9
        return (gb * self.link.usd_per_gb + self.n_devices * self.link.usd_per_device_month
                + network.transfer_cost(gb, direction="in"))

    def radio_joules(self, device: np.ndarray, t_s: np.ndarray, n_bytes: np.ndarray, wait_s: float) -> tuple[float, float]:
        """(radio energy, of which tail) of the sends ``n_bytes`` by ``device`` at ``t_s``, fleet totals in joules.

        ``wait_s``: the seconds spent waiting for answers, which a Wi-Fi radio spends listening. An LTE
        modem stays connected through them anyway: its energy is utils.cellular's model of each send.
        """
        if self.link.cellular:
            lte = cellular.lte_sends(device, t_s, n_bytes, self.link.uplink_mbps)
            return lte.total_j, lte.tail_j
        return float(np.sum(n_bytes)) * 8 / self.up_bps * self.link.tx_watts + self.link.rx_watts * wait_s, 0.0


def _cloud_only(day: _Day, workload: Workload, link: LinkProfile, rng: np.random.Generator, costs: _Costs) -> ModeStats:
    """Every raw sample goes up while the link is up; an event during an outage gets no decision."""
    n_up = int(day.up.sum())
    # Round trip with normal jitter, never below 0 (as utils.network samples it), + upload + server time.
    rtt = (np.maximum(rng.normal(link.rtt_ms, link.jitter_ms, n_up), 0.0) if link.jitter_ms > 0
           else np.full(n_up, float(link.rtt_ms)))
    lat = rtt + workload.raw_bytes * 8 / costs.up_bps * 1e3 + workload.cloud_server_ms
    sent = n_up * workload.raw_bytes
    # One request per decided event: the raw sample goes up, then the device waits for the answer.
    radio_j, tail_j = costs.radio_joules(day.device[day.up], day.t[day.up], np.full(n_up, float(workload.raw_bytes)),
                                         (rtt.sum() + n_up * workload.cloud_server_ms) / 1e3)
    p50, p99 = _pct(lat)
    lost = day.t.size - n_up
    return ModeStats(
        mode="cloud-only", events=day.t.size, decided=n_up, events_lost=lost, reports_missing=lost,
        p50_ms=p50, p99_ms=p99, uplink_bytes=sent, monthly_cost_usd=costs.usd_per_month(sent),
        energy_j_per_device=radio_j / day.n_devices, radio_j_per_device=radio_j / day.n_devices,
        tail_j_per_device=tail_j / day.n_devices, raw_bytes_left=sent,
        samples_uploaded=0, latencies_ms=lat, lost_per_hour=_hourly(day.t[~day.up], 1.0, day.hours),
        uplink_per_hour=_hourly(day.t[day.up], workload.raw_bytes, day.hours),
    )


def _requests(day: _Day, workload: Workload, window_s: float, held: np.ndarray, still_open: np.ndarray,
              asked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(device, time in s, bytes) of each request an edge or hybrid device makes: one per (device, window)
    with reports while up, sent at the window's end; one per buffer flush, when its outage ends; one per sample."""
    windows = int(math.ceil(day.seconds / window_s))
    per_batch = np.bincount(day.device[day.up] * windows + (day.t[day.up] // window_s).astype(np.int64))
    batch = np.flatnonzero(per_batch)
    flush = np.flatnonzero(~still_open & (held > 0))
    device = np.concatenate([batch // windows, day.o_dev[flush], day.device[asked]])
    t_s = np.concatenate([np.minimum((batch % windows + 1) * window_s, day.seconds), day.o_end[flush], day.t[asked]])
    n_bytes = np.concatenate([per_batch[batch] * float(workload.report_bytes), held[flush] * float(workload.report_bytes),
                              np.full(int(asked.sum()), float(workload.raw_bytes))])
    return device, t_s, n_bytes


def _on_device(mode: str, day: _Day, workload: Workload, link: LinkProfile, costs: _Costs, report_buffer: int,
               window_s: float, samples: bool) -> ModeStats:
    """Decide every event on the device and send a report of each; with ``samples``, also the unsure raw ones.

    Reports made during an outage wait in the buffer (overflow is dropped), and an outage still open
    at the end leaves its buffered reports undelivered. Samples are asked for only while the link is up.
    """
    n_events = day.t.size
    # Every on-device decision takes the same time: a read-only view, not millions of copies.
    lat = np.broadcast_to(np.float64(workload.edge_latency_ms), (n_events,))
    per_outage = np.bincount(day.outage, minlength=day.o_end.size) if day.o_end.size else np.zeros(0, np.int64)
    held = np.minimum(per_outage, report_buffer)
    still_open = day.o_end >= day.seconds
    missing = int(np.maximum(per_outage - report_buffer, 0).sum() + held[still_open].sum())
    asked = day.low_conf & day.up if samples else np.zeros(n_events, dtype=bool)
    n_samples = int(asked.sum())
    sent = (n_events - missing) * workload.report_bytes + n_samples * workload.raw_bytes
    device, t_s, n_bytes = _requests(day, workload, window_s, held, still_open, asked)
    # Each request waits one round trip for its acknowledgement.
    radio_j, tail_j = costs.radio_joules(device, t_s, n_bytes, device.size * link.rtt_ms / 1e3)
    joules = n_events * workload.edge_energy_mj / 1e3 + radio_j
    # Per hour: reports go up at once while the link is up, or in one flush when an outage ends.
    hourly = (_hourly(day.t[day.up], workload.report_bytes, day.hours)
              + _hourly(day.o_end[~still_open], held[~still_open] * float(workload.report_bytes), day.hours)
              + _hourly(day.t[asked], workload.raw_bytes, day.hours))
    p50, p99 = _pct(lat)
    return ModeStats(
        mode=mode, events=n_events, decided=n_events, events_lost=0, reports_missing=missing,
        p50_ms=p50, p99_ms=p99, uplink_bytes=sent, monthly_cost_usd=costs.usd_per_month(sent),
        energy_j_per_device=joules / day.n_devices, radio_j_per_device=radio_j / day.n_devices,
        tail_j_per_device=tail_j / day.n_devices, raw_bytes_left=n_samples * workload.raw_bytes,
        samples_uploaded=n_samples, latencies_ms=lat, lost_per_hour=np.zeros(max(1, int(math.ceil(day.hours)))),
        uplink_per_hour=hourly,
    )


def simulate(
    n_devices: int = 1_000,
    workload: Workload | None = None,
    link: LinkProfile | None = None,  # default: make_link("4G")
    hours: float = 24.0,
    seed: int | None = None,
    report_buffer: int | None = None,
    batch_minutes: float | None = None,
) -> FleetResult:
    """Play the same seeded events through the cloud-only, edge and hybrid designs (data/architectures.json).

    report_buffer: how many reports an edge or hybrid device holds while its link is down (overflow is dropped).
    batch_minutes: an edge or hybrid device sends its reports together once per window of this length.
    (Both default to data/fleet_defaults.csv.)
    seed: the random stream's seed (default: the course seed, so the same call gives the same day).
    """
    seed = SEED if seed is None else seed
    d = _defaults()
    report_buffer = int(d["report_buffer"][0]) if report_buffer is None else report_buffer
    batch_minutes = d["batch_minutes"][0] if batch_minutes is None else batch_minutes
    workload = Workload() if workload is None else workload
    link = make_link() if link is None else link
    validate(n_devices, workload, link, hours)
    number(report_buffer, "report_buffer", 0, whole=True, unit="reports")
    window_s = number(batch_minutes, "batch_minutes", 0.1, 24 * 60) * 60.0
    rng = np.random.default_rng(seed)
    day = _draw_day(int(n_devices), workload, link, hours, rng)
    costs = _Costs(link, hours, int(n_devices))
    modes = {
        "cloud-only": _cloud_only(day, workload, link, rng, costs),
        "edge": _on_device("edge", day, workload, link, costs, report_buffer, window_s, samples=False),
        "hybrid": _on_device("hybrid", day, workload, link, costs, report_buffer, window_s, samples=True),
    }
    if tuple(modes) != modes_simulated():
        raise CourseError("data/architectures.json marks other architectures as simulated than utils.fleet plays.")
    return FleetResult(int(n_devices), float(hours), workload, link, int(seed), day.down_fraction, modes)


def with_outages(link: LinkProfile, outages_per_day: float, outage_minutes: float | None = None) -> LinkProfile:
    """``link`` with a given number of outages per day (0: never fails), for sliders."""
    rate = number(outages_per_day, "outages_per_day", 0, 1440.0)
    minutes = link.outage_minutes if outage_minutes is None else number(outage_minutes, "outage_minutes", 0)
    # One up-time plus one outage per cycle, and `rate` cycles in 24 hours.
    mtbf = math.inf if rate == 0 else max(24.0 / rate - minutes / 60.0, 0.0)
    return link.with_(mtbf_hours=mtbf, outage_minutes=minutes)


# ----------------------------------------------------------------------------- lesson 08's explorer
def comparison_figure(result: FleetResult):
    """Three bar charts of ``result``: p99 latency, uplink per day and events lost, per architecture."""
    import matplotlib.pyplot as plt

    from utils import style

    if not isinstance(result, FleetResult):
        raise CourseError(f"comparison_figure needs the result of fleet.simulate, not {type(result).__name__}.")
    per_day = 24.0 / result.hours
    panels = [("p99 latency (ms)", lambda s: s.p99_ms if s.decided else 0.0),
              ("uplink (MB/day)", lambda s: s.uplink_bytes * per_day / 1e6),
              ("events lost", lambda s: s.events_lost)]
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.4))
    for ax, (label, value) in zip(axes, panels, strict=True):
        ax.bar(list(result.modes), [value(s) for s in result.modes.values()],
               color=[style.ARCHITECTURE_COLOURS[m] for m in result.modes])
        ax.set_title(label)
        ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig


def _outages_per_day(link: LinkProfile) -> float:
    """The slider value that gives back ``link``'s outage rate (the inverse of with_outages, to half a day)."""
    if not math.isfinite(link.mtbf_hours) or link.outage_minutes == 0:
        return 0.0
    return min(24.0, round(2 * 24.0 / (link.mtbf_hours + link.outage_minutes / 60.0)) / 2)


def explorer(workload: Workload, link: LinkProfile, frame_bytes: int | None = None, n_devices: int = 1_000):
    """Sliders over ``simulate`` (devices, outages a day, uplink speed, raw sample size).

    Returns ``(widget, static_html)``: the live view, and the same table and charts at the
    starting values as HTML, for exports that cannot draw widgets.
    """
    import base64
    import io

    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    from utils.display import number_slider

    if not isinstance(workload, Workload) or not isinstance(link, LinkProfile):
        raise CourseError("explorer needs a fleet.Workload and a network.LinkProfile (see fleet.make_link).")
    frame_bytes = int(_defaults()["camera_frame_bytes"][0]) if frame_bytes is None else int(frame_bytes)
    sizes = sorted({100, 300, 1_000, 3_000, 10_000, int(n_devices)})
    controls = {
        "n": w.SelectionSlider(options=sizes, value=int(n_devices), description="devices"),
        "outages": w.FloatSlider(value=_outages_per_day(link), min=0, max=24, step=0.5, description="outages/day"),
        # Stops at readable speeds and starts exactly at the link's own (a log slider would round 6.3 to 6.31).
        "mbps": number_slider(sorted({0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, float(link.uplink_mbps)}),
                              float(link.uplink_mbps), "uplink Mbit/s"),
        "sample": w.Dropdown(options=[(f"as measured ({workload.raw_bytes:,} B)", workload.raw_bytes),
                                      (f"camera frame ({frame_bytes:,} B)", frame_bytes)], description="raw sample"),
    }

    def run(n, outages, mbps, sample) -> FleetResult:
        fleet_link = replace(with_outages(link, outages), uplink_mbps=mbps)
        return simulate(n, replace(workload, raw_bytes=sample), fleet_link)

    def view(n, outages, mbps, sample):
        r = run(n, outages, mbps, sample)
        display(HTML(r.to_html()))
        comparison_figure(r)
        plt.show()

    start = run(**{k: c.value for k, c in controls.items()})
    fig = comparison_figure(start)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=80)
    plt.close(fig)
    static = (start.to_html() + f"<img alt='p99 latency, uplink and events lost per architecture' "
              f"src='data:image/png;base64,{base64.b64encode(png.getvalue()).decode('ascii')}'>"
              "<p><i>The starting values; the sliders need a live kernel.</i></p>")
    out = w.interactive_output(view, controls)
    widget = w.VBox([w.HBox([controls["n"], controls["outages"]]), w.HBox([controls["mbps"], controls["sample"]]), out])
    return widget, static


def show_explorer(workload: Workload, link: LinkProfile, frame_bytes: int | None = None, n_devices: int = 1_000) -> None:
    """Display :func:`explorer`, with its static copy for exports without widgets."""
    from utils.display import display_with_static_copy

    widget, static = explorer(workload, link, frame_bytes, n_devices)
    display_with_static_copy(widget, static, "Fleet explorer (the sliders need a live kernel)")
