"""Will this model fit on that board, how fast will it run, and how long will the battery last?

``run_board(tflite, "ESP32")`` returns a :class:`Fit`: flash needed (model bytes + the TFLite
Micro runtime's code), SRAM needed (the arena TFLite Micro reports + the input/output buffers +
a stack allowance), the latency of each operator read from the .tflite, latency and energy per
inference with the error band of the estimate, battery life at a duty cycle, and a verdict with the
reason and the change that would make it fit. ``fit_view(tflite)`` is the same as an interactive
board picker (``show_fit_view`` displays it).

Latency comes from a per-operator cost model fitted to published measurements
(``data/mlperf_tiny_results.tsv``: MLPerf Tiny and the ESP32 person-detection example) and to the
operators of each benchmark (``utils.mlperf_models.operators``)::

    cycles = sum over operators of (cycles per MAC of its type x MACs   [conv, depthwise, fully connected]
                                    or cycles per byte x bytes moved     [pooling, reshape, elementwise])
             + cycles per operator invocation x operators;      latency = cycles / clock

Each (core class, kernels) pair has its own cycles per MAC. What four benchmarks per board cannot
separate is shared: the extra cycles of a depthwise or a fully connected MAC per kernel class, the
cycles per moved byte by every class, the cost of one operator call per runtime (TFLite Micro or a
vendor engine). Non-negative least squares on relative errors fits it (numpy only, deterministic).
``estimate()`` is the one predictor: ``run_board`` calls it with every published row, ``heldout_table``
with one benchmark's row (or one device's rows) left out, so the held-out errors are the simulator's
own. A latency comes with the held-out error of its class; a pair with no published row gets none.
``cycles_per_mac()`` keeps the one-number model it replaced (mean cycles per MAC of a class) as the
baseline. Energy = latency x the board's power, measured (energy / latency of the MLPerf rows) where
the board has energy rows. The cycle figures are for int8 kernels, so a float32 model gets no
latency or energy estimate. Defined for lesson 07; lesson 08 reuses it for a hybrid system's device.
"""

from __future__ import annotations

import hashlib
import statistics
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np

from utils.devices import Device, catalog, device
from utils.errors import CourseError, number, require, shown
from utils.numbers import size as fmt_size
from utils.numbers import wrap
from utils.paths import read_csv
from utils.tables import Table
from utils.tflite_model import TfliteFile, model_bytes, read_model

# TFLite Micro overview (tflite-micro docs): the core runtime fits in ~16 KB on a Cortex-M3 and
# ~22 KB with the operators of the speech example; the course budgets the latter for code.
RUNTIME_CODE_BYTES = 22 * 1024
# Course assumption: stack and the application's own variables, on top of the arena.
STACK_BYTES = 4 * 1024


# Battery life is quoted for two AA alkaline cells (cited in data/batteries.csv).
BATTERY = "2 x AA alkaline"


@lru_cache(maxsize=4)
def cited_battery(name: str = BATTERY) -> tuple[float, float]:
    """(mAh, volts) of a battery from the cited table data/batteries.csv."""
    for row in read_csv("batteries.csv"):
        if row["battery"] == name:
            return float(row["capacity_mah"]), float(row["voltage_v"])
    raise CourseError(f"No battery {shown(name)} in data/batteries.csv.")

FLOAT_NOTE = "no latency or energy estimate: the simulator's cycle figures are for int8 kernels"


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
@lru_cache(maxsize=1)
def results() -> tuple:
    """The rows of data/mlperf_tiny_results.tsv, numbers parsed."""
    out = []
    for r in read_csv("mlperf_tiny_results.tsv", delimiter="\t"):
        for k in ("clock_mhz", "latency_ms"):
            r[k] = float(r[k])
        r["macs"] = int(r["macs"])
        r["energy_uj"] = float(r["energy_uj"]) if r["energy_uj"] else None
        r["cycles_per_mac"] = r["latency_ms"] * 1e-3 * r["clock_mhz"] * 1e6 / r["macs"]
        out.append(r)
    return tuple(out)


def measured_power_mw(board) -> float | None:
    """Mean energy / latency of a board's MLPerf energy rows (mW), or None without energy rows."""
    d = _board(board)
    rows = [r for r in results() if d.mlperf_device and r["device"] == d.mlperf_device and r["energy_uj"]]
    if not rows:
        return None
    return statistics.mean(r["energy_uj"] / r["latency_ms"] for r in rows)


