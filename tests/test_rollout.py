"""The staged rollout and its guard (lesson 09): a worse model stops at the canary, a better one reaches everyone."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import rollout
from utils.errors import CourseError


def flags(n_right, n):
    return np.arange(n) < n_right


def test_guard_goes_for_a_better_or_equal_model_and_stops_a_worse_one():
    assert rollout.guard(flags(90, 100), flags(80, 100)).go
    assert rollout.guard(flags(80, 100), flags(80, 100)).go
    assert rollout.guard(flags(79, 100), flags(80, 100)).go  # -1 point: inside the default tolerance
    stop = rollout.guard(flags(78, 100), flags(80, 100))
    assert not stop.go and stop.reason.startswith("STOP") and "-2.0 points" in stop.reason
    assert (stop.new_accuracy, stop.old_accuracy, stop.new_audited) == (0.78, 0.80, 100)


def test_guard_holds_on_too_few_audited_inputs():
    hold = rollout.guard(flags(10, 10), flags(0, 10))
    assert not hold.go and hold.reason.startswith("HOLD") and "10 audited inputs" in hold.reason


@settings(max_examples=80, deadline=None)
@given(st.integers(30, 200), st.data())
def test_guard_goes_exactly_when_the_gap_is_within_tolerance(n, data):
    new_right = data.draw(st.integers(0, n))
    old_right = data.draw(st.integers(0, n))
    tol = data.draw(st.sampled_from([0.0, 0.5, 1.0, 5.0]))
    verdict = rollout.guard(flags(new_right, n), flags(old_right, n), tolerance_points=tol)
    assert verdict.go == (100 * (new_right - old_right) / n >= -tol - 1e-9)


def test_a_good_update_reaches_the_whole_fleet_in_stages():
    device = np.repeat(np.arange(100), 10)
    stages = rollout.staged_rollout(np.ones(1000, bool), flags(700, 1000), device, 100, update_bytes=6_000)
    assert [s.share for s in stages] == [0.05, 0.25, 1.0]
    assert [s.devices_updated for s in stages] == [5, 25, 100]
    assert [s.downlink_bytes for s in stages] == [5 * 6_000, 20 * 6_000, 75 * 6_000]  # each device gets it once
    assert all(s.verdict.go for s in stages[:-1]) and stages[-1].verdict is None
    assert stages[0].verdict.new_audited == 50


def test_a_bad_update_stops_at_the_canary():
    device = np.repeat(np.arange(100), 10)
    stages = rollout.staged_rollout(flags(100, 1000), np.ones(1000, bool), device, 100, update_bytes=6_000)
    assert len(stages) == 1 and not stages[0].verdict.go and stages[0].devices_updated == 5


@pytest.mark.parametrize("call, message", [
    (lambda: rollout.guard([True] * 40, [True] * 39), "new_correct and old_correct must judge the same inputs"),
    (lambda: rollout.guard([0.5] * 40, [1] * 40), "new_correct must be a 1-D list of right (True) or wrong (False)"),
    (lambda: rollout.guard([1] * 40, [1] * 40, tolerance_points=-1), "tolerance_points must be a number of percentage"),
    (lambda: rollout.guard([1] * 40, [1] * 40, min_audited=0), "min_audited must be a whole number, 1 or more, got 0."),
    (lambda: rollout.staged_rollout([1], [1], [0], 1, 100, stages=(0.5, 0.25, 1)), "stages must be increasing shares"),
    (lambda: rollout.staged_rollout([1], [1], [0], 1, 100, stages=(0.05, 0.5)), "that end at 1"),
    (lambda: rollout.staged_rollout([1], [1], [3], 2, 100), "device must hold device numbers from 0 to 1."),
    (lambda: rollout.staged_rollout([1], [1], [0], 1, 0), "update_bytes must be a whole number of bytes, above 0, got 0."),
    (lambda: rollout.staged_rollout([1, 1], [1], [0], 1, 10), "must be of one length"),
])
def test_bad_input_gives_one_sentence(call, message):
    with pytest.raises(CourseError) as err:
        call()
    assert message in str(err.value) and "\n" not in str(err.value)
