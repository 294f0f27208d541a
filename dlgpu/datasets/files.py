"""Data files -> (X, Y) in the course's column layout: X (n_x, m), Y (n_y, m).

``.npz`` (:func:`load_npz`), ``.csv`` (:func:`load_csv`) and ``.h5`` /
``.hdf5`` (:func:`load_h5`, needs h5py); :func:`load_file` picks one by the
file's suffix.  A missing file raises ``FileNotFoundError``; a file that
cannot be read, lacks a column or array, or holds non-numeric, missing,
non-finite or ragged values raises :class:`~dlgpu.errors.InvalidDataError`
naming the file and the problem.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from ..errors import InvalidDataError
from ..npz import ArchiveError, open_archive
from .cat import CAT_KEYS, H5_DAMAGE, is_cat_layout, read_cat_split, require_h5py
from .transforms import flatten_images

LAYOUTS = ("columns", "rows")
CSV_HEADERS = ("infer", True, False)

_EXACT_INTEGERS = 2**53  # float64 holds every whole number up to this exactly


def _existing_file(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file not found: {path}")
    if path.is_dir():
        raise InvalidDataError(f"{path} is a folder, not a data file")
    return path


def _check_layout(layout) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be 'columns' (X stored as (n_x, m)) or 'rows' "
                         f"(X stored as (m, n_x)), got {layout!r}")
    return layout


# -- arrays as stored -> column layout ------------------------------------------------

def _numeric(array: np.ndarray, path, key: str) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise InvalidDataError(f"{path}: {key!r} must hold numbers; got dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))
        raise InvalidDataError(f"{path}: {key!r} holds {len(bad)} NaN or infinite value(s), "
                               f"the first at index {tuple(int(i) for i in bad[0])}")
    return array


def _to_columns(X, Y, layout: str, path, x_key: str, y_key: str | None):
    """Arrays as stored -> X (n_x, m) and Y (n_y, m) (or None)."""
    X = _numeric(X, path, x_key)
    stored = "(n_x, m)" if layout == "columns" else "(m, n_x)"
    if X.ndim != 2:
        raise InvalidDataError(
            f"{path}: {x_key!r} must be 2-D {stored} with layout={layout!r}, got shape "
            f"{X.shape}" + (" (images (m, h, w, c) need flatten_images first)"
                            if X.ndim == 4 else ""))
    if layout == "rows":
        X = X.T
    if X.size == 0:
        raise InvalidDataError(f"{path}: {x_key!r} holds no data: read as (n_x, m) it has shape "
                               f"{X.shape}; it needs at least one feature and one example")
    if Y is None:
        return X, None
    Y = _numeric(Y, path, y_key)
    m = X.shape[1]
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    elif Y.ndim == 2 and layout == "rows":
        Y = Y.T
    if Y.ndim != 2 or Y.shape[1] != m or Y.shape[0] == 0:
        expected = "(1, m) or (m,)" if layout == "columns" else "(m,) or (m, n_y)"
        raise InvalidDataError(f"{path}: {x_key!r} holds m = {m} examples, so {y_key!r} must "
                               f"be {expected} with layout={layout!r}; got shape {Y.shape}")
    return X, Y


# -- .npz ---------------------------------------------------------------------------------

def load_npz(path, x_key="X", y_key="Y", layout="columns"):
    """Read X and Y from a NumPy ``.npz`` archive (``np.savez(path, X=X, Y=Y)``).

    Parameters
    ----------
    path : str or path-like
    x_key, y_key : str
        Names of the arrays in the archive; ``y_key=None`` reads X alone.
    layout : {"columns", "rows"}
        ``"columns"`` (the course's): X is stored as (n_x, m) and Y as
        (1, m) or (m,).  ``"rows"`` (scikit-learn's): X is stored as
        (m, n_x) and Y as (m,) or (m, n_y); both are transposed on reading.

    Returns
    -------
    X : (n_x, m)
    Y : (n_y, m), or None when ``y_key`` is None
        With the dtypes they were stored with.  Pickled (object) arrays are
        refused, never unpickled.
    """
    path = _existing_file(path)
    layout = _check_layout(layout)
    keys = [k for k in (x_key, y_key) if k is not None]
    try:
        with open_archive(str(path)) as archive:
            held = archive.arrays()
            missing = [k for k in keys if k not in held]
            if missing:
                raise InvalidDataError(
                    f"{path} has no array named {missing[0]!r}; it holds "
                    f"{', '.join(map(repr, held)) or 'no arrays'}"
                    + (" (pass y_key=None to read X alone)" if missing[0] == y_key else ""))
            arrays = [archive.read(k, repr(k)) for k in keys]
    except ArchiveError as exc:
        if exc.array is not None:
            raise InvalidDataError(f"{path}: {exc}") from None
        if exc.kind == "npy":
            raise InvalidDataError(f"{path} {exc}; save it with np.savez(path, X=X, Y=Y)") \
                from None
        hint = "; save one with np.savez(path, X=X, Y=Y)" if exc.kind == "not_npz" else ""
        raise InvalidDataError(f"{path} is not a readable .npz file ({exc}){hint}") from None
    return _to_columns(arrays[0], arrays[1] if y_key is not None else None, layout, path,
                       x_key, y_key)


# -- .csv ---------------------------------------------------------------------------------

def load_csv(path, label=-1, header="infer", delimiter=","):
    """Read a table with one example per line (the usual CSV shape).

    Parameters
    ----------
    path : str or path-like
        UTF-8 text; blank lines are skipped, spaces around values ignored.
    label : int, str or None
        The label column: an index (``-1``, the last, by default; negative
        counts from the end) or a name from the header line.  ``None``: no
        label column, every column is a feature.
    header : {"infer", True, False}
        Whether the first line holds column names.  ``"infer"``: it does
        when any of its fields is not a number.
    delimiter : str
        One character.

    Returns
    -------
    X : (n_x, m) float64
        The feature columns, transposed into the course's layout.
    Y : (1, m), or None when ``label`` is None
        int64 when every label is a whole number (up to 2**53 in magnitude),
        else float64.
    """
    path = _existing_file(path)
    if header not in CSV_HEADERS:
        raise ValueError(f"header must be 'infer', True or False, got {header!r}")
    lines = _read_csv_lines(path, delimiter)
    if not lines:
        raise InvalidDataError(f"{path} is empty: no lines to read")
    if header == "infer":
        header = not all(_is_number(field) for field in lines[0][1])
    names = [name.strip() for name in lines[0][1]] if header else None
    lines = lines[1:] if header else lines
    if not lines:
        raise InvalidDataError(f"{path} has a header line but no data lines")
    n_columns = len(names) if names is not None else len(lines[0][1])
    for line_number, fields in lines:
        if len(fields) != n_columns:
            raise InvalidDataError(f"{path}, line {line_number}: {len(fields)} fields where "
                                   f"{'the header' if header else 'the first line'} has "
                                   f"{n_columns} (ragged rows)")
    label_column = _label_column(label, names, n_columns, path)
    values = _parse_csv_values(lines, names, path)
    features = [c for c in range(n_columns) if c != label_column]
    if not features:
        raise InvalidDataError(f"{path} has no feature columns besides the label column")
    X = np.ascontiguousarray(values[:, features].T)
    if label_column is None:
        return X, None
    Y = values[:, label_column].reshape(1, -1)
    if (Y == np.floor(Y)).all() and (np.abs(Y) <= _EXACT_INTEGERS).all():
        Y = Y.astype(np.int64)
    return X, Y


def _read_csv_lines(path: Path, delimiter: str):
    """[(line_number, [field, ...]), ...] for the non-blank lines, fields stripped."""
    lines = []
    try:
        # utf-8-sig drops the byte-order mark that spreadsheet programs write.
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter)
            for fields in reader:
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                lines.append((reader.line_num, [field.strip() for field in fields]))
    except UnicodeDecodeError as exc:
        raise InvalidDataError(f"{path} is not a UTF-8 text CSV file ({exc.reason} at byte "
                               f"{exc.start})") from None
    except csv.Error as exc:
        raise InvalidDataError(f"{path} is not a readable CSV file ({exc})") from None
    return lines


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _label_column(label, names, n_columns: int, path) -> int | None:
    if label is None:
        return None
    if isinstance(label, str):
        if names is None:
            raise InvalidDataError(f"{path} has no header line, so the label column cannot "
                                   f"be found by name ({label!r}); pass its index instead")
        matches = [c for c, name in enumerate(names) if name == label]
        if len(matches) != 1:
            problem = "no column named" if not matches else "more than one column named"
            raise InvalidDataError(f"{path} has {problem} {label!r}; its columns are "
                                   f"{', '.join(map(repr, names))}")
        return matches[0]
    if isinstance(label, bool) or not isinstance(label, int):
        raise TypeError(f"label must be a column index, a column name or None, got {label!r}")
    if not -n_columns <= label < n_columns:
        raise InvalidDataError(f"{path} has {n_columns} columns, so label={label} is out of "
                               f"range")
    return label % n_columns


def _parse_csv_values(lines, names, path) -> np.ndarray:
    """(m, n_columns) float64, or an error naming the first bad field."""
    try:
        values = np.array([fields for _, fields in lines]).astype(np.float64)
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        return values
    # Python's float() judges each field, as in header inference; it also reads
    # spellings NumPy does not (such as "1_000"), which then parse here.
    for line_number, fields in lines:
        for c, field in enumerate(fields):
            column = repr(names[c]) if names is not None else str(c)
            if not field:
                problem = "missing value"
            elif not _is_number(field):
                problem = f"{field!r} is not a number"
            elif not np.isfinite(float(field)):
                problem = f"{field!r} is not a finite number"
            else:
                continue
            raise InvalidDataError(f"{path}, line {line_number}, column {column}: {problem}")
    return np.array([[float(field) for field in fields] for _, fields in lines])


# -- .h5 / .hdf5 --------------------------------------------------------------------------

def load_h5(path, x_key="X", y_key="Y", layout="columns"):
    """Read X and Y from an HDF5 file (needs h5py: ``pip install 'dlgpu[h5]'``).

    Two layouts are understood:

    - datasets named ``x_key`` and ``y_key``, stored as :func:`load_npz`
      describes for ``layout``;
    - the course's cat-vs-non-cat file (``train_set_x`` : (m, 64, 64, 3)
      uint8, ...), when it has no ``x_key`` dataset: its **training** split
      comes back as the course prepares it, ``X = flatten(train_set_x) / 255``
      : (12288, m) float64 and ``Y`` : (1, m).  For both splits and the
      class names, use :func:`dlgpu.datasets.load_cat_dataset`.

    Returns
    -------
    X : (n_x, m)
    Y : (n_y, m), or None when ``y_key`` is None
    """
    h5py = require_h5py()
    path = _existing_file(path)
    layout = _check_layout(layout)
    try:
        with h5py.File(path, "r") as f:
            cat = x_key not in f and is_cat_layout(f)
            if cat:
                images, Y, _ = read_cat_split(f, path, "train")
            else:
                X = _read_h5_dataset(h5py, f, x_key, path)
                Y = _read_h5_dataset(h5py, f, y_key, path) if y_key is not None else None
    except InvalidDataError:
        raise
    except H5_DAMAGE as exc:
        raise InvalidDataError(f"{path} is not a readable HDF5 file ({exc})") from None
    if cat:
        X = np.ascontiguousarray(flatten_images(images) / 255.0)
        return _to_columns(X, Y, "columns", path, *CAT_KEYS["train"])
    return _to_columns(X, Y, layout, path, x_key, y_key)


def _read_h5_dataset(h5py, h5file, key: str, path) -> np.ndarray:
    if key not in h5file or not isinstance(h5file[key], h5py.Dataset):
        names = [name for name, obj in h5file.items() if isinstance(obj, h5py.Dataset)]
        raise InvalidDataError(f"{path} has no dataset named {key!r}; its top-level datasets "
                               f"are {', '.join(map(repr, names)) or 'none'}")
    return np.asarray(h5file[key][()])


# -- by suffix ----------------------------------------------------------------------------

LOADERS = {".npz": load_npz, ".csv": load_csv, ".h5": load_h5, ".hdf5": load_h5}


def load_file(path, **options):
    """Read ``(X, Y)`` with the loader for the file's suffix.

    ``.npz``: :func:`load_npz`; ``.csv``: :func:`load_csv`; ``.h5`` and
    ``.hdf5``: :func:`load_h5` (a cat-vs-non-cat file gives its training
    split).  ``options`` go to that loader (``label=`` for CSV,
    ``x_key=``, ``y_key=``, ``layout=`` for the others).

    Returns
    -------
    X : (n_x, m)
    Y : (n_y, m) or None
    """
    path = _existing_file(path)
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise InvalidDataError(f"{path}: unknown data file type {path.suffix!r}; dlgpu reads "
                               f"{', '.join(LOADERS)}")
    return loader(path, **options)
