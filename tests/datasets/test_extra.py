"""The planar exercise's extra datasets, from scikit-learn's generators."""

import sys

import numpy as np
import pytest

from dlgpu.datasets import load_extra_datasets, rows_to_columns

from ..helpers import require


def test_five_datasets_in_rows_that_turn_into_columns():
    require("sklearn")
    np.random.seed(0)
    datasets = load_extra_datasets(n_samples=50)
    names = ["noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles"]
    for name, (X_rows, y) in zip(names, datasets):
        assert X_rows.shape == (50, 2), name
        X, Y = rows_to_columns(X_rows, y)
        assert X.shape == (2, 50) and Y.shape == (1, 50)
    # blobs is seeded (random_state=5): the same points whatever the global state
    np.random.seed(1)
    np.testing.assert_array_equal(load_extra_datasets(n_samples=50)[2][0], datasets[2][0])
    assert not np.array_equal(load_extra_datasets(n_samples=50)[0][0], datasets[0][0])


def test_without_scikit_learn_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        load_extra_datasets()
