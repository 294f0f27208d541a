"""Data files -> (X, Y): round trips, layouts, and every bad-file message."""

import numpy as np
import pytest

from dlgpu import InvalidDataError
from dlgpu.datasets import load_csv, load_file, load_h5, load_npz
from ..helpers import require

RNG = np.random.RandomState(0)
X_COLUMNS = RNG.randn(3, 5)                     # (n_x, m)
Y_LABELS = np.array([[0, 1, 1, 0, 1]])          # (1, m)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# -- .npz ---------------------------------------------------------------------------------

def test_npz_round_trip_in_columns(tmp_path):
    np.savez(tmp_path / "d.npz", X=X_COLUMNS, Y=Y_LABELS)
    X, Y = load_npz(tmp_path / "d.npz")
    np.testing.assert_array_equal(X, X_COLUMNS)
    np.testing.assert_array_equal(Y, Y_LABELS)
    assert X.dtype == np.float64 and Y.dtype == Y_LABELS.dtype


def test_npz_labels_of_shape_m_become_a_row(tmp_path):
    np.savez(tmp_path / "d.npz", X=X_COLUMNS, Y=Y_LABELS[0])
    _, Y = load_npz(tmp_path / "d.npz")
    assert Y.shape == (1, 5)
    np.testing.assert_array_equal(Y, Y_LABELS)


def test_npz_rows_layout_is_transposed(tmp_path):
    one_hot_rows = np.eye(2)[Y_LABELS[0]]                       # (m, 2)
    np.savez(tmp_path / "d.npz", X=X_COLUMNS.T, Y=one_hot_rows)
    X, Y = load_npz(tmp_path / "d.npz", layout="rows")
    np.testing.assert_array_equal(X, X_COLUMNS)
    np.testing.assert_array_equal(Y, one_hot_rows.T)
    np.savez(tmp_path / "e.npz", X=X_COLUMNS.T, Y=Y_LABELS[0])
    np.testing.assert_array_equal(load_npz(tmp_path / "e.npz", layout="rows")[1], Y_LABELS)


def test_npz_custom_keys_and_x_alone(tmp_path):
    np.savez(tmp_path / "d.npz", features=X_COLUMNS, labels=Y_LABELS)
    X, Y = load_npz(tmp_path / "d.npz", x_key="features", y_key="labels")
    np.testing.assert_array_equal(Y, Y_LABELS)
    np.savez(tmp_path / "x.npz", X=X_COLUMNS)
    X, Y = load_npz(tmp_path / "x.npz", y_key=None)
    assert Y is None
    np.testing.assert_array_equal(X, X_COLUMNS)


@pytest.mark.parametrize("arrays, kwargs, message", [
    ({"X": X_COLUMNS}, {}, r"no array named 'Y'; it holds 'X' \(pass y_key=None"),
    ({"X": X_COLUMNS, "Y": Y_LABELS}, {"x_key": "A"}, r"no array named 'A'; it holds 'X', 'Y'"),
    ({"X": np.array([["a", "b"]]), "Y": Y_LABELS}, {}, r"'X' must hold numbers; got dtype <U1"),
    ({"X": np.array([[1.0, np.nan]]), "Y": [[0, 1]]}, {}, r"'X' holds 1 NaN .* index \(0, 1\)"),
    ({"X": X_COLUMNS[0], "Y": Y_LABELS}, {}, r"'X' must be 2-D \(n_x, m\)"),
    ({"X": np.zeros((5, 64, 64, 3)), "Y": Y_LABELS}, {"layout": "rows"},
     r"'X' must be 2-D \(m, n_x\).*flatten_images"),
    ({"X": X_COLUMNS, "Y": Y_LABELS[:, :4]}, {}, r"m = 5 examples, so 'Y' must be \(1, m\)"),
    ({"X": X_COLUMNS, "Y": Y_LABELS.T}, {}, r"got shape \(5, 1\)"),
])
def test_npz_bad_contents_are_named(tmp_path, arrays, kwargs, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(InvalidDataError, match="bad.npz.*" + message):
        load_npz(path, **kwargs)


def test_npz_refuses_pickled_objects(tmp_path):
    ragged = np.empty(2, dtype=object)
    ragged[:] = [[1.0, 2.0], [3.0]]
    np.savez(tmp_path / "obj.npz", X=ragged, Y=Y_LABELS)
    with pytest.raises(InvalidDataError, match="obj.npz: array 'X' holds pickled Python objects"):
        load_npz(tmp_path / "obj.npz")


def test_npz_damaged_files(tmp_path):
    with pytest.raises(InvalidDataError, match="text.npz is not a readable .npz file"):
        load_npz(_write(tmp_path / "text.npz", "X,Y\n1,0\n"))
    full = tmp_path / "full.npz"
    np.savez(full, X=RNG.randn(50, 50), Y=Y_LABELS)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(full.read_bytes()[:3000])
    with pytest.raises(InvalidDataError, match="truncated.npz"):
        load_npz(truncated)
    np.save(tmp_path / "single.npy", X_COLUMNS)
    (tmp_path / "single.npy").rename(tmp_path / "single.npz")
    with pytest.raises(InvalidDataError, match="single.npz holds a single .npy array"):
        load_npz(tmp_path / "single.npz")


def test_npz_missing_file_and_bad_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match="data file not found: .*nope.npz"):
        load_npz(tmp_path / "nope.npz")
    np.savez(tmp_path / "d.npz", X=X_COLUMNS, Y=Y_LABELS)
    with pytest.raises(ValueError, match="layout must be 'columns'"):
        load_npz(tmp_path / "d.npz", layout="cols")


