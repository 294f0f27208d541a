"""Transforms in column layout: each runs on NumPy and CuPy and leaves its inputs alone."""

import warnings

import numpy as np
import pytest

from dlgpu import InvalidDataError, to_numpy
from dlgpu.datasets import flatten_images, one_hot, rows_to_columns, standardize, train_test_split
from dlgpu.preprocessing import Preprocessing
from dlgpu.errors import DataRangeWarning


def test_flatten_images_matches_the_course():
    images = np.arange(2 * 4 * 4 * 3).reshape(2, 4, 4, 3)
    flat = flatten_images(images)
    assert flat.shape == (48, 2)
    np.testing.assert_array_equal(flat[:, 1], images[1].ravel())


# -- standardize --------------------------------------------------------------------------

def test_standardize_gives_zero_mean_unit_std(xp):
    rng = np.random.RandomState(0)
    X_host = rng.randn(4, 50) * [[1], [10], [0.1], [100]] + [[5], [-3], [0], [1e3]]
    X = xp.asarray(X_host)
    X_std, mean, std = standardize(X)
    assert mean.shape == (4, 1) and std.shape == (4, 1)
    np.testing.assert_allclose(to_numpy(X_std).mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(to_numpy(X_std).std(axis=1), 1, rtol=1e-12)
    np.testing.assert_array_equal(to_numpy(X), X_host)  # input untouched


def test_standardize_constant_features_become_zeros(xp):
    X = xp.asarray(np.array([[0.1] * 6, [0.0] * 6, [1.0, 2, 3, 4, 5, 6]]))
    X_std, _, std = standardize(X)
    np.testing.assert_array_equal(to_numpy(std)[:2], [[1.0], [1.0]])
    np.testing.assert_allclose(to_numpy(X_std)[:2], 0.0, atol=1e-15)  # the mean rounds
    assert np.isfinite(to_numpy(X_std)).all()


def test_standardize_reuses_training_statistics():
    rng = np.random.RandomState(1)
    X_train, X_test = rng.randn(3, 40) + 2, rng.randn(3, 10) + 2
    _, mean, std = standardize(X_train)
    X_test_std, mean2, _ = standardize(X_test, mean, std)
    np.testing.assert_allclose(X_test_std, (X_test - mean) / std)
    np.testing.assert_array_equal(mean2, mean)
    _, mean1d, _ = standardize(X_test, mean.ravel(), std.ravel())  # (n_x,) accepted
    assert mean1d.shape == (3, 1)


def test_standardize_dtypes_and_errors():
    X32 = np.array([[1, 2, 3], [4, 4, 4]], dtype=np.float32)
    assert standardize(X32)[0].dtype == np.float32
    assert standardize(np.arange(6).reshape(2, 3))[0].dtype == np.float64
    with pytest.raises(ValueError, match="pass both mean and std"):
        standardize(X32, mean=np.zeros((2, 1)))
    with pytest.raises(InvalidDataError, match=r"mean must have shape \(n_x, 1\) = \(2, 1\)"):
        standardize(X32, np.zeros((3, 1)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="std must be > 0"):
        standardize(X32, np.zeros((2, 1)), np.zeros((2, 1)))
    with pytest.raises(InvalidDataError, match=r"X must be 2-D \(n_x, m\)"):
        standardize(np.ones(3))


# -- train_test_split ---------------------------------------------------------------------

def _data(m=50):
    X = np.vstack([np.arange(m), -np.arange(m)]).astype(np.float64)  # column i identifies i
    Y = (np.arange(m) % 5 == 0).astype(np.int64).reshape(1, m)        # 20% positives
    return X, Y


def test_split_sizes_disjoint_and_complete(xp):
    X, Y = _data()
    X_train, X_test, Y_train, Y_test = train_test_split(xp.asarray(X), xp.asarray(Y))
    assert X_train.shape == (2, 40) and X_test.shape == (2, 10)
    assert Y_train.shape == (1, 40) and Y_test.shape == (1, 10)
    ids_train, ids_test = to_numpy(X_train)[0], to_numpy(X_test)[0]
    assert set(ids_train).isdisjoint(ids_test)
    assert sorted(np.concatenate([ids_train, ids_test])) == list(range(50))
    # Each example keeps its own label and both feature rows.
    np.testing.assert_array_equal(to_numpy(Y_test)[0], (ids_test % 5 == 0))
    np.testing.assert_array_equal(to_numpy(X_test)[1], -ids_test)


def test_split_is_seeded():
    X, Y = _data()
    first = train_test_split(X, Y, seed=7)
    again = train_test_split(X, Y, seed=7)
    other = train_test_split(X, Y, seed=8)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])
    # The documented draw: RandomState(seed).permutation(m); its first ceil(0.2 m) are the test set.
    perm = np.random.RandomState(7).permutation(50)
    np.testing.assert_array_equal(first[1][0], perm[:10])


