"""The design task of lesson 07: a budget, one try of a learner's Keras model against it, and the architecture card.

"Can you fit a neural network on an ESP32? Share your architecture." A learner designs a small model,
``try_design`` trains it briefly, converts it to int8, measures its accuracy on the held-out digits and
runs the board simulator; the learner iterates until every line of the verdict is met. ``card`` then
writes a one-page architecture card (Markdown and PNG, in the artefacts folder) to share or submit:
layers, parameters, MACs, arena, latency, energy, accuracy, and why the design is edge, hybrid or cloud.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

from utils import errors
from utils.errors import CourseError
from utils.numbers import fields, number, size, wrap

CARD_NAME = "design_card"  # design_card.md and design_card.png in the artefacts folder
# What to try when a line of the budget is not met (the simulator's own advice is in design.fit.changes).
ADVICE = {
    "flash": "fewer parameters: fewer filters, or downsample before the Dense layer (its weights dominate)",
    "SRAM": "smaller activations: fewer filters in the first layers, or pool earlier",
    "deadline": "fewer MACs: fewer filters, smaller kernels, or pool earlier",
    "energy per day": "fewer MACs per inference (energy is latency x power), or fewer inferences an hour",
    "accuracy": "a little more capacity (filters) where it is cheap, or a second convolution before pooling",
}


@dataclass(frozen=True)
class Budget:
    """What the design may use on ``board``: flash and SRAM (decimal KB), deadline, energy per day, accuracy."""

    board: str
    flash_kb: float
    sram_kb: float
    deadline_ms: float
    energy_j_per_day: float
    inferences_per_hour: float
    min_accuracy: float

    def parts(self) -> list[str]:
        """The budget field by field (a printed budget breaks only between them)."""
        return [f"{self.board}: flash (model + runtime) at most {number(self.flash_kb)} KB",
                f"SRAM (arena + I/O + stack) at most {number(self.sram_kb)} KB",
                f"at most {number(self.deadline_ms)} ms per inference",
                f"{number(self.inferences_per_hour)} inferences an hour "
                f"on at most {number(self.energy_j_per_day)} J a day",
                f"held-out accuracy at least {self.min_accuracy:.0%}"]

    def __str__(self) -> str:
        return fields(self.parts(), sep=", ")


def budget(board: str = "ESP32", flash_kb: float = 64, sram_kb: float = 16, deadline_ms: float = 2,
           energy_j_per_day: float = 20, inferences_per_hour: float = 3600, min_accuracy: float = 0.85) -> Budget:
    """A checked budget on a microcontroller of the course's catalog (data/devices.csv)."""
    from utils.devices import device

    d = device(board)  # an unknown board is refused there, in one sentence
    if d.kind != "mcu" or not d.tflm:
        raise CourseError(f"The design task needs a microcontroller that runs TFLite Micro; the {d.name} is not one.")
    values = {k: errors.number(v, k, above=0) for k, v in dict(
        flash_kb=flash_kb, sram_kb=sram_kb, deadline_ms=deadline_ms, energy_j_per_day=energy_j_per_day,
        inferences_per_hour=inferences_per_hour).items()}
    if values["flash_kb"] * 1000 > d.flash_bytes or values["sram_kb"] * 1000 > d.ram_bytes:
        raise CourseError(f"A budget of {number(flash_kb)} KB flash and {number(sram_kb)} KB SRAM is more than the "
                          f"{d.name} has ({size(d.flash_bytes)} flash, {size(d.ram_bytes)} SRAM).")
    min_accuracy = errors.number(min_accuracy, "min_accuracy (a fraction, e.g. 0.85)", above=0, high=1)
    return Budget(d.name, min_accuracy=min_accuracy, **values)


# Lesson 07's task: the course's own budget, not a datasheet's. The ESP32 has 520 KiB of SRAM and 4 MiB of flash
# (data/devices.csv); a product leaves most of it to its radio stack and application.
TASK = {"board": "ESP32", "flash_kb": 64, "sram_kb": 16, "deadline_ms": 2, "energy_j_per_day": 20,
        "inferences_per_hour": 3600, "min_accuracy": 0.80}


def task_budget() -> Budget:
    """The budget of lesson 07's design task (the grader checks designs against this one)."""
    return budget(**TASK)


