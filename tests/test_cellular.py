"""The LTE modem's energy for one message (promotion, transfer, tail) and the IoT data price (utils.cellular)."""

import numpy as np
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


def test_many_sends_each_cost_lte_send_and_close_ones_share_a_promotion():
    one = cellular.lte_send(1_000)
    alone = cellular.lte_sends([7], [100.0], [1_000])
    assert (alone.promotion_j, alone.transfer_j, alone.tail_j) == pytest.approx((one.promotion_j, one.transfer_j, one.tail_j))
    # Two sends 3 s apart on one modem: one promotion, the first tail cut short by the second send.
    close = cellular.lte_sends([0, 0], [50.0, 53.0], [1_000, 1_000])
    assert close.promotion_j == pytest.approx(one.promotion_j)
    assert close.total_j == pytest.approx(cellular.lte_send(1_000, every_s=3.0).total_j + one.total_j)
    # The same two sends by two devices, or a whole tail apart: two modems or an idle one, two promotions.
    assert cellular.lte_sends([0, 1], [50.0, 53.0], [1_000, 1_000]).total_j == pytest.approx(2 * one.total_j)
    assert cellular.lte_sends([0, 0], [50.0, 80.0], [1_000, 1_000]).total_j == pytest.approx(2 * one.total_j)
    # The order of the sends does not matter; no sends cost nothing.
    shuffled = cellular.lte_sends([0, 1, 0], [53.0, 10.0, 50.0], [1_000, 500, 1_000])
    assert shuffled.total_j == pytest.approx(close.total_j + cellular.lte_send(500).total_j)
    assert cellular.lte_sends([], [], []).total_j == 0


def test_regular_sends_match_lte_send_every_s():
    n = 50
    many = cellular.lte_sends(np.zeros(n), np.arange(n) * 2.0, np.full(n, 27_648), uplink_mbps=6.3)
    step = cellular.lte_send(27_648, uplink_mbps=6.3, every_s=2.0)
    one = cellular.lte_send(27_648, uplink_mbps=6.3)
    # The first send is promoted, the last keeps its whole tail, the ones between are lte_send's every 2 s.
    assert many.total_j == pytest.approx(one.promotion_j + (n - 1) * step.total_j + one.transfer_j + one.tail_j)


@pytest.mark.parametrize("args, message", [
    (([0, 1], [0.0], [10]), "device, t_s and n_bytes must be the same length, got 2, 1 and 1."),
    (([0], [-1.0], [10]), "t_s and n_bytes must be finite numbers, 0 or more"),
    (([0], [1.0], [float("nan")]), "t_s and n_bytes must be finite numbers, 0 or more"),
    (([0], [1.0], [10], 0), "uplink_mbps must be a number, above 0, got 0."),
])
def test_bad_sends_are_one_sentence(args, message):
    with pytest.raises(CourseError) as err:
        cellular.lte_sends(*args)
    assert message in str(err.value) and "\n" not in str(err.value)
