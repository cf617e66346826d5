"""The course datasets: shapes, dtypes, class balance, a fixed split, checksums and offline failure."""

import re
import shutil

import numpy as np
import pytest

from utils import datasets
from utils.errors import CourseError


@pytest.fixture
def fresh_cache():
    datasets._load_cached.cache_clear()
    yield
    datasets._load_cached.cache_clear()


def test_digits_shapes_dtypes_and_range():
    d = datasets.load("digits")
    assert d.x_train.shape == (1438, 8, 8, 1) and d.x_test.shape == (359, 8, 8, 1)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int32
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    assert d.input_shape == (8, 8, 1) and d.class_names == tuple("0123456789")
    assert "CC BY 4.0" in d.source and "Alpaydin" in d.source


def test_digits_split_is_stratified_and_fixed(fresh_cache):
    d = datasets.load("digits")
    counts = np.bincount(d.y_test, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37
    assert np.bincount(d.y_train).min() >= 139
    datasets._load_cached.cache_clear()
    again = datasets.load("digits")
    assert again is not d and np.array_equal(again.x_test, d.x_test) and np.array_equal(again.y_train, d.y_train)


def test_basic_motions_shapes_and_balance():
    d = datasets.load("basic_motions")
    assert d.x_train.shape == (40, 100, 6) and d.x_test.shape == (40, 100, 6)
    assert d.x_train.dtype == np.float32
    assert d.class_names == ("Standing", "Running", "Walking", "Badminton")
    assert list(np.bincount(d.y_train)) == [10, 10, 10, 10] and list(np.bincount(d.y_test)) == [10, 10, 10, 10]
    # Running shakes the watch far more than standing: a real property of the recordings.
    spread = [d.x_train[d.y_train == k, :, :3].std() for k in range(4)]
    assert spread[1] > 5 * spread[0]


def test_arrays_are_read_only():
    d = datasets.load("digits")
    with pytest.raises(ValueError):
        d.x_train[0, 0, 0, 0] = 1.0


def test_unknown_name_is_one_sentence():
    with pytest.raises(CourseError, match=r"Unknown dataset 'cifar'.*basic_motions, digits\."):
        datasets.load("cifar")
    with pytest.raises(CourseError, match="Unknown dataset"):
        datasets.load(["digits"])


def test_checksum_mismatch_names_the_file(tmp_path, monkeypatch, fresh_cache):
    shutil.copytree(datasets.data_dir() / "digits", tmp_path / "digits")
    target = tmp_path / "digits" / "digits.csv.gz"
    corrupt = bytearray(target.read_bytes())
    corrupt[len(corrupt) // 2] ^= 0xFF  # one flipped byte, as a bad copy would have
    target.write_bytes(bytes(corrupt))
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(CourseError) as err:
        datasets.load("digits")
    message = str(err.value)
    assert "digits.csv.gz" in message and "sha256" in message and "restore" in message
    assert message.count(". ") == 0  # one sentence


def test_missing_file_says_what_to_do(tmp_path, monkeypatch, fresh_cache):
    (tmp_path / "basic_motions").mkdir()
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(CourseError, match=r"BasicMotions_TRAIN\.ts is missing: restore it"):
        datasets.load("basic_motions")


def test_registry_checksums_match_the_files_and_the_readmes():
    for entry in datasets.REGISTRY.values():
        folder = datasets.data_dir() / entry.folder
        readme = (folder / "README.md").read_text()
        for fname, digest in entry.files.items():
            assert datasets.sha256(folder / fname) == digest
            assert digest in readme, f"{entry.folder}/README.md should list the sha256 of {fname}"
        assert re.search(r"[Ll]icen[cs]e", readme)


def test_read_ts_parses_channels_last(tmp_path):
    path = tmp_path / "tiny.ts"
    path.write_text("# comment\n@problemName tiny\n@classLabel true up down\n@data\n"
                    "1,2,3:4,5,6:up\n7,8,9:1,1,1:down\n")
    x, labels, classes = datasets.read_ts(path)
    assert x.shape == (2, 3, 2) and classes == ["up", "down"] and labels == ["up", "down"]
    assert x[0, :, 1].tolist() == [4, 5, 6]