@dataclass
class Design:
    """One try of a design: the measured numbers and whether each part of the budget is met."""

    budget: Budget
    stats: object  # utils.model_stats.ModelStats of the Keras model
    tflite: bytes
    fit: object  # utils.board_sim.Fit on the budget's board
    accuracy: float
    epochs: int
    energy_j_per_day: float | None = None
    notes: list = field(default_factory=list)

    @property
    def fits_flash(self) -> bool:
        return self.fit.flash_needed <= self.budget.flash_kb * 1000 and self.fit.flash_needed <= self.fit.board.flash_bytes

    @property
    def fits_sram(self) -> bool:
        return self.fit.sram_needed <= self.budget.sram_kb * 1000 and self.fit.sram_needed <= self.fit.board.ram_bytes

    @property
    def meets_deadline(self) -> bool:
        return self.fit.latency_ms is not None and self.fit.latency_ms <= self.budget.deadline_ms

    @property
    def meets_energy(self) -> bool:
        return self.energy_j_per_day is not None and self.energy_j_per_day <= self.budget.energy_j_per_day

    @property
    def meets_accuracy(self) -> bool:
        return self.accuracy >= self.budget.min_accuracy

    @property
    def fits(self) -> bool:
        """Every line of the budget met."""
        return all(ok for _, ok, _ in self.lines())

    def lines(self) -> list[tuple[str, bool, str]]:
        """(what, met, measured against budget) for each line of the budget."""
        b, f = self.budget, self.fit
        latency = "no estimate" if f.latency_ms is None else f"~{number(f.latency_ms)} ms"
        energy = "no estimate" if self.energy_j_per_day is None else f"{number(self.energy_j_per_day)} J"
        return [
            ("flash", self.fits_flash, f"{size(f.flash_needed)} of {number(b.flash_kb)} KB"),
            ("SRAM", self.fits_sram, f"{size(f.sram_needed)} of {number(b.sram_kb)} KB"),
            ("deadline", self.meets_deadline, f"{latency} of {number(b.deadline_ms)} ms"),
            ("energy per day", self.meets_energy, f"{energy} of {number(b.energy_j_per_day)} J"),
            ("accuracy", self.meets_accuracy, f"{self.accuracy:.1%}, at least {b.min_accuracy:.0%}"),
        ]

    def verdict(self) -> str:
        head = f"{self.stats.model} on the {self.budget.board}: " + ("MEETS THE BUDGET" if self.fits else "NOT YET")
        body = [f"  {'ok ' if ok else 'NO '} {what:<15} {text}" for what, ok, text in self.lines()]
        advice = [f"  change: {ADVICE[what]}" for what, ok, _ in self.lines() if not ok]
        return "\n".join([head, *body, *advice, *[f"  note: {n}" for n in self.notes]])

    def __repr__(self) -> str:
        return self.verdict()


def energy_per_day(fit, inferences_per_hour: float) -> float | None:
    """Joules a day: the inferences' energy plus sleep in between (None without an energy estimate)."""
    if fit.energy_uj is None or fit.latency_ms is None or fit.board.sleep_mw is None:
        return None
    busy = fit.latency_ms * 1e-3 * inferences_per_hour / 3600  # share of each hour spent computing
    if busy > 1:
        return math.inf
    return fit.energy_uj * 1e-6 * inferences_per_hour * 24 + fit.board.sleep_mw * 1e-3 * 86400 * (1 - busy)


def try_design(model, plan: Budget, epochs: int = 2, dataset: str = "digits") -> Design:
    """Train ``model`` briefly (seeded), convert it to int8, measure it and simulate it on the budget's board."""
    import keras

    from utils import board_sim, convert, litert, training
    from utils.datasets import load
    from utils.model_stats import model_stats

    if not isinstance(plan, Budget):
        raise CourseError(f"try_design needs the task's budget (utils.design_card.budget()), not {type(plan).__name__}.")
    if not isinstance(model, keras.Model):
        raise CourseError(f"try_design needs a Keras model, not {type(model).__name__}: return one from your function.")
    epochs = errors.number(epochs, "epochs (kept small so the lesson stays quick)", 1, 5, whole=True)
    stats = model_stats(model)
    data = load(dataset)
    training.train(model, data, training.Recipe(epochs=epochs, batch_size=32, learning_rate=0.01), progress=False)
    tflite = convert.convert(model, "int8", representative=convert.representative_samples(data.x_train))
    accuracy = litert.accuracy(tflite, data.x_test, data.y_test)
    fit = board_sim.run_board(tflite, plan.board, deadline_ms=plan.deadline_ms)
    notes = [] if fit.latency_error_pct is not None else [
        "the latency and energy rest on few published measurements for this board: rough figures"]
    return Design(plan, stats, tflite, fit, accuracy, epochs, energy_per_day(fit, plan.inferences_per_hour), notes)


