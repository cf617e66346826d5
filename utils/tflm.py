"""Run a .tflite model in the real TensorFlow Lite for Microcontrollers runtime, and measure its arena.

``run(model, x)`` feeds a batch of int8 inputs one at a time through ``tflite_micro``'s
interpreter (the C++ code that ships on Arduino and ESP32 boards, built for this PC) and
returns every output; with ``all_tensors=True`` it also returns every intermediate tensor.
``arena_report(model)`` captures the RecordingMicroAllocator report that TFLM prints from C++
(head = activations, tail = persistent structures, total) and ``smallest_arena(model)`` finds
the smallest arena that still builds and runs. ``run_reference_litert`` runs LiteRT with its
reference kernels (BUILTIN_REF), the host runtime that computes the same integers.

``tflite-micro`` publishes wheels for Linux x86_64 only: elsewhere ``run`` falls back to
LiteRT's reference kernels and says so in one sentence. Defined for lesson 07.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from utils.capture import call_captured
from utils.errors import CourseError
from utils.tflite_model import model_bytes, read_model

FALLBACK_NOTE = ("TFLite Micro has no wheel for this platform (it ships for Linux x86_64 only), so this "
                 "runs LiteRT's reference kernels, which compute the same integers, and the arena is estimated.")


def available() -> bool:
    """True when the tflite_micro runtime can be imported here."""
    try:
        from tflite_micro import runtime  # noqa: F401
    except Exception:  # no wheel for this platform, or a broken install
        return False
    return True


def _runtime():
    from tflite_micro import runtime

    return runtime


def _interpreter(data: bytes, arena_size: int, preserve: bool = False):
    rt = _runtime()
    config = rt.InterpreterConfig.kPreserveAllTensors if preserve else rt.InterpreterConfig.kAllocationRecording

    def build():
        return rt.Interpreter.from_bytes(data, arena_size=int(arena_size), intrepreter_config=config)

    try:
        interp, _ = call_captured(build)  # swallow the C++ allocation chatter
    except RuntimeError:
        raise CourseError(f"TFLite Micro could not allocate this model in a {arena_size:,}-byte arena: "
                          "give a larger arena_size (smallest_arena(model) finds the minimum).") from None
    return interp


def _default_arena(data: bytes, preserve: bool = False) -> int:
    """A roomy arena: keeping every tensor needs them all at once, otherwise the planner reuses memory."""
    m = read_model(data)
    activations = sum(t.nbytes for t in m.tensors if t.data is None)
    need = activations if preserve else m.peak_activation_bytes()
    return max(64 * 1024, 2 * need + 64 * len(m.tensors) + 32 * 1024)


def _batch(m, x: np.ndarray) -> np.ndarray:
    m.require_int8("TFLite Micro in this course")
    x = np.asarray(x)
    shape = tuple(m.input.shape[1:])
    if x.shape == shape:
        x = x[None]
    if x.dtype != np.int8:
        raise CourseError(f"The int8 model takes int8 inputs (quantize them with the input scale and zero point), not {x.dtype}.")
    if tuple(x.shape[1:]) != shape:
        raise CourseError(f"Input shape {x.shape} does not match the model's (N, {', '.join(map(str, shape))}).")
    return x


@dataclass
class RunResult:
    """What one batch run produced: outputs (N, ...), optional {tensor index: (N, ...)}, which runtime."""

    outputs: np.ndarray
    tensors: dict | None
    runtime: str


def run(model, x: np.ndarray, arena_size: int | None = None, all_tensors: bool = False,
        progress: bool = False) -> RunResult:
    """Run every sample of the int8 batch ``x`` through TFLite Micro (LiteRT reference if TFLM is missing)."""
    data = model_bytes(model)
    m = read_model(data)
    x = _batch(m, x)
    if not available():
        print(FALLBACK_NOTE)
        return run_reference_litert(data, x, all_tensors)
    interp = _interpreter(data, arena_size or _default_arena(data, all_tensors), preserve=all_tensors)
    # Only tensors that are computed (activations) are read back: constants are the weights.
    wanted = [t.index for t in m.tensors if t.data is None] if all_tensors else []
    outs, tensors = [], {i: [] for i in wanted}
    step = max(1, len(x) // 10)
    for i, sample in enumerate(x):
        interp.set_input(sample[None], 0)
        interp.invoke()
        outs.append(np.array(interp.get_output(0)).reshape(m.output.shape))
        for t in wanted:
            tensors[t].append(np.array(interp.GetTensor(t, 0)["tensor_data"]).reshape(m.tensors[t].shape))
        if progress and (i + 1) % step == 0:
            print(f"\rTFLite Micro: {i + 1}/{len(x)} inferences", end="", flush=True)
    if progress:
        print()
    stacked = {t: np.concatenate(v) for t, v in tensors.items()} if all_tensors else None
    return RunResult(np.concatenate(outs), stacked, "TFLite Micro")


def run_reference_litert(model, x: np.ndarray, all_tensors: bool = False) -> RunResult:
    """Run the batch in LiteRT with its reference kernels (BUILTIN_REF), one sample at a time."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    data = model_bytes(model)
    m = read_model(data)
    x = _batch(m, x)
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
        how = "measured by TFLite Micro" if self.measured else "estimated (TFLite Micro not available)"
        return f"arena {self.total:,} B = head {self.head:,} B (activations) + tail {self.tail:,} B (persistent), {how}"


