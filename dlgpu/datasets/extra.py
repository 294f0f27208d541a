"""The planar exercise's extra datasets (course 1, week 3), generated, not downloaded.

They come from scikit-learn's generators (``pip install scikit-learn``),
imported when :func:`load_extra_datasets` is called.
"""

from __future__ import annotations

import numpy as np

from .sklearn_data import _require_sklearn_datasets


def load_extra_datasets(n_samples: int = 200):
    """The exercise's five extra 2-D datasets, drawn as its ``load_extra_datasets`` draws them.

    Returns ``(noisy_circles, noisy_moons, blobs, gaussian_quantiles,
    no_structure)``, each a pair ``(X_rows, y)`` in scikit-learn's row layout,
    X_rows (n_samples, 2), as the exercise returns them; the notebook turns
    them into columns with ``X.T, y.reshape(1, -1)`` (or
    :func:`dlgpu.datasets.rows_to_columns`).  blobs has 6 classes (the
    notebook takes ``y % 2``); no_structure is two uniform (n_samples, 2)
    draws.  Circles, moons, quantiles and no_structure draw from NumPy's
    global random state, blobs uses ``random_state=5``, so results repeat
    after ``np.random.seed``.
    """
    datasets = _require_sklearn_datasets()
    N = n_samples
    noisy_circles = datasets.make_circles(n_samples=N, factor=0.5, noise=0.3)
    noisy_moons = datasets.make_moons(n_samples=N, noise=0.2)
    blobs = datasets.make_blobs(n_samples=N, random_state=5, n_features=2, centers=6)
    gaussian_quantiles = datasets.make_gaussian_quantiles(
        mean=None, cov=0.5, n_samples=N, n_features=2, n_classes=2, shuffle=True,
        random_state=None)
    no_structure = np.random.rand(N, 2), np.random.rand(N, 2)
    return noisy_circles, noisy_moons, blobs, gaussian_quantiles, no_structure
