"""The board simulator: flash/SRAM budgets, latency and energy arithmetic, verdicts and their reasons."""

import re

import numpy as np
import pytest

from utils import board_sim as bs
from utils import tflm
from utils.devices import device, names
from utils.errors import CourseError


@pytest.fixture(scope="module")
def digits():
    from utils.convert import int8_model

    return int8_model("digits")


@pytest.fixture(scope="module")
def wide_model():
    """A conv net on 96x96x3 input: its 96x96x32 activation (288 KiB) overflows 256 KiB boards."""
    import keras

    from utils.convert import convert

    inputs = keras.Input((96, 96, 3), batch_size=1)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.MaxPooling2D(4)(x)
    x = keras.layers.Flatten()(keras.layers.AveragePooling2D(24)(x))
    rep = np.random.default_rng(0).random((16, 96, 96, 3)).astype("float32")
    return convert(keras.Model(inputs, keras.layers.Dense(2)(x)), "int8", representative=rep)


def _unwrapped(fit) -> str:
    """A summary with its wrapped lines joined again (wrapping breaks at spaces only)."""
    return re.sub(r"\n +", " ", fit.summary())


def test_digits_fits_an_esp32_with_the_stated_budgets(digits):
    f = bs.run_board(digits, "ESP32")
    assert f.fits and not f.reasons
    assert f.flash_needed == len(digits) + bs.RUNTIME_CODE_BYTES
    assert f.sram_needed == f.arena_bytes + f.io_bytes + bs.STACK_BYTES
    assert f.io_bytes == 64 + 10  # int8 input 8x8x1 and output 10
    if tflm.available():
        assert f.arena_bytes == tflm.arena_report(digits).total
    assert f.macs == 23_680 and sum(r["MACs"] for r in f.layers) == f.macs


def test_latency_and_energy_arithmetic(digits):
    f = bs.run_board(digits, "STM32L4R5")
    est = bs.estimate(bs.footprint(digits).work, "cortex-m4f", "tflm-reference", 120)
    assert f.latency_ms == est.latency_ms == pytest.approx(sum(est.op_ms))
    assert f.cycles_per_mac == pytest.approx(f.latency_ms * 120e3 / 23_680)  # effective: all cycles / all MACs
    assert "fitted on 4 published rows" in f.calibration_note
    assert f.energy_uj == pytest.approx(f.latency_ms * f.power_mw)
    assert f.power_source.startswith("measured")
    assert sum(r["estimated ms"] for r in f.layers) == pytest.approx(f.latency_ms, rel=1e-3)


def test_each_operator_is_costed_by_its_type(digits):
    m = bs.latency_model()
    f = bs.run_board(digits, "STM32U575")
    per_mac = m.per_mac[("cortex-m33", "tflm-optimized")]
    for row, op in zip(f.layers, bs.footprint(digits).work, strict=True):
        cycles = op.macs * (per_mac + (m.fully_connected["tflm-optimized"] if op.kind == "FULLY_CONNECTED" else 0))
        if not op.macs:
            cycles = op.bytes_moved * m.per_byte
        cycles += m.per_call["tflm"]
        assert row["estimated ms"] == pytest.approx(cycles / 160e3, abs=1e-4)


def test_a_latency_comes_with_its_error_band(digits):
    f = bs.run_board(digits, "STM32L4R5")
    band, note = bs.error_band("cortex-m4f", "tflm-reference")
    assert f.latency_error_pct == band and f.latency_band_note == note
    errors = [abs(r["error %"]) for r in bs.loo_table() if r["kernels"] == "tflm-reference"]
    assert band == pytest.approx(float(np.median(errors)), abs=0.06)
    assert "all from one board, the Nucleo-L4R5ZI M4F" in note
    assert f"typically within \u00b1{band:.0f} %" in _unwrapped(f)
    esp = bs.run_board(digits, "ESP32")
    assert esp.latency_ms > 0 and esp.latency_error_pct is None
    assert "rests on one published row (ESP32 240MHz, person_detection)" in _unwrapped(esp)


def test_a_board_without_published_rows_gets_no_latency_but_one_sentence(digits):
    sentence = ("No published latency for a cortex-m4f core with tflm-optimized kernels, so no estimate (the "
                "simulator does not extrapolate): this core has published rows with tflm-reference and vendor kernels.")
    f = bs.run_board(digits, "nRF52840")
    assert f.fits and f.latency_ms is None and f.energy_uj is None
    assert f.calibration_note == sentence and f"latency: {sentence}" in _unwrapped(f)
    with pytest.raises(CourseError) as err:
        bs.cycles_per_mac("nRF52840")
    assert str(err.value) == sentence
    with pytest.raises(CourseError, match="no battery estimate"):
        f.battery_days(60)
    row = next(r for r in bs.fit_table(digits) if r["board"] == "nRF52840")
    assert row["latency ms"] is None and row["typical error"] == "no published row"
    assert bs.run_board(digits, "nRF52840", kernels="vendor").latency_ms > 0  # its core has vendor rows


