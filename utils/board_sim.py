"""Will this model fit on that board, how fast will it run, and how long will the battery last?

``simulate(tflite, "ESP32")`` returns a :class:`Fit`: flash needed (model bytes + the TFLite
Micro runtime's code), SRAM needed (the arena TFLite Micro reports + the input/output buffers +
a stack allowance), MACs per layer read from the .tflite, latency and energy per inference,
battery life at a duty cycle, and a verdict with the reason and the change that would make it
fit. ``fit_view(tflite)`` is the same as an interactive board picker (``show_fit_view`` displays it).

Latency = MACs x cycles-per-MAC / clock. Cycles per MAC are calibrated for each (core class,
kernels) pair from published measurements in ``data/mlperf_tiny_results.tsv`` (MLPerf Tiny and
the ESP32 person-detection example); ``loo_table()`` checks the model honestly: each row is
predicted from the *other* models measured on the same board. Energy = latency x the board's
power, which is measured (energy / latency of the MLPerf rows) where the board has energy rows.
The cycle figures are for int8 kernels, so a float32 model gets no latency or energy estimate.
Defined for lesson 07; lesson 08 reuses it for the on-device side of a hybrid system.
"""

from __future__ import annotations

import csv
import hashlib
import math
import numbers
import statistics
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from utils.devices import Device, catalog, device
from utils.errors import CourseError, require, shown
from utils.tables import Table

# TFLite Micro overview (tflite-micro docs): the core runtime fits in ~16 KB on a Cortex-M3 and
# ~22 KB with the operators of the speech example; the course budgets the latter for code.
RUNTIME_CODE_BYTES = 22 * 1024
# Course assumption: stack and the application's own variables, on top of the arena.
STACK_BYTES = 4 * 1024


def _cited_battery(name: str = "2 x AA alkaline") -> tuple[float, float]:
    """(mAh, volts) of a battery from the cited table data/batteries.csv."""
    path = Path(__file__).resolve().parents[1] / "data" / "batteries.csv"
    with open(path, encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["battery"] == name)
    return float(row["capacity_mah"]), float(row["voltage_v"])


# Battery life is quoted for two AA alkaline cells (cited in data/batteries.csv).
BATTERY_MAH, BATTERY_V = _cited_battery()

# Where a board's (core class, kernels) pair has no published row, borrow the closest one, and say why.
BORROW = {
    ("cortex-m4f", "tflm-optimized"): ("cortex-m33", "tflm-optimized",
                                       "no TFLite Micro + CMSIS-NN row on a Cortex-M4; the M33 runs the same DSP instructions"),
    ("cortex-m7", "tflm-optimized"): ("cortex-m33", "tflm-optimized",
                                      "no TFLite Micro row on a Cortex-M7; the M33 figure is pessimistic for the dual-issue M7"),
    ("cortex-m0+", "tflm-reference"): ("cortex-m4f", "tflm-reference",
                                       "no TFLite Micro row on a Cortex-M0+; the M4F figure is optimistic for the simpler M0+"),
    ("cortex-m7", "tflm-reference"): ("cortex-m4f", "tflm-reference",
                                      "no TFLite Micro reference-kernel row on a Cortex-M7; the M4F figure is pessimistic"),
    ("cortex-m33", "tflm-reference"): ("cortex-m4f", "tflm-reference",
                                       "no reference-kernel row on a Cortex-M33; the M4F figure is the closest core"),
}


FLOAT_NOTE = "no latency or energy estimate: the simulator's cycle figures are for int8 kernels"


def _positive_number(value, what: str) -> float:
    """``value`` as a finite float above zero, or one sentence."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and type(value).__name__ != "bool_"
    require(ok, f"{what} must be a number, got {shown(value)}.")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    require(math.isfinite(v) and v > 0, f"{what} must be a finite number above zero, got {shown(value)}.")
    return v


def _flag(value, what: str) -> bool:
    require(isinstance(value, bool) or type(value).__name__ == "bool_",
            f"{what} must be True or False, got {shown(value)}.")
    return bool(value)


def _board(board) -> Device:
    """The catalog board named ``board`` (a name or a Device), or one sentence."""
    require(isinstance(board, (str, Device)), f"board must be a board name such as 'ESP32', got {shown(board)}.")
    return device(board)


def _kernels(kernels) -> str | None:
    """``kernels`` checked against the kernel classes with published rows, or None for the board's default."""
    if kernels is None:
        return None
    known = sorted({fw for _, fw in calibration()})
    require(isinstance(kernels, str) and kernels in known,
            f"kernels must be one of {', '.join(known)} (or None for the board's default), got {shown(kernels)}.")
    return kernels


