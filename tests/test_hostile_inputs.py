"""Hostile inputs to the course helpers: one CourseError sentence each, never a crash, hang or deep traceback.

Anything that could reach TFLite Micro or LiteRT with a hostile arena size or batch runs in a child
Python with a time limit, so a segfault or a hang fails the test instead of killing pytest.
"""

import json
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from utils import board_sim, export, network, quant, tflite_model, tflm
from utils.errors import CourseError

MLPERF = Path(__file__).parent / "fixtures" / "mlperf_tiny"
AD = MLPERF / "ad01_int8.tflite"  # the smallest MLPerf Tiny model: quick to build in TFLite Micro
ROOT = Path(__file__).resolve().parents[1]
# The arenas TFLite Micro measures for the four MLPerf Tiny int8 models (RecordingMicroAllocator totals).
MLPERF_ARENAS = {
    "kws_ref_model": 24_272,
    "vww_96_int8": 103_680,
    "pretrainedResnet_quant": 55_984,
    "ad01_int8": 3_984,
}
needs_tflm = pytest.mark.skipif(not tflm.available(), reason="TFLite Micro is not available here (no wheel for this platform, or COURSE_TFLM=off)")


def one_sentence(message: str) -> bool:
    """One line, one full stop at the end, no second sentence starting after a full stop."""
    return "\n" not in message and message.endswith(".") and not re.search(r"[.!?] [A-Z]", message)


def refused(call, sentence: str) -> str:
    """Assert ``call()`` raises CourseError with exactly ``sentence``, and that it is one sentence."""
    with pytest.raises(CourseError, match="^" + re.escape(sentence) + "$") as info:
        call()
    assert one_sentence(str(info.value)), str(info.value)
    return str(info.value)


def in_child(code: str, *args: str, timeout: float = 120) -> dict:
    """Run ``code`` in a fresh Python; it must exit cleanly and print one JSON object last."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, f"the child died with code {done.returncode}: {done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def an(size: int) -> str:
    # Enough for the sizes probed here: only 8,000 among them is read with "an".
    return "an" if str(size).startswith("8") else "a"


def too_small(size: int, total: int) -> str:
    return (
        f"TFLite Micro could not allocate this model in {an(size)} {size:,}-byte arena: the model needs at "
        f"least {total:,} bytes of arena, so {size:,} is too small (smallest_arena(model) finds the minimum)."
    )


@pytest.fixture(scope="module")
def digits(tmp_path_factory) -> Path:
    from utils.convert import int8_model

    path = tmp_path_factory.mktemp("models") / "digits_int8.tflite"
    path.write_bytes(int8_model("digits"))
    return path


@pytest.fixture(scope="module")
def keras_models(tmp_path_factory) -> dict:
    """A float32 and a dynamic-range (hybrid) Dense model, 64 -> 32: 2,048 weights, enough to be quantized."""
    import keras

    from utils.convert import convert

    inputs = keras.Input((64,), batch_size=1)
    model = keras.Model(inputs, keras.layers.Dense(32)(inputs))
    folder = tmp_path_factory.mktemp("keras")
    paths = {}
    for recipe in ("float32", "dynamic_range"):
        paths[recipe] = folder / f"dense_{recipe}.tflite"
        paths[recipe].write_bytes(convert(model, recipe))
    return paths


# ------------------------------------------------------------------------ 1. arena sizes that crashed TFLM

CRASH_PROBE = """
import json, sys
import numpy as np
from utils import tflm
from utils.errors import CourseError
from utils.tflite_model import read_model

out = {}
for path in sys.argv[1:]:
    m = read_model(path)
    x = np.zeros((1, *m.input.shape[1:]), np.int8)
    total = tflm.arena_report(path).total
    row = {"total": total, "below": {}, "fits_above": []}
    # Sizes that crashed TFLM for one of these models in a child-process sweep, and one byte short.
    for size in (1, 62, 100, 256, 379, 435, 2435, 7000, 7964, 8000, 9000, 12960, 19440, 30780, total - 1):
        if size >= total:
            continue
        said = []
        for call in (lambda: tflm.arena_report(path, size), lambda: tflm.run(path, x, arena_size=size)):
            try:
                call()
                said.append("no error")
            except CourseError as err:
                said.append(str(err))
        said.append(tflm.fits_in(path, size))
        row["below"][size] = said
    # Sizes from the measured total up to 4 KiB above it are handed to TFLM: none may crash.
    row["fits_above"] = [tflm.fits_in(path, size) for size in range(total, total + 4097, 64)]
    row["report_at_first_fit"] = tflm.arena_report(path, total + 64 * row["fits_above"].index(True)).total
    out[path] = row