# -- .csv ---------------------------------------------------------------------------------

CSV_TEXT = "a,y,b\n1.5,0,2\n-3,1,4e-1\n0,1,7\n"
CSV_X = np.array([[1.5, -3.0, 0.0], [2.0, 0.4, 7.0]])
CSV_Y = np.array([[0, 1, 1]])


@pytest.mark.parametrize("label", ["y", 1, -2])
def test_csv_label_by_name_or_index(tmp_path, label):
    X, Y = load_csv(_write(tmp_path / "d.csv", CSV_TEXT), label=label)
    np.testing.assert_array_equal(X, CSV_X)
    np.testing.assert_array_equal(Y, CSV_Y)
    assert X.dtype == np.float64 and Y.dtype == np.int64 and X.flags.c_contiguous


def test_csv_default_label_is_the_last_column(tmp_path):
    X, Y = load_csv(_write(tmp_path / "d.csv", "1,2,0\n3,4,1\n"))
    np.testing.assert_array_equal(X, [[1, 3], [2, 4]])
    np.testing.assert_array_equal(Y, [[0, 1]])


def test_csv_without_label_and_with_fractional_labels(tmp_path):
    X, Y = load_csv(_write(tmp_path / "d.csv", CSV_TEXT), label=None)
    assert Y is None and X.shape == (3, 3)
    _, Y = load_csv(_write(tmp_path / "r.csv", "1,0.5\n2,1.25\n"))
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(Y, [[0.5, 1.25]])


def test_csv_header_inference_and_forcing(tmp_path):
    numbers = _write(tmp_path / "n.csv", "1,2,0\n3,4,1\n")
    assert load_csv(numbers)[0].shape == (2, 2)                    # inferred: no header
    assert load_csv(numbers, header=True)[0].shape == (2, 1)       # first line taken as names
    with pytest.raises(InvalidDataError, match="line 1, column 0: 'a' is not a number"):
        load_csv(_write(tmp_path / "h.csv", CSV_TEXT), header=False)
    with pytest.raises(ValueError, match="header must be 'infer', True or False"):
        load_csv(numbers, header="yes")


