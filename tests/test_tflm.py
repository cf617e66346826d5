"""TFLite Micro on the course's int8 digits model: accuracy on the device, the arena it reports, fallbacks."""

import os
from pathlib import Path

import numpy as np
import pytest

from utils import tflm
from utils.capture import call_captured
from utils.errors import CourseError
from utils.tolerances import ACCURACY_FLOOR, INT8_CHANGE_POINTS, RUNTIME_GAP_CODES

needs_tflm = pytest.mark.skipif(not tflm.available(), reason="TFLite Micro is not available here (no wheel for this platform, or COURSE_TFLM=off)")


@pytest.fixture(scope="module")
def digits():
    from utils.convert import int8_model
    from utils.datasets import load
    from utils.tflite_model import read_model

    model = int8_model("digits")
    m = read_model(model)
    data = load("digits")
    scaled = data.x_test / m.input.scale
    xq = np.clip(np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) + m.input.zero_point, -128, 127).astype(np.int8)
    return model, xq, data.y_test


def test_capture_fd_sees_writes_that_bypass_sys_stdout():
    _, text = call_captured(lambda: (os.write(1, b"from fd 1\n"), os.write(2, b"from fd 2\n")))
    assert "from fd 1" in text and "from fd 2" in text


@needs_tflm
def test_accuracy_on_the_device_matches_the_host(digits):
    model, xq, y = digits
    micro = tflm.run(model, xq)
    assert micro.runtime == "TFLite Micro"
    assert micro.outputs.shape == (359, 10) and micro.outputs.dtype == np.int8
    acc = float((micro.outputs.argmax(axis=1) == y).mean())
    assert acc >= ACCURACY_FLOOR["edge"] - INT8_CHANGE_POINTS / 100
    lite = tflm.run_reference_litert(model, xq)
    # LiteRT rounds the last Dense layer once instead of twice: a few codes differ, by the bounds lesson 07 checks.
    diff = np.abs(micro.outputs.astype(int) - lite.outputs.astype(int))
    assert diff.max() <= RUNTIME_GAP_CODES and (diff > 0).mean() < 0.01
    lite_acc = float((lite.outputs.argmax(axis=1) == y).mean())
    assert abs(lite_acc - acc) <= INT8_CHANGE_POINTS / 100


@needs_tflm
def test_arena_report_is_what_tflm_prints(digits):
    model, _, _ = digits
    report = tflm.arena_report(model)
    assert report.measured
    assert "[RecordingMicroAllocator] Arena allocation total" in report.report
    assert report.total == report.head + report.tail
    assert f"total {report.total} bytes" in report.report
    assert 500 < report.total < 20_000  # a 6 KB model with 8x8 inputs


@needs_tflm
def test_smallest_arena_is_tight(digits):
    model, _, _ = digits
    need = tflm.smallest_arena(model)
    assert need >= tflm.arena_report(model).total
    assert tflm.fits_in(model, need)
    assert not tflm.fits_in(model, need - 16 - 16)
    with pytest.raises(CourseError, match="could not allocate this model in a 1,000-byte arena"):
        tflm.run(model, np.zeros((1, 8, 8, 1), np.int8), arena_size=1000)


def test_parse_report_reads_the_three_figures():
    text = ("[RecordingMicroAllocator] Arena allocation total 2368 bytes\r\n"
            "[RecordingMicroAllocator] Arena allocation head 128 bytes\r\n"
            "[RecordingMicroAllocator] Arena allocation tail 2240 bytes\r\n")
    r = tflm.parse_report(text)
    assert (r.total, r.head, r.tail) == (2368, 128, 2240)
    with pytest.raises(CourseError, match="did not contain head, tail and total"):
        tflm.parse_report("nothing here")


def test_the_report_is_shown_whole_in_lines_that_fit_a_cell():
    text = ("[RecordingMicroAllocator] Arena allocation total 3056 bytes\n"
            "[RecordingMicroAllocator] Arena allocation head 640 bytes\n"
            "[RecordingMicroAllocator] Arena allocation tail 2416 bytes\n"
            "[RecordingMicroAllocator] 'NodeAndRegistration struct' used 448 bytes with alignment overhead "
            "(requested 448 bytes for 7 NodeAndRegistration structs)\n")
    r = tflm.parse_report(text)
    shown = r.log().splitlines()
    assert max(len(line) for line in shown) <= 88 and len(shown) == 5
    assert shown[:3] == text.splitlines()[:3]  # short lines as TFLite Micro printed them
    assert shown[4].startswith("    ") and " ".join(r.log().split()) == " ".join(text.split())


def test_fallback_to_litert_says_so_in_one_sentence(digits, monkeypatch, capsys):
    model, xq, y = digits
    monkeypatch.setattr(tflm, "available", lambda: False)
    result = tflm.run(model, xq[:20])
    printed = capsys.readouterr().out.strip()
    assert " ".join(printed.split()) == tflm.FALLBACK_NOTE and printed.count(". ") == 0
    assert max(len(line) for line in printed.splitlines()) <= 88
    assert result.runtime == "LiteRT (reference kernels)"
    assert result.outputs.shape == (20, 10)
    estimate = tflm.arena_report(model)
    assert not estimate.measured and estimate.total > 0


def test_bad_inputs_are_one_sentence(digits):
    model, xq, _ = digits
    with pytest.raises(CourseError, match="not a TensorFlow Lite model"):
        tflm.run(b"this is not a flatbuffer at all", xq)
    with pytest.raises(CourseError, match="takes int8 inputs"):
        tflm.run(model, xq.astype(np.float32))
    with pytest.raises(CourseError, match="does not match"):
        tflm.run(model, np.zeros((2, 28, 28, 1), np.int8))


def test_float_model_where_int8_is_needed():
    import keras

    from utils.convert import convert

    inputs = keras.Input((8,), batch_size=1)
    model = convert(keras.Model(inputs, keras.layers.Dense(4)(inputs)), "float32")
    with pytest.raises(CourseError, match="needs a full-integer int8 model, but this model's input is float32"):
        tflm.run(model, np.zeros((1, 8), np.float32))


@needs_tflm
@pytest.mark.parametrize("name,total", [("kws_ref_model", 24_272), ("vww_96_int8", 103_680),
                                        ("pretrainedResnet_quant", 55_984), ("ad01_int8", 3_984)])
def test_arena_of_mlperf_reference_models_matches_the_recorded_figures(name, total):
    report = tflm.arena_report(Path(__file__).resolve().parent / "fixtures" / "mlperf_tiny" / f"{name}.tflite")
    assert report.total == total
