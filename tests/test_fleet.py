"""The fleet simulation of lesson 08 against cases whose answers are known in advance."""

import math
from dataclasses import replace

import numpy as np
import pytest

from utils import cellular, fleet, network
from utils.errors import CourseError

WORK = fleet.Workload(events_per_hour=20, raw_bytes=2_000, report_bytes=80, edge_latency_ms=4.0,
                      edge_energy_mj=0.5, cloud_server_ms=3.0, low_confidence=0.05)


def steady_link(name="4G", **changes):
    """A link (4G unless named) that never fails and has no jitter, so latencies are exact."""
    return fleet.make_link(name, outages_per_day=0, jitter_ms=0.0, **changes)


def test_no_outage_everything_is_decided_and_sent():
    link = steady_link()
    r = fleet.simulate(300, WORK, link, seed=1)
    n = r["cloud-only"].events
    assert n > 300 * 20 * 24 * 0.9
    assert r.down_fraction == 0
    assert fleet.modes_simulated() == ("cloud-only", "edge", "hybrid")
    for mode in fleet.modes_simulated():
        assert r[mode].events == n and r[mode].events_lost == 0 and r[mode].decided == n
    cloud, hybrid, edge = r["cloud-only"], r["hybrid"], r["edge"]
    assert cloud.uplink_bytes == n * WORK.raw_bytes == cloud.raw_bytes_left
    # Without jitter every trip takes the same time: RTT + upload + server time.
    expected = link.rtt_ms + WORK.raw_bytes * 8 / (link.uplink_mbps * 1e6) * 1e3 + WORK.cloud_server_ms
    assert cloud.p50_ms == pytest.approx(expected) and cloud.p99_ms == pytest.approx(expected)
    assert edge.p50_ms == edge.p99_ms == WORK.edge_latency_ms == hybrid.p99_ms
    # Edge sends a report of every conclusion and never a raw sample.
    assert edge.uplink_bytes == n * WORK.report_bytes and edge.raw_bytes_left == 0 and edge.samples_uploaded == 0
    assert hybrid.reports_missing == 0 == edge.reports_missing
    assert hybrid.uplink_bytes == n * WORK.report_bytes + hybrid.samples_uploaded * WORK.raw_bytes
    assert hybrid.raw_bytes_left == hybrid.samples_uploaded * WORK.raw_bytes
    # About 5 % of events are low-confidence samples the cloud asks for.
    assert hybrid.samples_uploaded / n == pytest.approx(WORK.low_confidence, rel=0.1)
    assert hybrid.uplink_bytes < cloud.uplink_bytes / 5
    # The hourly series add up to the totals.
    assert cloud.uplink_per_hour.sum() == pytest.approx(cloud.uplink_bytes)
    assert hybrid.uplink_per_hour.sum() == pytest.approx(hybrid.uplink_bytes)


def test_a_cellular_bill_is_the_iot_plan_per_mb_plus_a_sim_fee_per_device():
    r = fleet.simulate(200, WORK, steady_link(), seed=3)
    for mode in fleet.modes_simulated():
        mb_month = r[mode].uplink_bytes * network.MONTH_DAYS / 1e6
        assert r[mode].monthly_cost_usd == pytest.approx(mb_month * 0.078 + 200 * 2.0)
    # A fleet that sends nothing still pays every SIM.
    dark = fleet.simulate(30, WORK, replace(steady_link(), mtbf_hours=0.0, outage_minutes=30.0), seed=3)
    assert dark["edge"].uplink_bytes == 0 and dark["edge"].monthly_cost_usd == pytest.approx(30 * 2.0)


