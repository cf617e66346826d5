"""The new sensor of lesson 09, the fleet's stream and its accuracy grid."""

import numpy as np
import pytest

from utils import drift
from utils.errors import CourseError

IMAGES = np.random.default_rng(0).random((6, 8, 8, 1)).astype(np.float32) * (np.arange(8) % 2)[None, :, None, None]


def test_severity_zero_changes_nothing_and_one_changes_what_it_says():
    assert np.array_equal(drift.new_sensor(IMAGES, 0), IMAGES)
    one = np.zeros((1, 8, 8, 1), np.float32)
    one[0, 4, 4, 0] = 1.0
    assert drift.thicker(one)[0, :, :, 0].sum() == 5  # the pixel and its four neighbours
    seen = drift.new_sensor(one, 1.0)
    # A white page turns grey (the offset), the ink loses contrast (the gain), both within the noise.
    page = seen[0, 0, 0, 0]
    assert abs(page - drift.OFFSET) < 4 * drift.NOISE
    assert abs(seen[0, 4, 4, 0] - ((1 - drift.GAIN_LOSS) + drift.OFFSET)) < 4 * drift.NOISE
    assert seen.min() >= 0 and seen.max() <= 1 and seen.dtype == np.float32


def test_stream_has_each_devices_days_and_turns_at_its_arrival_day():
    y = np.arange(6) % 3
    arrival = np.array([0, 2, 5])
    s = drift.device_stream(IMAGES, y, n_devices=3, days=4, per_day=5, arrival=arrival)
    assert len(s) == 3 * 4 * 5 and s.x.shape == (60, 8, 8, 1)
    assert np.array_equal(s.drifted, s.day >= arrival[s.device])
    assert not s.drifted[s.device == 2].any() and s.drifted[s.device == 0].all()
    again = drift.device_stream(IMAGES, y, n_devices=3, days=4, per_day=5, arrival=arrival)
    assert np.array_equal(s.x, again.x) and np.array_equal(s.y, again.y)  # seeded


def test_devices_see_different_mixes_of_digits():
    y = np.arange(60) % 10
    pool = np.repeat(IMAGES[:1], 60, axis=0)
    s = drift.device_stream(pool, y, n_devices=5, days=2, per_day=200)
    mixes = np.array([np.bincount(s.y[s.device == d], minlength=10) / 400 for d in range(5)])
    assert np.abs(mixes - mixes.mean(axis=0)).max() > 0.1  # non-identical: some device's mix is far from the average


def test_accuracy_grid():
    grid = drift.accuracy_grid([True, False, True, True], [0, 0, 1, 1], [0, 0, 0, 1], n_devices=2, days=3)
    assert grid[0, 0] == 0.5 and grid[1, 0] == 1.0 and grid[1, 1] == 1.0 and np.isnan(grid[0, 2])


@pytest.mark.parametrize("call, message", [
    (lambda: drift.new_sensor(IMAGES, 1.5), "severity (0 = the old sensor, 1 = the full change) must be a number, from 0 to 1, got 1.5."),
    (lambda: drift.new_sensor(IMAGES * 255, 1.0), "x must hold pixel values between 0 and 1"),
    (lambda: drift.new_sensor(IMAGES[..., 0], 1.0), "x must be a non-empty batch of single-channel images"),
    (lambda: drift.new_sensor("digits"), "x must be a batch of images"),
    (lambda: drift.device_stream(IMAGES, [1, 2], 2, 3), "y must hold one label per image (6)"),
    (lambda: drift.device_stream(IMAGES, np.zeros(6), 2, 3, arrival=[0]), "arrival must give one day per device (2)"),
    (lambda: drift.arrival_days(3, 1), "days must be a whole number, 2 or more, got 1."),
    (lambda: drift.arrival_days(3, 4, first_day=4), "first_day must come before the last day (3)"),
    (lambda: drift.accuracy_grid([True], [5], [0], 2, 2), "device must lie in 0..1 and day in 0..1."),
])
def test_bad_input_gives_one_sentence(call, message):
    with pytest.raises(CourseError) as err:
        call()
    assert message in str(err.value) and "\n" not in str(err.value)
