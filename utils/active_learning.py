"""Active learning on a byte budget: which of its inputs a device sends up to the cloud (lesson 09).

A device cannot send everything it sees (lesson 02's bandwidth bill, lesson 04's privacy audit), so
it gets a **budget of bytes per day**. ``select(...)`` spends it: with ``rule="confidence"`` each device
sends, each day, the inputs its model was least sure of (the lowest top softmax probability, the
**uncertainty sampling** rule); with ``rule="random"`` it sends the same number of inputs picked at
random, the baseline any rule must beat. Both spend exactly the same bytes: ``budget_bytes //
sample_bytes`` inputs per device per day (fewer only when a device saw fewer that day).
"""

from __future__ import annotations

import numpy as np

from utils.course import SEED
from utils.errors import CourseError, number, require

RULES = ("confidence", "random")


def confidence(probabilities) -> np.ndarray:
    """The model's confidence in each of its answers: the largest softmax probability of each row."""
    p = np.asarray(probabilities, dtype=np.float64)
    require(p.ndim == 2 and p.shape[1] >= 2 and len(p) > 0,
            f"probabilities must be a (N, classes) array of softmax outputs, got shape {p.shape}.")
    require(bool(np.all(np.isfinite(p))), "probabilities must be finite numbers (softmax outputs between 0 and 1).")
    return p.max(axis=1)


def per_day(budget_bytes, sample_bytes) -> int:
    """How many inputs of ``sample_bytes`` each a budget of ``budget_bytes`` per device per day pays for."""
    budget = number(budget_bytes, "budget_bytes", 0, unit="bytes")
    return int(budget // number(sample_bytes, "sample_bytes", above=0, unit="bytes"))


def _groups(device, day, n: int) -> np.ndarray:
    dev, dd = np.asarray(device), np.asarray(day)
    require(dev.shape == dd.shape == (n,),
            f"device and day must each give one value per input ({n}), got shapes {dev.shape} and {dd.shape}.")
    require(n == 0 or (dev.dtype.kind in "iu" and dd.dtype.kind in "iu"), "device and day must be whole numbers.")
    return dev.astype(np.int64) * (int(dd.max(initial=0)) + 1) + dd.astype(np.int64)


def select(scores, device, day, budget_bytes, sample_bytes, rule: str = "confidence", seed: int = SEED) -> np.ndarray:
    """A boolean mask of the inputs sent up: per device and day, the lowest ``scores`` first (or random ones).

    ``scores`` is the device's confidence in each input (see :func:`confidence`); ties keep stream order.
    """
    if rule not in RULES:
        raise CourseError(f"Unknown rule {rule!r}: choose one of {', '.join(RULES)}.")
    s = np.asarray(scores, dtype=np.float64)
    require(s.ndim == 1, f"scores must be one confidence per input (1-D), got shape {s.shape}.")
    require(bool(np.all(np.isfinite(s))), "scores must be finite numbers (confidences between 0 and 1).")
    k = per_day(budget_bytes, sample_bytes)
    group = _groups(device, day, len(s))
    key = s if rule == "confidence" else np.random.default_rng(seed).random(len(s))
    order = np.lexsort((np.arange(len(s)), key, group))  # by group, then lowest key, then stream order
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    rank = np.arange(len(s)) - np.repeat(starts, np.diff(np.r_[starts, len(s)]))
    chosen = np.zeros(len(s), dtype=bool)
    chosen[order[rank < k]] = True
    return chosen
