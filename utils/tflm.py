"""Run a .tflite model in the real TensorFlow Lite for Microcontrollers runtime, and measure its arena.

``run(model, x)`` feeds a batch of int8 inputs one at a time through ``tflite_micro``'s
interpreter (the C++ code that ships on Arduino and ESP32 boards, built for this PC) and
returns every output; with ``all_tensors=True`` it also returns every intermediate tensor.
``arena_report(model)`` captures the RecordingMicroAllocator report that TFLM prints from C++
(head = activations, tail = persistent structures, total) and ``smallest_arena(model)`` finds
the smallest arena that still builds and runs. ``run_reference_litert`` runs LiteRT with its
reference kernels (BUILTIN_REF), the host runtime that computes the same integers.

An arena below the total TFLite Micro measured for the model (once, in a roomy arena) is refused in
one sentence and never handed to it: many such sizes crash its allocator, which would kill the kernel.

``tflite-micro`` publishes wheels for Linux x86_64 only: elsewhere ``run`` falls back to
LiteRT's reference kernels and says so in one sentence. Defined for lesson 07.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass

import numpy as np

from utils.capture import call_captured, captured_output
from utils.errors import CourseError, number, require, shown
from utils.numbers import wrap
from utils.tflite_model import TfliteFile, model_bytes, read_model

FALLBACK_NOTE = ("TFLite Micro is not available here (its wheels are for Linux x86_64 only), so this runs "
                 "LiteRT's reference kernels, which round a few values one step differently, and the arena is estimated.")
# Measured on the four MLPerf Tiny int8 models and the digits model: the estimate is 6.2-39.7 % low.
ESTIMATE_NOTE = "estimate, typically 6-40 % below what TFLite Micro measures"
HYBRID_NOTE = ("TFLite Micro runs full-integer int8 models, not dynamic-range (hybrid) ones with float "
               "activations and int8 weights: convert it with the 'int8' recipe and a representative dataset.")
# More SRAM than any microcontroller has; a larger request is a typo, not a board.
MAX_ARENA_BYTES = 64 * 1024 * 1024


def available() -> bool:
    """True when the tflite_micro runtime can be imported here; COURSE_TFLM=off stands in for a platform without it."""
    if os.environ.get("COURSE_TFLM", "").strip().lower() == "off":
        return False
    try:
        from tflite_micro import runtime  # noqa: F401
    except Exception:  # no wheel for this platform, or a broken install
        return False
    return True


def _runtime():
    from tflite_micro import runtime

    return runtime


def _flag(value, what: str) -> bool:
    require(isinstance(value, (bool, np.bool_)), f"{what} must be True or False, got {shown(value)}.")
    return bool(value)


def _arena_size(arena_size) -> int:
    """A checked arena size: a whole number of bytes from 1 to 64 MiB, else one sentence."""
    n = number(arena_size, "arena_size", 1, whole=True, unit="bytes")
    require(n <= MAX_ARENA_BYTES, f"An arena of {n:,} bytes is larger than any microcontroller's SRAM: "
                                  f"give at most {MAX_ARENA_BYTES:,} bytes (64 MiB).")
    return n


def _model(model: TfliteFile):
    """(bytes, parsed model) of a model TFLite Micro can build, or one sentence saying why not."""
    data = model_bytes(model)
    m = read_model(data)
    require(not m.is_hybrid, HYBRID_NOTE)
    return data, m


def _a(n: int) -> str:
    """'a' or 'an' before ``n`` read aloud with its -byte suffix: an 8,000-byte, an 11,000-byte, a 1,000-byte."""
    lead = f"{n:,}".split(",")[0]
    return "an" if lead.startswith("8") or lead in ("11", "18") else "a"


def _too_small(arena_size: int, total: int | None = None) -> CourseError:
    if total is None:
        return CourseError(f"TFLite Micro could not allocate this model in {_a(arena_size)} {arena_size:,}-byte "
                           "arena: give a larger arena_size (smallest_arena(model) finds the minimum).")
    return CourseError(f"TFLite Micro could not allocate this model in {_a(arena_size)} {arena_size:,}-byte "
                       f"arena: the model needs at least {total:,} bytes of arena, so {arena_size:,} is too small "
                       "(smallest_arena(model) finds the minimum).")


def _failure(arena_size: int, log: str, measuring: bool = False) -> CourseError:
    """The sentence for a failed build: the arena when TFLM ran out of memory, else TFLM's own reason."""
    # A model that was measured in a roomy arena fails in a smaller one for lack of memory, whatever TFLM says.
    memory = ("allocate", "missing", "Too many buffers", "arena")
    if not measuring or any(word in log for word in memory) or not log.strip():
        return _too_small(arena_size)
    first = log.strip().splitlines()[0].strip().rstrip(".")
    return CourseError(f"TFLite Micro cannot run this model ({first}): use a full-integer int8 model "
                       "built from operators TFLite Micro supports.")


