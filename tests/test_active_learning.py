"""The sampling rule of lesson 09: per device and day, the least confident inputs first, within a byte budget."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import active_learning as al
from utils.errors import CourseError


def test_confidence_is_the_top_probability():
    p = np.array([[0.1, 0.9], [0.6, 0.4], [0.5, 0.5]])
    assert al.confidence(p).tolist() == [0.9, 0.6, 0.5]


def test_the_budget_buys_whole_inputs_only():
    assert al.per_day(256, 64) == 4 and al.per_day(300, 64) == 4 and al.per_day(63, 64) == 0 and al.per_day(0, 64) == 0


def test_confidence_rule_takes_the_least_sure_of_each_device_and_day():
    scores = np.array([0.9, 0.2, 0.5, 0.1, 0.95, 0.3, 0.99, 0.4])
    device = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    day = np.zeros(8, dtype=int)
    chosen = al.select(scores, device, day, budget_bytes=128, sample_bytes=64)
    # Two per device: device 0 sends its 0.1 and 0.2, device 1 its 0.3 and 0.4, whatever the others score.
    assert np.flatnonzero(chosen).tolist() == [1, 3, 5, 7]


def test_days_are_budgeted_separately_and_ties_keep_stream_order():
    scores = np.array([0.5, 0.5, 0.5, 0.1])
    device = np.zeros(4, dtype=int)
    day = np.array([0, 0, 1, 1])
    chosen = al.select(scores, device, day, budget_bytes=64, sample_bytes=64)
    assert np.flatnonzero(chosen).tolist() == [0, 3]  # day 0: the first of a tie; day 1: the least sure


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 12), st.integers(0, 6), st.integers(0, 10_000))
def test_both_rules_spend_the_same_budget_and_never_more(n_devices, days, per_group, k, seed):
    rng = np.random.default_rng(seed)
    device = np.repeat(np.arange(n_devices), days * per_group)
    day = np.tile(np.repeat(np.arange(days), per_group), n_devices)
    scores = rng.random(len(device))
    sent = {rule: al.select(scores, device, day, 64 * k, 64, rule=rule, seed=seed) for rule in al.RULES}
    expect = n_devices * days * min(k, per_group)
    assert sent["confidence"].sum() == sent["random"].sum() == expect
    for mask in sent.values():
        counts = np.bincount(device[mask] * days + day[mask], minlength=n_devices * days)
        assert counts.max(initial=0) <= k
    # Within each group, every input the confidence rule sent is at most as confident as any it kept back.
    picked = sent["confidence"]
    for g in range(n_devices * days):
        here = device * days + day == g
        if picked[here].any() and (~picked[here]).any():
            assert scores[here & picked].max() <= scores[here & ~picked].min()


def test_random_rule_is_seeded():
    scores, device, day = np.zeros(50), np.zeros(50, dtype=int), np.zeros(50, dtype=int)
    a = al.select(scores, device, day, 320, 64, rule="random", seed=1)
    assert np.array_equal(a, al.select(scores, device, day, 320, 64, rule="random", seed=1))
    assert not np.array_equal(a, al.select(scores, device, day, 320, 64, rule="random", seed=2))


@pytest.mark.parametrize("call, message", [
    (lambda: al.select([0.5], [0], [0], 64, 64, rule="margin"), "Unknown rule 'margin': choose one of confidence, random."),
    (lambda: al.select([0.5, 0.2], [0], [0], 64, 64), "device and day must each give one value per input (2)"),
    (lambda: al.select([0.5], [0.5], [0], 64, 64), "device and day must be whole numbers."),
    (lambda: al.select([np.nan], [0], [0], 64, 64), "scores must be finite numbers"),
    (lambda: al.per_day(-1, 64), "budget_bytes must be a number of bytes, 0 or more, got -1."),
    (lambda: al.per_day(256, 0), "sample_bytes must be a number of bytes, above 0, got 0."),
    (lambda: al.per_day("256", 64), "budget_bytes must be a number of bytes"),
    (lambda: al.confidence([0.2, 0.8]), "probabilities must be a (N, classes) array of softmax outputs, got shape (2,)."),
])
def test_bad_input_gives_one_sentence(call, message):
    with pytest.raises(CourseError) as err:
        call()
    assert message in str(err.value) and "\n" not in str(err.value)
