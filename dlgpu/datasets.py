"""Built-in and course datasets, returned in the course's column layout."""

from __future__ import annotations

import os

import numpy as np

from .errors import InvalidDataError


def load_planar_dataset(seed: int = 1, m: int = 400):
    """The course's planar "flower": two classes of m/2 points on a rose curve.

    For class j, ``t = linspace(3.12 j, 3.12 (j + 1), m/2) + 0.2 randn`` and
    ``r = 4 sin(4 t) + 0.2 randn``; the point is ``(r sin t, r cos t)``.
    Returns X : (2, m) float64 and Y : (1, m) uint8.
    """
    rng = np.random.RandomState(seed)
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


_CAT_KEYS = {"train": ("train_set_x", "train_set_y"), "test": ("test_set_x", "test_set_y")}


def load_cat_dataset(train_path, test_path):
    """Read the course's cat-vs-non-cat HDF5 files (needs h5py: ``dlgpu[h5]``).

    Returns ``(train_x_orig, train_y, test_x_orig, test_y, classes)`` as the
    course's ``load_data()`` does: images (m, 64, 64, 3) uint8, labels (1, m).
    """
    try:
        import h5py
    except ImportError:
        raise ImportError("reading HDF5 files needs h5py: pip install 'dlgpu[h5]'") from None
    out = []
    classes = None
    for split, path in (("train", train_path), ("test", test_path)):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{split} file not found: {path}")
        try:
            with h5py.File(path, "r") as f:
                x_key, y_key = _CAT_KEYS[split]
                missing = [k for k in (x_key, y_key, "list_classes") if k not in f]
                if missing:
                    raise InvalidDataError(f"{path} is not in the cat-vs-non-cat layout: "
                                           f"missing dataset(s) {', '.join(missing)}")
                x, y = np.array(f[x_key][:]), np.array(f[y_key][:])
                classes = np.array(f["list_classes"][:])
        except OSError as exc:
            raise InvalidDataError(f"{path} is not a readable HDF5 file ({exc})") from None
        if x.ndim != 4 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise InvalidDataError(f"{path}: expected {x_key} (m, h, w, c) and {y_key} (m,), "
                                   f"got {x.shape} and {y.shape}")
        out += [x, y.reshape(1, -1)]
    return (*out, classes)


def flatten_images(images):
    """(m, h, w, c) images -> (h*w*c, m) columns, as ``x.reshape(m, -1).T``."""
    return images.reshape(images.shape[0], -1).T
