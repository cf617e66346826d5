"""Catch what native code prints: TFLite's converter, LiteRT and TFLite Micro write from C++
straight to file descriptors 1 and 2, which ``sys.stdout`` never sees.

``captured_output()`` collects it (noise for the learner, unless something failed: the
converter's error messages and TFLite Micro's arena report are read from it);
``call_captured(fn)`` is the same for one call.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings


@contextlib.contextmanager
def captured_output():
    """Collect what TFLite prints from C++ and Python while it runs (noise, unless something fails).

    Yields a StringIO that holds the text once the block has ended; the converter's error
    messages are read from it.
    """
    sink = tempfile.TemporaryFile(mode="w+b")
    text = io.StringIO()
    saved = []
    try:
        for fd in (1, 2):
            try:
                saved.append((fd, os.dup(fd)))
            except OSError:
                continue
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        for fd, _ in saved:
            os.dup2(sink.fileno(), fd)
        loggers = [logging.getLogger(n) for n in ("tensorflow", "absl")]
        levels = [lg.level for lg in loggers]
        try:
            for lg in loggers:
                lg.setLevel(logging.ERROR)  # TF's own INFO lines go to a handler bound to the real stderr
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield text
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        for fd, old in saved:
            os.dup2(old, fd)
            os.close(old)
        sink.seek(0)
        text.write(sink.read().decode("utf-8", "replace"))
        sink.close()


def call_captured(fn) -> tuple[object, str]:
    """Call ``fn()`` and return (its result, everything it printed, from Python or C++)."""
    with captured_output() as log:
        result = fn()
    return result, log.getvalue()