def parse_report(text: str) -> ArenaReport:
    """Read head, tail and total out of TFLM's allocation report."""
    found = {k: int(v) for k, v in re.findall(r"Arena allocation (total|head|tail) (\d+) bytes", text)}
    if set(found) != {"total", "head", "tail"}:
        raise CourseError("TFLite Micro's allocation report did not contain head, tail and total figures.")
    return ArenaReport(found["total"], found["head"], found["tail"], text.strip())


def arena_report(model, arena_size: int | None = None) -> ArenaReport:
    """Build the model in TFLM, run one inference, and return the allocator's own report."""
    data = model_bytes(model)
    m = read_model(data)
    if not available():
        # Estimate: activations as planned by a greedy planner are at least the peak live bytes.
        head = m.peak_activation_bytes()
        tail = 48 * len(m.tensors) + 96 * len(m.ops)
        return ArenaReport(head + tail, head, tail, FALLBACK_NOTE, measured=False)
    interp = _interpreter(data, arena_size or _default_arena(data))
    interp.set_input(np.zeros(m.input.shape, np.int8) if m.is_int8 else np.zeros(m.input.shape, m.input.dtype), 0)
    call_captured(interp.invoke)
    _, text = call_captured(interp.print_allocations)
    return parse_report(text)


def fits_in(model, arena_size: int) -> bool:
    """Whether TFLM builds the model and runs one inference in an arena of ``arena_size`` bytes."""
    data = model_bytes(model)
    m = read_model(data)
    rt = _runtime()

    def attempt():
        interp = rt.Interpreter.from_bytes(data, arena_size=int(arena_size))
        interp.set_input(np.zeros(m.input.shape, m.input.dtype), 0)
        interp.invoke()

    try:
        call_captured(attempt)
    except RuntimeError:
        return False
    return True


def smallest_arena(model, step: int = 16) -> int:
    """The smallest arena (to ``step`` bytes) in which TFLM builds and runs the model (bisection)."""
    if not available():
        raise CourseError(FALLBACK_NOTE)
    data = model_bytes(model)
    lo = arena_report(data).total  # the report is a lower bound: it excludes transient needs
    hi = max(2 * lo, lo + 4096)
    while not fits_in(data, hi):
        hi *= 2
    while hi - lo > step:
        mid = (lo + hi) // 2
        if fits_in(data, mid):
            hi = mid
        else:
            lo = mid
    return hi