def _class_rows(core: str, kernels: str, rows) -> list:
    return [r for r in rows if r["core_class"] == core and r["framework_class"] == kernels]


def _no_rows(core: str, kernels: str) -> str:
    """The one sentence for a (core class, kernels) pair without a published row."""
    others = sorted({r["framework_class"] for r in results() if r["core_class"] == core} - {kernels})
    hint = (f"this core has published rows with {' and '.join(others)} kernels" if others
            else "no published row uses this core")
    return (f"No published latency for a {core} core with {kernels} kernels, so no estimate (the simulator "
            f"does not extrapolate): {hint}.")


@lru_cache(maxsize=1)
def calibration() -> dict:
    """The one-number model: {(core_class, framework_class): mean cycles per MAC over its published rows}."""
    groups: dict = {}
    for r in results():
        groups.setdefault((r["core_class"], r["framework_class"]), []).append(r["cycles_per_mac"])
    return {k: statistics.mean(v) for k, v in groups.items()}


def calibration_table() -> Table:
    """The one-number model's cycles per MAC for every (core class, kernels) pair, with the rows behind it."""
    rows = Table()
    for (core, fw), cpm in sorted(calibration().items()):
        n = _class_rows(core, fw, results())
        rows.append({"core class": core, "kernels": fw, "cycles per MAC": round(cpm, 2), "rows": len(n),
                     "devices": ", ".join(sorted({r["device"] for r in n}))})
    return rows


def cycles_per_mac(board, kernels: str | None = None) -> tuple[float, str]:
    """(cycles per MAC, where it comes from) of the one-number model for ``board`` running ``kernels``.

    The baseline the per-operator model replaced: the mean cycles per MAC of the board's class.
    """
    d = _board(board)
    kernels = _kernels(kernels) or d.kernels
    key = (d.core_class, kernels)
    if not d.tflm:
        raise CourseError(f"No latency calibration for the {d.name}: it does not run TensorFlow Lite Micro.")
    if key not in calibration():
        raise CourseError(_no_rows(*key))
    n = len(_class_rows(*key, results()))
    return calibration()[key], (f"one-number model: mean of {n} published {d.core_class} "
                                f"{'row' if n == 1 else 'rows'} with {kernels} kernels")


# ----------------------------------------------------------------------------- per-operator latency model
MAC_KINDS = {"CONV_2D": "conv", "DEPTHWISE_CONV_2D": "depthwise", "FULLY_CONNECTED": "fully connected"}
MODELS = ("per-operator", "one-number")
HOLD = {"benchmark": "one benchmark", "device": "one device"}


def _family(kernels: str) -> str:
    """The runtime behind a kernel class: TensorFlow Lite Micro's interpreter or a vendor's engine."""
    return "tflm" if kernels.startswith("tflm") else "vendor"


@dataclass(frozen=True)
class OpWork:
    """One operator as the latency model sees it: its kind, its MACs and the activation bytes it reads and writes."""

    kind: str
    macs: int
    bytes_moved: int


def _work(ops) -> tuple:
    """OpWork for each operator: dicts of utils.mlperf_models.operators() or utils.tflite_model Ops."""
    get = (lambda o, k: o[k]) if ops and isinstance(ops[0], dict) else getattr
    kind = "op" if ops and isinstance(ops[0], dict) else "kind"
    return tuple(OpWork(get(o, kind), int(get(o, "macs")), int(get(o, "input_bytes")) + int(get(o, "output_bytes")))
                 for o in ops)


def benchmark_work(name: str) -> tuple:
    """The operators of a published benchmark ('kws', 'vww', 'ic', 'ad', 'person_detection') as OpWork."""
    from utils import mlperf_models

    return _work(mlperf_models.operators(name))


def _features(op: OpWork) -> np.ndarray:
    """[every MAC, depthwise MACs, fully connected MACs, bytes moved outside MAC layers, one call]."""
    kind = MAC_KINDS.get(op.kind)
    return np.array([op.macs, op.macs if kind == "depthwise" else 0, op.macs if kind == "fully connected" else 0,
                     0 if kind else op.bytes_moved, 1], dtype=float)


