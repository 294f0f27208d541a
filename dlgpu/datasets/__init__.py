"""Data in the course's column layout: X (n_x, m), Y (n_y, m).

Loaders and transforms; imports the library's lower floors (backend,
validation, errors, ``npz``, ``preprocessing``) and, lazily, h5py and
scikit-learn.  The library does not import it: ``import dlgpu`` leaves it
unloaded.

Built in (no download)
    load_planar_dataset      the course's planar "flower", X (2, m), Y (1, m)
    load_breast_cancer       scikit-learn's bundled copy, X (30, 569), Y (1, 569)
    load_digits              scikit-learn's bundled copy, X (64, 1797), Y (1, 1797)
    load_extra_datasets      the planar exercise's circles, moons, blobs, quantiles
                             (scikit-learn's generators, row layout as the course gives)

Files
    load_cat_dataset         the course's cat-vs-non-cat HDF5 train and test files
    load_npz, load_csv, load_h5
                             one file -> (X, Y)
    load_file                the loader for the file's suffix (.npz, .csv, .h5, .hdf5)

Transforms (pure: inputs are never modified)
    flatten_images           (m, h, w, c) images -> (h*w*c, m)
    standardize              per-feature zero mean and unit std
    train_test_split         seeded split of the columns
    rows_to_columns          scikit-learn's (m, n_x), (m,) -> (n_x, m), (1, m)
    one_hot                  labels (1, m) -> (n_classes, m)

h5py (``dlgpu[h5]``) and scikit-learn are needed only by the loaders that
use them, and are imported when those are called.
"""

from .cat import load_cat_dataset
from .extra import load_extra_datasets
from .files import load_csv, load_file, load_h5, load_npz
from .planar import load_planar_dataset
from .sklearn_data import load_breast_cancer, load_digits
from .transforms import flatten_images, one_hot, rows_to_columns, standardize, train_test_split

__all__ = [
    "flatten_images", "load_breast_cancer", "load_cat_dataset", "load_csv", "load_digits",
    "load_extra_datasets", "load_file", "load_h5", "load_npz", "load_planar_dataset", "one_hot",
    "rows_to_columns", "standardize", "train_test_split",
]