def test_wifi_and_fibre_are_flat_rate_broadband_with_the_esp32_radio():
    d = fleet.defaults()
    for name in ("Wi-Fi", "fibre"):
        link = fleet.make_link(name)
        assert not link.cellular and (link.tx_watts, link.rx_watts) == (d["tx_watts"][0], d["rx_watts"][0])
        assert link.usd_per_gb == d["broadband_usd_per_gb"][0] == 0 and link.usd_per_device_month == 0
        r = fleet.simulate(50, WORK, link, seed=3)
        assert r["cloud-only"].uplink_bytes > 0 and r["cloud-only"].monthly_cost_usd == 0
        assert r["cloud-only"].tail_j_per_device == 0
    for name in ("4G", "5G"):  # one chip on one link: a cellular link carries no Wi-Fi watts
        link = fleet.make_link(name)
        assert link.cellular and link.tx_watts == 0 == link.rx_watts and link.usd_per_gb == pytest.approx(78.0)


def test_link_always_down_loses_every_cloud_decision():
    link = replace(steady_link(), mtbf_hours=0.0, outage_minutes=30.0)
    r = fleet.simulate(50, WORK, link, seed=2)
    n = r["cloud-only"].events
    assert r.down_fraction == 1.0
    cloud, hybrid, edge = r["cloud-only"], r["hybrid"], r["edge"]
    assert cloud.events_lost == n and cloud.decided == 0 and cloud.uplink_bytes == 0
    assert math.isinf(cloud.p50_ms) and cloud.lost_per_hour.sum() == n
    assert edge.decided == n and hybrid.decided == n and hybrid.events_lost == 0
    # The cloud never hears from the edge or hybrid devices either: their buffers never get a link.
    assert hybrid.reports_missing == n == edge.reports_missing and hybrid.uplink_bytes == 0 == edge.uplink_bytes
    assert all(r[m].raw_bytes_left == 0 for m in fleet.modes_simulated())


def test_one_wifi_device_energy_is_the_hand_computed_sum():
    link = steady_link("Wi-Fi")
    r = fleet.simulate(1, WORK, link, seed=4)
    n = r["edge"].events
    assert n == np.random.default_rng(4).poisson(WORK.events_per_hour * 24)  # the first draw of the stream
    send_j = WORK.raw_bytes * 8 / (link.uplink_mbps * 1e6) * link.tx_watts
    wait_j = link.rx_watts * (link.rtt_ms + WORK.cloud_server_ms) / 1e3
    assert r["cloud-only"].energy_j_per_device == pytest.approx(n * (send_j + wait_j))
    # Edge: every inference, the reports' bytes, and one acknowledgement round trip per batch window.
    batches = r["edge"].energy_j_per_device - n * WORK.edge_energy_mj / 1e3 - n * WORK.report_bytes * 8 / (
        link.uplink_mbps * 1e6) * link.tx_watts
    windows = batches / (link.rx_watts * link.rtt_ms / 1e3)
    assert windows == pytest.approx(round(windows)) and 1 <= round(windows) <= n
    assert r["edge"].energy_j_per_device < r["hybrid"].energy_j_per_device < r["cloud-only"].energy_j_per_device


def test_an_isolated_4g_request_costs_what_utils_cellular_says():
    link = steady_link()
    work = replace(WORK, events_per_hour=1.0, low_confidence=0.0)
    seed = next(s for s in range(100) if np.random.default_rng(s).poisson(1.0) == 1)  # exactly one event
    r = fleet.simulate(1, work, link, hours=1.0, seed=seed)
    assert r["cloud-only"].decided == 1
    raw = cellular.lte_send(work.raw_bytes, link.uplink_mbps)
    assert r["cloud-only"].energy_j_per_device == pytest.approx(raw.total_j)
    assert r["cloud-only"].tail_j_per_device == pytest.approx(raw.tail_j)
    # Edge: one inference, and one batch carrying its one report.
    report = cellular.lte_send(work.report_bytes, link.uplink_mbps)
    assert r["edge"].energy_j_per_device == pytest.approx(work.edge_energy_mj / 1e3 + report.total_j)
    assert r["edge"].radio_j_per_device == pytest.approx(report.total_j)