def _nnls(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """min |A x - b| with x >= 0: Lawson and Hanson's active-set method (as in SciPy), numpy only."""
    n = A.shape[1]
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    A = A / scale  # unit columns: MACs (millions) and calls (tens) on one footing
    tol = 10 * max(A.shape) * np.finfo(float).eps
    x, free = np.zeros(n), np.zeros(n, dtype=bool)

    def solve(mask):
        z = np.zeros(n)
        z[mask] = np.linalg.lstsq(A[:, mask], b, rcond=None)[0]
        return z

    w = A.T @ b
    for _ in range(3 * n):
        if free.all() or w[~free].max() <= tol:
            break
        free[np.argmax(np.where(free, -np.inf, w))] = True
        z = solve(free)
        while free.any() and z[free].min() < 0:  # step back to the boundary, drop what hit zero
            neg = free & (z < 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg]))
            x = x + alpha * (z - x)
            free &= x > tol
            z = solve(free)
        x = z
        w = A.T @ (b - A @ x)
    return x / scale


@dataclass(frozen=True)
class LatencyModel:
    """Fitted coefficients, in cycles: per MAC by class, extra per depthwise / FC MAC by kernels, per byte, per call."""

    per_mac: dict  # (core class, kernels) -> cycles per MAC of a convolution (every MAC pays it)
    depthwise: dict  # kernels -> extra cycles per depthwise MAC
    fully_connected: dict  # kernels -> extra cycles per fully connected MAC
    per_byte: float  # cycles per byte moved by pooling, reshape and elementwise operators
    per_call: dict  # "tflm" / "vendor" -> cycles per operator invocation
    rows: tuple  # the published rows it was fitted on

    def op_cycles(self, work, core: str, kernels: str) -> np.ndarray:
        """Cycles of each operator of ``work`` on a ``core`` class running ``kernels``."""
        c = np.array([self.per_mac[(core, kernels)], self.depthwise.get(kernels, 0.0),
                      self.fully_connected.get(kernels, 0.0), self.per_byte, self.per_call.get(_family(kernels), 0.0)])
        return np.array([_features(op) @ c for op in work])


@cache
def _fit(left_out: frozenset = frozenset()) -> LatencyModel:
    """The per-operator model fitted on every published row except those indexed in ``left_out``."""
    rows = tuple(r for i, r in enumerate(results()) if i not in left_out)
    classes = sorted({(r["core_class"], r["framework_class"]) for r in rows})
    kernels = sorted({r["framework_class"] for r in rows})
    families = sorted({_family(k) for k in kernels})
    names = ([("per_mac", c) for c in classes] + [("depthwise", k) for k in kernels]
             + [("fully_connected", k) for k in kernels] + [("per_byte", "all")] + [("per_call", f) for f in families])
    col = {name: j for j, name in enumerate(names)}
    A = np.zeros((len(rows), len(names)))
    for i, r in enumerate(rows):
        total = sum(_features(op) for op in benchmark_work(r["benchmark"]))
        cycles = r["latency_ms"] * r["clock_mhz"] * 1e3
        k = r["framework_class"]
        for name, value in zip([("per_mac", (r["core_class"], k)), ("depthwise", k), ("fully_connected", k),
                                ("per_byte", "all"), ("per_call", _family(k))], total, strict=True):
            A[i, col[name]] = value / cycles  # relative error: a 1 ms board counts as much as a 1 s one
    x = _nnls(A, np.ones(len(rows)))
    pick = {kind: {key: float(x[j]) for (k2, key), j in col.items() if k2 == kind} for kind, _ in names}
    return LatencyModel(pick["per_mac"], pick["depthwise"], pick["fully_connected"], pick["per_byte"]["all"],
                        pick["per_call"], rows)


def latency_model() -> LatencyModel:
    """The per-operator model fitted on every published row: the one run_board uses."""
    return _fit()


@dataclass(frozen=True)
class Estimate:
    """A latency estimate: total, per operator, and the published rows of its class it rests on."""

    latency_ms: float
    op_ms: tuple
    cycles_per_mac: float | None  # effective: all cycles / all MACs
    rows: int
    boards: tuple


