"""Over-the-air (OTA) updates in stages, with a guard that stops a worse model (lesson 09).

A new model never goes to the whole fleet at once. ``staged_rollout`` sends it to a **canary** share
of the devices first (5 % by default), then to more, then to all. Before each next stage a **guard**
looks at a small audit of the updated devices' inputs whose true labels were bought, and compares the
new model's answers on them with the old model's answers on the same inputs (the cloud keeps both
models; comparing against other devices would mix in their different inputs). If the new model's
accuracy is lower than the old one's by more than ``tolerance_points`` percentage points, the rollout
stops and the updated devices roll back. The guard also refuses to judge on too few audited inputs (``min_audited``): it holds the
rollout instead of guessing.

What one stage costs in downlink is the update's bytes times the devices that receive it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from utils.course import SEED
from utils.errors import CourseError, number, require, shown

STAGES = (0.05, 0.25, 1.0)  # canary 5 %, then a quarter of the fleet, then everyone
TOLERANCE_POINTS = 1.0  # how much worse than the old model the new one may look before the guard stops it
MIN_AUDITED = 30  # fewer audited inputs than this and the guard holds


@dataclass(frozen=True)
class Verdict:
    """The guard's decision on one stage, with the numbers it rests on."""

    go: bool
    new_accuracy: float
    old_accuracy: float
    new_audited: int
    old_audited: int
    reason: str

    def __str__(self) -> str:
        return self.reason


def _flags(values, what: str) -> np.ndarray:
    arr = np.asarray(values)
    if not (arr.ndim == 1 and (arr.dtype == bool or arr.dtype.kind in "iu" and set(np.unique(arr)) <= {0, 1})):
        # The message is built only on failure: it prints the values.
        raise CourseError(f"{what} must be a 1-D list of right (True) or wrong (False) answers, got {shown(values)}.")
    return arr.astype(bool)


def guard(new_correct, old_correct, tolerance_points: float = TOLERANCE_POINTS, min_audited: int = MIN_AUDITED) -> Verdict:
    """Go on only if the new model's audited accuracy is at most ``tolerance_points`` below the old model's.

    ``new_correct`` / ``old_correct``: whether each model got each audited input right (the same inputs).
    """
    new, old = _flags(new_correct, "new_correct"), _flags(old_correct, "old_correct")
    require(new.shape == old.shape, f"new_correct and old_correct must judge the same inputs, got {len(new):,} "
                                    f"and {len(old):,} answers.")
    tol = number(tolerance_points, "tolerance_points", 0, unit="percentage points")
    min_audited = number(min_audited, "min_audited", 1, whole=True)
    if len(new) < min_audited:
        nan = math.nan
        return Verdict(False, float(new.mean()) if len(new) else nan, float(old.mean()) if len(old) else nan,
                       len(new), len(old), f"HOLD: {len(new)} audited inputs, fewer than the {min_audited} the guard "
                       "needs to judge")
    a_new, a_old = float(new.mean()), float(old.mean())
    gap = 100 * (a_new - a_old)
    go = 100 * (int(new.sum()) - int(old.sum())) >= -tol * len(new)  # in counts: no rounding at the boundary
    word = "GO" if go else "STOP"
    return Verdict(go, a_new, a_old, len(new), len(old),
                   f"{word}: on {len(new):,} audited inputs the new model is right on {a_new:.1%}, the old one on "
                   f"{a_old:.1%} ({gap:+.1f} points; the guard allows -{tol:g})")


@dataclass(frozen=True)
class Stage:
    """One stage of a rollout: the share of the fleet on the new model, the devices updated, bytes sent, verdict."""

    share: float
    devices_updated: int
    downlink_bytes: int
    verdict: Verdict | None


def _shares(stages) -> tuple[float, ...]:
    try:
        shares = tuple(float(s) for s in stages)
    except (TypeError, ValueError):
        shares = ()
    ok = bool(shares) and all(0 < s <= 1 for s in shares) and list(shares) == sorted(set(shares)) and shares[-1] == 1
    require(ok, f"stages must be increasing shares of the fleet between 0 and 1 that end at 1, got {shown(stages)}.")
    return shares


def staged_rollout(new_correct, old_correct, device, n_devices: int, update_bytes: int, stages=STAGES,
                   tolerance_points: float = TOLERANCE_POINTS, min_audited: int = MIN_AUDITED,
                   seed: int = SEED) -> list[Stage]:
    """Roll an update out in ``stages``; after each one but the last, the guard decides whether to go on.

    ``new_correct`` / ``old_correct``: whether the new and the old model got each audited input right
    (the same inputs, both models); ``device``: which device each audited input came from. Devices are
    updated in a seeded random order; the guard judges on the inputs of the devices updated so far. The
    list ends at the stage where the guard stopped or held.
    """
    new, old = _flags(new_correct, "new_correct"), _flags(old_correct, "old_correct")
    dev = np.asarray(device)
    require(new.shape == old.shape == dev.shape,
            f"new_correct, old_correct and device must be of one length, got {new.shape}, {old.shape} and {dev.shape}.")
    n_devices = number(n_devices, "n_devices", 1, whole=True)
    require(len(dev) == 0 or (dev.dtype.kind in "iu" and dev.min() >= 0 and dev.max() < n_devices),
            f"device must hold device numbers from 0 to {n_devices - 1}.")
    update_bytes = number(update_bytes, "update_bytes", above=0, whole=True, unit="bytes")
    order = np.random.default_rng(seed).permutation(n_devices)
    done: list[Stage] = []
    sent = 0
    for share in _shares(stages):
        count = max(1, math.ceil(share * n_devices))
        updated = np.isin(dev, order[:count])
        verdict = None
        if share < 1:
            verdict = guard(new[updated], old[updated], tolerance_points, min_audited)
        done.append(Stage(share, count, (count - sent) * update_bytes, verdict))
        sent = count
        if verdict is not None and not verdict.go:
            break
    return done
