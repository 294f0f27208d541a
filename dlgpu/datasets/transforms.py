"""Array transforms in the course's column layout: X (n_x, m), Y (n_y, m).

Every function is pure: it returns new arrays (or, for
:func:`flatten_images`, a view, as the course's ``reshape(m, -1).T`` does) and
never writes to its inputs.  NumPy and CuPy arrays both work; the result is of
the input's kind.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..backend import get_array_module, to_numpy
from ..errors import InvalidDataError
from ..preprocessing import mean_and_std
from ..validation import as_array, check_int, check_seed


def _as_array(x, name: str):
    return as_array(x, name, "an array")


def _numeric_2d(x, name: str, shape_name: str):
    x = _as_array(x, name)
    if x.ndim != 2:
        raise InvalidDataError(f"{name} must be 2-D {shape_name}; got {x.ndim}-D shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise InvalidDataError(f"{name} must hold numbers; got dtype {x.dtype}")
    return x


def flatten_images(images):
    """(m, h, w, c) images -> (h*w*c, m) columns, as ``x.reshape(m, -1).T``."""
    return images.reshape(images.shape[0], -1).T


def standardize(X, mean=None, std=None):
    """Give each feature (row of X) zero mean and unit standard deviation.

    Parameters
    ----------
    X : (n_x, m)
        Finite numbers; integer and bool data is computed in float64,
        float32 stays float32.
    mean, std : (n_x, 1) or None
        Computed from X when both are None.  Pass the training set's values
        to transform a test set the same way.

    Returns
    -------
    X_std : (n_x, m)
        ``(X - mean) / std``.
    mean, std : (n_x, 1)
        A constant feature gets std 1, so it becomes zeros (up to the
        rounding of its mean) rather than NaN.
    """
    X = _numeric_2d(X, "X", "(n_x, m)")
    xp = get_array_module(X)
    if X.size == 0:
        raise InvalidDataError(f"X is empty: shape {X.shape}; standardize needs at least one "
                               f"feature and one example")
    if X.dtype.kind == "f" and not bool(xp.isfinite(X).all()):
        # One NaN would make its feature's mean and std, and so the whole row, NaN.
        raise InvalidDataError(f"X contains {int((~xp.isfinite(X)).sum())} NaN or infinite "
                               f"value(s); standardize needs finite data")
    if (mean is None) != (std is None):
        raise ValueError("pass both mean and std (as returned by an earlier call), or neither")
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype("float64")
    X = X.astype(dtype, copy=False)
    n_x = X.shape[0]
    if mean is None:
        mean, std = mean_and_std(X)
    else:
        mean = _feature_column(mean, n_x, "mean", xp, dtype)
        std = _feature_column(std, n_x, "std", xp, dtype)
        if not bool((std > 0).all()):
            raise ValueError("std must be > 0 for every feature")
    return (X - mean) / std, mean, std


def _feature_column(values, n_x: int, name: str, xp, dtype):
    values = xp.asarray(values, dtype=dtype)
    if values.size != n_x or values.ndim not in (1, 2) or (values.ndim == 2
                                                            and values.shape[1] != 1):
        raise InvalidDataError(f"{name} must have shape (n_x, 1) = ({n_x}, 1), "
                               f"got {values.shape}")
    if not bool(xp.isfinite(values).all()):
        raise InvalidDataError(f"{name} contains NaN or infinite values")
    return values.reshape(n_x, 1)


def train_test_split(X, Y, test_size=0.2, seed=0, stratify=False):
    """Split the examples (columns) into a training set and a test set.

    Parameters
    ----------
    X : (n_x, m)
    Y : (n_y, m) or (m,)
        Labels (1, m) or one-hot targets (n_y, m); (m,) is read as (1, m).
    test_size : float or int
        A fraction in (0, 1) -- the test set gets ``ceil(test_size * m)``
        examples, as in scikit-learn -- or a number of examples.  Both sets
        must end up non-empty.
    seed : int or None
        The examples are shuffled by ``np.random.RandomState(seed).permutation(m)``,
        drawn on the host: a seed gives the same split on NumPy and CuPy and
        across NumPy versions (RandomState's stream is frozen).  ``None``
        draws a fresh split each call.
    stratify : bool
        Keep each class's share in both sets: each class contributes its
        share of the test examples, rounded so that the total is exact.  The
        class of a column is its label (n_y = 1) or its arg-max (one-hot).

    Returns
    -------
    X_train : (n_x, m_train), X_test : (n_x, m_test),
    Y_train : (n_y, m_train), Y_test : (n_y, m_test)
        Columns in shuffled order; every example is in exactly one set.
    """
    X = _numeric_2d(X, "X", "(n_x, m)")
    Y = _as_array(Y, "Y")
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    m = X.shape[1]
    if Y.ndim != 2 or Y.shape[1] != m:
        raise InvalidDataError(f"Y must have shape (n_y, m) with m = {m} (the columns of X); "
                               f"got {Y.shape}")
    n_test = _n_test(test_size, m)
    rng = np.random.RandomState(check_seed(seed))
    perm = rng.permutation(m)
    if stratify:
        in_test = _stratified_test_mask(_class_of_each_column(Y), n_test, rng)
        test_idx, train_idx = perm[in_test[perm]], perm[~in_test[perm]]
    else:
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    xp = get_array_module(X, Y)
    train_idx, test_idx = xp.asarray(train_idx), xp.asarray(test_idx)
    return X[:, train_idx], X[:, test_idx], Y[:, train_idx], Y[:, test_idx]


def _n_test(test_size, m: int) -> int:
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"test_size must be a fraction or a number of examples, "
                        f"got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif 0 < test_size < 1:
        n_test = math.ceil(test_size * m)
    else:
        raise ValueError(f"a fractional test_size must be in (0, 1), got {test_size!r}")
    if not 1 <= n_test <= m - 1:
        raise ValueError(f"test_size={test_size!r} gives {n_test} test and {m - n_test} "
                         f"training examples out of m = {m}; both sets need at least one")
    return n_test


def _class_of_each_column(Y) -> np.ndarray:
    Y = to_numpy(Y)
    return Y[0] if Y.shape[0] == 1 else Y.argmax(axis=0)


def _stratified_test_mask(labels: np.ndarray, n_test: int, rng) -> np.ndarray:
    """Boolean (m,): which examples go to the test set, class by class."""
    _, class_idx = np.unique(labels, return_inverse=True)
    counts = np.bincount(class_idx)
    quota = counts * n_test / labels.size
    n_test_per_class = np.floor(quota).astype(np.int64)
    # Largest remainders first, so the class shares add up to n_test exactly.
    by_remainder = np.argsort(-(quota - n_test_per_class), kind="stable")
    n_test_per_class[by_remainder[:n_test - n_test_per_class.sum()]] += 1
    in_test = np.zeros(labels.size, dtype=bool)
    for c, n_c in enumerate(n_test_per_class):
        members = np.flatnonzero(class_idx == c)
        in_test[rng.permutation(members)[:n_c]] = True
    return in_test


def rows_to_columns(X_rows, y=None):
    """Convert scikit-learn-style data (one example per row) to the course's layout.

    Parameters
    ----------
    X_rows : (m, n_x)
    y : (m,), (m, n_y) or None
        Labels, or one-hot targets with one row per example.

    Returns
    -------
    X : (n_x, m)
        A C-contiguous copy.
    Y : (1, m), (n_y, m) or None
    """
    X_rows = _numeric_2d(X_rows, "X_rows", "(m, n_x), one example per row")
    xp = get_array_module(X_rows)
    X = xp.ascontiguousarray(X_rows.T)
    if y is None:
        return X, None
    y = _as_array(y, "y")
    m = X_rows.shape[0]
    if y.ndim not in (1, 2) or y.shape[0] != m:
        raise InvalidDataError(f"y must have shape (m,) or (m, n_y) with m = {m} (the rows of "
                               f"X_rows); got {y.shape}")
    Y = y.reshape(1, m).copy() if y.ndim == 1 else get_array_module(y).ascontiguousarray(y.T)
    return X, Y


def one_hot(labels, n_classes: int, dtype="float64"):
    """Integer class labels -> one-hot columns.

    Parameters
    ----------
    labels : (1, m) or (m,)
        Whole numbers in ``0 .. n_classes - 1`` (integer or float dtype).
    n_classes : int

    Returns
    -------
    Y : (n_classes, m)
        ``Y[k, i] = 1`` where ``labels[i] == k``, else 0.
    """
    n_classes = check_int(n_classes, "n_classes", 1)
    labels = _as_array(labels, "labels")
    if labels.ndim == 2 and labels.shape[0] == 1:
        labels = labels[0]
    if labels.ndim != 1:
        raise InvalidDataError(f"labels must have shape (1, m) or (m,), got {labels.shape}")
    if labels.dtype.kind not in "biuf":
        raise InvalidDataError(f"labels must be whole numbers; got dtype {labels.dtype}")
    xp = get_array_module(labels)
    bad = (labels != xp.floor(labels)) | (labels < 0) | (labels >= n_classes)
    if bool(bad.any()):
        examples = to_numpy(labels[bad][:3]).tolist()
        raise InvalidDataError(f"labels must be whole numbers in 0..{n_classes - 1}; found "
                               f"{int(bad.sum())} other value(s), e.g. {examples}")
    m = labels.shape[0]
    Y = xp.zeros((n_classes, m), dtype=dtype)
    Y[labels.astype(np.int64), xp.arange(m)] = 1
    return Y