def estimate(work, core: str, kernels: str, clock_mhz: float, left_out: frozenset = frozenset(),
             model: str = "per-operator") -> Estimate:
    """Latency of ``work`` (OpWork per operator) on a ``core`` class with ``kernels`` at ``clock_mhz``.

    The one predictor of the simulator: ``run_board`` calls it with every published row, the held-out
    checks with ``left_out`` (indices into ``results()``) removed from the fit. ``model`` is
    'per-operator' or 'one-number' (the mean cycles per MAC of the class: the baseline).
    """
    require(isinstance(model, str) and model in MODELS, f"model must be one of {', '.join(MODELS)}, got {shown(model)}.")
    require(isinstance(work, (list, tuple)) and all(isinstance(op, OpWork) for op in work),
            f"work must be a list of OpWork (see benchmark_work), got {shown(work)}.")
    require(isinstance(core, str) and isinstance(kernels, str),
            f"core and kernels must be names such as 'cortex-m4f' and 'tflm-reference', got {shown(core)}, {shown(kernels)}.")
    require(isinstance(left_out, (set, frozenset, tuple, list)) and all(type(i) is int for i in left_out),
            f"left_out must be a set of row indices into results(), got {shown(left_out)}.")
    clock_mhz = number(clock_mhz, "clock_mhz", above=0)
    train = [r for i, r in enumerate(results()) if i not in left_out]
    own = _class_rows(core, kernels, train)
    if not own:
        raise CourseError(_no_rows(core, kernels))
    if model == "per-operator":
        cycles = _fit(frozenset(left_out)).op_cycles(work, core, kernels)
    else:
        cpm = statistics.mean(r["cycles_per_mac"] for r in own)
        cycles = np.array([cpm * op.macs for op in work], dtype=float)
    ms = cycles / (clock_mhz * 1e3)
    macs = sum(op.macs for op in work)
    return Estimate(float(ms.sum()), tuple(float(v) for v in ms), float(cycles.sum() / macs) if macs else None,
                    len(own), tuple(sorted({r["device"] for r in own})))


def _same_device(a: dict, b: dict) -> bool:
    return a["device"].lower() == b["device"].lower()  # 'Nucleo-L4R5ZI' and 'NUCLEO-L4R5ZI' are one board


@cache
def _heldout(hold: str, model: str) -> tuple:
    """(row, estimated ms or None) for every published row, predicted with it (or its device) left out."""
    rows = results()
    out = []
    for i, r in enumerate(rows):
        left = {i} if hold == "benchmark" else {j for j, o in enumerate(rows) if _same_device(o, r)}
        try:
            est = estimate(benchmark_work(r["benchmark"]), r["core_class"], r["framework_class"], r["clock_mhz"],
                           frozenset(left), model).latency_ms
        except CourseError:
            est = None  # its class has no other row: this row cannot be checked
        out.append((r, est))
    return tuple(out)


def _hold_and_model(hold, model) -> None:
    require(isinstance(hold, str) and hold in HOLD,
            f"hold must be one of {', '.join(HOLD)}, got {shown(hold)}.")
    require(isinstance(model, str) and model in MODELS, f"model must be one of {', '.join(MODELS)}, got {shown(model)}.")


def heldout_table(hold: str = "benchmark", model: str = "per-operator", tflm_only: bool = False) -> Table:
    """Published vs estimated latency of every checkable row, each predicted with itself left out of the fit.

    ``hold='benchmark'`` leaves the row's own benchmark out (its row leaves the fit); ``hold='device'``
    leaves every row of its device out. A row whose class has no other row cannot be checked and is skipped.
    """
    _hold_and_model(hold, model)
    tflm_only = _flag(tflm_only, "tflm_only")
    rows = Table()
    for r, est in _heldout(hold, model):
        if est is None or (tflm_only and _family(r["framework_class"]) != "tflm"):
            continue
        rows.append({"device": r["device"], "framework": r["framework"], "kernels": r["framework_class"],
                     "model": r["benchmark"], "MACs": r["macs"], "published ms": r["latency_ms"],
                     "estimated ms": round(est, 3), "error %": round(100 * (est / r["latency_ms"] - 1), 1)})
    return rows


def heldout_errors(hold: str = "benchmark", model: str = "per-operator", family: str = "tflm") -> dict:
    """Absolute held-out errors (%) of the rows of a runtime family ('tflm', 'vendor', 'all'): counts, median, p90, max.

    p90 is numpy's percentile with linear interpolation.
    """
    _hold_and_model(hold, model)
    require(isinstance(family, str) and family in ("tflm", "vendor", "all"),
            f"family must be 'tflm', 'vendor' or 'all', got {shown(family)}.")
    pairs = [(r, est) for r, est in _heldout(hold, model) if family in ("all", _family(r["framework_class"]))]
    errors = np.array([abs(100 * (est / r["latency_ms"] - 1)) for r, est in pairs if est is not None])
    stats = {"median": None, "p90": None, "max": None}
    if len(errors):
        stats = {"median": float(np.median(errors)), "p90": float(np.percentile(errors, 90)), "max": float(errors.max())}
    return {"rows": len(pairs), "checked": len(errors), **stats}


