"""Known-harmless native log lines stay out of a learner's cells; every other line still reaches them."""

import io
import os
import subprocess
import sys
from pathlib import Path

from utils import native_logs

# Exactly as TF 2.20 (Colab's pins) writes them: the converter's lines were captured from the
# environment check, the cuInit lines are the two formats TF's CUDA start-up has used.
HARMLESS = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "W0000 00:00:1796065657.213343   26187 tf_tfl_flatbuffer_helpers.cc:364] Ignored output_format.",
    "W0000 00:00:1796065657.213397   26187 tf_tfl_flatbuffer_helpers.cc:367] Ignored drop_control_dependency.",
    "I0000 00:00:1796065657.216039   26187 mlir_graph_optimization_pass.cc:437] MLIR V1 optimization pass is not enabled",
    "E0000 00:00:1732000000.123456    1234 cuda_executor.cc:1228] INTERNAL: CUDA error: Failed call to cuInit: "
    "UNKNOWN ERROR (303)",
    "E external/local_xla/xla/stream_executor/cuda/cuda_driver.cc:152] failed call to cuInit: "
    "CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected",
]
REAL = [
    "W0000 00:00:1796065657.213343   26187 tf_tfl_flatbuffer_helpers.cc:364] Ignored output_format. But also this.",
    "W0000 00:00:1796065657.2   26187 lite.cc:100] Please consider providing the trackable_obj argument",
    "E0000 00:00:1796065657.2   26187 interpreter.cc:10] Node number 3 (CONV_2D) failed to invoke.",
    "UserWarning: the model has no optimizer",
    "Ignored output_format.",
    "Traceback (most recent call last):",
]


def _filtered(chunks):
    out = io.StringIO()
    f = native_logs.LineFilter(out.write)
    for c in chunks:
        f.write(c)
    f.flush()
    return out.getvalue()


def test_each_known_line_is_harmless_and_each_real_one_is_not():
    assert all(native_logs.is_harmless(line) for line in HARMLESS)
    assert not any(native_logs.is_harmless(line) for line in REAL)


def test_the_filter_drops_only_the_known_lines():
    text = "".join(line + "\n" for pair in zip(HARMLESS, REAL, strict=True) for line in pair)
    assert _filtered([text]) == "".join(line + "\n" for line in REAL)


def test_lines_split_across_writes_are_judged_whole():
    text = HARMLESS[1] + "\n" + REAL[2] + "\n" + HARMLESS[3] + "\n"
    chunks = [text[i:i + 7] for i in range(0, len(text), 7)]  # the kernel reads the pipe in pieces
    assert _filtered(chunks) == REAL[2] + "\n"


def test_a_held_partial_line_is_passed_on_at_flush():
    assert _filtered(["W0000 00:00:1.0   1 x.cc:1] progress 50%"]) == "W0000 00:00:1.0   1 x.cc:1] progress 50%"
    assert _filtered(["50% done\r"]) == "50% done\r"  # a progress bar is not held


def test_pump_copies_a_descriptor_without_the_known_lines():
    read_fd, write_fd = os.pipe()
    out_r, out_w = os.pipe()
    os.write(write_fd, ("".join(line + "\n" for line in HARMLESS + REAL) + "no newline").encode())
    os.close(write_fd)
    native_logs.pump(read_fd, out_w)
    os.close(out_w)
    with os.fdopen(out_r) as fh:
        assert fh.read() == "".join(line + "\n" for line in REAL) + "no newline"


def test_native_writes_to_stderr_lose_only_the_known_lines():
    # A child process: install on its fd 2, then write as C++ code does (os.write, not sys.stderr).
    code = (
        "import os, sys, time; from utils import native_logs as n\n"
        "assert n.install(2) and n.install(2)\n"
        f"os.write(2, {''.join(line + chr(10) for line in HARMLESS + REAL)!r}.encode())\n"
        "time.sleep(0.5)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.returncode == 0, run.stderr
    assert run.stderr == "".join(line + "\n" for line in REAL)


def test_outside_a_kernel_nothing_is_installed():
    assert native_logs.install_in_kernel() is False  # pytest's stderr is not a kernel's
