"""Scenario cards: six products, four architectures, and the trade-off that decides each one.

Defined for lesson 08. The cards live in ``data/scenarios.json``; their numbers are computed
here by :func:`facts` from the course's cited tables (``utils.network``, ``utils.privacy``,
``utils.board_sim``'s MLPerf Tiny results, ``utils.cellular``'s LTE radio and IoT price, ``data/model_sizes.csv``,
``data/fleet_defaults.csv``), so a card never states a number nobody can trace.

``judge(scenario, choice)`` returns a :class:`Verdict` (best / works / fails, and why);
``cards()`` shows every card as a widget: the learner picks an architecture, presses *Check*,
and reads the deciding trade-off. It uses only widgets that ipywidgets 7.7 and 8 both have.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache

from utils import schemas
from utils.errors import CourseError
from utils.paths import read_csv, read_json

VERDICTS = ("best", "works", "fails")
_COLOURS = {"best": "#1b7a3a", "works": "#8a5a00", "fails": "#a4262c"}


@cache
def _doc() -> dict:
    return schemas.check(read_json("scenarios.json"), "scenarios", "data/scenarios.json")


def choices() -> dict:
    """The four architectures a card offers (data/architectures.json), as {id: one-line summary}."""
    from utils import architectures

    return {a.id: a.summary for a in architectures.catalog()}


def ids() -> list[str]:
    """The scenario ids in card order."""
    return [s["id"] for s in _doc()["scenarios"]]


@cache
def facts() -> dict:
    """Every number the cards quote, computed from the course's cited tables."""
    from utils import board_sim, cellular, fleet, network, privacy

    d = fleet.defaults()
    # Published MLPerf Tiny result: Visual Wake Words on ST's Cortex-M33 board (lesson 07's table).
    vww = next(r for r in board_sim.results() if r["benchmark"] == "vww" and r["device"].startswith("NUCLEO-U385RG-Q"))
    rtt = network.rtt_ms("4G")
    cam_mbps = network.stream_mbps("1080p standard", "H.264")
    link = fleet.make_link("4G")
    frame = int(d["camera_frame_bytes"][0])
    # The farm sensor is one device: the MCU that classifies, and the LTE modem that would send.
    lte = cellular.lte_send(frame, link.uplink_mbps)
    classify_mj = vww["energy_uj"] / 1e3
    doorbell = privacy.product("doorbell")
    band = privacy.product("health wearable")
    wearable = privacy.raw_bytes_per_day(band)
    # The wristband's own LTE modem: the day's data in one upload, or streamed every second as recorded.
    daily = cellular.lte_send(wearable, link.uplink_mbps)
    streamed = cellular.lte_send(band.raw_bytes_per_second, link.uplink_mbps, every_s=1.0)
    return {
        "rtt_4g": rtt,
        "drive_m": network.distance_during_rtt_m(rtt, 100.0),
        "camera_mbps": cam_mbps,
        "camera_gb_day": network.gb_per_day(cam_mbps),
        "line_gb_day": 20 * network.gb_per_day(cam_mbps),
        "doorbell_gb_day": privacy.raw_bytes_per_day(doorbell) / 1e9,
        "doorbell_event_bytes": len(privacy.event_message(doorbell)),
        "speaker_gb_day": privacy.raw_bytes_per_day(privacy.product("smart speaker")) / 1e9,
        "kws_params": _params("MLPerf Tiny keyword spotting (DS-CNN)"),
        "wearable_mb_day": wearable / 1e6,
        "wearable_tx_s": daily.transfer_s,
        "wearable_tx_j": daily.total_j,
        "wearable_stream_j": streamed.total_j * band.raw_hours_per_day * 3_600,
        "frame_bytes": frame,
        "send_j": lte.total_j,
        "promotion_j": lte.promotion_j,
        "transfer_j": lte.transfer_j,
        "tail_j": lte.tail_j,
        "tail_s": lte.tail_s,
        "classify_mj": classify_mj,
        "classify_ms": vww["latency_ms"],
        "energy_ratio": lte.total_j * 1e3 / classify_mj,
        "iot_usd_per_mb": cellular.figure("iot_usd_per_mb"),
        "image_usd": cellular.iot_data_usd(frame),
        "sim_usd_month": cellular.figure("iot_sim_usd_per_month"),
    }