def heldout_summary() -> Table:
    """Held-out errors of the per-operator model beside the one-number model, for TFLite Micro and vendor rows."""
    rows = Table()
    for hold, held in HOLD.items():
        for family, label in (("tflm", "TFLite Micro"), ("vendor", "vendor")):
            for model in MODELS:
                e = heldout_errors(hold, model, family)
                rows.append({"held out": held, "rows": label, "model": model,
                             "checked": f"{e['checked']} of {e['rows']}",
                             **{f"{k} |error| %": None if e[k] is None else round(e[k], 1)
                                for k in ("median", "p90", "max")}})
    return rows


def loo_table(tflm_only: bool = False) -> Table:
    """The leave-one-benchmark-out check of the simulator's per-operator model (see heldout_table)."""
    return heldout_table("benchmark", "per-operator", _flag(tflm_only, "tflm_only"))


def error_band(core: str, kernels: str) -> tuple[float | None, str]:
    """(median held-out error %, what it rests on) for a (core class, kernels) pair: the band run_board quotes."""
    require(isinstance(core, str) and isinstance(kernels, str),
            f"core and kernels must be names such as 'cortex-m4f' and 'tflm-reference', got {shown(core)}, {shown(kernels)}.")
    pairs = [(r, est) for r, est in _heldout("benchmark", "per-operator")
             if (r["core_class"], r["framework_class"]) == (core, kernels)]
    if not pairs:
        raise CourseError(_no_rows(core, kernels))
    errors = [abs(100 * (est / r["latency_ms"] - 1)) for r, est in pairs if est is not None]
    boards = sorted({r["device"] for r, _ in pairs})
    if not errors:
        r = pairs[0][0]
        return None, (f"it rests on one published row ({r['device']}, {r['benchmark']}), so its error cannot be "
                      "checked: treat it as a rough figure")
    where = f"all from one board, the {boards[0]}" if len(boards) == 1 else f"from {len(boards)} boards"
    return float(np.median(errors)), (f"the median error of its {len(errors)} published rows, each predicted with "
                                      f"itself left out of the fit; {where}")


def latency_coefficients() -> Table:
    """The fitted per-operator model as a table: one row per (core class, kernels), cycles per MAC of each type."""
    m = latency_model()
    rows = Table()
    for (core, kernels), per_mac in sorted(m.per_mac.items()):
        own = _class_rows(core, kernels, m.rows)
        boards = sorted({r["device"] for r in own})
        rows.append({"core class": core, "kernels": kernels,
                     "conv cycles/MAC": round(per_mac, 2),
                     "depthwise cycles/MAC": round(per_mac + m.depthwise.get(kernels, 0.0), 2),
                     "fully connected cycles/MAC": round(per_mac + m.fully_connected.get(kernels, 0.0), 2),
                     "cycles/byte moved": round(m.per_byte, 2),
                     "cycles/operator": round(m.per_call.get(_family(kernels), 0.0)),
                     "rows": len(own), "boards": len(boards)})
    return rows


def benchmark_cycles_table(tflm_only: bool = True) -> Table:
    """Cycles per MAC (latency x clock / MACs) of each board that ran all four MLPerf Tiny models, per model."""
    tflm_only = _flag(tflm_only, "tflm_only")
    runs: dict = {}
    for r in results():
        if not tflm_only or _family(r["framework_class"]) == "tflm":
            runs.setdefault((r["device"], r["framework"], r["framework_class"]), {})[r["benchmark"]] = r
    rows = Table()
    for (dev, fw, kernels), got in runs.items():
        if {"kws", "vww", "ic", "ad"} <= set(got):
            rows.append({"device": dev, "framework": fw, "kernels": kernels,
                         **{name: round(got[name]["cycles_per_mac"], 2) for name in ("kws", "vww", "ic", "ad")}})
    return rows


