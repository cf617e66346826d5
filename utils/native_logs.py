"""Known-harmless native log lines, kept out of a learner's cells, and nothing else.

TensorFlow's C++ code logs through absl straight to file descriptor 2, which ignores
``TF_CPP_MIN_LOG_LEVEL`` for some lines; Jupyter's kernel copies that descriptor into the cell as a
pink stderr box. On Colab's stack (TF 2.20) the environment check of lesson 00 shows a failed CUDA
start-up on a machine without a GPU and the converter's notes about options it ignores: nothing is
wrong. :data:`HARMLESS` lists exactly those lines, and :func:`install` drops them on the descriptor
itself, in front of the kernel; every other line, warnings and errors included, still reaches the cell.
"""

from __future__ import annotations

import codecs
import os
import re
import select
import sys
import threading

# absl's prefix: severity letter, MMDD, time, thread id, file:line]. Anchored, so a real message cannot match.
_ABSL = r"[IWE]\d{4} [\d:.]+\s+\d+ "
HARMLESS = (
    # absl's one-time header before its first line.
    re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"),
    # The TFLite converter ignores two options the Keras path always passes.
    re.compile(_ABSL + r"tf_tfl_flatbuffer_helpers\.cc:\d+\] Ignored (output_format|drop_control_dependency)\."),
    # An informational note from the graph optimiser.
    re.compile(_ABSL + r"mlir_graph_optimization_pass\.cc:\d+\] MLIR V1 optimization pass is not enabled"),
    # A CUDA-enabled TensorFlow on a machine without a GPU (Colab's CPU runtime): it then runs on the CPU.
    re.compile(r"E[\d ][^\]]*\] (INTERNAL: CUDA error: )?[Ff]ailed call to cuInit: .*"),
)
# A line that starts like one of them is held until its end arrives (or the stream is flushed).
_MAY_START = re.compile(r"(W(A(R(N(I(N(G(:.*)?)?)?)?)?)?)?|[IWE](\d{1,4}( .*)?)?|E( .*)?)")


def is_harmless(line: str) -> bool:
    """True when ``line`` (without its newline) is one of the known-harmless native log lines."""
    return any(p.fullmatch(line.rstrip("\r\n")) for p in HARMLESS)


class LineFilter:
    """Wraps a ``write`` function: drops whole known-harmless lines, passes everything else on."""

    def __init__(self, write, flush=None):
        self._write, self._flush, self._pending = write, flush, ""

    def write(self, text: str) -> int:
        text, self._pending = self._pending + text, ""
        keep = []
        for line in text.splitlines(keepends=True):
            if not line.endswith(("\n", "\r")):
                if _MAY_START.fullmatch(line):
                    self._pending = line  # the rest of a possible native line is on its way
                else:
                    keep.append(line)
            elif not is_harmless(line):
                keep.append(line)
        if keep:
            self._write("".join(keep))
        return len(text)

    def flush(self) -> None:
        """Pass on a held partial line (it was not a harmless one after all), then flush."""
        if self._pending:
            pending, self._pending = self._pending, ""
            self._write(pending)
        if self._flush is not None:
            self._flush()


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def pump(read_fd: int, write_fd: int, idle_s: float = 0.2) -> None:
    """Copy ``read_fd`` to ``write_fd`` through a :class:`LineFilter` until ``read_fd`` closes.

    A held partial line is passed on after ``idle_s`` seconds without more output.
    """
    decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
    filt = LineFilter(lambda text: _write_all(write_fd, text.encode()))
    while True:
        ready, _, _ = select.select([read_fd], [], [], idle_s)
        if not ready:
            filt.flush()
            continue
        data = os.read(read_fd, 65536)
        if not data:
            filt.write(decode(b"", final=True))
            filt.flush()
            return
        filt.write(decode(data))


_installed: list[int] = []


def install(fd: int = 2) -> bool:
    """Put the filter in front of file descriptor ``fd`` (stderr) for the rest of this process; idempotent.

    Native code writes straight to the descriptor, so the filter sits there: a pipe takes its place and a
    thread copies what arrives, minus the known-harmless lines, to where it went before.
    """
    if fd in _installed:
        return True
    read_fd, write_fd = os.pipe()
    downstream = os.dup(fd)
    os.dup2(write_fd, fd)
    os.close(write_fd)
    threading.Thread(target=pump, args=(read_fd, downstream), daemon=True, name="course-native-log-filter").start()
    _installed.append(fd)
    return True


def install_in_kernel() -> bool:
    """Filter stderr when running in a Jupyter kernel (where native lines reach the cell); False elsewhere."""
    return "ipykernel" in type(sys.stderr).__module__ and install(2)
