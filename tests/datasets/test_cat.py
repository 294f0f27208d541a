"""The course's cat-vs-non-cat HDF5 files."""

import sys

import numpy as np
import pytest

from dlgpu import InvalidDataError
from dlgpu.datasets import flatten_images, load_cat_dataset
from ..helpers import require


def _write_cat_file(h5py, path, split, m, seed):
    rng = np.random.RandomState(seed)
    x = rng.randint(0, 256, size=(m, 64, 64, 3)).astype(np.uint8)
    y = rng.randint(0, 2, size=m).astype(np.int64)
    with h5py.File(path, "w") as f:
        f[f"{split}_set_x"] = x
        f[f"{split}_set_y"] = y
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    return x, y


def test_round_trip(tmp_path):
    h5py = require("h5py")
    train_x, train_y = _write_cat_file(h5py, tmp_path / "train.h5", "train", 6, 0)
    test_x, test_y = _write_cat_file(h5py, tmp_path / "test.h5", "test", 3, 1)
    out = load_cat_dataset(tmp_path / "train.h5", tmp_path / "test.h5")
    np.testing.assert_array_equal(out[0], train_x)
    np.testing.assert_array_equal(out[1], train_y.reshape(1, 6))
    np.testing.assert_array_equal(out[2], test_x)
    np.testing.assert_array_equal(out[3], test_y.reshape(1, 3))
    assert out[0].dtype == np.uint8 and list(out[4]) == [b"non-cat", b"cat"]
    assert flatten_images(out[0]).shape == (12288, 6)


def test_wrong_shapes_are_named(tmp_path):
    h5py = require("h5py")
    path = tmp_path / "flat.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"] = np.zeros((4, 12288), dtype=np.uint8)
        f["train_set_y"] = np.zeros(4)
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    with pytest.raises(InvalidDataError, match=r"flat.h5: expected train_set_x \(m, h, w, c\)"):
        load_cat_dataset(path, path)


def test_missing_test_file_is_named(tmp_path):
    h5py = require("h5py")
    _write_cat_file(h5py, tmp_path / "train.h5", "train", 2, 0)
    with pytest.raises(FileNotFoundError, match="test file not found: .*nope.h5"):
        load_cat_dataset(tmp_path / "train.h5", tmp_path / "nope.h5")


def test_without_h5py_the_error_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` fail
    with pytest.raises(ImportError, match=r"pip install 'dlgpu\[h5\]'"):
        load_cat_dataset(tmp_path / "train.h5", tmp_path / "test.h5")