def operator_breakdown(benchmark: str, board, kernels: str | None = None) -> Table:
    """Where a benchmark's time goes on ``board``: MACs and estimated time per operator type, with shares."""
    from utils import mlperf_models

    d = _board(board)
    kernels = _kernels(kernels) or d.kernels
    ops = mlperf_models.operators(benchmark)
    est = estimate(_work(ops), d.core_class, kernels, d.clock_mhz)
    groups: dict = {}
    for op, ms in zip(ops, est.op_ms, strict=True):
        g = groups.setdefault(op["op"], {"operators": 0, "MACs": 0, "ms": 0.0})
        g["operators"] += 1
        g["MACs"] += op["macs"]
        g["ms"] += ms
    macs = sum(g["MACs"] for g in groups.values())
    rows = Table()
    for kind, g in sorted(groups.items(), key=lambda kv: -kv[1]["ms"]):
        rows.append({"op": kind, "operators": g["operators"], "MACs": g["MACs"],
                     "share of MACs %": round(100 * g["MACs"] / macs, 1) if macs else 0.0,
                     "estimated ms": round(g["ms"], 1),
                     "share of time %": round(100 * g["ms"] / est.latency_ms, 1) if est.latency_ms else 0.0})
    return rows


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
    work: tuple = ()  # OpWork of each operator: what the latency model charges


_FOOTPRINTS: dict = {}


def footprint(tflite: TfliteFile) -> Footprint:
    """Measure a model once (arena in TFLite Micro, MACs from the flatbuffer); cached by content."""
    from utils import tflm

    data = model_bytes(tflite)
    key = hashlib.sha256(data).hexdigest()
    if key not in _FOOTPRINTS:
        m = read_model(data)
        report = tflm.arena_report(data)
        sizes = [(m.tensors[op.outputs[0]].nbytes, op.index, op.kind) for op in m.ops]
        _FOOTPRINTS[key] = Footprint(
            len(data), report.total, report.measured, m.input.nbytes + m.output.nbytes, m.macs,
            [(op.index, op.kind, op.macs) for op in m.ops], m.is_int8, max(sizes) if sizes else (0, 0, ""),
            _work(m.ops))
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
    cycles_per_mac: float | None  # effective: the model's cycles / its MACs on this board
    calibration_note: str  # where the latency comes from, or the one sentence why there is none
    layers: Table
    fits: bool
    reasons: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    latency_error_pct: float | None = None  # held-out median error of the estimate's class
    latency_band_note: str = ""  # what that error rests on (rows, boards)

    @property
    def flash_available(self) -> int | None:
        return self.board.flash_bytes

    @property
    def sram_available(self) -> int | None:
        return self.board.ram_bytes

    def battery_days(self, inferences_per_hour: float = 60, battery_mah: float | None = None,
                     battery_v: float | None = None) -> float:
        """Days on a battery (default: two AA cells) when the board wakes ``inferences_per_hour`` times an hour."""
        mah, volts = cited_battery()
        battery_mah = mah if battery_mah is None else battery_mah
        battery_v = volts if battery_v is None else battery_v
        inferences_per_hour = number(inferences_per_hour, "inferences_per_hour", above=0)
        battery_mah = number(battery_mah, "battery_mah", above=0)
        battery_v = number(battery_v, "battery_v", above=0)
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
        lines = [f"{self.board.name} ({self.board.board}): {'FITS' if self.fits else 'DOES NOT FIT'}"]
        fl = self.flash_available
        lines.append(f"  flash {fmt_size(self.flash_needed)} needed (model {self.flash_needed - RUNTIME_CODE_BYTES:,} B"
                     f" + runtime {fmt_size(RUNTIME_CODE_BYTES)}) of {fmt_size(fl)}" if fl else "  flash: unknown")
        lines.append(f"  SRAM  {fmt_size(self.sram_needed)} needed (arena {self.arena_bytes:,} B + I/O "
                     f"{self.io_bytes:,} B + stack {fmt_size(STACK_BYTES)}) of {fmt_size(self.sram_available)}")
        if self.latency_ms is not None:
            band = (f", typically within \u00b1{self.latency_error_pct:.0f} %" if self.latency_error_pct is not None
                    else "")
            lines.append(f"  latency ~{self.latency_ms:,.3g} ms{band} ({self.latency_band_note})")
            average = f" at {self.cycles_per_mac:.2f} cycles per MAC on average" if self.cycles_per_mac else ""
            lines.append(f"    {self.macs:,} MACs{average}, {self.board.clock_mhz:g} MHz ({self.calibration_note})")
        elif self.calibration_note and self.calibration_note != FLOAT_NOTE and self.board.tflm:
            lines.append(f"  latency: {self.calibration_note}")
        if self.energy_uj is not None:
            lines.append(f"  energy ~{self.energy_uj:,.3g} uJ per inference at {self.power_mw:.3g} mW ({self.power_source})")
        lines += [f"  why: {r}" for r in self.reasons] + [f"  change: {c}" for c in self.changes]
        return "\n".join(wrap(line) for line in lines)  # long lines break at spaces, never inside a number

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
    return f"a board with enough memory, e.g. the {best.name} ({fmt_size(best.ram_bytes)} SRAM, {fmt_size(best.flash_bytes)} flash)"


