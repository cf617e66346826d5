"""The one number formatter, and every place a learner reads numbers: no 1e+06, separators, one set of units.

The last tests read what the course shows: every executed lesson in build/executed (when `make run`
or tools/nb.py run has made them) and the helpers' own tables, cards and labels, formatted here.
"""

import json
import math
import random
import re
from pathlib import Path

import pytest

from utils import numbers as N
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
NB = N.NBSP
# A number written in scientific notation: 4.1943e+06, 3.16e+3, 1E+15.
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]?\d+\b")


@pytest.mark.parametrize("value, text", [
    (4_194_304, "4,194,304"), (4194304.0, "4,194,304"), (12_582_912.0, "12,582,912"), (268_435_456, "268,435,456"),
    (63.0957, "63.1"), (60, "60"), (60.0, "60"), (22751.3, "22,751"), (3162.27, "3,162"), (0.5, "0.5"),
    (0.000123, "0.000123"), (1e-9, "0.000000001"), (-0.0001234, "-0.000123"), (0, "0"), (0.0, "0"), (-0.0, "0"),
    (999.96, "1,000"), (8.58993e10, "85,899,300,000"), (-5, "-5"), (1.75e15, "1.75 \u00d7 10\u00b9\u2075"),
    (9.9999e15, "1 \u00d7 10\u00b9\u2076"), (2e18, "2 \u00d7 10\u00b9\u2078"),
])
def test_number(value, text):
    assert N.number(value) == text


def test_number_options_and_numpy():
    np = pytest.importorskip("numpy")
    assert N.number(np.float32(0.25)) == "0.25" and N.number(np.int64(1_000_000)) == "1,000,000"
    assert N.number(0.5, decimals=2) == "0.50" and N.number(1234.567, decimals=1) == "1,234.6"
    assert N.number(63.0957, digits=5) == "63.096" and N.number(1 / 3, digits=10) == "0.3333333333"
    assert N.number(float("inf")) == "\u221e" and N.number(float("nan")) == "not a number"
    for bad in (True, "12", None, [1]):
        with pytest.raises(CourseError, match="Only a number can be formatted"):
            N.number(bad)


@pytest.mark.parametrize("n, text", [
    (0, "0 B"), (73, "73 B"), (999, "999 B"), (999.6, "1 KB"), (1_000, "1 KB"), (1_960, "1.96 KB"),
    (532_480, "532 KB"), (999_999, "1 MB"), (4_194_304, "4.19 MB"), (21.6e9, "21.6 GB"), (85_899_345_920, "85.9 GB"),
    (2.5e12, "2.5 TB"), (5e15, "5 PB"), (2e18, "2,000 PB"),
])
def test_size_in_decimal_units_bound_to_their_number(n, text):
    assert N.size(n) == text.replace(" ", NB)


def test_quantity_and_errors():
    assert N.quantity(0.6, "mA") == f"0.6{NB}mA" and N.quantity(1500, "mWh", decimals=0) == f"1,500{NB}mWh"
    with pytest.raises(CourseError, match="cannot be negative"):
        N.size(-1)


def test_no_scientific_notation_below_10_to_the_15():
    rng = random.Random(19)
    for _ in range(3000):
        v = rng.choice([-1, 1]) * 10 ** rng.uniform(-9, 14.99)
        for digits in (1, 3, 4, 6, 10):
            text = N.number(v, digits)
            assert not SCIENTIFIC.search(text) and "\u00d7" not in text, (v, digits, text)
            assert math.isclose(float(text.replace(",", "")), v, rel_tol=10 ** (1 - digits), abs_tol=1e-9)
        assert not SCIENTIFIC.search(N.size(abs(v)))


def test_fields_wrap_between_fields_never_inside_a_number():
    parts = [f"{name}: {N.number(v)}" for name, v in (("GPT-3", 175e9), ("ESP32 flash", 4_194_304),
                                                         ("modules", 41_723.4), ("days", 22_751))]
    text = N.fields(parts, width=40)
    lines = text.split("\n")
    assert all(len(line) <= 40 for line in lines) and len(lines) > 1
    assert text.replace(";\n    ", "; ") == "; ".join(parts)  # the breaks fall between the parts
    assert N.fields(["x" * 50, "y"], width=30) == "x" * 50 + ";\n    y"  # a long part stays whole
    assert N.fields(["a", "b"]) == "a; b"
    with pytest.raises(CourseError, match="at least 20"):
        N.fields(["a"], width=5)


