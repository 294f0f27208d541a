"""The planar "flower": shapes, classes, and the exact values the course reproduction needs."""

import numpy as np

from dlgpu.datasets import load_planar_dataset


def test_shapes_dtypes_and_balanced_classes():
    X, Y = load_planar_dataset()
    assert X.shape == (2, 400) and X.dtype == np.float64
    assert Y.shape == (1, 400) and Y.dtype == np.uint8
    assert Y[0, :200].tolist() == [0] * 200 and Y[0, 200:].tolist() == [1] * 200


def test_values_are_bit_for_bit_stable():
    X, _ = load_planar_dataset()
    # Values of the course's generator with seed 1; any change to the draw order breaks them.
    np.testing.assert_array_equal(X[:, 0], [1.204442292254319, 3.5761141481288448])
    np.testing.assert_array_equal(X[:, -1], [0.7307808250007513, 3.0683292081876545])


def test_seed_and_size():
    X1, _ = load_planar_dataset(seed=3, m=100)
    X2, Y2 = load_planar_dataset(seed=3, m=100)
    assert X1.shape == (2, 100) and Y2.sum() == 50
    np.testing.assert_array_equal(X1, X2)
    assert not np.array_equal(X1, load_planar_dataset(seed=4, m=100)[0])