def test_csv_blank_lines_spaces_bom_and_delimiter(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(("\ufeffa; y; b\n\n 1.5 ;0; 2\n-3;1;4e-1\n\n0;1;7\n\n").encode("utf-8"))
    X, Y = load_csv(path, label="y", delimiter=";")
    np.testing.assert_array_equal(X, CSV_X)
    np.testing.assert_array_equal(Y, CSV_Y)


@pytest.mark.parametrize("text, kwargs, message", [
    ("a,b,y\n1,2,0\n3,4\n", {}, r"line 3: 2 fields where the header has 3 \(ragged rows\)"),
    ("1,2,0\n3,4,1,5\n", {}, r"line 2: 4 fields where the first line has 3"),
    ("a,b,y\n1,abc,0\n", {}, r"line 2, column 'b': 'abc' is not a number"),
    ("a,b,y\n1,2,0\n3,,1\n", {}, r"line 3, column 'b': missing value"),
    ("a,b,y\n1,nan,0\n", {}, r"line 2, column 'b': 'nan' is not a finite number"),
    ("a,b,y\n1,2,cat\n", {}, r"line 2, column 'y': 'cat' is not a number"),
    ("a,b,y\n1,2,0\n", {"label": "label"},
     r"no column named 'label'; its columns are 'a', 'b', 'y'"),
    ("a,y,y\n1,2,0\n", {"label": "y"}, r"more than one column named 'y'"),
    ("1,2,0\n", {"label": "y"}, r"no header line, so the label column cannot be found by name"),
    ("1,2,0\n", {"label": 3}, r"has 3 columns, so label=3 is out of range"),
    ("", {}, r"is empty"),
    ("\n\n", {}, r"is empty"),
    ("a,b,y\n", {}, r"has a header line but no data lines"),
    ("y\n1\n", {"label": "y"}, r"no feature columns"),
])
def test_csv_bad_contents_are_named(tmp_path, text, kwargs, message):
    with pytest.raises(InvalidDataError, match="bad.csv.*" + message):
        load_csv(_write(tmp_path / "bad.csv", text), **kwargs)


def test_csv_binary_file_is_refused(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00")
    with pytest.raises(InvalidDataError, match="image.csv is not a (UTF-8 text|readable) CSV"):
        load_csv(path)


def test_csv_label_type_and_missing_file(tmp_path):
    with pytest.raises(TypeError, match="label must be a column index, a column name or None"):
        load_csv(_write(tmp_path / "d.csv", CSV_TEXT), label=1.0)
    with pytest.raises(FileNotFoundError, match="data file not found"):
        load_csv(tmp_path / "nope.csv")


# -- .h5 ----------------------------------------------------------------------------------

def test_h5_round_trip_in_both_layouts(tmp_path):
    h5py = require("h5py")
    with h5py.File(tmp_path / "c.h5", "w") as f:
        f["X"], f["Y"] = X_COLUMNS, Y_LABELS
    X, Y = load_h5(tmp_path / "c.h5")
    np.testing.assert_array_equal(X, X_COLUMNS)
    np.testing.assert_array_equal(Y, Y_LABELS)
    with h5py.File(tmp_path / "r.hdf5", "w") as f:
        f["inputs"], f["targets"] = X_COLUMNS.T, Y_LABELS[0]
    X, Y = load_h5(tmp_path / "r.hdf5", x_key="inputs", y_key="targets", layout="rows")
    np.testing.assert_array_equal(X, X_COLUMNS)
    np.testing.assert_array_equal(Y, Y_LABELS)
    X, Y = load_h5(tmp_path / "r.hdf5", x_key="inputs", y_key=None, layout="rows")
    assert Y is None and X.shape == (3, 5)


def test_h5_cat_layout_gives_the_prepared_training_split(tmp_path):
    h5py = require("h5py")
    images = RNG.randint(0, 256, size=(4, 64, 64, 3)).astype(np.uint8)
    with h5py.File(tmp_path / "train_catvnoncat.h5", "w") as f:
        f["train_set_x"], f["train_set_y"] = images, np.array([1, 0, 0, 1])
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    X, Y = load_h5(tmp_path / "train_catvnoncat.h5")
    np.testing.assert_array_equal(X, images.reshape(4, -1).T / 255.0)
    np.testing.assert_array_equal(Y, [[1, 0, 0, 1]])
    assert X.shape == (12288, 4) and X.dtype == np.float64


def test_h5_bad_contents_are_named(tmp_path):
    h5py = require("h5py")
    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f["X"] = X_COLUMNS
        f.create_group("Y")
        f["names"] = np.array([b"a", b"b"])
    with pytest.raises(InvalidDataError, match="bad.h5 has no dataset named 'Y'; its top-level "
                                               "datasets are 'X', 'names'"):
        load_h5(tmp_path / "bad.h5")
    with pytest.raises(InvalidDataError, match="bad.h5: 'names' must hold numbers"):
        load_h5(tmp_path / "bad.h5", x_key="names", y_key=None)
    with pytest.raises(InvalidDataError, match="damaged.h5 is not a readable HDF5 file"):
        load_h5(_write(tmp_path / "damaged.h5", "not hdf5"))


# -- by suffix ----------------------------------------------------------------------------

def test_load_file_dispatches_on_the_suffix(tmp_path):
    np.savez(tmp_path / "d.npz", X=X_COLUMNS, Y=Y_LABELS)
    np.testing.assert_array_equal(load_file(tmp_path / "d.npz")[0], X_COLUMNS)
    X, Y = load_file(_write(tmp_path / "D.CSV", CSV_TEXT), label="y")
    np.testing.assert_array_equal(X, CSV_X)
    np.testing.assert_array_equal(Y, CSV_Y)
    h5py = require("h5py")
    with h5py.File(tmp_path / "d.hdf5", "w") as f:
        f["X"], f["Y"] = X_COLUMNS.T, Y_LABELS[0]
    np.testing.assert_array_equal(load_file(tmp_path / "d.hdf5", layout="rows")[0], X_COLUMNS)


def test_load_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="data file not found: .*nope.txt"):
        load_file(tmp_path / "nope.txt")
    with pytest.raises(InvalidDataError, match=r"d.txt: unknown data file type '.txt'; dlgpu "
                                               r"reads .npz, .csv, .h5, .hdf5"):
        load_file(_write(tmp_path / "d.txt", CSV_TEXT))
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(InvalidDataError, match="folder.csv is a folder, not a data file"):
        load_file(tmp_path / "folder.csv")