def _build(data: bytes, arena_size: int, preserve: bool = False, measuring: bool = False):
    """An interpreter for ``data`` in ``arena_size`` bytes (C++ chatter swallowed), or one sentence."""
    rt = _runtime()
    config = rt.InterpreterConfig.kPreserveAllTensors if preserve else rt.InterpreterConfig.kAllocationRecording
    with captured_output() as log:
        try:
            interp = rt.Interpreter.from_bytes(data, arena_size=int(arena_size), intrepreter_config=config)
        except RuntimeError:
            interp = None
    if interp is None:
        raise _failure(arena_size, log.getvalue(), measuring)
    return interp


def _default_arena(data: bytes, preserve: bool = False) -> int:
    """A roomy arena: keeping every tensor needs them all at once, otherwise the planner reuses memory."""
    m = read_model(data)
    activations = sum(t.nbytes for t in m.tensors if t.data is None)
    need = activations if preserve else m.peak_activation_bytes()
    return max(64 * 1024, 2 * need + 64 * len(m.tensors) + 32 * 1024)


def _zeros(m) -> np.ndarray:
    return np.zeros(m.input.shape, m.input.dtype)


_MEASURED: dict = {}

# Run in a child process: it doubles the arena until TFLM builds and runs the model, then prints the size.
_GROW_ARENA = """
import sys
import numpy as np
from tflite_micro import runtime as rt
data, size, limit = sys.stdin.buffer.read(), int(sys.argv[1]), int(sys.argv[2])
configs = rt.InterpreterConfig.kAllocationRecording, rt.InterpreterConfig.kPreserveAllTensors
config = configs[int(sys.argv[3])]
while size <= limit:
    print("COURSE_ARENA_TRY", size, flush=True)
    try:
        interp = rt.Interpreter.from_bytes(data, arena_size=size, intrepreter_config=config)
        details = interp.get_input_details(0)
        interp.set_input(np.zeros(details["shape"], details["dtype"]), 0)
        interp.invoke()
    except RuntimeError:
        size *= 2
        continue
    print("COURSE_ARENA_OK", size, flush=True)
    break
"""
_CHILD_FOUND: dict = {}


def _arena_in_child(data: bytes, start: int, limit: int, preserve: bool = False) -> int | None:
    """The first of start, 2 x start, ... up to ``limit`` in which TFLM runs the model, tried in children.

    A size TFLM cannot fit may crash it, so it is tried where a crash only ends the child.
    """
    key = (hashlib.sha256(data).hexdigest(), start, limit, preserve)
    if key in _CHILD_FOUND:
        return _CHILD_FOUND[key]
    found, size = None, start
    while found is None and size <= limit:
        try:
            args = [sys.executable, "-c", _GROW_ARENA, str(size), str(limit), str(int(preserve))]
            done = subprocess.run(args, input=data, capture_output=True, timeout=300)
        except (OSError, subprocess.SubprocessError):
            break
        found = re.search(rb"COURSE_ARENA_OK (\d+)", done.stdout)
        tried = re.findall(rb"COURSE_ARENA_TRY (\d+)", done.stdout)
        if found is None and (done.returncode >= 0 or not tried):
            break  # it finished without finding one, or died before trying: no arena will do
        size = 2 * int(tried[-1]) if tried else size  # it crashed at the last size tried: carry on above it
    _CHILD_FOUND[key] = None if found is None else int(found.group(1))
    return _CHILD_FOUND[key]


def _measured(data: bytes, m) -> ArenaReport:
    """TFLM's report for the model in a roomy arena, measured once per model (keyed by its bytes' hash)."""
    return _measured_in(data, m)[0]


def _roomy(data: bytes, m, preserve: bool = False) -> int:
    """An arena known to hold the model: the one it was measured in, plus every activation when all are kept."""
    report, roomy = _measured_in(data, m)
    return report.total + _default_arena(data, preserve=True) if preserve else roomy


def _measured_in(data: bytes, m) -> tuple[ArenaReport, int]:
    key = hashlib.sha256(data).hexdigest()
    if key not in _MEASURED:
        roomy = _default_arena(data)
        try:
            report = _record(data, m, roomy, measuring=True)
        except CourseError as err:
            if "could not allocate" not in str(err):
                raise
            grown = _arena_in_child(data, 2 * roomy, MAX_ARENA_BYTES)
            if grown is None:
                raise CourseError(f"TFLite Micro could not build and run this model in any arena up to "
                                  f"{MAX_ARENA_BYTES:,} bytes (64 MiB), more than any microcontroller "
                                  "has.") from None
            report, roomy = _record(data, m, grown, measuring=True), grown
        _MEASURED[key] = report, roomy
    return _MEASURED[key]