def test_split_sizes_by_fraction_and_count():
    X, Y = _data(m=11)
    assert train_test_split(X, Y, test_size=0.25)[1].shape == (2, 3)   # ceil(2.75)
    assert train_test_split(X, Y, test_size=4)[1].shape == (2, 4)
    assert train_test_split(X, Y[0])[2].shape == (1, 8)               # (m,) labels accepted
    for bad in (0, 11, 0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(X, Y, test_size=bad)
    with pytest.raises(TypeError, match="test_size must be"):
        train_test_split(X, Y, test_size="20%")
    with pytest.raises(InvalidDataError, match="m = 11"):
        train_test_split(X, Y[:, :5])


def test_stratified_split_keeps_class_shares():
    X, Y = _data(m=50)
    for seed in range(5):
        _, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.2, seed=seed,
                                                      stratify=True)
        assert X_test.shape == (2, 10)
        assert int(Y_test.sum()) == 2 and int(Y_train.sum()) == 8
    # Unstratified, some seed gives a different share: the option does something.
    shares = {int(train_test_split(X, Y, seed=s)[3].sum()) for s in range(20)}
    assert shares != {2}


def test_stratified_split_with_one_hot_targets_and_exact_total():
    labels = np.array([0] * 7 + [1] * 7 + [2] * 7)
    Y = np.eye(3)[labels].T                                  # (3, 21)
    X = np.arange(21.0).reshape(1, 21)
    _, X_test, _, Y_test = train_test_split(X, Y, test_size=5, seed=0, stratify=True)
    assert X_test.shape == (1, 5)                            # 3 x 5/3 rounded to a total of 5
    assert sorted(Y_test.sum(axis=1).tolist()) == [1.0, 2.0, 2.0]


# -- rows_to_columns and one_hot ----------------------------------------------------------

def test_rows_to_columns(xp):
    X_rows = xp.asarray(np.arange(12.0).reshape(4, 3))  # m = 4 examples, n_x = 3
    X, Y = rows_to_columns(X_rows, xp.asarray(np.array([0, 1, 1, 0])))
    assert X.shape == (3, 4) and X.flags.c_contiguous and Y.shape == (1, 4)
    np.testing.assert_array_equal(to_numpy(X)[:, 2], [6, 7, 8])
    X[0, 0] = -1  # a copy, not a view
    assert float(X_rows[0, 0]) == 0
    X, Y = rows_to_columns(X_rows)
    assert Y is None and X.shape == (3, 4)
    _, Y = rows_to_columns(X_rows, xp.asarray(np.eye(2)[[0, 1, 1, 0]]))
    assert Y.shape == (2, 4)


def test_rows_to_columns_errors():
    with pytest.raises(InvalidDataError, match=r"X_rows must be 2-D \(m, n_x\)"):
        rows_to_columns(np.ones(3))
    with pytest.raises(InvalidDataError, match=r"y must have shape \(m,\) or \(m, n_y\) with "
                                               r"m = 4"):
        rows_to_columns(np.ones((4, 2)), np.ones(3))


