"""The course's planar "flower" data (course 1, week 3), generated, not downloaded."""

from __future__ import annotations

import numpy as np


def load_planar_dataset(seed: int = 1, m: int = 400):
    """The course's planar "flower": two classes of m/2 points on a rose curve.

    For class j, ``t = linspace(3.12 j, 3.12 (j + 1), m/2) + 0.2 randn`` and
    ``r = 4 sin(4 t) + 0.2 randn``; the point is ``(r sin t, r cos t)``.
    Returns X : (2, m) float64 and Y : (1, m) uint8.
    """
    return flower(np.random.RandomState(seed), m)


def flower(rng: np.random.RandomState, m: int = 400):
    """The planar "flower" drawn from ``rng``: X (2, m), Y (1, m) uint8."""
    n_per_class = m // 2
    a = 4  # maximum ray of the flower
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype="uint8")
    for j in range(2):
        ix = slice(n_per_class * j, n_per_class * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n_per_class) + rng.randn(n_per_class) * 0.2
        r = a * np.sin(4 * t) + rng.randn(n_per_class) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T
