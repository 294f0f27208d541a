"""The data loaders of Course 2's utility files.

``load_circles`` (``init_utils.load_dataset``) and ``load_moons``
(``opt_utils.load_dataset``) draw their points with scikit-learn's
generators after the course's ``np.random.seed`` calls, so they give the
notebooks' data without any file (needs scikit-learn).  ``load_2D_dataset``
(``reg_utils``) reads the course's ``data.mat``, which is the learner's own:
the path is an argument, nothing is downloaded (needs SciPy).  The course's
loaders also scatter the points; these leave plotting to the caller.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidDataError

DATA_MAT = "datasets/data.mat"


def _sklearn_datasets():
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError("this notebook's data is drawn with scikit-learn's generators: "
                          "pip install scikit-learn") from None
    return datasets


def _columns(X_rows, y):
    return X_rows.T, y.reshape((1, y.shape[0]))


def load_circles():
    """``(train_X, train_Y, test_X, test_Y)``: 300 and 100 noisy circles (noise 0.05)
    drawn after ``np.random.seed(1)`` and ``np.random.seed(2)``; X (2, m), Y (1, m)."""
    datasets = _sklearn_datasets()
    np.random.seed(1)
    train_X, train_Y = datasets.make_circles(n_samples=300, noise=.05)
    np.random.seed(2)
    test_X, test_Y = datasets.make_circles(n_samples=100, noise=.05)
    return (*_columns(train_X, train_Y), *_columns(test_X, test_Y))


def load_moons():
    """``(train_X, train_Y)``: 300 noisy moons (noise 0.2) after ``np.random.seed(3)``."""
    datasets = _sklearn_datasets()
    np.random.seed(3)
    return _columns(*datasets.make_moons(n_samples=300, noise=.2))


def load_2D_dataset(path=DATA_MAT):
    """``(train_X, train_Y, test_X, test_Y)`` from the course's ``data.mat`` (the French
    goalkeeper's positions): X (2, m), Y (1, m), from the keys X, y, Xval, yval."""
    try:
        import scipy.io
    except ImportError:
        raise ImportError("load_2D_dataset reads a MATLAB file with SciPy: pip install "
                          "scipy") from None
    if not os.path.exists(path):
        raise FileNotFoundError(f"data file not found: {path} (the course's data.mat; pass "
                                f"its path)")
    data = scipy.io.loadmat(path)
    missing = [k for k in ("X", "y", "Xval", "yval") if k not in data]
    if missing:
        raise InvalidDataError(f"{path} lacks {', '.join(missing)}: it must hold X, y, Xval "
                               f"and yval as the course's data.mat does")
    return data["X"].T, data["y"].T, data["Xval"].T, data["yval"].T