def _limits(d: Device, fp: Footprint, flash: int, sram: int, latency: float | None, deadline_ms: float | None,
            reasons: list, changes: list) -> None:
    """Append why the model does not fit ``d`` (float32, flash, SRAM, deadline) and what to change."""
    if not fp.is_int8:
        reasons.append("the model computes in float32, which is 4x the bytes and slow without an FPU "
                       f"({FLOAT_NOTE})")
        changes.append("convert it to full int8 (utils.convert.int8_model) for 1/4 of the weight bytes")
    if flash > d.flash_bytes:
        reasons.append(f"model + runtime need {fmt_size(flash)} of flash, the {d.name} has {fmt_size(d.flash_bytes)}")
        changes.append(f"shrink the model by {fmt_size(flash - d.flash_bytes)} (fewer parameters, int8), or "
                       + _suggest(flash, sram, d.name))
    if sram > d.ram_bytes:
        size, idx, op = fp.largest_activation
        reasons.append(f"arena + I/O + stack need {fmt_size(sram)} of SRAM, the {d.name} has {fmt_size(d.ram_bytes)}")
        changes.append(f"cut activation memory by {fmt_size(sram - d.ram_bytes)} (the largest tensor is the "
                       f"{size:,}-byte output of layer {idx}, {op}: fewer filters or earlier downsampling), or "
                       + _suggest(flash, sram, d.name))
    if deadline_ms is not None and latency is None and d.tflm and fp.is_int8:
        reasons.append(f"the {deadline_ms:g} ms deadline cannot be checked without a latency estimate")
        changes.append("pick kernels or a board with published measurements for its core")
    if deadline_ms is not None and latency is not None and latency > deadline_ms:
        reasons.append(f"~{latency:,.3g} ms per inference misses the {deadline_ms:g} ms deadline")
        changes.append(f"cut the latency {latency / deadline_ms:.1f}x: fewer MACs (depthwise ones first), optimized "
                       "kernels, or a faster board")


def _layer_rows(fp: Footprint, est) -> Table:
    """One row per layer: its MACs and, with an estimate, its share of the latency."""
    layers = Table()
    for n, (index, kind, macs) in enumerate(fp.layer_macs):
        row = {"#": index, "op": kind, "MACs": macs}
        if est is not None:
            row["estimated ms"] = round(est.op_ms[n], 4)
        layers.append(row)
    return layers


