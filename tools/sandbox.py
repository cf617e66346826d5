"""How the course's grader contains a submission: no network, no process left behind (Linux).

On Linux, as root or with user namespaces, each notebook runs inside ``unshare --net --pid``: it sees only
its own loopback interface, and everything it started dies with it. Elsewhere the grader says plainly
that the network is not cut, and still kills the kernel's process group and anything working in its folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

CELL_TIMEOUT = 60  # seconds a graded cell may run under either grader (the slowest lesson cell needs under 20)


def grading_env(course_root: Path, student: str, artefacts: Path) -> dict[str, str]:
    """What a notebook under grading runs with, under either grader: the course, the student, their own folder."""
    artefacts = Path(artefacts)
    return {"COURSE_ROOT": str(course_root), "COURSE_STUDENT_ID": student, "COURSE_ARTEFACTS": str(artefacts),
            "COURSE_PROGRESS_FILE": str(artefacts / "progress.json"), "COURSE_GRADING": "1", "MPLBACKEND": "Agg"}


def sandbox() -> tuple[list[str], str]:
    """The command prefix that cuts the network (and contains every child process), and a note."""
    if sys.platform.startswith("linux") and shutil.which("unshare"):
        tries = [["--net", "--pid", "--fork", "--kill-child"],
                 ["--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child"]]
        for flags in tries:
            try:
                ok = subprocess.run(["unshare", *flags, "true"], capture_output=True, timeout=20).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                ok = False
            if ok:
                return ["unshare", *flags], f"network cut: each notebook runs in `unshare {' '.join(flags)}`"
        return [], "network NOT cut: `unshare --net` is not permitted here (run the grader as root, or offline)"
    return [], "network NOT cut: this system has no `unshare` (Linux only); grade offline to be safe"


def loopback_up() -> None:
    """Bring up `lo` in a fresh network namespace: the kernel talks to the grader over 127.0.0.1."""
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, 0x8913, req))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 0x1))  # SIOCSIFFLAGS, IFF_UP


def _sigkill(ids, send) -> None:
    """SIGKILL each id with ``send`` (os.kill or os.killpg); one already gone or not ours is skipped."""
    for i in ids:
        try:
            send(i, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def kill(proc: subprocess.Popen, progress: Path, sandboxed: bool) -> None:
    """Kill the worker's process group and, outside a pid namespace, its kernel's session too."""
    groups = [proc.pid]
    if not sandboxed and progress.exists():
        try:
            pid = json.loads(progress.read_text()).get("kernel_pid")
            if pid:
                groups.append(int(pid))
        except (ValueError, OSError):
            pass
    _sigkill(groups, os.killpg)
    proc.communicate()  # reap it and close its pipe


def sweep(work: Path, patience: float = 5.0) -> None:
    """Kill any process still working in ``work`` (a kernel or a child the notebook started), Linux only."""
    deadline, target = time.monotonic() + patience, str(work.resolve())
    while Path("/proc").is_dir():
        left = []
        for proc in Path("/proc").iterdir():
            try:
                cwd = os.readlink(proc / "cwd") if proc.name.isdigit() else ""
                if cwd == target or cwd.startswith(target + os.sep):
                    left.append(int(proc.name))
            except OSError:  # gone already, or a zombie without a cwd
                continue
        if not left or time.monotonic() > deadline:
            return
        _sigkill(left, os.kill)
        time.sleep(0.1)
