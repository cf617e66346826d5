"""Drift: how the inputs a deployed model sees move away from the data it was trained on (lesson 09).

The scenario is the course's digit reader after a hardware change. A new camera module reaches the
fleet device by device; compared with the old one it draws **thicker strokes** (each pixel picks up
ink from its four neighbours), has **less contrast** (lower gain) and a **grey floor** (an offset),
plus a little **noise**. ``new_sensor(x, severity)`` applies that change to a batch of 8 x 8 digit
images, from ``severity=0`` (the old sensor, unchanged) to 1 (the full change). The sizes of the
change (``GAIN_LOSS``, ``OFFSET``, ``NOISE``) are scenario assumptions, not measurements of a camera.

``device_stream(x, y, ...)`` draws what each device sees, day by day: every device reads its own mix
of digits (non-identical: each meter shows some digits far more often), and from its own day on
(``arrival_days``) it reads them through the new sensor. ``accuracy_grid`` turns per-sample right or
wrong into accuracy per device per day, the picture an operator would plot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from utils.course import SEED
from utils.errors import CourseError, number, require

# The new sensor at severity 1 (scenario assumptions): strokes half-way to one pixel thicker, contrast down
# by a quarter, the floor up by an eighth of the range, and Gaussian noise of this standard deviation.
INK_SPREAD = 0.5
GAIN_LOSS = 0.25
OFFSET = 0.125
NOISE = 0.025
# How unequal the devices' digit mixes are: the Dirichlet concentration (smaller = more lopsided).
MIX_CONCENTRATION = 0.5


def _images(x, what: str = "x") -> np.ndarray:
    """``x`` as a float32 batch of single-channel images (N, H, W, 1) with values in [0, 1], or one sentence."""
    try:
        arr = np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError):
        raise CourseError(f"{what} must be a batch of images, shape (N, 8, 8, 1), not {type(x).__name__}.") from None
    require(arr.ndim == 4 and arr.shape[-1] == 1 and len(arr) > 0,
            f"{what} must be a non-empty batch of single-channel images, shape (N, 8, 8, 1), got shape {arr.shape}.")
    require(bool(np.all(np.isfinite(arr))) and arr.min() >= 0 and arr.max() <= 1,
            f"{what} must hold pixel values between 0 and 1 (the digits as lesson 05 loads them).")
    return arr


def thicker(x: np.ndarray) -> np.ndarray:
    """Each pixel as the brightest of itself and its four neighbours: strokes one pixel thicker."""
    padded = np.pad(x[..., 0], ((0, 0), (1, 1), (1, 1)))
    h, w = x.shape[1:3]
    around = [padded[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy, dx in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))]
    return np.max(around, axis=0)[..., None]


def new_sensor(x, severity: float = 1.0, seed: int = SEED) -> np.ndarray:
    """The images ``x`` as the new sensor would capture them, ``severity`` from 0 (unchanged) to 1 (full change)."""
    arr, s = _images(x), number(severity, "severity (0 = the old sensor, 1 = the full change)", 0, 1)
    rng = np.random.default_rng(seed)
    ink = (1 - INK_SPREAD * s) * arr + INK_SPREAD * s * thicker(arr)
    seen = ink * (1 - GAIN_LOSS * s) + OFFSET * s + rng.normal(0.0, NOISE * s, arr.shape)
    return np.clip(seen, 0, 1).astype(np.float32)


def arrival_days(n_devices: int, days: int, first_day: int = 1, seed: int = SEED) -> np.ndarray:
    """The day each device starts reading through the new sensor: spread evenly over [first_day, days)."""
    n, d = number(n_devices, "n_devices", 1, whole=True), number(days, "days", 2, whole=True)
    first = number(first_day, "first_day", 0, whole=True)
    require(first < d, f"first_day must come before the last day ({d - 1}), got {first}.")
    return np.random.default_rng(seed).integers(first, d, size=n)


@dataclass(frozen=True)
class Stream:
    """What a fleet saw: one row per image, with its device, its day and whether the new sensor took it."""

    x: np.ndarray
    y: np.ndarray
    device: np.ndarray
    day: np.ndarray
    drifted: np.ndarray
    n_devices: int
    days: int

    def __len__(self) -> int:
        return len(self.y)


def device_stream(x, y, n_devices: int = 20, days: int = 14, per_day: int = 40, arrival: np.ndarray | None = None,
                  severity: float = 1.0, seed: int = SEED) -> Stream:
    """``per_day`` images a day for every device: its own mix of digits, through the new sensor from its arrival day."""
    pool = _images(x)
    labels = np.asarray(y)
    require(labels.shape == (len(pool),), f"y must hold one label per image ({len(pool)}), got shape {labels.shape}.")
    n, d = number(n_devices, "n_devices", 1, whole=True), number(days, "days", 2, whole=True)
    k = number(per_day, "per_day", 1, whole=True)
    arrival = arrival_days(n, d, seed=seed) if arrival is None else np.asarray(arrival)
    require(arrival.shape == (n,), f"arrival must give one day per device ({n}), got shape {arrival.shape}.")
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    mixes = rng.dirichlet([MIX_CONCENTRATION] * len(classes), size=n)  # each device's share of each digit
    by_class = [np.flatnonzero(labels == c) for c in classes]
    device = np.repeat(np.arange(n), d * k)
    day = np.tile(np.repeat(np.arange(d), k), n)
    digit = np.concatenate([rng.choice(len(classes), size=d * k, p=mix) for mix in mixes])
    pick = np.empty(len(digit), dtype=np.int64)
    for c, members in enumerate(by_class):
        chosen = digit == c
        pick[chosen] = rng.choice(members, size=int(chosen.sum()))
    images = pool[pick].copy()
    drifted = day >= arrival[device]
    if drifted.any():
        images[drifted] = new_sensor(images[drifted], severity, seed=seed + 1)
    return Stream(images, labels[pick], device, day, drifted, n, d)


def accuracy_grid(correct, device, day, n_devices: int, days: int) -> np.ndarray:
    """Accuracy per (device, day) from per-sample right/wrong: shape (n_devices, days), NaN where a cell is empty."""
    ok = np.asarray(correct, dtype=bool)
    dev, dd = np.asarray(device), np.asarray(day)
    n, d = number(n_devices, "n_devices", 1, whole=True), number(days, "days", 1, whole=True)
    require(ok.shape == dev.shape == dd.shape and ok.ndim == 1,
            f"correct, device and day must be 1-D and of one length, got {ok.shape}, {dev.shape} and {dd.shape}.")
    require(len(ok) == 0 or (dev.min() >= 0 and dev.max() < n and dd.min() >= 0 and dd.max() < d),
            f"device must lie in 0..{n - 1} and day in 0..{d - 1}.")
    right, seen = np.zeros((n, d)), np.zeros((n, d))
    np.add.at(right, (dev, dd), ok)
    np.add.at(seen, (dev, dd), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, right / np.maximum(seen, 1), np.nan)
