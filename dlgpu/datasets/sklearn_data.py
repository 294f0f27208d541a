"""Small real datasets bundled with scikit-learn, in the course's column layout.

They ship inside scikit-learn's wheel, so nothing is downloaded.  scikit-learn
is imported only when a loader is called (``pip install scikit-learn``).
"""

from __future__ import annotations

import numbers

import numpy as np


def _require_sklearn_datasets():
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError("this dataset is bundled with scikit-learn, which is not "
                          "installed: pip install scikit-learn") from None
    return datasets


def load_breast_cancer():
    """The Wisconsin breast-cancer data: 569 tumours, 30 measurements each.

    Returns
    -------
    X : (30, 569) float64
        Raw measurements, on very different scales: standardize them
        (:func:`dlgpu.datasets.standardize`) before training.
    Y : (1, 569) int64
        1 benign, 0 malignant (scikit-learn's coding).
    """
    data = _require_sklearn_datasets().load_breast_cancer()
    return _columns(data.data, data.target)


def load_digits(binary=None):
    """The 8x8 handwritten digits: 1797 images, pixel values 0..16.

    Parameters
    ----------
    binary : int or None
        ``None``: the ten classes, labels 0..9 (for a softmax output).  A
        digit d in 0..9: a binary task, label 1 for d and 0 for every other
        digit (one-vs-rest).

    Returns
    -------
    X : (64, 1797) float64
        Pixel values 0..16; divide by 16 to bring them into [0, 1].
    Y : (1, 1797) int64
    """
    if binary is not None and (isinstance(binary, bool) or not isinstance(binary, numbers.Integral)
                               or not 0 <= binary <= 9):
        raise ValueError(f"binary must be None or a digit 0..9, got {binary!r}")
    data = _require_sklearn_datasets().load_digits()
    target = data.target if binary is None else (data.target == binary)
    return _columns(data.data, target)


def _columns(data_rows, target):
    """scikit-learn's (m, n_x) and (m,) -> X (n_x, m) float64, Y (1, m) int64."""
    X = np.ascontiguousarray(np.asarray(data_rows, dtype=np.float64).T)
    Y = np.asarray(target, dtype=np.int64).reshape(1, -1)
    return X, Y
