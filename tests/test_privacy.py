"""Known answers for the data-flow audit of utils.privacy."""

import pytest

from utils import privacy
from utils.errors import CourseError


def test_four_products_with_cited_raw_rates():
    names = [p.name for p in privacy.products()]
    assert names == ["security camera", "doorbell", "smart speaker", "health wearable"]
    assert all(p.raw_source for p in privacy.products())
    assert privacy.product("smart speaker").raw_bytes_per_second == 16_000 * 2


def test_cloud_camera_sends_21_6_gb_a_day():
    f = privacy.flow("security camera", "cloud-only")
    assert f.raw_bytes == pytest.approx(21.6e9)
    assert f.event_bytes == 0


def test_edge_sends_no_raw_bytes_only_conclusions():
    p = privacy.product("doorbell")
    f = privacy.flow(p, "edge")
    assert f.raw_bytes == 0
    assert f.event_bytes == p.events_per_day * len(privacy.event_message(p))
    assert b"John is at the door." in privacy.event_message(p)


def test_cloud_assisted_forwards_an_excerpt_per_event():
    f = privacy.flow("smart speaker", "cloud-assisted", events_per_day=15, forwarded_seconds=5)
    assert f.raw_bytes == 15 * 5 * 32_000
    # never more raw than the sensor produces
    capped = privacy.flow("smart speaker", "cloud-assisted", events_per_day=1_000_000, forwarded_seconds=60)
    assert capped.raw_bytes == privacy.raw_bytes_per_day(privacy.product("smart speaker"))


def test_order_cloud_only_above_cloud_assisted_above_edge_for_every_product():
    flows = {(f.product, f.architecture): f for f in privacy.audit()}
    for p in privacy.products():
        cloud, assisted, edge = (flows[(p.name, a)] for a in ("cloud-only", "cloud-assisted", "edge"))
        assert cloud.raw_bytes > assisted.raw_bytes > edge.raw_bytes == 0
        assert cloud.total_bytes > 1_000 * edge.total_bytes


def test_wearable_is_about_72_mb_a_day_raw():
    assert privacy.flow("health wearable", "cloud-only").raw_bytes == pytest.approx(833 * 86_400)


def test_bad_inputs_are_one_sentence():
    with pytest.raises(CourseError, match="choose one of: security camera"):
        privacy.product("toaster")
    with pytest.raises(CourseError, match="architecture must be one of cloud-only, cloud-assisted, edge"):
        privacy.flow("doorbell", "fog")
    with pytest.raises(CourseError, match="events_per_day must be a number, 0 or more"):
        privacy.flow("doorbell", "edge", events_per_day=-3)


@pytest.mark.parametrize("n, text", [(73, "73 B"), (1_960, "1.96 KB"), (21.6e9, "21.6 GB"), (2.5e12, "2.5 TB")])
def test_human_bytes(n, text):
    assert privacy.human_bytes(n) == text.replace(" ", "\u00a0")  # a no-break space: a unit never wraps away