print(json.dumps(out))
"""


@needs_tflm
def test_arena_sizes_that_crashed_tflm_are_refused_in_one_sentence(digits):
    paths = [str(MLPERF / f"{name}.tflite") for name in MLPERF_ARENAS] + [str(digits)]
    result = in_child(CRASH_PROBE, *paths, timeout=300)
    for name, expected in MLPERF_ARENAS.items():
        assert result[str(MLPERF / f"{name}.tflite")]["total"] == expected
    for path, row in result.items():
        total = row["total"]
        assert row["below"], path
        for size, (report, run, fits) in row["below"].items():
            assert report == run == too_small(int(size), total) and one_sentence(report)
            assert fits is False
        assert len(row["fits_above"]) == 65 and row["fits_above"][-1] is True
        # Alignment padding makes the report differ by a few bytes from one arena size to another.
        assert abs(row["report_at_first_fit"] - total) <= 16


KEEP_ALL = """
import json, sys
import numpy as np
from utils import tflm
from utils.errors import CourseError

said = {}
for size in (4_000, 5_000, 6_000, 8_000, 10_000, 13_000, 14_000):
    try:
        result = tflm.run(sys.argv[1], np.zeros((2, 640), np.int8), arena_size=size, all_tensors=True)
        said[size] = len(result.tensors)
    except CourseError as err:
        said[size] = str(err)
print(json.dumps(said))
"""


@needs_tflm
def test_keeping_every_tensor_in_a_small_arena_is_refused_not_crashed():
    # With all_tensors=True the AD model needs 13,440 bytes; many sizes between 3,984 and that crashed TFLM.
    said = in_child(KEEP_ALL, str(AD), timeout=300)
    for size in (4_000, 5_000, 6_000, 8_000, 10_000, 13_000):
        assert said[str(size)] == (
            f"TFLite Micro could not allocate this model in {an(size)} {size:,}-byte arena with every tensor "
            "kept (all_tensors=True needs room for all of them at once): give a larger arena_size, or none "
            "for a roomy one."
        )
    assert said["14000"] == 11  # every activation tensor of the AD model comes back


# ----------------------------------------------------------------------------- 2. smallest_arena's step


@pytest.mark.parametrize("step", [0, -16, True, 1.5, "16", None, 2**40])
def test_smallest_arena_refuses_a_step_that_is_not_a_positive_whole_number(step):
    refused(
        lambda: tflm.smallest_arena(AD, step),
        f"step must be a whole number of bytes, from 1 to 67,108,864, got {step!r}.",
    )


@needs_tflm
def test_smallest_arena_stays_tight_with_a_small_step():
    need = tflm.smallest_arena(AD, step=1)
    assert need >= MLPERF_ARENAS["ad01_int8"]
    assert tflm.fits_in(AD, need) and not tflm.fits_in(AD, need - 1)


# ----------------------------------------------------------------------------- 3. arena sizes out of range


@pytest.mark.parametrize(
    "size, sentence",
    [
        (0, "arena_size must be a whole number of bytes, 1 or more, got 0."),
        (-1, "arena_size must be a whole number of bytes, 1 or more, got -1."),
        (
            2**40,
            "An arena of 1,099,511,627,776 bytes is larger than any microcontroller's SRAM: give at most "
            "67,108,864 bytes (64 MiB).",
        ),
        (True, "arena_size must be a whole number of bytes, 1 or more, got True."),
        (4096.0, "arena_size must be a whole number of bytes, 1 or more, got 4096.0."),
        ("4096", "arena_size must be a whole number of bytes, 1 or more, got '4096'."),
    ],
)
def test_arena_sizes_out_of_range_are_refused(size, sentence):
    refused(lambda: tflm.arena_report(AD, size), sentence)
    refused(lambda: tflm.fits_in(AD, size), sentence)
    refused(lambda: tflm.run(AD, np.zeros((1, 640), np.int8), arena_size=size), sentence)


# ----------------------------------------------------------------------------- 4. an empty batch

EMPTY_BATCH = """
import json, sys
import numpy as np
from utils import tflm
from utils.errors import CourseError

said = []
for run in (tflm.run, tflm.run_reference_litert):
    try:
        run(sys.argv[1], np.zeros((0, 640), np.int8))
        said.append("no error")
    except CourseError as err:
        said.append(str(err))