def test_4g_sends_closer_than_the_tail_share_one_promotion():
    link = steady_link()
    t = fleet._draw_day(1, WORK, link, 24.0, np.random.default_rng(4)).t  # the day simulate plays, seed 4
    r = fleet.simulate(1, WORK, link, seed=4)
    assert r["cloud-only"].decided == t.size
    # Sum send by send with lte_send alone: a promotion after a gap of a whole tail or more, a tail cut by the next send.
    gaps = np.diff(t)
    one = cellular.lte_send(WORK.raw_bytes, link.uplink_mbps)
    close = [cellular.lte_send(WORK.raw_bytes, link.uplink_mbps, every_s=g) for g in gaps]
    expected = (one.promotion_j + sum(c.promotion_j for c in close) + t.size * one.transfer_j
                + sum(c.tail_j for c in close) + one.tail_j)
    assert r["cloud-only"].energy_j_per_device == pytest.approx(expected)
    assert 0 < np.count_nonzero(gaps < one.transfer_s + one.tail_s) < gaps.size  # both cases occur
    assert r["cloud-only"].energy_j_per_device < t.size * one.total_j
    # The tail, not the bytes, is most of a cellular radio's energy, in every design.
    for mode in fleet.modes_simulated():
        assert r[mode].tail_j_per_device > 0.9 * r[mode].radio_j_per_device


def test_same_seed_same_numbers_other_seed_other_numbers():
    link = fleet.make_link("4G", outages_per_day=4)
    a = fleet.simulate(200, WORK, link, seed=7).rows()
    b = fleet.simulate(200, WORK, link, seed=7).rows()
    c = fleet.simulate(200, WORK, link, seed=8).rows()
    assert a == b
    assert a != c


def test_down_time_matches_the_availability_of_lesson_02():
    link = fleet.make_link("4G", outages_per_day=6, outage_minutes=40)
    r = fleet.simulate(2_000, WORK, link, seed=5)
    expected_down = 1 - network.availability(link.mtbf_hours, link.outage_minutes / 60)
    assert r.down_fraction == pytest.approx(expected_down, rel=0.06)
    lost_share = r["cloud-only"].events_lost / r["cloud-only"].events
    assert lost_share == pytest.approx(expected_down, rel=0.08)


def test_without_a_buffer_the_hybrid_cloud_misses_what_cloud_only_lost():
    link = fleet.make_link("4G", outages_per_day=3)
    r = fleet.simulate(300, WORK, link, seed=6, report_buffer=0)
    assert r["hybrid"].reports_missing == r["cloud-only"].events_lost == r["edge"].reports_missing > 0
    big = fleet.simulate(300, WORK, link, seed=6, report_buffer=10_000)
    # With room for everything, only reports of outages still open at midnight are missing.
    assert big["hybrid"].reports_missing < r["hybrid"].reports_missing


def test_edge_and_hybrid_differ_only_by_the_unsure_samples():
    r = fleet.simulate(100, WORK, steady_link(), seed=9)
    edge, hybrid = r["edge"], r["hybrid"]
    assert edge.raw_bytes_left == 0 and edge.samples_uploaded == 0 < hybrid.samples_uploaded
    assert hybrid.uplink_bytes - edge.uplink_bytes == hybrid.samples_uploaded * WORK.raw_bytes
    assert (edge.p50_ms, edge.p99_ms, edge.reports_missing) == (hybrid.p50_ms, hybrid.p99_ms, hybrid.reports_missing)


def test_a_slower_uplink_slows_only_the_cloud():
    fast = fleet.simulate(100, WORK, steady_link(uplink_mbps=50.0), seed=1)
    slow = fleet.simulate(100, WORK, steady_link(uplink_mbps=0.1), seed=1)
    assert slow["cloud-only"].p50_ms - fast["cloud-only"].p50_ms == pytest.approx(
        WORK.raw_bytes * 8 * (1 / 0.1e6 - 1 / 50e6) * 1e3)
    assert slow["edge"].p50_ms == fast["edge"].p50_ms == slow["hybrid"].p50_ms


def test_event_times_are_uniform_and_in_order_per_device():
    counts = np.array([0, 1, 5, 2_000])
    u = fleet._sorted_uniform(counts, np.random.default_rng(3))
    device = np.repeat(np.arange(counts.size), counts)
    assert u.size == counts.sum() and (u >= 0).all() and (u < 1).all()
    assert (np.diff(u)[device[1:] == device[:-1]] >= 0).all()
    big = u[device == 3]  # 2,000 uniforms: each decile holds about a tenth of them
    assert np.histogram(big, bins=10, range=(0, 1))[0] == pytest.approx(np.full(10, 200), abs=45)


