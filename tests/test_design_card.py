"""utils.design_card: the ESP32 design task's budget, one try of a design, and the architecture card."""

from __future__ import annotations

import math
import re

import pytest

from utils import design_card
from utils.errors import CourseError
from utils.numbers import scientific_in


def _model(f1: int = 4, f2: int = 8, dense: int | None = None, name: str = "tiny"):
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1), name="input")
    x = keras.layers.Conv2D(f1, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(f2, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    if dense:
        x = keras.layers.Dense(dense, activation="relu", name="hidden")(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax", name="classes")(x), name=name)


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    """One quick try (1 epoch) of a small design against the task's budget."""
    return design_card.try_design(_model(), design_card.task_budget(), epochs=1)


def test_the_task_budget_is_the_esp32s_and_prints_without_scientific_notation():
    plan = design_card.task_budget()
    assert plan.board == "ESP32" and plan == design_card.budget(**design_card.TASK)
    assert "64 KB" in str(plan) and "3,600 inferences" in str(plan) and not scientific_in(str(plan))


def test_the_budget_prints_in_lines_that_fit_a_cell_broken_only_between_its_fields():
    plan = design_card.task_budget()
    lines = str(plan).splitlines()
    assert len(lines) > 1 and max(len(line) for line in lines) <= 88
    assert " ".join(str(plan).split()) == ", ".join(plan.parts())
    for line in lines:  # every line is whole fields: each starts where a field starts
        assert any(line.strip().startswith(part) for part in plan.parts()), line


def test_a_small_design_is_measured_against_every_line(design):
    f = design.fit
    assert design.stats.params == 4 * 9 + 4 + 8 * 36 + 8 + 32 * 10 + 10  # conv1, conv2, classes
    assert f.macs == 8 * 8 * 4 * 9 + 4 * 4 * 8 * 36 + 32 * 10
    assert f.flash_needed == len(design.tflite) + 22 * 1024 and design.fits_flash and design.fits_sram
    assert f.latency_ms is not None and 0 < f.latency_ms < 2 and design.meets_deadline
    # energy a day = inferences' energy + sleep between them, from the simulator's per-inference figure
    per_day = f.energy_uj * 1e-6 * 3600 * 24 + f.board.sleep_mw * 1e-3 * 86400 * (1 - f.latency_ms * 1e-3)
    assert math.isclose(design.energy_j_per_day, per_day, rel_tol=1e-9)
    assert 0.1 < design.accuracy <= 1.0
    assert [what for what, _, _ in design.lines()] == ["flash", "SRAM", "deadline", "energy per day", "accuracy"]
    assert design.fits == all(ok for _, ok, _ in design.lines())
    assert ("MEETS THE BUDGET" if design.fits else "NOT YET") in design.verdict()


def test_a_design_over_budget_says_which_line_and_what_to_change(design):
    tight = design_card.budget(flash_kb=20, sram_kb=5, deadline_ms=0.01, energy_j_per_day=1, min_accuracy=0.99)
    over = design_card.Design(tight, design.stats, design.tflite, design.fit, design.accuracy, 1,
                              design.energy_j_per_day)
    assert not (over.fits_flash or over.fits_sram or over.meets_deadline or over.meets_energy or over.meets_accuracy)
    text = over.verdict()
    assert text.count("NO ") == 5 and text.count("change:") == 5 and "fewer parameters" in text


def test_the_card_holds_every_number_and_saves_markdown_and_png(design, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTEFACTS", str(tmp_path))
    card = design_card.card(design, "edge", "  It decides on the board,\n offline too, and sends only the digit. ")
    md = card.markdown()
    for needle in ("# Architecture card: tiny", "| parameters | 666 |", "| MACs per inference | 7,232 |",
                   "| tensor arena |", "| deadline |", "| energy per day |", "| accuracy |",
                   "| conv2 | Conv2D | (4, 4, 8) | 296 | 4,608 |", "**Why edge:** It decides on the board, offline too",
                   "Edge: Decide on the device"):
        assert needle in md, needle
    assert not scientific_in(md)
    assert "Budget: ESP32: flash (model + runtime) at most 64 KB, SRAM" in md  # Markdown reflows it: one line
    text = repr(card)  # as plain text: the same words, prose and budget broken to fit a cell, tables kept
    assert " ".join(text.split()) == " ".join(md.split()) and max(len(line) for line in text.splitlines()) <= 88
    assert [line for line in text.splitlines() if line.startswith("|")] == [
        line for line in md.splitlines() if line.startswith("|")]
    md_path, png_path = card.save()
    assert md_path == tmp_path / "design_card.md" and md_path.read_text() == md
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_path.stat().st_size > 20_000
    assert [k for k, v in card.used() if v is not None] == ["flash", "SRAM", "latency", "energy per day"]


@pytest.mark.parametrize("kwargs, message", [
    ({"board": "Arduino Mega"}, "Arduino Mega"),
    ({"board": "Raspberry Pi 4"}, "needs a microcontroller that runs TFLite Micro"),
    ({"board": "ATmega328P"}, "needs a microcontroller that runs TFLite Micro"),
    ({"flash_kb": -1}, "flash_kb must be a number, above 0, got -1."),
    ({"sram_kb": "16"}, "sram_kb must be a number, above 0, got '16'."),
    ({"deadline_ms": float("nan")}, "deadline_ms must be a number, above 0, got nan."),
    ({"energy_j_per_day": True}, "energy_j_per_day must be a number, above 0, got True."),
    ({"flash_kb": 8000}, "more than the ESP32 has"),
    ({"min_accuracy": 85}, "min_accuracy (a fraction, e.g. 0.85) must be a number, above 0 and at most 1, got 85."),
])
def test_bad_budgets_are_one_sentence(kwargs, message):
    with pytest.raises(CourseError, match=re.escape(message)) as err:
        design_card.budget(**kwargs)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("args, message", [
    (("not a model", "plan"), "needs the task's budget"),
    (("not a model", None), "needs a Keras model, not str"),
    ((None, None, 0), "epochs (kept small so the lesson stays quick) must be a whole number, from 1 to 5, got 0."),
    ((None, None, 50), "epochs (kept small so the lesson stays quick) must be a whole number, from 1 to 5, got 50."),
])
def test_bad_tries_are_one_sentence(args, message):
    model = _model() if args[0] is None else args[0]
    plan = design_card.task_budget() if args[1] is None else args[1]
    with pytest.raises(CourseError, match=re.escape(message)) as err:
        design_card.try_design(model, plan, *args[2:])
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("args, message", [
    (("design", "edge", "It decides on the board itself."), "needs the result of try_design"),
    ((None, "fog", "It decides on the board itself."), "Unknown architecture 'fog': use one of cloud-only, edge, hybrid"),
    ((None, 3, "It decides on the board itself."), "architecture must be one of"),
    ((None, "edge", "fast"), "at least one sentence"),
    ((None, "edge", None), "at least one sentence"),
])
def test_bad_cards_are_one_sentence(design, args, message):
    target = design if args[0] is None else args[0]
    with pytest.raises(CourseError, match=message) as err:
        design_card.card(target, *args[1:])
    assert "\n" not in str(err.value)
