"""Fuzzing the dataset readers: damaged bytes give the library's own errors, nothing else.

Every reader, fed random or corrupted bytes, either returns data that meets
its contract (X (n_x, m) of finite numbers, Y with the same m) or raises
:class:`dlgpu.InvalidDataError` naming the file.  No other exception type
(``zipfile.BadZipFile``, ``OSError``, ``UnicodeDecodeError``, ``MemoryError``,
``AssertionError``, ...) may escape.  The model-file reader has its own fuzz
tests in ``tests/test_io.py``.
"""

import functools
import pathlib
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlgpu import InvalidDataError
from dlgpu.datasets import load_cat_dataset, load_csv, load_file, load_h5, load_npz

from ..helpers import damaged_bytes, require

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

X_VALID = np.random.RandomState(0).randn(3, 6)
Y_VALID = np.array([[0, 1, 1, 0, 1, 0]])
CSV_VALID = "a,b,c,label\n" + "".join(
    f"{x[0]:.6g},{x[1]:.6g},{x[2]:.6g},{y}\n" for x, y in zip(X_VALID.T, Y_VALID[0]))


@functools.cache
def _valid_bytes(kind: str) -> bytes:
    """The bytes of a small valid data file of ``kind`` (npz, csv, h5, cat)."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "data"
        if kind == "npz":
            with open(path, "wb") as file:
                np.savez(file, X=X_VALID, Y=Y_VALID)
        elif kind == "csv":
            path.write_text(CSV_VALID, encoding="utf-8")
        else:
            h5py = require("h5py")
            with h5py.File(path, "w") as f:
                if kind == "h5":
                    f["X"], f["Y"] = X_VALID, Y_VALID
                else:
                    f["train_set_x"] = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
                    f["train_set_y"] = np.array([0, 1])
                    f["list_classes"] = np.array([b"non-cat", b"cat"])
        return path.read_bytes()


MAGICS = {"npz": b"PK\x03\x04", "csv": b"", "h5": b"\x89HDF\r\n\x1a\n", "cat": b"\x89HDF\r\n\x1a\n",
          "npy": b"\x93NUMPY\x01\x00"}


def damaged(kind: str):
    """Random bytes, a format's magic then random bytes, or a valid file damaged."""
    return damaged_bytes(lambda: _valid_bytes(kind), magics=tuple(sorted(MAGICS.values())))


def _meets_the_contract(X, Y):
    """What a reader that did not raise must return."""
    assert X.ndim == 2 and X.shape[0] >= 1 and X.shape[1] >= 1
    assert X.dtype.kind in "biuf"
    assert X.dtype.kind != "f" or np.isfinite(X).all()
    if Y is not None:
        assert Y.ndim == 2 and Y.shape[1] == X.shape[1] and Y.dtype.kind in "biuf"
        assert Y.dtype.kind != "f" or np.isfinite(Y).all()


def _read(load, path, **kwargs):
    try:
        X, Y = load(path, **kwargs)
    except InvalidDataError as error:
        assert path.name in str(error)  # every message names the file
        return
    _meets_the_contract(X, Y)


@FUZZ
@given(content=damaged("npz"))
def test_load_npz_raises_only_invalid_data_error(tmp_path, content):
    path = tmp_path / "fuzzed.npz"
    path.write_bytes(content)
    _read(load_npz, path)


# Text a CSV file might hold: numbers in every spelling, words, gaps, odd digits.
FIELDS = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.integers(-10**30, 10**30).map(str),
                   st.sampled_from(["", " ", "nan", "-inf", "1e999", "1_000", "0x1p3", "١٢",
                                    "\u00a0", "1,5", '"2"', "'3'", "True", "\x00", "e"]),
                   st.text(max_size=6))


@st.composite
def csv_texts(draw):
    rows = draw(st.lists(st.lists(FIELDS, min_size=1, max_size=5), max_size=8))
    separator = draw(st.sampled_from([",", ";", "\t", ", "]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ending.join(separator.join(row) for row in rows)


@FUZZ
@given(content=st.one_of(damaged("csv"), csv_texts().map(lambda t: t.encode("utf-8", "replace"))),
       label=st.sampled_from([-1, 0, None, "label", "a"]),
       header=st.sampled_from(["infer", True, False]))
def test_load_csv_raises_only_invalid_data_error(tmp_path, content, label, header):
    path = tmp_path / "fuzzed.csv"
    path.write_bytes(content)
    _read(load_csv, path, label=label, header=header)


@FUZZ
@given(content=st.one_of(damaged("h5"), damaged("cat")))
def test_load_h5_raises_only_invalid_data_error(tmp_path, content):
    require("h5py")
    path = tmp_path / "fuzzed.h5"
    path.write_bytes(content)
    _read(load_h5, path)


@FUZZ
@given(content=damaged("cat"))
def test_load_cat_dataset_raises_only_invalid_data_error(tmp_path, content):
    require("h5py")
    path = tmp_path / "fuzzed.h5"
    path.write_bytes(content)
    try:
        x, y, _, _, _ = load_cat_dataset(path, path)
    except InvalidDataError as error:
        assert path.name in str(error)
        return
    assert x.ndim == 4 and y.shape == (1, x.shape[0])


@FUZZ
@given(kind=st.sampled_from(["npz", "csv", "h5"]),
       suffix=st.sampled_from([".npz", ".csv", ".h5", ".hdf5", ".NPZ", ".txt", ""]),
       data=st.data())
def test_load_file_raises_only_invalid_data_error(tmp_path, kind, suffix, data):
    if kind == "h5":
        require("h5py")
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data.draw(damaged(kind)))
    _read(load_file, path)


@pytest.mark.parametrize("load", [load_npz, load_csv, load_h5, load_file])
def test_a_missing_file_is_file_not_found(tmp_path, load):
    if load is load_h5:
        require("h5py")
    with pytest.raises(FileNotFoundError, match="data file not found: .*absent"):
        load(tmp_path / "absent")
