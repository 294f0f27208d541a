"""The helpers the course's notebooks import from their utility files.

``load_dataset`` (week 2's ``lr_utils``) and ``load_data`` (week 4's
``dnn_app_utils``) read the cat-vs-non-cat HDF5 files, which are the
learner's own: the paths are arguments, defaulting to the course's file
names, and nothing is downloaded.  ``plot_decision_boundary`` and
``print_mislabeled_images`` draw with pyplot on the current figure, as the
notebooks' helpers do (matplotlib: ``pip install 'dlgpu[plot]'``).
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..datasets import load_cat_dataset
from ..datasets import load_extra_datasets as _load_extra_datasets
from ..datasets.planar import flower
from .random_state import global_random_state

TRAIN_FILE = "datasets/train_catvnoncat.h5"
TEST_FILE = "datasets/test_catvnoncat.h5"


def load_dataset(train_path=TRAIN_FILE, test_path=TEST_FILE):
    """Week 2's cat data: ``(train_set_x_orig, train_set_y, test_set_x_orig, test_set_y, classes)``.

    Images (m, 64, 64, 3) uint8, labels (1, m), from the learner's HDF5
    files (needs h5py: ``dlgpu[h5]``).
    """
    return load_cat_dataset(train_path, test_path)


def load_data(train_path=TRAIN_FILE, test_path=TEST_FILE):
    """Week 4's cat data: ``(train_x_orig, train_y, test_x_orig, test_y, classes)``, as
    :func:`load_dataset`."""
    return load_cat_dataset(train_path, test_path)


def load_planar_dataset():
    """The planar "flower": X (2, 400) float64, Y (1, 400) uint8, as the exercise draws it,
    after ``np.random.seed(1)`` (NumPy's global random state is left as the exercise leaves it).
    """
    with global_random_state(1) as rng:
        return flower(rng)


def load_extra_datasets():
    """The exercise's five extra datasets of 200 points, in scikit-learn's row layout
    (see :func:`dlgpu.datasets.load_extra_datasets`; needs scikit-learn)."""
    return _load_extra_datasets(200)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("the notebook's plots need matplotlib: pip install "
                          "'dlgpu[plot]'") from None
    return plt


def plot_decision_boundary(model, X, y, step=0.01):
    """Fill the plane with ``model``'s predictions and scatter the points over it.

    model : callable taking points as rows, (k, 2), and returning k labels
    (the notebook passes ``lambda x: predict(parameters, x.T)``); X : (2, m);
    y : m labels, (1, m) or (m,).  Draws on pyplot's current axes, on a grid
    of spacing ``step`` reaching 1 beyond the data.
    """
    plt = _pyplot()
    X, y = to_numpy(X), to_numpy(y).ravel()
    x1 = np.arange(X[0].min() - 1, X[0].max() + 1, step)
    x2 = np.arange(X[1].min() - 1, X[1].max() + 1, step)
    xx, yy = np.meshgrid(x1, x2)
    Z = to_numpy(model(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape)
    plt.contourf(xx, yy, Z, cmap=plt.cm.Spectral)
    plt.ylabel("x2")
    plt.xlabel("x1")
    plt.scatter(X[0], X[1], c=y, cmap=plt.cm.Spectral)


def print_mislabeled_images(classes, X, y, p, image_shape=(64, 64, 3)):
    """Show each image the model got wrong, titled with its prediction and its class.

    classes : the class names as bytes (``[b"non-cat", b"cat"]``); X : (n_x, m)
    flattened images; y, p : (1, m) labels and predictions 0/1.  Draws one
    subplot per mislabeled image on pyplot's current figure and returns
    their column indices.
    """
    plt = _pyplot()
    X, y, p = to_numpy(X), to_numpy(y).reshape(1, -1), to_numpy(p).reshape(1, -1)
    mislabeled = np.flatnonzero(p[0] + y[0] == 1)
    plt.gcf().set_size_inches(40.0, 40.0)
    for i, index in enumerate(mislabeled):
        plt.subplot(2, len(mislabeled), i + 1)
        plt.imshow(X[:, index].reshape(image_shape), interpolation="nearest")
        plt.axis("off")
        plt.title(f"Prediction: {_name(classes[int(p[0, index])])} \n "
                  f"Class: {_name(classes[int(y[0, index])])}")
    return mislabeled


def _name(label) -> str:
    return label.decode("utf-8") if isinstance(label, bytes) else str(label)