# ---------------------------------------------------------------- what learners read ----------------


def test_scientific_notation_is_found_where_learners_would_see_it():
    # tests/conftest.py runs this over every output of every lesson that nbval executes.
    assert N.scientific_in("4.1943e+06 bytes and 1e+3") == ["4.1943e+06", "1e+3"]
    assert N.scientific_in("4,194,304 bytes, 1.5e-3 s") == []
    assert N.scientific_in("<img src='data:image/png;base64,AAe+1BB'>") == []


def test_the_device_table_reads_in_full_numbers_and_decimal_units():
    from utils import devices

    t = devices.table()
    page, plain = t._repr_html_(), repr(t)
    for text in (page, plain):
        assert not SCIENTIFIC.search(text) and "KiB" not in text and "MiB" not in text and "GiB" not in text
    rows = {r["device"]: r for r in t}
    assert rows["ESP32"]["RAM"] == f"532{NB}KB" and rows["ESP32"]["flash"] == f"4.19{NB}MB"
    assert rows["Raspberry Pi 4"]["RAM"] == f"4.29{NB}GB" and rows["Smartphone"]["RAM"] == f"12.9{NB}GB*"
    # Storage is sold in decimal gigabytes: 256 GB of phone storage reads 256 GB, not 275.
    assert rows["Smartphone"]["flash"] == f"256{NB}GB*" and rows["Jetson Nano"]["flash"] == f"16{NB}GB"
    assert rows["Cloud GPU server"]["active mW"] == "400,000*"
    assert rows["ATmega328P"]["sleep mW"] == "0.0005*" and rows["Cloud GPU server"]["clock MHz"] == "1,410*"


def test_helper_outputs_read_in_full_numbers():
    from utils import privacy, progress, quiz
    from utils.tables import Table

    for n in (0, 73, 1_960, 21.6e9, 2.5e12, 3e15, 7e17):
        assert not SCIENTIFIC.search(privacy.human_bytes(n))
    assert "KB" in privacy.human_bytes(1_960) and "kB" not in privacy.human_bytes(1_960)
    for v in (12_345.6, 161_319.0, 0.00001234, 4.2e9, 123_456_789.123):
        assert not SCIENTIFIC.search(quiz._observed_text(v)) and not SCIENTIFIC.search(quiz._number(v))
    assert quiz._observed_text(12_345.6) == "12,346" and quiz._observed_text(0.5) == "0.5"
    table = Table([{"tiny": 0.00001234, "big": 85_899_345_920.0, "mid": 12.3456}])
    assert "1.234e" not in repr(table) and "0.00001234" in repr(table) and "85,899,345,920" in repr(table)
    assert "12.35" in table._repr_html_()
    assert not SCIENTIFIC.search(progress.summary({"version": 2, "quizzes": {}}))


def test_the_course_names_its_units_one_way():
    """Decimal KB/MB/GB everywhere the lessons print sizes (lesson 07's board simulator is outside this test)."""
    for path in sorted((ROOT / "notebooks").glob("0[0-6]_*.ipynb")) + [ROOT / "notebooks" / "08_hybrid_architecture.ipynb"]:
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                         if c["cell_type"] == "code")
        assert not re.search(r"\b[KMG]iB\b", code), f"{path.name} prints binary units"


def test_wrap_breaks_at_spaces_never_inside_a_number_or_between_it_and_its_unit():
    text = "arena + I/O + stack need " + N.size(1_234_567) + " of SRAM, the nRF52840 has " + N.size(262_144) + (
        " and the model needs 12,345,678 MACs per inference on this board")
    lines = N.wrap(text, width=40).splitlines()
    assert len(lines) > 1 and all(len(line) <= 40 for line in lines)
    words = " ".join(line.strip() for line in lines).split(" ")
    assert "12,345,678" in words and f"1.23{NB}MB" in words and f"262{NB}KB" in words
    with pytest.raises(CourseError, match="at least 20 characters"):
        N.wrap("x", width=5)


def test_the_long_line_check_reads_only_printed_lines():
    from conftest import LINE_WIDTH, _long_lines

    short, long = "x" * LINE_WIDTH, "y" * (LINE_WIDTH + 1)
    outputs = [{"output_type": "stream", "name": "stdout", "text": [short + "\n", long]},
               {"output_type": "stream", "name": "stderr", "text": long},
               {"output_type": "display_data", "data": {"text/plain": long}}]
    assert _long_lines(outputs) == [long]