def test_one_hot(xp):
    labels = xp.asarray(np.array([[2, 0, 1, 2]]))
    Y = one_hot(labels, 3)
    np.testing.assert_array_equal(to_numpy(Y), [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(to_numpy(one_hot(xp.asarray(np.array([1.0, 0.0])), 2)),
                                  [[0, 1], [1, 0]])


@pytest.mark.parametrize("labels, message", [
    ([[0, 3]], r"whole numbers in 0..2; found 1 other value\(s\), e.g. \[3\]"),
    ([[-1, 0]], r"e.g. \[-1\]"),
    ([[0.5, 1]], r"e.g. \[0.5\]"),
    ([[0, 1], [1, 0]], r"shape \(1, m\) or \(m,\)"),
    (["a", "b"], "must be whole numbers; got dtype"),
])
def test_one_hot_rejects_bad_labels(labels, message):
    with pytest.raises(InvalidDataError, match=message):
        one_hot(np.array(labels), 3)


# -- Preprocessing (what a model carries) ----------------------------------------------------

def _pixels(m=200, seed=0):
    """Digit-like data: 0..16, one constant feature, one rarely lit."""
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 17, size=(4, m)).astype(np.float64)
    X[2] = 0
    X[3] = np.where(rng.rand(m) < 0.02, 16, 0)
    return X


def test_preprocessing_standardize_and_scale(xp):
    X = _pixels()
    pre = Preprocessing.fit("standardize", xp.asarray(X))
    expected, mean, std = standardize(X)
    np.testing.assert_array_equal(pre.shift, mean)
    np.testing.assert_array_equal(pre.scale, std)
    np.testing.assert_allclose(to_numpy(pre(xp.asarray(X), "float64")), expected, rtol=1e-15)
    scale = Preprocessing.fit("scale", X)
    assert (scale.scale == 16).all() and (scale.shift == 0).all()
    assert to_numpy(scale(xp.asarray(X), "float32")).dtype == np.float32
    np.testing.assert_array_equal(pre.low[:, 0], X.min(axis=1))
    np.testing.assert_array_equal(pre.high[:, 0], X.max(axis=1))


def test_far_means_beyond_one_training_span_outside_the_range():
    X = np.array([[0.0, 10.0], [5.0, 5.0]])  # span 10; a constant 5 gets span 5
    pre = Preprocessing.fit("standardize", X)
    inside = np.array([[-10.0, 20.0], [0.0, 10.0]])
    assert pre.far_outside(inside) == (0, None)
    assert pre.far_outside(np.array([[0.0, 20.1], [5.0, 5.0]])) == (1, 0)
    assert pre.far_outside(np.array([[0.0, 0.0], [10.1, -0.1]])) == (2, 1)


def test_data_in_other_units_warns_and_new_data_in_the_same_units_does_not():
    pre = Preprocessing.fit("scale", _pixels())
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataRangeWarning)
        pre(_pixels(seed=1), "float64")         # new data, same units: quiet
        rare = _pixels(m=2000, seed=2)
        rare[0, 0] = 200  # one far value in 8000 (0.0125 %) is not a change of units
        pre(rare, "float64")
    with pytest.warns(DataRangeWarning, match=r"lie far outside their feature's training range, "
                                              r"e\.g\. feature 0: 4080 where the training data "
                                              r"held 0 to 16"):
        pre(_pixels(seed=1) * 255, "float64")   # 0..4080 given to a model of 0..16


def test_preprocessing_refuses_bad_arrays():
    ones = np.ones((2, 1))
    with pytest.raises(ValueError, match="preprocessing must be one of standardize, scale"):
        Preprocessing("minmax", ones, ones, ones, ones)
    with pytest.raises(InvalidDataError, match="scale must be > 0"):
        Preprocessing("scale", ones, 0 * ones, ones, ones)
    with pytest.raises(InvalidDataError, match=r"shift must be finite, shape \(2, 1\)"):
        Preprocessing("scale", [[np.nan], [1]], ones, ones, ones)