def test_the_one_number_model_stays_as_the_baseline():
    cpm, note = bs.cycles_per_mac("STM32L4R5")
    assert cpm == bs.calibration()[("cortex-m4f", "tflm-reference")]
    assert note == "one-number model: mean of 4 published cortex-m4f rows with tflm-reference kernels"


def test_battery_life_formula(digits):
    f = bs.run_board(digits, "STM32L4R5")
    rate = 3600  # one inference a second
    avg_mw = f.energy_uj * 1e-3 + f.board.sleep_mw * (1 - f.latency_ms * 1e-3)
    mah, volts = bs.cited_battery()
    days = mah * volts * 3.6 / (avg_mw * 1e-3) / 86400
    assert f.battery_days(rate) == pytest.approx(days)
    assert f.battery_days(60) > f.battery_days(3600)  # waking less often lasts longer
    with pytest.raises(CourseError, match="cannot keep up"):
        f.battery_days(3600 * 1000 / f.latency_ms * 2)


def test_an_8_bit_board_does_not_fit_and_says_why(digits):
    f = bs.run_board(digits, "ATmega328P")
    assert not f.fits
    assert any("32-bit core" in r for r in f.reasons)
    assert any("SRAM" in r for r in f.reasons)
    assert f.changes and f.latency_ms is None


def test_sram_overflow_names_the_largest_tensor_and_a_board_that_fits(wide_model):
    small = bs.run_board(wide_model, "nRF52840")
    assert not small.fits
    assert any("of SRAM, the nRF52840 has 262\u00a0KB" in r for r in small.reasons)  # 256 x 1,024 bytes, in decimal KB
    text = small.summary()
    assert "KiB" not in text and all(len(line) <= 88 for line in text.splitlines())  # decimal units, wrapped at spaces
    assert any("294,912-byte output of layer 0, CONV_2D" in c for c in small.changes)
    big = bs.run_board(wide_model, "STM32H7A3")
    assert big.fits, big.reasons
    suggested = small.changes[0].split("e.g. the ")[1].split(" ")[0]
    assert bs.run_board(wide_model, suggested).fits


def test_a_deadline_can_be_missed(digits):
    f = bs.run_board(digits, "STM32L4R5", deadline_ms=0.01)
    assert not f.fits and any("deadline" in r for r in f.reasons)
    unknown = bs.run_board(digits, "RP2040", deadline_ms=1000)  # no published row: the deadline is not assumed met
    assert not unknown.fits and any("cannot be checked" in r for r in unknown.reasons)


def test_unknown_board_lists_the_known_ones(digits):
    with pytest.raises(CourseError) as err:
        bs.run_board(digits, "Arduino Mega 9000")
    message = str(err.value)
    assert message.startswith("Unknown board 'Arduino Mega 9000': choose one of")
    for name in names():
        assert name in message


def test_bigger_devices_are_not_simulated_as_microcontrollers(digits):
    with pytest.raises(CourseError, match="models microcontrollers; the Jetson Nano is a edge-gpu"):
        bs.run_board(digits, "Jetson Nano")


def test_float_model_gets_an_int8_advice():
    import keras

    from utils.convert import convert

    inputs = keras.Input((16,), batch_size=1)
    f = bs.run_board(convert(keras.Model(inputs, keras.layers.Dense(4)(inputs)), "float32"), "ESP32")
    assert not f.fits and any("int8" in c for c in f.changes)


def test_measured_power_agrees_with_the_catalog():
    for name in ("STM32L4R5", "STM32H7A3", "STM32U575", "RA6M4"):
        assert bs.measured_power_mw(name) == pytest.approx(device(name).active_mw, rel=0.05)
    assert bs.measured_power_mw("ESP32") is None


def test_the_catalogs_sleep_power_is_the_order_of_a_datasheets_ram_keeping_mode():
    """03 sets the catalog's unverified STM32U575 sleep figure beside a cited datasheet row of its class."""
    from utils.paths import read_csv

    (row,) = read_csv("sleep_currents.csv")
    cited_mw = float(row["current_ua"]) / 1000 * float(row["supply_v"])
    assert cited_mw == pytest.approx(0.0087)
    assert int(row["ram_kept_kib"]) > 0 and "datasheet" in row["source"].lower()
    assert "cortex-m33" in row["core"].lower() and device("STM32U575").core_class == "cortex-m33"
    assert 0.5 < cited_mw / device("STM32U575").sleep_mw < 2


def test_fit_table_covers_every_microcontroller(digits):
    rows = bs.fit_table(digits)
    assert [r["board"] for r in rows] == names("mcu")
    assert {r["fits"] for r in rows} == {"yes", "no"}


def test_fit_view_redraws_for_the_chosen_board(digits):
    view = bs.fit_view(digits)
    controls, out = view.children
    board, rate = controls.children
    assert list(board.options) == names("mcu")
    assert "ESP32" in out.value and "FITS" in out.value and "days" in out.value
    board.value = "ATmega328P"
    assert "DOES NOT FIT" in out.value and "32-bit core" in out.value and "no battery estimate" in out.value
    board.value = "STM32L4R5"
    before = out.value
    rate.value = 3600
    assert out.value != before and "3600 inferences/hour" in out.value
