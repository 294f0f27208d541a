"""dlgpu.datasets: the bad files and arrays that tests/datasets leaves out.

``tests/datasets/test_files.py`` covers missing files, missing arrays and
columns, strings, NaN, 1-D and image-shaped X, mismatched m, pickled arrays,
damaged and non-zip files, ragged and non-numeric CSV lines.  Here: inf,
3-D and complex arrays, empty data, headers that lie about their size,
HDF5 datasets of every odd kind, the cat files' contents, and the transforms.
Every message names the file.
"""

import io
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy_format

from dlgpu import InvalidDataError
from dlgpu.datasets import (
    load_cat_dataset,
    load_csv,
    load_file,
    load_h5,
    load_npz,
    one_hot,
    rows_to_columns,
    standardize,
    train_test_split,
)
from ..helpers import require

X = np.random.RandomState(0).randn(3, 5)
Y = np.array([[0, 1, 1, 0, 1]])


def _with(value, A=X):
    A = A.astype(np.float64)
    A[0, 2] = value
    return A



@pytest.mark.parametrize("arrays, message", [
    ({"X": _with(np.inf), "Y": Y}, (r"'X' holds 1 NaN or infinite value\(s\), the first at "
                                     r"index \(0, 2\)")),
    ({"X": X, "Y": np.array([[0, 1, -np.inf, 0, 1]])}, r"'Y' holds 1 NaN or infinite"),
    ({"X": X.reshape(3, 5, 1), "Y": Y}, r"'X' must be 2-D \(n_x, m\) .* got shape \(3, 5, 1\)"),
    ({"X": X + 0j, "Y": Y}, "'X' must hold numbers; got dtype complex128"),
    ({"X": X, "Y": Y + 0j}, "'Y' must hold numbers; got dtype complex128"),
    ({"X": np.zeros((3, 0)), "Y": np.zeros((1, 0))}, r"'X' holds no data: .* \(3, 0\)"),
    ({"X": np.zeros((0, 5)), "Y": Y}, r"'X' holds no data: .* \(0, 5\)"),
    ({"X": X, "Y": np.zeros((0, 5))}, r"'Y' must be \(1, m\) or \(m,\) .* got shape \(0, 5\)"),
    ({"X": np.zeros((2, 2), dtype=[("a", "f8")]), "Y": Y}, "'X' must hold numbers"),
])
def test_npz_contents(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(InvalidDataError, match="bad.npz.*" + message):
        load_npz(path)


def _rewrite_member(path, name, data):
    """Replace member ``name`` of the zip at ``path`` by ``data`` (stored, not compressed)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def test_npz_header_claiming_more_data_than_stored_is_refused_before_reading(tmp_path):
    path = tmp_path / "liar.npz"
    np.savez(path, X=X, Y=Y)
    lying = io.BytesIO()  # X's 120 bytes under a header that promises 120 TB
    npy_format.write_array_header_1_0(lying, {"descr": "<f8", "fortran_order": False,
                                              "shape": (3, 5_000_000_000_000)})
    _rewrite_member(path, "X.npy", lying.getvalue() + X.tobytes())
    with pytest.raises(InvalidDataError, match=r"liar.npz: array 'X' is damaged \(its header "
                                               r"describes 120000000000000 bytes"):
        load_npz(path)


def test_npz_member_that_is_not_an_npy_array(tmp_path):
    path = tmp_path / "raw.npz"
    np.savez(path, X=X, Y=Y)
    _rewrite_member(path, "X.npy", b"just some bytes, not an array")
    with pytest.raises(InvalidDataError, match="raw.npz: array 'X' is damaged"):
        load_npz(path)


@pytest.mark.parametrize("content, message", [
    (b"", "is not a readable .npz file"),
    (b"PK\x05\x06" + bytes(18), "has no array named 'X'; it holds no arrays"),
    (b"PK\x03\x04garbage", "is not a readable .npz file"),
])
def test_npz_that_is_not_an_archive_of_arrays(tmp_path, content, message):
    path = tmp_path / "odd.npz"
    path.write_bytes(content)
    with pytest.raises(InvalidDataError, match="odd.npz.*" + message):
        load_npz(path)


@pytest.mark.parametrize("text, message", [
    ("a,b,y\n1,inf,0\n", r"line 2, column 'b': 'inf' is not a finite number"),
    ("a,b,y\n1,-1e999,0\n", r"line 2, column 'b': '-1e999' is not a finite number"),
    ("a,b,y\n1,1+2j,0\n", r"line 2, column 'b': '1\+2j' is not a number"),
    ("a,b,y\n1,2,NaN\n", r"line 2, column 'y': 'NaN' is not a finite number"),
    ("a,b,y\n1,2\x003,0\n", r"line 2, column 'b': '2\\x003' is not a number"),
])
def test_csv_values(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDataError, match="bad.csv.*" + message):
        load_csv(path)


def test_csv_labels_too_large_for_int64_stay_float(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("1,2,1e30\n3,4,7\n", encoding="utf-8")
    _, labels = load_csv(path)
    assert labels.dtype == np.float64  # not wrapped around to -2**63
    np.testing.assert_array_equal(labels, [[1e30, 7.0]])


# -- HDF5 ---------------------------------------------------------------------------------

@pytest.fixture
def h5py():
    return require("h5py")


@pytest.mark.parametrize("datasets, message", [
    ({"X": _with(np.nan), "Y": Y}, r"'X' holds 1 NaN or infinite"),
    ({"X": X, "Y": np.array([[0, 1, np.inf, 0, 1]])}, r"'Y' holds 1 NaN or infinite"),
    ({"X": X[0], "Y": Y}, r"'X' must be 2-D \(n_x, m\)"),
    ({"X": np.float64(3.0), "Y": Y}, r"'X' must be 2-D \(n_x, m\) .* got shape \(\)"),
    ({"X": X.reshape(3, 5, 1), "Y": Y}, r"'X' must be 2-D"),
    ({"X": X + 1j, "Y": Y}, "'X' must hold numbers; got dtype complex128"),
    ({"X": np.zeros((3, 0)), "Y": np.zeros((1, 0))}, "'X' holds no data"),
    ({"X": X, "Y": Y[:, :3]}, r"m = 5 examples, so 'Y' must be"),
    ({"X": np.array([[b"a", b"b"]] * 3, dtype=object), "Y": Y}, "'X' must hold numbers"),
])
def test_h5_contents(tmp_path, h5py, datasets, message):
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            if value.dtype == object:
                f.create_dataset(key, data=value, dtype=h5py.string_dtype())
            else:
                f[key] = value
    with pytest.raises(InvalidDataError, match="bad.h5.*" + message):
        load_h5(path)


def _cat_file(h5py, path, images, labels):
    with h5py.File(path, "w") as f:
        f["train_set_x"], f["train_set_y"] = images, labels
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    return path


@pytest.mark.parametrize("images, labels, message", [
    (np.full((2, 4, 4, 3), np.nan), np.array([0, 1]), "train_set_x holds NaN or infinite"),
    (np.zeros((2, 4, 4, 3)) + 1j, np.array([0, 1]), "train_set_x must hold numbers"),
    (np.zeros((2, 4, 4, 3), dtype=np.uint8), np.array([0.0, np.inf]),
     "train_set_y holds NaN or infinite"),
])
def test_cat_file_contents(tmp_path, h5py, images, labels, message):
    path = _cat_file(h5py, tmp_path / "cat.h5", images, labels)
    for read in (lambda: load_cat_dataset(path, path), lambda: load_h5(path),
                 lambda: load_file(path)):
        with pytest.raises(InvalidDataError, match="cat.h5: " + message):
            read()


def test_cat_file_without_images_is_empty_data(tmp_path, h5py):
    path = _cat_file(h5py, tmp_path / "cat.h5", np.zeros((0, 4, 4, 3), dtype=np.uint8),
                     np.zeros(0))
    for read in (lambda: load_cat_dataset(path, path), lambda: load_h5(path)):
        with pytest.raises(InvalidDataError, match=r"cat.h5: train_set_x holds no images"):
            read()


# -- transforms ---------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda: standardize(_with(np.nan)), InvalidDataError,
     r"X contains 1 NaN or infinite value\(s\); standardize needs finite data"),
    (lambda: standardize(_with(-np.inf)), InvalidDataError, "1 NaN or infinite"),
    (lambda: standardize(np.zeros((3, 0))), InvalidDataError, r"X is empty: shape \(3, 0\)"),
    (lambda: standardize(X, np.full((3, 1), np.nan), np.ones((3, 1))), InvalidDataError,
     "mean contains NaN or infinite"),
    (lambda: standardize(X, np.zeros((3, 1)), np.full((3, 1), np.inf)), InvalidDataError,
     "std contains NaN or infinite"),
    (lambda: standardize([[1, 2], [3]]), InvalidDataError, "X cannot be read as an array"),
    (lambda: standardize(X + 1j), InvalidDataError, "X must hold numbers"),
    (lambda: rows_to_columns(X.T, [[0, 1], [1]]), InvalidDataError, "y cannot be read"),
    (lambda: rows_to_columns(None), InvalidDataError, "X_rows is None"),
    (lambda: one_hot(None, 2), InvalidDataError, "labels is None"),
    (lambda: one_hot([[0, 1, np.nan]], 2), InvalidDataError, r"0..1; found 1 other"),
    (lambda: train_test_split(X, None), InvalidDataError, "Y is None"),
    (lambda: train_test_split(X, np.zeros((1, 4))), InvalidDataError, "m = 5"),
])
def test_transforms_refuse_bad_arrays(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_transforms_never_write_to_their_inputs():
    X_int = (X * 3).astype(np.int64)
    inputs = [X, Y, X_int, X.T.copy()]
    copies = [a.copy() for a in inputs]
    standardize(X)
    standardize(X_int)
    standardize(X, X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True))
    train_test_split(X, Y, test_size=2, stratify=True)
    rows_to_columns(inputs[3], Y[0])
    one_hot(Y, 2)
    for array, copy in zip(inputs, copies):
        np.testing.assert_array_equal(array, copy)
    assert standardize(X_int)[0].dtype == np.float64