def run_board(tflite: TfliteFile, board, kernels: str | None = None, deadline_ms: float | None = None) -> Fit:
    """Fit, latency, energy and a verdict for the .tflite ``tflite`` on catalog board ``board``."""
    d = _board(board)
    if d.kind != "mcu":
        raise CourseError(f"The board simulator models microcontrollers; the {d.name} is a {d.kind} "
                          "that runs full LiteRT: pick one of " + ", ".join(x.name for x in catalog() if x.kind == "mcu") + ".")
    kernels = _kernels(kernels)
    if deadline_ms is not None:
        deadline_ms = number(deadline_ms, "deadline_ms", above=0)
    fp = footprint(tflite)
    flash = fp.model_bytes + RUNTIME_CODE_BYTES
    sram = fp.arena_bytes + fp.io_bytes + STACK_BYTES
    reasons, changes = [], []
    cpm = latency = energy = power = band = est = None
    note, power_source, band_note = "", "", ""
    kernels = kernels or d.kernels
    if not d.tflm:
        reasons.append(f"TensorFlow Lite Micro needs a 32-bit core; the {d.name} is {d.core}")
        changes.append(_suggest(flash, sram, d.name))
    elif not fp.is_int8:
        note = FLOAT_NOTE  # float kernels run several times slower per MAC than the int8 rows measured
    else:
        try:
            est = estimate(fp.work, d.core_class, kernels, d.clock_mhz)
        except CourseError as err:
            note = str(err)  # no published row for this pair: no latency rather than a guess
    if est is not None:
        latency, cpm = est.latency_ms, est.cycles_per_mac
        band, band_note = error_band(d.core_class, kernels)
        rows = "row" if est.rows == 1 else "rows"
        note = (f"per-operator model of a {d.core_class} with {kernels} kernels, fitted on {est.rows} published "
                f"{rows} of its class and shared coefficients")
        power = measured_power_mw(d)
        power_source = "measured: MLPerf Tiny energy / latency" if power else (
            "datasheet figure, unverified" if not d.is_verified("active_mw") else "datasheet figure")
        power = power or d.active_mw
        energy = None if power is None else latency * power  # ms x mW = uJ
    _limits(d, fp, flash, sram, latency, deadline_ms, reasons, changes)
    layers = _layer_rows(fp, est)
    fits = not reasons
    changes = list(dict.fromkeys(changes))  # the same advice once
    return Fit(d, kernels, flash, sram, fp.arena_bytes, fp.io_bytes, fp.macs, latency, energy, power,
               power_source, cpm, note, layers, fits, reasons, changes, band, band_note)


def _band_text(f: Fit) -> str:
    """A latency's error band for a table cell: '±15 %', 'unchecked (1 row)', or why there is no latency."""
    if f.latency_ms is None:
        return "no published row" if f.board.tflm and f.calibration_note.startswith("No published") else ""
    return "unchecked (1 row)" if f.latency_error_pct is None else f"\u00b1{f.latency_error_pct:.0f} %"


def fit_table(tflite: TfliteFile, deadline_ms: float | None = None) -> Table:
    """One row per microcontroller in the catalog: does the model fit, how fast, how much energy."""
    rows = Table()
    for d in catalog():
        if d.kind != "mcu":
            continue
        f = run_board(tflite, d, deadline_ms=deadline_ms)
        rows.append({"board": d.name, "fits": "yes" if f.fits else "no",
                     "flash KB": f"{f.flash_needed / 1e3:,.1f} / {d.flash_bytes / 1e3:,.0f}",
                     "SRAM KB": f"{f.sram_needed / 1e3:,.1f} / {d.ram_bytes / 1e3:,.0f}",
                     "latency ms": None if f.latency_ms is None else round(f.latency_ms, 3),
                     "typical error": _band_text(f),
                     "energy uJ": None if f.energy_uj is None else round(f.energy_uj, 2)})
    return rows


def fit_view(tflite: TfliteFile, deadline_ms: float | None = None):
    """An interactive 'will it fit on my board?' picker (ipywidgets 7.7 and 8)."""
    import html

    import ipywidgets as widgets

    mcus = [d.name for d in catalog() if d.kind == "mcu"]
    footprint(tflite)  # measure once, before the first redraw
    board = widgets.Dropdown(options=mcus, value=mcus[0], description="Board")
    rate = widgets.IntSlider(value=60, min=1, max=3600, step=1, description="per hour")
    out = widgets.HTML()

    def redraw(*_):
        f = run_board(tflite, board.value, deadline_ms=deadline_ms)
        try:
            mah, volts = cited_battery()
            battery = (f"Battery ({mah:,.0f} mAh at {volts:g} V, {rate.value} inferences/hour): "
                       f"~{f.battery_days(rate.value):,.0f} days")
        except CourseError as err:
            battery = str(err)
        out.value = f._repr_html_() + f"<div style='font-family:monospace'>{html.escape(battery)}</div>"

    board.observe(redraw, names="value")
    rate.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([board, rate]), out])


def show_fit_view(tflite: TfliteFile, deadline_ms: float | None = None) -> None:
    """Display :func:`fit_view`; a static copy (the first board's verdict) stands in where widgets cannot draw."""
    from utils.display import display_with_static_copy

    view = fit_view(tflite, deadline_ms)
    first = view.children[1].value
    display_with_static_copy(view, first, "Will it fit? (the interactive board picker needs a live kernel)")
