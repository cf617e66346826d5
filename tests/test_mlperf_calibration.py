"""MLPerf Tiny: the rebuilt reference networks, the cited result rows, the device catalog, the latency fit."""

import csv
from pathlib import Path

import pytest

from utils import board_sim as bs
from utils import mlperf_models as mm
from utils.devices import catalog, device
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "mlperf_tiny"


@pytest.mark.parametrize("name", ["kws", "vww", "ic", "ad"])
def test_rebuilt_networks_have_the_published_macs(name):
    assert mm.macs(name) == mm.PUBLISHED_MACS[name]


@pytest.mark.parametrize("name,file", [("kws", "kws_ref_model"), ("vww", "vww_96_int8"),
                                       ("ic", "pretrainedResnet_quant"), ("ad", "ad01_int8")])
def test_rebuilt_layers_match_the_reference_files(name, file):
    from utils.tflite_model import read_model

    ours = read_model(mm.tflite(name))
    theirs = read_model(REFERENCE / f"{file}.tflite")
    assert [op.macs for op in ours.ops if op.macs] == [op.macs for op in theirs.ops if op.macs]
    assert ours.input.shape == theirs.input.shape


def test_unknown_mlperf_model():
    with pytest.raises(CourseError, match="Unknown MLPerf Tiny model 'speech'"):
        mm.build("speech")


def test_result_rows_are_cited_and_consistent():
    rows = bs.results()
    assert len(rows) >= 70
    for r in rows:
        assert r["source"].strip()
        assert r["cycles_per_mac"] > 0
        if r["benchmark"] in mm.PUBLISHED_MACS:
            assert r["macs"] == mm.PUBLISHED_MACS[r["benchmark"]]
    assert {r["framework_class"] for r in rows} == {"tflm-reference", "tflm-optimized", "vendor"}


def test_rows_are_copied_faithfully_from_the_reference():
    with open(REFERENCE / "results.tsv", encoding="utf-8") as fh:
        published = {(r["release_submitter"], r["device_core"], r["benchmark"]): r
                     for r in csv.DictReader(fh, delimiter="\t")}
    for r in bs.results():
        if r["release"] == "esp-tflite-micro":
            continue
        src = published[(f"{r['release']} {r['submitter']}", r["device"], r["benchmark"])]
        assert float(src["latency_ms"]) == r["latency_ms"]
        assert (float(src["energy_uj"]) if src["energy_uj"] else None) == r["energy_uj"]
        assert float(src["clock_mhz"]) == r["clock_mhz"] and src["framework"] == r["framework"]


def test_leave_one_model_out_error_meets_the_target():
    table = bs.loo_table(tflm_only=True)
    assert len(table) == 16  # four boards measured with TFLite Micro on all four models
    assert bs.loo_error(tflm_only=True) <= 25.0
    assert all(row["framework"].startswith("TFLM") for row in table)


def test_calibration_reproduces_the_reference_text_ranges():
    cal = bs.calibration()
    assert 4.6 <= cal[("cortex-m4f", "tflm-reference")] <= 9.6
    assert 3.0 <= cal[("cortex-m33", "tflm-optimized")] <= 4.8
    assert 0.9 <= cal[("cortex-m7", "vendor")] <= 1.9


def test_catalog_has_the_course_devices_with_sources():
    have = {d.name for d in catalog()}
    assert {"ESP32", "ESP32-S3", "nRF52840", "RP2040", "STM32L4R5", "STM32F746", "ATmega328P",
            "Raspberry Pi 4", "Smartphone", "Jetson Nano", "Cloud GPU server"} <= have
    cores = {d.core_class for d in catalog()}
    assert "cortex-m7" in cores and "cortex-m33" in cores
    columns = {"clock_mhz", "ram_kb", "flash_kb", "active_mw", "sleep_mw", "peak_gops", "cores"}
    for d in catalog():
        assert d.source.strip() and d.ram_kb and d.clock_mhz and d.active_mw
        assert set(d.unverified) <= columns, d.name
    assert device("esp32").name == "ESP32" and device("raspberry pi 4").kind == "sbc"
    assert not device("Smartphone").is_verified("active_mw") and device("ESP32").is_verified("ram_kb")


def test_every_microcontroller_has_a_latency_calibration():
    for d in catalog():
        if d.kind == "mcu" and d.tflm:
            cpm, note = bs.cycles_per_mac(d)
            assert cpm > 0 and note
