"""Known answers for utils.network: latency, bandwidth, money, availability and the outage model."""

import math

import pytest

from utils import network as net
from utils.errors import CourseError


def test_links_come_from_the_cited_table():
    names = [p.name for p in net.links()]
    assert names == ["4G", "5G", "Wi-Fi", "fibre"]
    four_g = net.link("4g")
    assert four_g.rtt_ms == 55 and four_g.uplink_mbps == 6.3
    assert "Opensignal" in four_g.rtt_source
    assert all(p.rtt_source and p.uplink_source for p in net.links())


def test_unknown_link_names_the_choices():
    with pytest.raises(CourseError, match="choose one of: 4G, 5G, Wi-Fi, fibre"):
        net.link("6G")


def test_distance_adds_one_ms_per_100_km():
    assert net.rtt_ms("fibre", server_km=0) == 24
    assert net.rtt_ms("fibre", server_km=1000) == pytest.approx(34.0)


def test_car_distance_during_one_round_trip():
    # 120 km/h = 33.33 m/s; 55 ms -> 1.833 m
    assert net.distance_during_rtt_m(55, 120) == pytest.approx(1.8333, abs=1e-3)
    assert net.distance_during_rtt_m(0, 120) == 0


def test_missed_deadlines_counts_only_late_answers():
    assert net.missed_deadlines([10, 50, 50.1, 200], deadline_ms=50) == 2
    with pytest.raises(CourseError, match="0 or more"):
        net.missed_deadlines([-1], 50)


def test_sampled_rtts_are_seeded_and_never_below_light_speed():
    a = net.sample_rtts_ms("4G", 500, server_km=2000, seed=1)
    assert a == net.sample_rtts_ms("4G", 500, server_km=2000, seed=1)
    assert min(a) >= 20.0
    assert abs(sum(a) / len(a) - 75.0) < 2.0  # mean = 55 + 2000/100


def test_two_mbps_is_21_6_gb_per_day():
    assert net.gb_per_day(2.0) == pytest.approx(21.6)
    assert net.gb_per_month(2.0) == pytest.approx(21.6 * 30.4375)


def test_fleet_uplink_in_gbps():
    assert net.fleet_uplink_gbps(10_000, 2.0) == pytest.approx(20.0)
    assert net.stream_mbps("1080p standard", "H.265") == pytest.approx(2.0 * 0.55)


def test_unknown_stream_lists_the_options():
    with pytest.raises(CourseError, match="1080p standard / H.264"):
        net.stream_mbps("4K", "AV1")


@pytest.mark.parametrize(
    "gb, usd",
    [
        (0, 0.0),
        (100, 0.0),  # the free tier
        (1_100, 90.0),  # 1,000 GB at $0.09
        (10_000, 891.0),  # 9,900 GB at $0.09
        (20_000, 891.0 + 850.0),  # + 10,000 GB at $0.085
        (200_000, 891.0 + 3_400.0 + 7_000.0 + 2_500.0),  # every tier
    ],
)
def test_egress_tiers(gb, usd):
    assert net.transfer_cost(gb, "out") == pytest.approx(usd)


def test_ingress_is_free():
    assert net.transfer_cost(1e6, "in") == 0.0


def test_availability_nines_in_minutes_per_month():
    assert net.downtime_minutes_per_month(0.999) == pytest.approx(43.83, abs=0.01)
    assert net.downtime_minutes_per_month(99.9, percent=True) == pytest.approx(43.83, abs=0.01)
    assert net.downtime_minutes_per_month(net.nines(5)) == pytest.approx(0.4383, abs=1e-4)
    assert net.availability(99, 1) == pytest.approx(0.99)
    assert net.availability(math.inf, 1) == 1.0


def test_bad_availability():
    with pytest.raises(CourseError, match="fraction"):
        net.downtime_minutes_per_month(150)