def test_with_outages_gives_that_many_cycles_a_day():
    link = fleet.with_outages(steady_link(), outages_per_day=4, outage_minutes=60)
    assert link.mtbf_hours + link.outage_minutes / 60 == pytest.approx(6.0)
    assert math.isinf(fleet.with_outages(link, 0).mtbf_hours)


def test_the_table_shows_every_architecture():
    html = fleet.simulate(20, WORK, steady_link()).to_html()
    for mode in fleet.modes_simulated():
        assert f"<b>{mode}</b>" in html
    assert "<table>" in html


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n_devices": -5}, "must be a whole number of devices, from 1 to 100,000"),
        ({"n_devices": 2.5}, "whole number"),
        ({"n_devices": 10**6}, "from 1 to 100,000"),
        ({"workload": replace(WORK, events_per_hour=-1)}, "events_per_hour must be a number, from 0 to 3,600"),
        ({"workload": replace(WORK, low_confidence=1.5)}, "low_confidence must be a number, from 0 to 1"),
        ({"workload": replace(WORK, raw_bytes=-10)}, "raw_bytes must be a number, 0 or more"),
        ({"link": replace(fleet.make_link(), uplink_mbps=0)}, "uplink_mbps must be a number, above 0"),
        ({"link": replace(fleet.make_link(), jitter_ms=float("nan"))}, "jitter_ms must be a number, 0 or more, got nan"),
        ({"link": replace(fleet.make_link(), outage_minutes=-3)}, "outage_minutes must be a number, 0 or more"),
        ({"link": replace(fleet.make_link(), usd_per_device_month=-2)},
         "usd_per_device_month must be a number, 0 or more"),
        ({"link": "4G"}, "link must be a network.LinkProfile"),
        ({"hours": 0}, "hours must be a number, from 0.001 to 744"),
        ({"report_buffer": -1}, "report_buffer must be a whole number of reports"),
        ({"n_devices": 100_000, "workload": replace(WORK, events_per_hour=3000)}, "more than the"),
    ],
)
def test_bad_input_is_one_sentence(kwargs, words):
    args = {"n_devices": 10, "workload": WORK, "link": fleet.make_link()} | kwargs
    with pytest.raises(CourseError) as err:
        fleet.simulate(**args)
    message = str(err.value)
    assert words in message
    assert "\n" not in message and message.endswith((".", ")."))


def test_bad_outage_rates_and_link_names():
    with pytest.raises(CourseError, match="outages_per_day must be a number, from 0 to 1,440"):
        fleet.with_outages(fleet.make_link(), -1)
    with pytest.raises(CourseError, match="No link called"):
        fleet.make_link("carrier pigeon")
    with pytest.raises(CourseError, match="A link has no field bandwidth"):
        fleet.make_link("4G", bandwidth=3)
    with pytest.raises(CourseError, match="cellular must be True or False, got 'yes'"):
        fleet.make_link("Wi-Fi", cellular="yes")



def test_explorer_starts_at_the_given_fleet_and_has_a_static_copy():
    import matplotlib

    matplotlib.use("Agg")
    link = fleet.make_link("4G")
    widget, static = fleet.explorer(WORK, link, frame_bytes=27_648, n_devices=300)
    # The static copy is the table of the very fleet the sliders start from, plus its charts as a picture.
    assert fleet.simulate(300, WORK, link).to_html() in static
    assert "data:image/png;base64," in static and "live kernel" in static
    assert "VBox(" not in static
    values = {c.description: c.value for c in widget.children[0].children + widget.children[1].children}
    assert values["devices"] == 300 and values["outages/day"] == fleet.defaults()["outages_per_day"][0]
    assert values["uplink Mbit/s"] == pytest.approx(link.uplink_mbps)
    # The slider gives back the link's outage rate, including none at all.
    assert fleet._outages_per_day(fleet.with_outages(link, 0)) == 0
    assert fleet._outages_per_day(fleet.with_outages(link, 7.5)) == 7.5