@dataclass
class Card:
    """The one-page architecture card of a design: Markdown and a PNG, saved in the artefacts folder."""

    design: Design
    architecture: object  # utils.architectures.Architecture
    why: str

    def rows(self) -> list[tuple[str, str]]:
        d, f = self.design, self.design.fit
        return [
            ("board", f"{f.board.name} ({f.board.board})"),
            ("parameters", number(d.stats.params)),
            ("MACs per inference", number(f.macs)),
            ("model file (int8)", size(len(d.tflite))),
            ("tensor arena", size(f.arena_bytes)),
            *[(what, f"{text} ({'met' if ok else 'NOT met'})") for what, ok, text in d.lines()],
            ("architecture", f"{self.architecture.name}: {self.architecture.summary}"),
        ]

    def markdown(self, width: int | None = None) -> str:
        """The card in Markdown; with ``width``, its prose broken into lines that fit (the budget between fields)."""
        d = self.design

        def prose(text: str) -> str:
            return text if width is None else wrap(text, width, indent="")

        parts = d.budget.parts()
        parts[0] = f"Budget: {parts[0]}"
        budget = ", ".join(parts) if width is None else fields(parts, ", ", width)
        lines = [f"# Architecture card: {d.stats.model}", "", f"{budget}.", "", "| | |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in self.rows()]
        lines += ["", "| layer | kind | output | params | MACs |", "|---|---|---|---:|---:|"]
        lines += [f"| {r.name} | {r.kind} | {r.output_shape} | {number(r.params)} | {number(r.macs)} |"
                  for r in d.stats.layers]
        lines += ["", prose(f"**Why {self.architecture.name.lower()}:** {self.why}"), "",
                  prose(f"Trained {d.epochs} epoch(s) on the digits training split; accuracy of the int8 file on the "
                        "held-out split. Latency and energy: the course's board simulator (utils.board_sim).")]
        return "\n".join(lines) + "\n"

    def used(self) -> list[tuple[str, float | None]]:
        """Each measurable line as a share of its budget (1.0 = all of it; None without an estimate)."""
        d, f, b = self.design, self.design.fit, self.design.budget
        return [("flash", f.flash_needed / (b.flash_kb * 1000)), ("SRAM", f.sram_needed / (b.sram_kb * 1000)),
                ("latency", None if f.latency_ms is None else f.latency_ms / b.deadline_ms),
                ("energy per day", None if d.energy_j_per_day is None else d.energy_j_per_day / b.energy_j_per_day)]

    def figure(self):
        import matplotlib.pyplot as plt

        from utils import style

        d = self.design
        fig = plt.figure(figsize=(8.27, 11.69))  # one A4 page
        colour = style.ARCHITECTURE_COLOURS.get(self.architecture.id, style.NEUTRAL)
        fig.text(0.06, 0.955, f"Architecture card: {d.stats.model}", fontsize=18, weight="bold", color=colour)
        fig.text(0.06, 0.93, f"{self.architecture.name} on the {d.budget.board}", fontsize=12, color=style.TEXT)
        rows = self.rows()[:-1]
        top = 0.91
        h = 0.022 * len(rows)
        ax = fig.add_axes([0.06, top - h, 0.88, h])
        ax.axis("off")
        ax.table(cellText=[list(r) for r in rows], colWidths=[0.3, 0.7], cellLoc="left", bbox=[0, 0, 1, 1])
        layers = [[r.name, r.kind, str(r.output_shape), number(r.params), number(r.macs)] for r in d.stats.layers]
        top -= h + 0.03
        h = 0.022 * (len(layers) + 1)
        ax = fig.add_axes([0.06, top - h, 0.88, h])
        ax.axis("off")
        ax.table(cellText=layers, colLabels=["layer", "kind", "output", "params", "MACs"], cellLoc="left",
                 bbox=[0, 0, 1, 1])
        top -= h + 0.03
        why = textwrap.wrap(f"Why {self.architecture.name.lower()}: {self.why}", 95)
        fig.text(0.06, top, "\n".join(why), fontsize=10, va="top", color=style.TEXT)
        self._bars(fig.add_axes([0.22, 0.06, 0.7, min(0.2, top - 0.04 * len(why) - 0.1)]), style)
        return fig

    def _bars(self, ax, style) -> None:
        """Budget use as bars: a bar past the 100 % line is a budget missed."""
        used = [(k, v) for k, v in self.used() if v is not None and math.isfinite(v)]
        ax.barh([k for k, _ in used], [100 * v for _, v in used],
                color=[style.EDGE if v <= 1 else "#a4262c" for _, v in used])
        ax.axvline(100, color=style.TEXT, lw=1)
        ax.set_xlabel("share of the budget used (%)")
        ax.invert_yaxis()

    def save(self, stem: str = CARD_NAME) -> tuple:
        """Write ``stem``.md and ``stem``.png into the artefacts folder; returns both paths."""
        import matplotlib.pyplot as plt

        from utils.artefacts import artefact_path

        md, png = artefact_path(f"{stem}.md"), artefact_path(f"{stem}.png")
        md.write_text(self.markdown(), encoding="utf-8")
        fig = self.figure()
        fig.savefig(png, dpi=100)
        plt.close(fig)
        return md, png

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return self.markdown(width=88)  # as plain text: the same card, in lines that fit a cell


def card(design: Design, architecture: str, why: str) -> Card:
    """The architecture card of ``design``, placed in one of the course's architectures, with the learner's reason."""
    from utils import architectures

    if not isinstance(design, Design):
        raise CourseError(f"card needs the result of try_design(...), not {type(design).__name__}.")
    arch = architectures.get(architecture) if isinstance(architecture, str) else None
    if arch is None:
        raise CourseError(f"architecture must be one of {', '.join(architectures.ids())}, got {architecture!r}.")
    if not isinstance(why, str) or len(why.split()) < 5:
        raise CourseError("Say why in at least one sentence (five words or more): what decides where it runs.")
    return Card(design, arch, " ".join(why.split()))