def test_no_outages_means_no_missed_events():
    events = net.poisson_event_times(30, hours=24, seed=3)
    assert 600 < len(events) < 840  # 720 expected
    for outages in (net.simulate_outages(math.inf, 30), net.simulate_outages(10, 0)):
        assert outages == []
        assert net.events_missed(events, outages) == 0


def test_outage_model_matches_its_availability_in_the_long_run():
    outages = net.simulate_outages(mtbf_hours=10, mean_outage_minutes=60, hours=20_000, seed=7)
    down_share = net.downtime_hours(outages) / 20_000
    assert down_share == pytest.approx(1 - net.availability(10, 1), abs=0.01)  # 1/11 = 0.0909
    assert all(0 <= s < e <= 20_000 for s, e in outages)
    assert outages == net.simulate_outages(10, 60, hours=20_000, seed=7)


def test_events_in_an_outage_are_missed():
    assert net.events_missed([1.0, 2.5, 3.0, 5.0], [(2.0, 3.0)]) == 1
    assert net.is_down(2.0, [(2.0, 3.0)]) and not net.is_down(3.0, [(2.0, 3.0)])


def test_link_emulator_timing_from_the_profile():
    emu = net.LinkEmulator(net.link("4G").with_(jitter_ms=0, loss_pct=0))
    d = emu.delays(request_bytes=63_000, response_bytes=630)
    assert d.upload_ms == pytest.approx(80.0)  # 63,000 B x 8 / 6.3 Mbps
    assert d.propagate_ms == pytest.approx(55.0)
    assert d.return_ms == pytest.approx(0.8)
    assert not d.lost and not d.down
    emu.cut()
    assert emu.delays(100).down
    emu.restore()
    assert not emu.delays(100).down


def test_loss_rate_is_applied():
    emu = net.LinkEmulator(net.link("4G").with_(loss_pct=20), seed=5)
    lost = sum(emu.delays(100).lost for _ in range(2_000))
    assert 330 < lost < 470  # 400 expected


def test_bad_profile_change():
    with pytest.raises(CourseError, match="between 0 and 100"):
        net.link("5G").with_(loss_pct=120)
    with pytest.raises(CourseError, match="uplink_mbps must be a number, above 0"):
        net.link("5G").with_(uplink_mbps=0)


def test_storage_is_priced_tier_by_tier():
    # 10,000 cameras x 21.6 GB a day x 30 days = 6,480,000 GB held: 50 TB at $0.023, 450 TB at $0.022, the rest at $0.021.
    assert net.storage_cost(6_480_000) == pytest.approx(50_000 * 0.023 + 450_000 * 0.022 + 5_980_000 * 0.021)
    assert net.storage_cost(0) == 0
    with pytest.raises(CourseError, match="direction must be 'in' \\(ingress\\), 'out' \\(egress\\) or 'store'"):
        net.transfer_cost(1, "sideways")


def test_compute_cost_counts_whole_servers_running_all_month():
    # data/cloud_compute.csv: c6i.large at $0.085 an hour; 365.25 / 12 x 24 = 730.5 hours in a month.
    assert net.servers_needed(10_000, 200) == 50
    assert net.servers_needed(10_001, 200) == 51  # a fraction of a server is a whole server
    assert net.servers_needed(0) == 0 and net.compute_cost(0) == 0
    assert net.compute_cost(10_000, 200) == pytest.approx(50 * 0.085 * 730.5)
    assert net.compute_cost(10_000, 100) == pytest.approx(2 * net.compute_cost(10_000, 200))


def test_compute_cost_refuses_bad_input_in_one_sentence():
    with pytest.raises(CourseError, match="per_server"):
        net.servers_needed(10, 0)
    with pytest.raises(CourseError, match="requests_per_s"):
        net.compute_cost(-1)
    with pytest.raises(CourseError, match="No instance 'x9.huge' in data/cloud_compute.csv; it has: c6i.large"):
        net.compute_cost(10, instance="x9.huge")