def _invoke(interp) -> tuple[bool, str]:
    """(whether one inference ran, what TFLite Micro printed meanwhile)."""
    with captured_output() as log:
        try:
            interp.invoke()
        except RuntimeError:
            return False, log.getvalue()
    return True, log.getvalue()


def _record(data: bytes, m, arena_size: int, measuring: bool = False) -> ArenaReport:
    interp = _build(data, arena_size, measuring=measuring)
    interp.set_input(_zeros(m), 0)
    ok, log = _invoke(interp)
    if not ok:
        raise _failure(arena_size, log, measuring)
    _, text = call_captured(interp.print_allocations)
    return parse_report(text)


def _refuse_below_measured(data: bytes, m, arena_size: int) -> None:
    # Below the measured total TFLM cannot fit the model, and some such sizes crash its allocator.
    total = _measured(data, m).total
    if arena_size < total:
        raise _too_small(arena_size, total)


def _batch(m, x) -> np.ndarray:
    m.require_int8("TFLite Micro in this course")
    shape = tuple(m.input.shape[1:])
    try:
        x = np.asarray(x)
    except (TypeError, ValueError):
        raise CourseError(f"The input must be an int8 array of shape (N, {', '.join(map(str, shape))}), "
                          f"not {type(x).__name__}.") from None
    if x.shape == shape:
        x = x[None]
    if x.dtype != np.int8:
        raise CourseError(f"The int8 model takes int8 inputs (quantize them with the input scale and zero point), not {x.dtype}.")
    if tuple(x.shape[1:]) != shape:
        raise CourseError(f"Input shape {x.shape} does not match the model's (N, {', '.join(map(str, shape))}).")
    if len(x) == 0:
        raise CourseError(f"The batch is empty: give at least one input of shape {shape}.")
    return x


@dataclass
class RunResult:
    """What one batch run produced: outputs (N, ...), optional {tensor index: (N, ...)}, which runtime."""

    outputs: np.ndarray
    tensors: dict | None
    runtime: str


