"""The LTE modem's energy for one message (promotion, transfer, tail) and the IoT data price (utils.cellular)."""

import pytest

from utils import cellular
from utils.errors import CourseError


def test_one_isolated_message_pays_promotion_transfer_and_the_whole_tail():
    s = cellular.lte_send(1_000, uplink_mbps=1.0)
    assert s.promotion_j == pytest.approx(0.26 * 1.21)
    assert s.transfer_s == pytest.approx(0.008)
    assert s.transfer_j == pytest.approx(0.008 * (1.2 + 0.43839))
    assert s.tail_s == pytest.approx(10.12) and s.tail_j == pytest.approx(10.12 * 1.06)
    assert s.total_j == pytest.approx(s.promotion_j + s.transfer_j + s.tail_j)


def test_a_tiny_message_costs_almost_as_much_as_a_picture():
    count, picture = cellular.lte_send(50), cellular.lte_send(27_648)
    assert count.total_j > 0.98 * picture.total_j  # the tail, not the payload, dominates


def test_messages_closer_than_the_tail_keep_the_radio_connected():
    s = cellular.lte_send(27_648, every_s=1.0)
    assert s.promotion_j == 0
    assert s.transfer_s + s.tail_s == pytest.approx(1.0)
    far = cellular.lte_send(27_648, every_s=60.0)
    assert far.total_j == pytest.approx(cellular.lte_send(27_648).total_j)


def test_default_uplink_is_the_course_4g_link():
    from utils import network

    assert cellular.lte_send(27_648).transfer_s == pytest.approx(27_648 * 8 / (network.link("4G").uplink_mbps * 1e6))


def test_iot_price_is_per_mb_of_the_cited_plan():
    assert cellular.iot_data_usd(1e6) == pytest.approx(0.078)
    assert cellular.iot_data_usd(0) == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"n_bytes": 0}, "n_bytes must be a number, above 0, got 0."),
    ({"n_bytes": 10, "uplink_mbps": float("nan")}, "uplink_mbps must be a number, above 0, got nan."),
    ({"n_bytes": 10, "every_s": -1}, "every_s must be a number, above 0, got -1."),
    ({"n_bytes": 10_000_000, "every_s": 1}, "longer than the 1 s between messages"),
])
def test_bad_input_is_one_sentence(kwargs, message):
    with pytest.raises(CourseError, match=message.replace(".", r"\.").replace("(", r"\(")):
        cellular.lte_send(**kwargs)


def test_unknown_figure_and_bad_bytes_are_one_sentence():
    with pytest.raises(CourseError, match="No figure 'warp' in data/cellular.csv"):
        cellular.figure("warp")
    with pytest.raises(CourseError, match="n_bytes must be a number of bytes, 0 or more"):
        cellular.iot_data_usd(-1)