print(json.dumps(said))
"""


def test_an_empty_batch_is_one_sentence():
    sentence = "The batch is empty: give at least one input of shape (640,)."
    assert in_child(EMPTY_BATCH, str(AD)) == [sentence, sentence]
    assert one_sentence(sentence)


# ----------------------------------------------------------------------------- 5. simulate's numbers


@pytest.mark.parametrize(
    "deadline, shown", [(0, "0"), (-5, "-5"), (math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")]
)
def test_simulate_refuses_a_deadline_that_is_not_positive_and_finite(deadline, shown):
    refused(
        lambda: board_sim.run_board(AD, "ESP32", deadline_ms=deadline),
        f"deadline_ms must be a number, above 0, got {shown}.",
    )


@pytest.mark.parametrize("deadline, shown", [("5", "'5'"), (True, "True"), ([5], "[5]")])
def test_simulate_refuses_a_deadline_that_is_not_a_number(deadline, shown):
    refused(
        lambda: board_sim.run_board(AD, "ESP32", deadline_ms=deadline),
        f"deadline_ms must be a number, above 0, got {shown}.",
    )


def test_simulate_checks_kernels_and_battery_arguments():
    refused(
        lambda: board_sim.run_board(AD, "ESP32", kernels="fast"),
        "kernels must be one of tflm-optimized, tflm-reference, vendor (or None for the board's default), "
        "got 'fast'.",
    )
    fit = board_sim.run_board(AD, "STM32L4R5", deadline_ms=1e6)
    assert fit.fits
    refused(lambda: fit.battery_days(0), "inferences_per_hour must be a number, above 0, got 0.")
    refused(
        lambda: fit.battery_days(60, battery_mah=math.nan),
        "battery_mah must be a number, above 0, got nan.",
    )
    refused(lambda: fit.battery_days(60, battery_v="3"), "battery_v must be a number, above 0, got '3'.")


# ----------------------------------------------------------------------------- 6. hybrid models


def test_a_hybrid_model_is_named_as_such_not_blamed_on_the_arena(keras_models):
    from utils.tflite_model import read_model

    hybrid = keras_models["dynamic_range"]
    assert read_model(hybrid).is_hybrid and not read_model(keras_models["float32"]).is_hybrid
    assert not read_model(MLPERF / "kws_ref_model.tflite").is_hybrid
    sentence = (
        "TFLite Micro runs full-integer int8 models, not dynamic-range (hybrid) ones with float activations "
        "and int8 weights: convert it with the 'int8' recipe and a representative dataset."
    )
    refused(lambda: tflm.arena_report(hybrid), sentence)
    refused(lambda: tflm.fits_in(hybrid, 100_000), sentence)
    refused(lambda: tflm.run(hybrid, np.zeros((1, 64), np.float32)), sentence)
    refused(lambda: board_sim.run_board(hybrid, "ESP32"), sentence)


# ----------------------------------------------------------------------------- 7. a float32 model on a board


def test_a_float32_model_gets_no_int8_latency_or_energy(keras_models):
    fit = board_sim.run_board(keras_models["float32"], "STM32L4R5")
    assert fit.latency_ms is None and fit.energy_uj is None and not fit.fits
    assert any("cycle figures are for int8 kernels" in r for r in fit.reasons)
    assert all("estimated ms" not in row for row in fit.layers)
    refused(
        lambda: fit.battery_days(60),
        "The STM32L4R5 has no energy estimate for this float32 model (the simulator's cycle figures are for "
        "int8 kernels), so no battery estimate: convert it to int8 first.",
    )


# ----------------------------------------------------------------------------- 8. the arena estimate


def test_the_fallback_arena_is_labelled_an_estimate(monkeypatch):
    monkeypatch.setattr(tflm, "available", lambda: False)
    estimate = tflm.arena_report(AD)
    assert not estimate.measured
    assert repr(estimate).endswith(", estimate, typically 6-40 % below what TFLite Micro measures")
    assert estimate.report == (
        "Arena estimated without TFLite Micro (no wheel for this platform), an estimate, "
        "typically 6-40 % below what TFLite Micro measures."
    )
    refused(
        lambda: tflm.fits_in(AD, 10_000),
        "fits_in needs TFLite Micro, which has no wheel for this platform (Linux x86_64 only): "
        "arena_report(model).total gives an estimate instead.",
    )


@needs_tflm
def test_the_estimate_is_6_to_40_percent_below_the_measured_arena(digits, monkeypatch):
    paths = [MLPERF / f"{name}.tflite" for name in MLPERF_ARENAS] + [digits]
    measured = [tflm.arena_report(p).total for p in paths]
    monkeypatch.setattr(tflm, "available", lambda: False)
    below = [100 * (1 - tflm.arena_report(p).total / m) for p, m in zip(paths, measured, strict=True)]
    assert all(6 <= b <= 40 for b in below), below
    assert min(below) < 7 and max(below) > 39  # the stated range is the measured one, not a loose bound


# ----------------------------------------------------------------------------- 9. network and quant


def test_network_and_quant_bad_arguments():
    refused(
        lambda: network.events_missed([1.0], "x"),
        "outages must be a list of (start_h, end_h) pairs, got str.",
    )
    refused(
        lambda: network.events_missed([1.0], [(3, 2)]), "Each outage must end after it starts, got (3, 2)."
    )
    refused(
        lambda: network.events_missed(["soon"], []), "each value of event_times must be a number, 0 or more, got 'soon'."
    )
    refused(lambda: quant.params("a"), "Every scale must be a positive number, got 'a'.")
    refused(lambda: quant.params(0.1, "x"), "Every zero point must be a whole number, got 'x'.")
    refused(lambda: quant.params(0.1, 0.5), "Every zero point must be a whole number, got 0.5.")
    refused(lambda: network.is_down("x", []), "t_hours must be a number, 0 or more, got 'x'.")
    refused(
        lambda: network.is_down(1.0, [(2.0, 3.0), (0.0, 1.0)]),
        "outages must be sorted by start and must not overlap, as simulate_outages returns them.",
    )
    assert network.is_down(2.5, [(2.0, 3.0)]) and not network.is_down(3.5, [(2.0, 3.0)])


def test_downtime_takes_a_fraction_or_an_explicit_percentage():
    refused(
        lambda: network.downtime_minutes_per_month(2),
        "availability must be a fraction from 0 to 1 (0.999), got 2: for a percentage such as 99.9 pass "
        "percent=True.",
    )
    refused(
        lambda: network.downtime_minutes_per_month(150, percent=True),
        "availability is a percentage from 0 to 100 with percent=True, got 150.",
    )
    refused(lambda: network.downtime_minutes_per_month(math.nan), "availability must be a number, 0 or more, got nan.")
    assert network.downtime_minutes_per_month(0.999) == pytest.approx(43.83, abs=0.01)
    assert network.downtime_minutes_per_month(99.9, percent=True) == pytest.approx(43.83, abs=0.01)
    assert network.downtime_minutes_per_month(2, percent=True) == pytest.approx(0.98 * 30.4375 * 24 * 60)


def test_simulations_that_would_never_end_are_refused():
    refused(
        lambda: network.simulate_outages(10, 60, hours=math.inf), "hours must be a number, 0 or more, got inf."
    )
    refused(
        lambda: network.poisson_event_times(1e9, hours=24),
        "1e+09 events per hour for 24 hours is more than 2,000,000 events: simulate fewer hours or a lower "
        "rate.",
    )
    refused(
        lambda: network.sample_rtts_ms("4G", 10**12),
        "n must be a whole number of samples, from 0 to 2,000,000, got 1000000000000.",
    )
    refused(
        lambda: network.LinkEmulator.wait(math.inf),
        "A wait of inf ms is longer than 10 minutes: the emulated request is too large for this link (send "
        "fewer bytes).",
    )


# ----------------------------------------------------------------------------- 10. grammar


def test_a_file_that_is_not_a_model_is_singular(tmp_path):
    empty = tmp_path / "empty.tflite"
    empty.write_bytes(b"")
    refused(
        lambda: tflite_model.read_model(empty),
        "The file empty.tflite is not a TensorFlow Lite model (no 'TFL3' identifier): pass the output of the "
        "converter or a .tflite file.",
    )
    refused(
        lambda: tflite_model.read_model(b"\x00" * 16),
        "These bytes are not a TensorFlow Lite model (no 'TFL3' identifier): pass the output of the "
        "converter or a .tflite file.",
    )
    refused(
        lambda: tflite_model.read_model(b"\x00" * 4 + b"TFL3" + b"\xff" * 40),
        "This .tflite file is corrupt (its FlatBuffer cannot be parsed): convert the model again.",
    )


# ------------------------------------------------------------------ 11. every helper, hostile arguments

HOSTILE = st.one_of(
    st.integers(),
    st.integers(min_value=2**63, max_value=2**300),
    st.integers(min_value=-(2**70), max_value=0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-320, 1e308]),
    st.text(max_size=12),
    st.none(),
    st.booleans(),
    st.lists(st.one_of(st.floats(), st.integers(), st.text(max_size=3)), max_size=4),
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=50), st.floats(min_value=0, max_value=50)), max_size=3
    ),
    st.binary(max_size=12),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.complex_numbers(max_magnitude=10),
    st.sampled_from([np.array(1.0), np.zeros((2, 2)), np.float64("nan"), np.int64(-3), np.True_, object()]),
)


def _fit():
    return board_sim.run_board(AD, "STM32L4R5")


# name -> (helper, valid arguments): each argument is replaced by a hostile value at random.
HELPERS = {
    "network.link": (network.link, ("4G",)),
    "network.rtt_ms": (network.rtt_ms, ("4G", 100.0)),
    "network.distance_during_rtt_m": (network.distance_during_rtt_m, (55.0, 120.0)),
    "network.missed_deadlines": (network.missed_deadlines, ([10.0, 60.0], 50.0)),
    "network.sample_rtts_ms": (network.sample_rtts_ms, ("5G", 10, 0.0, 1)),
    "network.stream_mbps": (network.stream_mbps, ("1080p standard", "H.264")),
    "network.gb_per_day": (network.gb_per_day, (2.0,)),
    "network.gb_per_month": (network.gb_per_month, (2.0,)),
    "network.fleet_uplink_gbps": (network.fleet_uplink_gbps, (100, 2.0)),
    "network.price_tiers": (network.price_tiers, ("out", "AWS")),
    "network.transfer_cost": (network.transfer_cost, (1000.0, "out", "AWS")),
    "network.availability": (network.availability, (99.0, 1.0)),
    "network.downtime_minutes_per_month": (network.downtime_minutes_per_month, (0.999, False)),
    "network.nines": (network.nines, (3,)),
    "network.simulate_outages": (network.simulate_outages, (10.0, 30.0, 24.0, 1)),
    "network.poisson_event_times": (network.poisson_event_times, (5.0, 24.0, 1)),
    "network.is_down": (network.is_down, (2.5, [(2.0, 3.0)])),
    "network.events_missed": (network.events_missed, ([1.0, 2.5], [(2.0, 3.0)])),
    "network.downtime_hours": (network.downtime_hours, ([(2.0, 3.0)],)),
    "network.LinkProfile.with_": (lambda j, r: network.link("4G").with_(jitter_ms=j, rtt_ms=r), (10.0, 50.0)),
    "network.LinkEmulator": (
        lambda p, km, seed, b: network.LinkEmulator(p, km, seed).delays(b),
        ("4G", 0.0, 1, 100),
    ),
    "network.LinkEmulator.wait": (network.LinkEmulator.wait, (1.0,)),
    "quant.round_half_away_from_zero": (quant.round_half_away_from_zero, ([0.5, -2.5],)),
    "quant.choose_params": (
        lambda x, s, a, b: quant.choose_params(x, symmetric=s, axis=a, bits=b),
        ([[1.0, -2.0], [0.5, 3.0]], False, None, 8),
    ),
    "quant.params": (
        lambda s, z, a, sym: quant.params(s, z, axis=a, symmetric=sym),
        ([0.1, 0.2], 0, 1, True),
    ),
    "quant.quantize": (lambda x, s: quant.quantize(x, quant.params(s)), ([0.3, -1.0], 0.01)),
    "quant.dequantize": (
        lambda q, s: quant.dequantize(q, quant.params(s)),
        (np.array([3, -4], np.int8), 0.01),
    ),
    "quant.fake_quantize": (lambda x, s: quant.fake_quantize(x, quant.params(s, 3)), ([0.3, -1.0], 0.01)),
    "quant.quantize_weights": (
        lambda w, b, a: quant.quantize_weights(w, bits=b, axis=a),
        ([[1.0, -2.0]], 4, -1),
    ),
    "board_sim.cycles_per_mac": (board_sim.cycles_per_mac, ("STM32L4R5", "tflm-reference")),
    "board_sim.measured_power_mw": (board_sim.measured_power_mw, ("STM32L4R5",)),
    "board_sim.loo_table": (board_sim.loo_table, (True,)),
    "board_sim.run_board": (lambda b, k, d: board_sim.run_board(AD, b, k, d), ("ESP32", None, 50.0)),
    "board_sim.fit_table": (lambda d: board_sim.fit_table(AD, d), (50.0,)),
    "board_sim.footprint": (board_sim.footprint, (str(AD),)),
    "board_sim.Fit.battery_days": (lambda n, mah, v: _fit().battery_days(n, mah, v), (60, 2500.0, 3.0)),
    "export.lines_about": (export.lines_about, ("static int a = f(1,\n    2);\n", "a =")),
    "tflm.parse_report": (
        tflm.parse_report,
        ("Arena allocation total 10 bytes Arena allocation head 4 bytes Arena allocation tail 6 bytes",),
    ),
    "tflm.smallest_arena.step": (lambda s: tflm.smallest_arena(b"not a model", s), (16,)),
    "tflite_model.read_model": (tflite_model.read_model, (str(AD),)),
    "tflite_model.model_bytes": (tflite_model.model_bytes, (str(AD),)),
}
VALID_ONLY = {"tflm.smallest_arena.step"}  # its valid call still needs a model: refused, by design


@pytest.mark.parametrize("name", sorted(HELPERS))
def test_hostile_arguments_give_a_result_or_one_course_error(name):
    helper, valid = HELPERS[name]
    seen = {"result": 0, "refused": 0}
    with mock.patch.object(network.time, "sleep"):  # LinkEmulator.wait would really sleep
        if name not in VALID_ONLY:
            helper(*valid)  # the helper works on good arguments

        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @given(st.data())
        def check(data):
            args = [
                data.draw(st.one_of(st.just(v), HOSTILE), label=f"argument {i}") for i, v in enumerate(valid)
            ]
            try:
                helper(*args)
            except CourseError as err:
                assert "\n" not in str(err) and str(err).endswith("."), str(err)
                seen["refused"] += 1
            else:
                seen["result"] += 1

        check()
    assert seen["refused"] > 0, f"{name}: no hostile argument was refused"


def test_hostile_bytes_give_a_model_or_one_sentence():
    @settings(max_examples=80, deadline=None, database=None)
    @given(st.binary(max_size=200), st.binary(max_size=4))
    def check(tail, head):
        try:
            tflite_model.read_model(head.ljust(4, b"\0") + b"TFL3" + tail)
        except CourseError as err:
            assert one_sentence(str(err))

    check()


TFLM_FUZZ = """
import json, sys
import numpy as np
from hypothesis import given, settings, strategies as st
from utils import tflm
from utils.errors import CourseError