def test_explorer_and_figure_refuse_the_wrong_objects():
    with pytest.raises(CourseError, match="needs a fleet.Workload and a network.LinkProfile"):
        fleet.explorer("digits", fleet.make_link())
    with pytest.raises(CourseError, match="needs the result of fleet.simulate"):
        fleet.comparison_figure({"cloud-only": 1})

# ----------------------------------------------------------------------------- scenario cards
def test_every_card_has_one_verdict_per_choice_and_a_best_design():
    from utils import scenarios

    assert {"autonomous-driving", "factory-inspection", "smart-doorbell", "smart-speaker", "health-wearable",
            "farm-sensor"} == set(scenarios.ids())
    for sid in scenarios.ids():
        card = scenarios.card(sid)
        assert set(card.verdicts) == set(scenarios.choices())
        assert all(v in scenarios.VERDICTS for v, _ in card.verdicts.values())
        assert scenarios.best(sid), f"{sid} has no best design"
        text = " ".join(card.facts) + card.trade_off + " ".join(r for _, r in card.verdicts.values())
        assert "{" not in text and "}" not in text, f"{sid} has an unfilled number"


def test_verdicts_name_the_trade_off():
    from utils import scenarios

    v = scenarios.judge("smart-speaker", "cloud-assisted")
    assert v and v.verdict == "best" and "Compute decides it" in v.trade_off
    assert not scenarios.judge("autonomous-driving", "cloud-only")
    assert scenarios.judge("autonomous-driving", "cloud-only").verdict == "fails"
    assert "FAILS" in str(scenarios.judge("farm-sensor", "cloud-only"))


def test_card_numbers_are_computed_from_the_cited_tables():
    from utils import scenarios

    f = scenarios.facts()
    assert f["drive_m"] == pytest.approx(100 / 3.6 * 0.055)  # 100 km/h during a 55 ms 4G round trip
    assert f["camera_gb_day"] == pytest.approx(21.6)
    assert f["doorbell_event_bytes"] == len('{"device": "doorbell", "event": "John is at the door."}')
    # One LTE modem sends a 96x96x3 frame over 4G (AT&T's ARO model: promotion + transfer + tail)
    # vs MLPerf Tiny's measured classification on the same board's STM32U385.
    transfer_s = 27_648 * 8 / 6.3e6
    send_j = 0.26 * 1.21 + transfer_s * (1.2 + 0.43839 * 6.3) + (0.1 + 0.02 + 10) * 1.06
    assert f["send_j"] == pytest.approx(send_j)
    assert f["tail_j"] / f["send_j"] > 0.9  # the tail, not the bytes, is what costs
    assert f["energy_ratio"] == pytest.approx(send_j * 1e3 / 0.51898)
    assert f["image_usd"] == pytest.approx(27_648 / 1e6 * 0.078)  # an IoT plan's first tier, not $6/GB
    # The wearable's own LTE modem, not the ESP32's Wi-Fi radio: one upload a day, or a send every second.
    day_bytes = 833 * 86_400
    assert f["wearable_tx_s"] == pytest.approx(day_bytes * 8 / 6.3e6)
    assert f["wearable_tx_j"] == pytest.approx(0.26 * 1.21 + f["wearable_tx_s"] * (1.2 + 0.43839 * 6.3) + 10.12 * 1.06)
    assert f["wearable_stream_j"] == pytest.approx(86_400 * (833 * 8 / 6.3e6 * (1.2 + 0.43839 * 6.3)
                                                             + (1 - 833 * 8 / 6.3e6) * 1.06))


def test_bad_scenario_or_choice_is_one_sentence():
    from utils import scenarios

    with pytest.raises(CourseError, match="No scenario 'moon-base'; the cards are: autonomous-driving"):
        scenarios.judge("moon-base", "hybrid")
    with pytest.raises(CourseError, match="No architecture 'fog'; choose one of: cloud-only"):
        scenarios.judge("smart-doorbell", "fog")