def _params(model: str) -> int:
    """Parameter count of ``model`` from data/model_sizes.csv (cited there)."""
    for row in read_csv("model_sizes.csv"):
        if row["model"] == model:
            return int(row["params"])
    raise CourseError(f"No model {model!r} in data/model_sizes.csv: restore the table from the course repository.")


@dataclass(frozen=True)
class Card:
    """One scenario with its numbers filled in."""

    id: str
    title: str
    story: str
    facts: tuple
    trade_off: str
    verdicts: dict  # choice -> (verdict, reason)


@dataclass(frozen=True)
class Verdict:
    """How a choice fares in a scenario; truthy when it is the best design."""

    scenario: str
    choice: str
    verdict: str
    reason: str
    trade_off: str

    def __bool__(self) -> bool:
        return self.verdict == "best"

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.verdict]
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
            f"<b style='color:{colour}'>{self.verdict.upper()}</b>: {html.escape(self.reason)}<br>"
            f"<i>What decides it:</i> {html.escape(self.trade_off)}</div>"
        )

    def __str__(self) -> str:
        return f"{self.verdict.upper()}: {self.reason} What decides it: {self.trade_off}"


def card(scenario: str) -> Card:
    """The card ``scenario`` (an id such as 'smart-doorbell') with its computed numbers."""
    for s in _doc()["scenarios"]:
        if s["id"] == scenario:
            f = facts()
            return Card(
                s["id"], s["title"], s["story"], tuple(x.format(**f) for x in s["facts"]), s["trade_off"].format(**f),
                {k: (v, reason.format(**f)) for k, (v, reason) in s["verdicts"].items()},
            )
    raise CourseError(f"No scenario {scenario!r}; the cards are: {', '.join(ids())}.")


def judge(scenario: str, choice: str) -> Verdict:
    """How ``choice`` (one of :func:`choices`) fares in ``scenario``, and the trade-off that decides it."""
    c = card(scenario)
    if choice not in c.verdicts:
        raise CourseError(f"No architecture {choice!r}; choose one of: {', '.join(choices())}.")
    verdict, reason = c.verdicts[choice]
    return Verdict(scenario, choice, verdict, reason, c.trade_off)


def best(scenario: str) -> list[str]:
    """The choices judged best for ``scenario``."""
    return [k for k, (v, _) in card(scenario).verdicts.items() if v == "best"]


def _card_html(c: Card) -> str:
    items = "".join(f"<li>{html.escape(x)}</li>" for x in c.facts)
    return f"<h4 style='margin:6px 0'>{html.escape(c.title)}</h4><p>{html.escape(c.story)}</p><ul>{items}</ul>"


def static_html() -> str:
    """Every card with its verdicts folded away, for exports without widgets."""
    parts = []
    for sid in ids():
        c = card(sid)
        rows = "".join(
            f"<li><b>{html.escape(k)}</b>: <span style='color:{_COLOURS[v]}'>{v}</span>, {html.escape(r)}</li>"
            for k, (v, r) in c.verdicts.items()
        )
        parts.append(_card_html(c) + f"<details><summary>Verdicts</summary><ul>{rows}</ul>"
                     f"<p><i>What decides it:</i> {html.escape(c.trade_off)}</p></details>")
    return "".join(parts)


def cards() -> None:
    """Show every card as a widget: pick an architecture, press Check, read the verdict."""
    import ipywidgets as w

    from utils.display import display_with_static_copy

    labels = [(f"{k}: {v}", k) for k, v in choices().items()]
    boxes = []
    for sid in ids():
        c = card(sid)
        pick = w.RadioButtons(options=labels, index=None, layout=w.Layout(width="auto"))
        button = w.Button(description="Check", button_style="primary")
        out = w.HTML()

        def on_click(_, sid=sid, pick=pick, out=out):
            if pick.value is None:
                out.value = "<i>Pick an architecture first.</i>"
                return
            out.value = judge(sid, pick.value)._repr_html_()

        button.on_click(on_click)
        boxes.append(w.VBox([w.HTML(_card_html(c)), pick, button, out],
                            layout=w.Layout(border="1px solid #d5dbe1", padding="6px", margin="6px 0")))
    display_with_static_copy(w.VBox(boxes), static_html(), f"{len(boxes)} scenario cards")
