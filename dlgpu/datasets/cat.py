"""The course's cat-vs-non-cat HDF5 files (course 1, weeks 2 and 4).

Each file holds ``<split>_set_x`` : (m, 64, 64, 3) uint8 images,
``<split>_set_y`` : (m,) labels and ``list_classes`` (``[b"non-cat", b"cat"]``),
with ``<split>`` ``train`` or ``test``.  Reading them needs h5py
(``pip install 'dlgpu[h5]'``); it is imported only when a file is read.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidDataError

CAT_KEYS = {"train": ("train_set_x", "train_set_y"), "test": ("test_set_x", "test_set_y")}
#: what h5py raises on a damaged file (HDF5's own errors arrive as these)
H5_DAMAGE = (OSError, RuntimeError, KeyError, ValueError, TypeError)


def require_h5py():
    """Return the h5py module, or raise an ImportError saying how to install it."""
    try:
        import h5py
    except ImportError:
        raise ImportError("reading HDF5 files needs h5py: pip install 'dlgpu[h5]'") from None
    return h5py


def is_cat_layout(h5file) -> bool:
    """Whether an open HDF5 file looks like one of the course's cat files."""
    return any(x_key in h5file for x_key, _ in CAT_KEYS.values())


def read_cat_split(h5file, path, split: str):
    """Read one split from an open HDF5 file in the cat-vs-non-cat layout.

    Returns ``(x_orig, y, classes)``: images (m, h, w, c) as stored (uint8 in
    the course's files), labels (1, m) and the class names.
    """
    x_key, y_key = CAT_KEYS[split]
    missing = [k for k in (x_key, y_key, "list_classes") if k not in h5file]
    if missing:
        raise InvalidDataError(f"{path} is not in the cat-vs-non-cat layout: "
                               f"missing dataset(s) {', '.join(missing)}")
    x, y = np.array(h5file[x_key][:]), np.array(h5file[y_key][:])
    classes = np.array(h5file["list_classes"][:])
    if x.ndim != 4 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise InvalidDataError(f"{path}: expected {x_key} (m, h, w, c) and {y_key} (m,), "
                               f"got {x.shape} and {y.shape}")
    if x.shape[0] == 0:
        raise InvalidDataError(f"{path}: {x_key} holds no images (m = 0)")
    for key, array in ((x_key, x), (y_key, y)):
        if array.dtype.kind not in "biuf":
            raise InvalidDataError(f"{path}: {key} must hold numbers; got dtype {array.dtype}")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise InvalidDataError(f"{path}: {key} holds NaN or infinite values")
    return x, y.reshape(1, -1), classes


def load_cat_dataset(train_path, test_path):
    """Read the course's cat-vs-non-cat HDF5 files (needs h5py: ``dlgpu[h5]``).

    Returns ``(train_x_orig, train_y, test_x_orig, test_y, classes)`` as the
    course's ``load_data()`` does: images (m, 64, 64, 3) uint8, labels (1, m).
    Flatten the images with :func:`dlgpu.datasets.flatten_images` and divide
    by 255 to get the course's ``train_x`` : (12288, m).
    """
    h5py = require_h5py()
    out = []
    classes = None
    for split, path in (("train", train_path), ("test", test_path)):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{split} file not found: {path}")
        try:
            with h5py.File(path, "r") as f:
                x, y, classes = read_cat_split(f, path, split)
        except InvalidDataError:
            raise
        except H5_DAMAGE as exc:
            raise InvalidDataError(f"{path} is not a readable HDF5 file ({exc})") from None
        out += [x, y]
    return (*out, classes)