def run(model: TfliteFile, x: np.ndarray, arena_size: int | None = None, all_tensors: bool = False,
        progress: bool = False) -> RunResult:
    """Run every sample of the int8 batch ``x`` through TFLite Micro (LiteRT reference if TFLM is missing)."""
    data, m = _model(model)
    x = _batch(m, x)
    size = None if arena_size is None else _arena_size(arena_size)
    all_tensors, progress = _flag(all_tensors, "all_tensors"), _flag(progress, "progress")
    if not available():
        print(wrap(FALLBACK_NOTE, indent=""))  # one sentence, in lines that fit a cell
        return run_reference_litert(data, x, all_tensors)
    if size is not None:
        _refuse_below_measured(data, m, size)
        # Keeping every tensor needs more than the measured arena, and sizes in between can crash TFLM.
        if all_tensors and _arena_in_child(data, size, size, preserve=True) is None:
            raise CourseError(f"TFLite Micro could not allocate this model in {_a(size)} {size:,}-byte arena "
                              "with every tensor kept (all_tensors=True needs room for all of them at once): give a larger "
                              "arena_size, or none for a roomy one.")
    interp = _build(data, size or _roomy(data, m, all_tensors), preserve=all_tensors)
    # Only tensors that are computed (activations) are read back: constants are the weights.
    wanted = [t.index for t in m.tensors if t.data is None] if all_tensors else []
    outs, tensors = [], {i: [] for i in wanted}
    step = max(1, len(x) // 10)
    for i, sample in enumerate(x):
        interp.set_input(sample[None], 0)
        ok, log = _invoke(interp)
        if not ok:
            raise _failure(size or _roomy(data, m, all_tensors), log, measuring=size is None)
        outs.append(np.array(interp.get_output(0)).reshape(m.output.shape))
        for t in wanted:
            tensors[t].append(np.array(interp.GetTensor(t, 0)["tensor_data"]).reshape(m.tensors[t].shape))
        if progress and (i + 1) % step == 0:
            print(f"\rTFLite Micro: {i + 1}/{len(x)} inferences", end="", flush=True)
    if progress:
        print()
    stacked = {t: np.concatenate(v) for t, v in tensors.items()} if all_tensors else None
    return RunResult(np.concatenate(outs), stacked, "TFLite Micro")


def run_reference_litert(model: TfliteFile, x: np.ndarray, all_tensors: bool = False) -> RunResult:
    """Run the batch in LiteRT with its reference kernels (BUILTIN_REF), one sample at a time."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    data = model_bytes(model)
    m = read_model(data)
    x = _batch(m, x)
    all_tensors = _flag(all_tensors, "all_tensors")
    interp = Interpreter(model_content=data, experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                         experimental_preserve_all_tensors=all_tensors)
    interp.allocate_tensors()
    i_in = interp.get_input_details()[0]["index"]
    i_out = interp.get_output_details()[0]["index"]
    wanted = [t.index for t in m.tensors if t.data is None] if all_tensors else []
    outs, tensors = [], {i: [] for i in wanted}
    for sample in x:
        interp.set_tensor(i_in, sample[None])
        interp.invoke()
        outs.append(interp.get_tensor(i_out).copy())
        for t in wanted:
            tensors[t].append(interp.get_tensor(t).copy())
    stacked = {t: np.concatenate(v) for t, v in tensors.items()} if all_tensors else None
    return RunResult(np.concatenate(outs), stacked, "LiteRT (reference kernels)")


@dataclass
class ArenaReport:
    """TFLM's RecordingMicroAllocator figures for one model, in bytes, and its raw report."""

    total: int
    head: int
    tail: int
    report: str
    measured: bool = True

    def __repr__(self) -> str:
        if not self.measured:
            return (f"arena ~{self.total:,} B = head {self.head:,} B (activations) + tail {self.tail:,} B "
                    f"(persistent), {ESTIMATE_NOTE}")
        return (f"arena {self.total:,} B = head {self.head:,} B (activations) + tail {self.tail:,} B "
                "(persistent), measured by TFLite Micro")

    def log(self) -> str:
        """The report as TFLite Micro printed it, every word kept; a long line breaks at spaces, then indents."""
        return "\n".join(wrap(line, indent="    ") for line in self.report.splitlines())


def parse_report(text: str) -> ArenaReport:
    """Read head, tail and total out of TFLM's allocation report."""
    require(isinstance(text, str),
            f"parse_report reads the text TFLite Micro printed, not {type(text).__name__}.")
    found = {k: int(v) for k, v in re.findall(r"Arena allocation (total|head|tail) (\d+) bytes", text)}
    if set(found) != {"total", "head", "tail"}:
        raise CourseError("TFLite Micro's allocation report did not contain head, tail and total figures.")
    return ArenaReport(found["total"], found["head"], found["tail"], text.strip())


def arena_report(model: TfliteFile, arena_size: int | None = None) -> ArenaReport:
    """Build the model in TFLM, run one inference, and return the allocator's own report."""
    data, m = _model(model)
    size = None if arena_size is None else _arena_size(arena_size)
    if not available():
        # Estimate: activations as planned by a greedy planner are at least the peak live bytes.
        head = m.peak_activation_bytes()
        tail = 48 * len(m.tensors) + 96 * len(m.ops)
        note = f"Arena estimated without TFLite Micro (no wheel for this platform), an {ESTIMATE_NOTE}."
        return ArenaReport(head + tail, head, tail, note, measured=False)
    if size is None:
        return _measured(data, m)
    _refuse_below_measured(data, m, size)
    return _record(data, m, size)


def _need_tflm(what: str) -> None:
    require(available(), f"{what} needs TFLite Micro, which has no wheel for this platform (Linux x86_64 only): "
                         "arena_report(model).total gives an estimate instead.")


def fits_in(model: TfliteFile, arena_size: int) -> bool:
    """Whether TFLM builds the model and runs one inference in an arena of ``arena_size`` bytes."""
    data, m = _model(model)
    size = _arena_size(arena_size)
    _need_tflm("fits_in")
    if size < _measured(data, m).total:
        return False  # never handed to TFLM: some sizes below the model's need crash its allocator
    rt = _runtime()

    def attempt():
        interp = rt.Interpreter.from_bytes(data, arena_size=size)
        interp.set_input(_zeros(m), 0)
        interp.invoke()

    try:
        call_captured(attempt)
    except RuntimeError:
        return False
    return True


def smallest_arena(model: TfliteFile, step: int = 16) -> int:
    """The smallest arena (to ``step`` bytes) in which TFLM builds and runs the model (bisection)."""
    step = number(step, "step", 1, MAX_ARENA_BYTES, whole=True, unit="bytes")
    data, m = _model(model)
    _need_tflm("smallest_arena")
    lo = _measured(data, m).total  # the report is a lower bound: it excludes transient needs
    if fits_in(data, lo):
        return lo
    hi = min(max(2 * lo, lo + 4096), MAX_ARENA_BYTES)
    while not fits_in(data, hi):
        require(hi < MAX_ARENA_BYTES, f"This model does not run in TFLite Micro even in {MAX_ARENA_BYTES:,} "
                                      "bytes of arena, more than any microcontroller has.")
        hi = min(2 * hi, MAX_ARENA_BYTES)
    while hi - lo > step:
        mid = (lo + hi) // 2
        if fits_in(data, mid):
            hi = mid
        else:
            lo = mid
    return hi
