"""The course's device catalog: microcontrollers to a cloud GPU, with memory, clock and power, cited.

``catalog()`` reads ``data/devices.csv`` (sources in ``data/devices.md``) into :class:`Device`
records; ``device("ESP32")`` returns one (case-insensitive), ``names(kind="mcu")`` lists them and
``table()`` shows them in a notebook. Each device says which of its figures are unverified.
Defined for lesson 03 (device classes); lesson 07's board simulator and lesson 08 reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from utils.errors import CourseError, shown
from utils.paths import read_csv

KINDS = ("mcu", "sbc", "phone", "edge-gpu", "cloud")


@dataclass(frozen=True)
class Device:
    """One catalog row; numbers are None where the table leaves them empty."""

    name: str
    kind: str
    board: str
    core: str
    core_class: str
    cores: int
    clock_mhz: float
    ram_kb: float | None
    flash_kb: float | None
    active_mw: float | None
    sleep_mw: float | None
    peak_gops: float | None
    kernels: str
    tflm: bool
    mlperf_device: str
    unverified: tuple
    source: str

    @property
    def ram_bytes(self) -> int | None:
        return None if self.ram_kb is None else int(self.ram_kb * 1024)

    @property
    def flash_bytes(self) -> int | None:
        return None if self.flash_kb is None else int(self.flash_kb * 1024)

    def is_verified(self, column: str) -> bool:
        """False when ``column`` of this row is a typical or rough figure (see data/devices.md)."""
        return column not in self.unverified


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


@lru_cache(maxsize=1)
def catalog() -> tuple:
    """Every device of data/devices.csv, in table order."""
    out = []
    for r in read_csv("devices.csv"):
        out.append(Device(
            r["name"], r["kind"], r["board"], r["core"], r["core_class"], int(r["cores"]),
            float(r["clock_mhz"]), _num(r["ram_kb"]), _num(r["flash_kb"]), _num(r["active_mw"]),
            _num(r["sleep_mw"]), _num(r["peak_gops"]), r["kernels"], r["tflm"] == "yes",
            r["mlperf_device"], tuple(r["unverified"].split()), r["source"],
        ))
    return tuple(out)


def names(kind: str | None = None) -> list[str]:
    """Device names, all or of one ``kind`` ('mcu', 'sbc', 'phone', 'edge-gpu', 'cloud')."""
    if kind is not None and kind not in KINDS:
        raise CourseError(f"Unknown device kind {kind!r}: choose one of {', '.join(KINDS)}.")
    return [d.name for d in catalog() if kind is None or d.kind == kind]


def device(name) -> Device:
    """The catalog device called ``name`` (case and spaces do not matter)."""
    if isinstance(name, Device):
        return name
    key = str(name).strip().lower().replace(" ", "")
    for d in catalog():
        if d.name.lower().replace(" ", "") == key:
            return d
    raise CourseError(f"Unknown board {shown(name)}: choose one of {', '.join(names())}.")


def table(kind: str | None = None):
    """The catalog as a notebook table: sizes in decimal units (1 KB = 1,000 bytes); * marks unverified figures."""
    from utils.numbers import number, size
    from utils.tables import Table

    def mark(d: Device, col: str, text: str | None) -> str:
        return "" if text is None else text + ("*" if not d.is_verified(col) else "")

    def num(value):
        return None if value is None else number(value)

    def nbytes(value):
        return None if value is None else size(value)

    rows = Table()
    for d in catalog():
        if kind is None or d.kind == kind:
            rows.append({
                "device": d.name, "kind": d.kind, "core": d.core, "clock MHz": mark(d, "clock_mhz", num(d.clock_mhz)),
                "RAM": mark(d, "ram_kb", nbytes(d.ram_bytes)), "flash": mark(d, "flash_kb", nbytes(d.flash_bytes)),
                "active mW": mark(d, "active_mw", num(d.active_mw)), "sleep mW": mark(d, "sleep_mw", num(d.sleep_mw)),
            })
    return rows