AD = sys.argv[1]
sizes = st.one_of(st.integers(min_value=-2**70, max_value=2**70), st.integers(min_value=1, max_value=10_000),
                  st.floats(allow_nan=True), st.text(max_size=4), st.none(), st.booleans())
batches = st.one_of(st.integers(min_value=0, max_value=3).map(lambda n: np.zeros((n, 640), np.int8)),
                    st.just(np.zeros((1, 640), np.float32)), st.just(np.zeros((2, 5), np.int8)),
                    st.just([[1, 2], [3]]), st.text(max_size=3), st.none())
counts = {"result": 0, "refused": 0}


@settings(max_examples=60, deadline=None, database=None)
@given(sizes, batches, st.sampled_from(["report", "fits", "run", "reference"]))
def check(size, x, which):
    try:
        if which == "report":
            tflm.arena_report(AD, size)
        elif which == "fits":
            tflm.fits_in(AD, size)
        elif which == "run":
            tflm.run(AD, x, arena_size=size)
        else:
            tflm.run_reference_litert(AD, x)
        counts["result"] += 1
    except CourseError as err:
        assert "\\n" not in str(err)
        counts["refused"] += 1


check()
print(json.dumps(counts))
"""


def test_hostile_arena_sizes_and_batches_never_crash_tflm():
    counts = in_child(TFLM_FUZZ, str(AD), timeout=300)
    assert counts["refused"] > 0 and counts["result"] > 0


def test_number_takes_numpy_scalars_as_python_numbers_and_refuses_numpy_booleans():
    # Counts and rates often come out of arrays (len of a mask, arr.sum(), arr.mean()): they must pass.
    from utils.errors import number

    assert number(np.int64(3), "n_devices", 1, whole=True) == 3 and type(number(np.int64(3), "n", whole=True)) is int
    assert type(number(np.float32(0.5), "fraction", above=0, high=1)) is float
    for bad in (np.bool_(True), np.float64("nan"), 2.0):
        with pytest.raises(CourseError, match="n_devices must be a whole number, 1 or more, got"):
            number(bad, "n_devices", 1, whole=True)
