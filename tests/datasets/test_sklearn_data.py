"""scikit-learn's bundled datasets, in the course's column layout."""

import sys

import numpy as np
import pytest

from dlgpu.datasets import load_breast_cancer, load_digits
from ..helpers import require


def test_breast_cancer_in_columns():
    sk = require("sklearn.datasets")
    X, Y = load_breast_cancer()
    assert X.shape == (30, 569) and X.dtype == np.float64 and X.flags.c_contiguous
    assert Y.shape == (1, 569) and Y.dtype == np.int64
    assert set(np.unique(Y)) == {0, 1} and int(Y.sum()) == 357  # 357 benign, 212 malignant
    reference = sk.load_breast_cancer()
    np.testing.assert_array_equal(X[:, 7], reference.data[7])  # column i is example i


def test_digits_ten_classes():
    require("sklearn")
    X, Y = load_digits()
    assert X.shape == (64, 1797) and X.dtype == np.float64
    assert Y.shape == (1, 1797) and Y.dtype == np.int64
    assert np.unique(Y).tolist() == list(range(10))
    assert X.min() == 0 and X.max() == 16


def test_digits_one_vs_rest():
    require("sklearn")
    _, labels = load_digits()
    X, Y = load_digits(binary=3)
    assert X.shape == (64, 1797) and set(np.unique(Y)) == {0, 1}
    np.testing.assert_array_equal(Y, (labels == 3).astype(np.int64))
    np.testing.assert_array_equal(load_digits(binary=0)[1], (labels == 0).astype(np.int64))


@pytest.mark.parametrize("binary", [10, -1, 2.0, True, "3"])
def test_digits_rejects_a_non_digit(binary):
    with pytest.raises(ValueError, match="binary must be None or a digit 0..9"):
        load_digits(binary=binary)


def test_without_sklearn_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        load_breast_cancer()
