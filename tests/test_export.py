"""Export for a real board: an `xxd -i` compatible C array, a header, and a sketch with exactly the model's ops."""

import re
import shutil
import subprocess

import pytest

from utils import export, tflm
from utils.errors import CourseError
from utils.tflite_model import read_model


def parse_c_array(source: str) -> bytes:
    """The bytes back from a C array written by export.c_array (or by ``xxd -i``)."""
    found = re.findall(r"0x([0-9a-fA-F]{2})", source.split("{", 1)[-1].split("}", 1)[0])
    return bytes(int(h, 16) for h in found)


@pytest.fixture(scope="module")
def digits():
    from utils.convert import int8_model

    return int8_model("digits")


def test_c_array_format(digits):
    full = export.c_array(digits, "g_model")
    lines = full.splitlines()
    assert lines[0] == "unsigned char g_model[] = {"
    assert lines[1] == "  0x" + ", 0x".join(f"{b:02x}" for b in digits[:12]) + ","
    assert lines[-2] == "};" and lines[-1] == f"unsigned int g_model_len = {len(digits)};"
    assert parse_c_array(full) == digits


@pytest.mark.skipif(shutil.which("xxd") is None, reason="xxd is not installed")
def test_c_array_is_byte_identical_to_xxd(digits, tmp_path):
    (tmp_path / "g_model").write_bytes(digits)
    made = subprocess.run(["xxd", "-i", "g_model"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert export.c_array(digits, "g_model") == made


def test_resolver_lists_exactly_the_models_ops(digits):
    calls = export.resolver_calls(digits)
    assert calls == ["AddConv2D", "AddMaxPool2D", "AddReshape", "AddFullyConnected", "AddSoftmax"]
    assert len(calls) == len(read_model(digits).op_names)


def test_sketch_has_resolver_arena_and_quantization(digits):
    text = export.sketch(digits)
    assert "tflite::MicroMutableOpResolver<5> resolver;" in text
    for call in export.resolver_calls(digits):
        assert text.count(f"resolver.{call}();") == 1
    arena = int(text.split("constexpr int kTensorArenaSize = ")[1].split(";")[0])
    assert arena % 1024 == 0
    need = tflm.smallest_arena(digits) if tflm.available() else tflm.arena_report(digits).total
    assert need * 1.25 <= arena < need * 1.25 + 1024
    m = read_model(digits)
    assert f"zero point {m.input.zero_point}" in text


def test_the_sketch_fits_a_cell_where_lesson_07_prints_it_and_shows_statements_whole(digits):
    text = export.sketch(digits, arena_bytes=4096)
    shown = export.lines_about(text, "resolver", "kTensorArenaSize =")
    assert max(len(line) for line in shown.splitlines()) <= 100
    # the interpreter's statement is broken after a comma: shown whole, with the same tokens as on one line
    statement = shown.split("static tflite::MicroInterpreter ", 1)[1]
    assert " ".join(statement.split()) == "static_interpreter(model, resolver, tensor_arena, kTensorArenaSize);"
    assert shown.splitlines()[0] == '#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"'
    assert "tensor_arena[kTensorArenaSize]" not in shown and "AllocateTensors failed" not in shown


def test_lines_about_follows_a_statement_only_past_a_trailing_comma_or_bracket():
    source = "int a = f(1,\n          2);\nint b = g(\n  3);\nint c = 4,\n    d = 5;\n"
    assert export.lines_about(source, "a =") == "int a = f(1,\n          2);"
    assert export.lines_about(source, "b =", "d =") == "int b = g(\n  3);\n    d = 5;"
    with pytest.raises(CourseError, match="at least one word"):
        export.lines_about(source)
    with pytest.raises(CourseError, match="the C source as text"):
        export.lines_about(b"int a;", "a")


def test_write_project(digits, tmp_path):
    paths = export.write_project(digits, tmp_path, "digits_model")
    assert paths["sketch"].name == "digits_model.ino" and paths["sketch"].parent.name == "digits_model"
    header = paths["header"].read_text()
    assert "alignas(16) const unsigned char digits_model[]" in header
    assert parse_c_array(header) == digits
    assert '#include "digits_model_data.h"' in paths["sketch"].read_text()


def test_bad_inputs(digits):
    with pytest.raises(CourseError, match="not a C identifier"):
        export.c_array(digits, "2fast")
    with pytest.raises(CourseError, match="not a TensorFlow Lite model"):
        export.c_array(b"definitely not a model", "g_model")
    with pytest.raises(CourseError, match="margin is a fraction"):
        export.arena_with_margin(digits, margin=25)