# ----------------------------------------------------------------------------- published rows
def _results_path() -> Path:
    from utils.course import find_root

    return find_root(Path(__file__).parent) / "data" / "mlperf_tiny_results.tsv"


@lru_cache(maxsize=1)
def results() -> tuple:
    """The rows of data/mlperf_tiny_results.tsv, numbers parsed."""
    out = []
    with open(_results_path(), encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            r = dict(r)
            for k in ("clock_mhz", "latency_ms"):
                r[k] = float(r[k])
            r["macs"] = int(r["macs"])
            r["energy_uj"] = float(r["energy_uj"]) if r["energy_uj"] else None
            r["cycles_per_mac"] = r["latency_ms"] * 1e-3 * r["clock_mhz"] * 1e6 / r["macs"]
            out.append(r)
    return tuple(out)


@lru_cache(maxsize=1)
def calibration() -> dict:
    """{(core_class, framework_class): mean cycles per MAC over its published rows}."""
    groups: dict = {}
    for r in results():
        groups.setdefault((r["core_class"], r["framework_class"]), []).append(r["cycles_per_mac"])
    return {k: statistics.mean(v) for k, v in groups.items()}


def calibration_table() -> Table:
    """Cycles per MAC for every (core class, kernels) pair, with how many rows it rests on."""
    rows = Table()
    for (core, fw), cpm in sorted(calibration().items()):
        n = [r for r in results() if r["core_class"] == core and r["framework_class"] == fw]
        rows.append({"core class": core, "kernels": fw, "cycles per MAC": round(cpm, 2), "rows": len(n),
                     "devices": ", ".join(sorted({r["device"] for r in n}))})
    return rows


def loo_table(tflm_only: bool = False) -> Table:
    """Published vs estimated latency, each row estimated from the *other* models on its board.

    The estimate uses the mean cycles per MAC of the same device and framework on the other
    benchmarks (leave one model out), so a row never helps predict itself.
    """
    tflm_only = _flag(tflm_only, "tflm_only")
    rows = Table()
    for r in results():
        if tflm_only and not r["framework_class"].startswith("tflm"):
            continue
        others = [o["cycles_per_mac"] for o in results() if o["device"] == r["device"]
                  and o["framework"] == r["framework"] and o["benchmark"] != r["benchmark"]]
        if not others:
            continue  # a board measured on one model only cannot be checked this way
        est = statistics.mean(others) * r["macs"] / (r["clock_mhz"] * 1e3)
        rows.append({"device": r["device"], "framework": r["framework"], "model": r["benchmark"],
                     "MACs": r["macs"], "published ms": r["latency_ms"], "estimated ms": round(est, 3),
                     "error %": round(100 * (est / r["latency_ms"] - 1), 1)})
    return rows


def loo_error(tflm_only: bool = True) -> float:
    """Median absolute leave-one-model-out latency error, percent."""
    return statistics.median(abs(r["error %"]) for r in loo_table(tflm_only))


def measured_power_mw(board) -> float | None:
    """Mean energy / latency of a board's MLPerf energy rows (mW), or None without energy rows."""
    d = _board(board)
    rows = [r for r in results() if d.mlperf_device and r["device"] == d.mlperf_device and r["energy_uj"]]
    if not rows:
        return None
    return statistics.mean(r["energy_uj"] / r["latency_ms"] for r in rows)


def cycles_per_mac(board, kernels: str | None = None) -> tuple[float, str]:
    """(cycles per MAC, where the figure comes from) for ``board`` running ``kernels``."""
    d = _board(board)
    kernels = _kernels(kernels) or d.kernels
    key = (d.core_class, kernels)
    cal = calibration()
    if key in cal:
        n = sum(1 for r in results() if (r["core_class"], r["framework_class"]) == key)
        rows = "row" if n == 1 else "rows"
        return cal[key], f"calibrated on {n} published {d.core_class} {rows} with {kernels} kernels"
    if key in BORROW:
        core, fw, why = BORROW[key]
        return cal[(core, fw)], f"borrowed from {core} {fw}: {why}"
    raise CourseError(f"No latency calibration for a {d.core_class} core with {kernels} kernels "
                      f"(the {d.name} does not run TensorFlow Lite Micro)." if not d.tflm else
                      f"No latency calibration for a {d.core_class} core with {kernels} kernels: "
                      "use the board's default kernels.")


# ----------------------------------------------------------------------------- one model
@dataclass
class Footprint:
    """What a model needs regardless of board: bytes, arena, I/O buffers, MACs per layer."""

    model_bytes: int
    arena_bytes: int
    arena_measured: bool
    io_bytes: int
    macs: int
    layer_macs: list
    is_int8: bool
    largest_activation: tuple  # (bytes, layer index, op)


_FOOTPRINTS: dict = {}


def footprint(tflite) -> Footprint:
    """Measure a model once (arena in TFLite Micro, MACs from the flatbuffer); cached by content."""
    from utils import tflm
    from utils.tflite_model import model_bytes, read_model

    data = model_bytes(tflite)
    key = hashlib.sha256(data).hexdigest()
    if key not in _FOOTPRINTS:
        m = read_model(data)
        report = tflm.arena_report(data)
        sizes = [(m.tensors[op.outputs[0]].nbytes, op.index, op.kind) for op in m.ops]
        _FOOTPRINTS[key] = Footprint(
            len(data), report.total, report.measured, m.input.nbytes + m.output.nbytes, m.macs,
            [(op.index, op.kind, op.macs) for op in m.ops], m.is_int8, max(sizes) if sizes else (0, 0, ""))
    return _FOOTPRINTS[key]


@dataclass
class Fit:
    """The verdict for one model on one board, with every number it rests on."""

    board: Device
    kernels: str
    flash_needed: int
    sram_needed: int
    arena_bytes: int
    io_bytes: int
    macs: int
    latency_ms: float | None
    energy_uj: float | None
    power_mw: float | None
    power_source: str
    cycles_per_mac: float | None
    calibration_note: str
    layers: Table
    fits: bool
    reasons: list = field(default_factory=list)
    changes: list = field(default_factory=list)

    @property
    def flash_available(self) -> int | None:
        return self.board.flash_bytes

    @property
    def sram_available(self) -> int | None:
        return self.board.ram_bytes

    def battery_days(self, inferences_per_hour: float = 60, battery_mah: float = BATTERY_MAH,
                     battery_v: float = BATTERY_V) -> float:
        """Days on a battery when the board wakes ``inferences_per_hour`` times and sleeps otherwise."""
        inferences_per_hour = _positive_number(inferences_per_hour, "inferences_per_hour")
        battery_mah = _positive_number(battery_mah, "battery_mah")
        battery_v = _positive_number(battery_v, "battery_v")
        if self.calibration_note == FLOAT_NOTE:
            raise CourseError(f"The {self.board.name} has no energy estimate for this float32 model (the "
                              "simulator's cycle figures are for int8 kernels), so no battery estimate: convert it "
                              "to int8 first.")
        if self.energy_uj is None or self.board.sleep_mw is None:
            raise CourseError(f"The {self.board.name} has no energy estimate for this model, so no battery estimate.")
        busy = self.latency_ms * 1e-3 * inferences_per_hour / 3600  # fraction of time computing
        if busy > 1:
            raise CourseError(f"{inferences_per_hour:g} inferences per hour need {busy:.0%} of the time on the "
                              f"{self.board.name}: it cannot keep up, run fewer per hour.")
        avg_mw = self.energy_uj * 1e-3 * inferences_per_hour / 3600 + self.board.sleep_mw * (1 - busy)
        return battery_mah * battery_v * 3.6 / (avg_mw * 1e-3) / 86400

    def summary(self) -> str:
        kb = 1024
        lines = [f"{self.board.name} ({self.board.board}): {'FITS' if self.fits else 'DOES NOT FIT'}"]
        fl = self.flash_available
        lines.append(f"  flash {self.flash_needed / kb:,.1f} KiB needed (model {self.flash_needed - RUNTIME_CODE_BYTES:,} B"
                     f" + runtime {RUNTIME_CODE_BYTES // kb} KiB) of {fl / kb:,.0f} KiB" if fl else "  flash: unknown")
        lines.append(f"  SRAM  {self.sram_needed / kb:,.1f} KiB needed (arena {self.arena_bytes:,} B + I/O "
                     f"{self.io_bytes:,} B + stack {STACK_BYTES // kb} KiB) of {self.sram_available / kb:,.0f} KiB")
        if self.latency_ms is not None:
            lines.append(f"  latency ~{self.latency_ms:,.3g} ms for {self.macs:,} MACs at {self.cycles_per_mac:.2f} "
                         f"cycles/MAC, {self.board.clock_mhz:g} MHz ({self.calibration_note})")
        if self.energy_uj is not None:
            lines.append(f"  energy ~{self.energy_uj:,.3g} uJ per inference at {self.power_mw:.3g} mW ({self.power_source})")
        lines += [f"  why: {r}" for r in self.reasons] + [f"  change: {c}" for c in self.changes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        colour = "#1b7a3a" if self.fits else "#a4262c"
        body = html.escape(self.summary()).replace("\n", "<br>")
        return f'<div style="border-left:4px solid {colour};padding-left:8px;font-family:monospace">{body}</div>'


def _suggest(need_flash: int, need_sram: int, exclude: str) -> str:
    ok = [d for d in catalog() if d.kind == "mcu" and d.tflm and d.name != exclude
          and d.flash_bytes >= need_flash and d.ram_bytes >= need_sram]
    if not ok:
        return "no microcontroller in the catalog is big enough: make the model smaller"
    best = min(ok, key=lambda d: (d.ram_kb, d.flash_kb))
    return f"a board with enough memory, e.g. the {best.name} ({best.ram_kb:,.0f} KiB SRAM, {best.flash_kb:,.0f} KiB flash)"


def simulate(tflite, board, kernels: str | None = None, deadline_ms: float | None = None) -> Fit:
    """Fit, latency, energy and a verdict for the .tflite ``tflite`` on catalog board ``board``."""
    d = _board(board)
    if d.kind != "mcu":
        raise CourseError(f"The board simulator models microcontrollers; the {d.name} is a {d.kind} "
                          "that runs full LiteRT: pick one of " + ", ".join(x.name for x in catalog() if x.kind == "mcu") + ".")
    kernels = _kernels(kernels)
    if deadline_ms is not None:
        deadline_ms = _positive_number(deadline_ms, "deadline_ms")
    fp = footprint(tflite)
    flash = fp.model_bytes + RUNTIME_CODE_BYTES
    sram = fp.arena_bytes + fp.io_bytes + STACK_BYTES
    reasons, changes = [], []
    cpm = latency = energy = power = None
    note, power_source = "", ""
    kernels = kernels or d.kernels
    if not d.tflm:
        reasons.append(f"TensorFlow Lite Micro needs a 32-bit core; the {d.name} is {d.core}")
        changes.append(_suggest(flash, sram, d.name))
    elif not fp.is_int8:
        note = FLOAT_NOTE  # float kernels run several times slower per MAC than the int8 rows measured
    else:
        cpm, note = cycles_per_mac(d, kernels)
        latency = fp.macs * cpm / (d.clock_mhz * 1e3)
        power = measured_power_mw(d)
        power_source = "measured: MLPerf Tiny energy / latency" if power else (
            "datasheet figure, unverified" if not d.is_verified("active_mw") else "datasheet figure")
        power = power or d.active_mw
        energy = None if power is None else latency * power  # ms x mW = uJ
    if not fp.is_int8:
        reasons.append("the model computes in float32, which is 4x the bytes and slow without an FPU "
                       f"({FLOAT_NOTE})")
        changes.append("convert it to full int8 (utils.convert.int8_model) for 1/4 of the weight bytes")
    if flash > d.flash_bytes:
        reasons.append(f"model + runtime need {flash / 1024:,.1f} KiB of flash, the {d.name} has {d.flash_kb:,.0f} KiB")
        changes.append(f"shrink the model by {(flash - d.flash_bytes) / 1024:,.1f} KiB (fewer parameters, int8), or "
                       + _suggest(flash, sram, d.name))
    if sram > d.ram_bytes:
        size, idx, op = fp.largest_activation
        reasons.append(f"arena + I/O + stack need {sram / 1024:,.1f} KiB of SRAM, the {d.name} has {d.ram_kb:,.0f} KiB")
        changes.append(f"cut activation memory by {(sram - d.ram_bytes) / 1024:,.1f} KiB (the largest tensor is the "
                       f"{size:,}-byte output of layer {idx}, {op}: fewer filters or earlier downsampling), or "
                       + _suggest(flash, sram, d.name))
    if deadline_ms is not None and latency is not None and latency > deadline_ms:
        reasons.append(f"~{latency:,.3g} ms per inference misses the {deadline_ms:g} ms deadline")
        changes.append(f"cut the MACs {latency / deadline_ms:.1f}x, use optimized kernels, or a faster board")
    layers = Table()
    for index, kind, macs in fp.layer_macs:
        row = {"#": index, "op": kind, "MACs": macs}
        if cpm is not None:
            row["estimated ms"] = round(macs * cpm / (d.clock_mhz * 1e3), 4)
        layers.append(row)
    fits = not reasons
    changes = list(dict.fromkeys(changes))  # the same advice once
    return Fit(d, kernels, flash, sram, fp.arena_bytes, fp.io_bytes, fp.macs, latency, energy, power,
               power_source, cpm, note, layers, fits, reasons, changes)


def fit_table(tflite, deadline_ms: float | None = None) -> Table:
    """One row per microcontroller in the catalog: does the model fit, how fast, how much energy."""
    rows = Table()
    for d in catalog():
        if d.kind != "mcu":
            continue
        f = simulate(tflite, d, deadline_ms=deadline_ms)
        rows.append({"board": d.name, "fits": "yes" if f.fits else "no",
                     "flash KiB": f"{f.flash_needed / 1024:,.1f} / {d.flash_kb:,.0f}",
                     "SRAM KiB": f"{f.sram_needed / 1024:,.1f} / {d.ram_kb:,.0f}",
                     "latency ms": None if f.latency_ms is None else round(f.latency_ms, 3),
                     "energy uJ": None if f.energy_uj is None else round(f.energy_uj, 2)})
    return rows


def fit_view(tflite, deadline_ms: float | None = None):
    """An interactive 'will it fit on my board?' picker (ipywidgets 7.7 and 8)."""
    import html

    import ipywidgets as widgets

    mcus = [d.name for d in catalog() if d.kind == "mcu"]
    footprint(tflite)  # measure once, before the first redraw
    board = widgets.Dropdown(options=mcus, value=mcus[0], description="Board")
    rate = widgets.IntSlider(value=60, min=1, max=3600, step=1, description="per hour")
    out = widgets.HTML()

    def redraw(*_):
        f = simulate(tflite, board.value, deadline_ms=deadline_ms)
        try:
            battery = (f"Battery ({BATTERY_MAH:,.0f} mAh at {BATTERY_V:g} V, {rate.value} inferences/hour): "
                       f"~{f.battery_days(rate.value):,.0f} days")
        except CourseError as err:
            battery = str(err)
        out.value = f._repr_html_() + f"<div style='font-family:monospace'>{html.escape(battery)}</div>"

    board.observe(redraw, names="value")
    rate.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([board, rate]), out])


def show_fit_view(tflite, deadline_ms: float | None = None) -> None:
    """Display :func:`fit_view`; a static copy (the first board's verdict) stands in where widgets cannot draw."""
    from utils.display import display_with_static_copy

    view = fit_view(tflite, deadline_ms)
    first = view.children[1].value
    display_with_static_copy(view, first, "Will it fit? (the interactive board picker needs a live kernel)")
