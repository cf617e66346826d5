"""The course's datasets: small real data shipped in data/, loaded offline and checked by sha256.

``load("digits")`` returns the UCI 8x8 handwritten digits (1,797 images, 10 classes) and
``load("basic_motions")`` the UEA BasicMotions smartwatch recordings (80 cases, 6 sensor
channels x 100 steps, 4 activities). Both come back as a frozen :class:`Dataset` with a
fixed, seeded train/test split, so every lesson sees the same held-out test set. Each
file's provenance, licence and checksum sit beside it in ``data/<name>/README.md``;
``REGISTRY`` holds the same checksums and ``load`` refuses a file that does not match them.

Defined for lesson 05; lessons 06-08 reuse it.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from utils.errors import CourseError
from utils.numbers import wrap
from utils.paths import data_dir  # noqa: F401 - datasets.data_dir is public

# Seed of the train/test split: fixed here (not the global seed) so the test set never moves.
SPLIT_SEED = 42


@dataclass(frozen=True)
class Entry:
    """One registered dataset: where its files are, their sha256, and where they came from."""

    name: str
    files: dict  # file name (relative to data/<folder>) -> sha256
    folder: str
    title: str
    licence: str
    citation: str
    url: str = ""


REGISTRY: dict[str, Entry] = {
    "digits": Entry(
        name="digits",
        folder="digits",
        files={"digits.csv.gz": "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"},
        title="UCI Optical Recognition of Handwritten Digits (8x8, the 1,797-image set scikit-learn ships)",
        licence="CC BY 4.0",
        citation="E. Alpaydin and C. Kaynak (1998). Optical Recognition of Handwritten Digits. "
        "UCI Machine Learning Repository. https://doi.org/10.24432/C50P49",
        url="https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits",
    ),
    "basic_motions": Entry(
        name="basic_motions",
        folder="basic_motions",
        files={
            "BasicMotions_TRAIN.ts": "8dc43cc6306cb679c888c01e26f91772ac4441a916da43bac8b79734a538b9d6",
            "BasicMotions_TEST.ts": "79213102bc6fca1a398ad98ce1185dff0208fa3d1465e687f48288946b0ff8dc",
        },
        title="UEA BasicMotions: smartwatch accelerometer + gyroscope, 4 activities",
        licence="redistributed in the aeon package (BSD-3-Clause); cite the UEA archive",
        citation="A. Bagnall, H. A. Dau, J. Lines, M. Flynn, J. Large, A. Bostrom, P. Southam and "
        "E. Keogh (2018). The UEA multivariate time series classification archive, 2018. arXiv:1811.00075",
        url="https://timeseriesclassification.com/description.php?Dataset=BasicMotions",
    ),
}


@dataclass(frozen=True)
class Dataset:
    """A train/test split ready for Keras: float32 inputs, int32 class labels (arrays are read-only)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    input_shape: tuple
    source: str

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __repr__(self) -> str:
        return wrap(  # the source is a long citation: break it at spaces, never inside a number
            f"Dataset({self.name!r}: {len(self.x_train)} train + {len(self.x_test)} test, "
            f"input {self.input_shape}, {self.num_classes} classes; {self.source})", indent="    "
        )


def names() -> list[str]:
    """Every dataset name ``load`` accepts."""
    return sorted(REGISTRY)


def _entry(name: str) -> Entry:
    if not isinstance(name, str) or name not in REGISTRY:
        raise CourseError(f"Unknown dataset {name!r}: choose one of {', '.join(names())}.")
    return REGISTRY[name]


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str) -> Path:
    """Return ``path`` if it exists and its sha256 is ``expected``; else one sentence saying what to do."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"Data file {path} is missing: restore it from the course repository (git checkout).")
    if sha256(path) != expected:
        raise CourseError(
            f"Data file {path} does not match its recorded sha256 (corrupt or edited): "
            "restore it from the course repository (git checkout)."
        )
    return path


def _readonly(*arrays: np.ndarray) -> list[np.ndarray]:
    # The loaded arrays are cached and shared: make accidental in-place edits fail loudly.
    for a in arrays:
        a.setflags(write=False)
    return list(arrays)


def stratified_split(y: np.ndarray, test_fraction: float, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) with each class split in the same proportion, reproducibly."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(len(idx) * test_fraction))
        test.extend(idx[:n_test])
        train.extend(idx[n_test:])
    return rng.permutation(np.array(train)), rng.permutation(np.array(test))


def _load_digits(folder: Path, entry: Entry) -> Dataset:
    path = verify(folder / "digits.csv.gz", entry.files["digits.csv.gz"])
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.float32)
    # 64 pixel counts (0..16) then the label; scale to [0, 1] and add a channel axis for Conv2D.
    x = (table[:, :64] / 16.0).reshape(-1, 8, 8, 1).astype(np.float32)
    y = table[:, 64].astype(np.int32)
    train, test = stratified_split(y, test_fraction=0.2)
    arrays = _readonly(x[train], y[train], x[test], y[test])
    return Dataset("digits", *arrays, tuple(str(d) for d in range(10)), (8, 8, 1), _source(entry))


def read_ts(path: Path) -> tuple[np.ndarray, list[str], list[str]]:
    """Parse an equal-length multivariate .ts file: (cases, steps, channels) array, labels, class names."""
    classes, rows, labels = [], [], []
    with open(path, encoding="utf-8") as fh:
        in_data = False
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if line.lower().startswith("@classlabel"):
                    classes = line.split()[2:]
                in_data = line.lower() == "@data"
                continue
            *channels, label = line.split(":")
            rows.append([np.array(c.split(","), dtype=np.float32) for c in channels])
            labels.append(label)
    # The file stores channel by channel; Keras wants time steps first, channels last.
    return np.asarray(rows, dtype=np.float32).transpose(0, 2, 1), labels, classes


def _load_basic_motions(folder: Path, entry: Entry) -> Dataset:
    parts = {}
    for split in ("TRAIN", "TEST"):
        fname = f"BasicMotions_{split}.ts"
        x, labels, classes = read_ts(verify(folder / fname, entry.files[fname]))
        parts[split] = (x, np.array([classes.index(s) for s in labels], dtype=np.int32))
    # The archive's own split (40 + 40 cases) is the one published results use: keep it.
    arrays = _readonly(*parts["TRAIN"], *parts["TEST"])
    return Dataset("basic_motions", *arrays, tuple(classes), (100, 6), _source(entry))


def _source(entry: Entry) -> str:
    return f"{entry.title}. {entry.citation}. Licence: {entry.licence}."


def load(name: str) -> Dataset:
    """The dataset ``name`` ('digits' or 'basic_motions'), checksum-verified.

    digits: x (N, 8, 8, 1) float32 in [0, 1]; 1,438 train / 359 test, stratified, fixed split.
    basic_motions: x (N, 100, 6) float32 (time steps x [acc x, y, z, gyro x, y, z]); 40 / 40.
    """
    return _load_cached(_entry(name).name)


@cache
def _load_cached(name: str) -> Dataset:
    entry = REGISTRY[name]
    folder = data_dir() / entry.folder
    return {"digits": _load_digits, "basic_motions": _load_basic_motions}[name](folder, entry)
