"""The notebooks' utilities: cat files, planar data, extra datasets and the two plots."""

import numpy as np
import pytest

from dlgpu.course import notebook, w2a2, w3a1, w4a2
from dlgpu.datasets import load_planar_dataset

from ..helpers import require
from .test_api import _write_cat_files


@pytest.mark.parametrize("loader", [w2a2.load_dataset, w4a2.load_data])
def test_cat_loaders_read_the_course_file_names_by_default(tmp_path, monkeypatch, loader):
    (tmp_path / "datasets").mkdir()
    train, test = _write_cat_files(tmp_path / "datasets")
    monkeypatch.chdir(tmp_path)
    train_x, train_y, test_x, test_y, classes = loader()
    assert train_x.shape == (12, 64, 64, 3) and train_x.dtype == np.uint8
    assert train_y.shape == (1, 12) and test_y.shape == (1, 5)
    assert list(classes) == [b"non-cat", b"cat"]
    explicit = loader(train, test)
    np.testing.assert_array_equal(explicit[0], train_x)


def test_cat_loader_names_a_missing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="datasets/train_catvnoncat.h5"):
        w4a2.load_data()


def test_load_planar_dataset_seeds_the_global_state_as_the_course_does():
    np.random.seed(123)
    X, Y = w3a1.load_planar_dataset()
    after = np.random.rand()
    X0, Y0 = load_planar_dataset()
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    np.random.seed(1)
    np.random.randn(800)  # the flower's draws
    assert np.random.rand() == after


def test_load_extra_datasets():
    require("sklearn")
    np.random.seed(1)
    first = w3a1.load_extra_datasets()
    np.random.seed(1)
    again = w3a1.load_extra_datasets()
    assert len(first) == 5
    for (X, y), (X2, y2) in zip(first, again):
        assert X.shape == (200, 2) and len(y) == 200
        np.testing.assert_array_equal(X, X2)
    circles, moons, blobs, quantiles, no_structure = first
    assert set(np.unique(circles[1])) == {0, 1} and set(np.unique(blobs[1])) == set(range(6))
    assert no_structure[1].shape == (200, 2)


@pytest.fixture
def pyplot():
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.figure()
    yield plt
    plt.close("all")


def test_plot_decision_boundary_draws_on_the_current_axes(pyplot):
    X, Y = load_planar_dataset()
    calls = []

    def model(points):
        calls.append(points.shape)
        return (points[:, 0] > 0).astype(int)

    notebook.plot_decision_boundary(model, X, Y)
    axes = pyplot.gca()
    assert calls and calls[0][1] == 2
    assert axes.get_xlabel() == "x1" and axes.get_ylabel() == "x2"
    assert len(axes.collections) >= 2  # the filled contours and the points


def test_print_mislabeled_images(pyplot):
    rng = np.random.RandomState(0)
    X = rng.rand(64 * 64 * 3, 5)
    y, p = np.array([[1, 0, 1, 0, 1]]), np.array([[1.0, 1.0, 0.0, 0.0, 1.0]])
    shown = notebook.print_mislabeled_images(np.array([b"non-cat", b"cat"]), X, y, p)
    np.testing.assert_array_equal(shown, [1, 2])
    titles = [axes.get_title() for axes in pyplot.gcf().axes]
    assert titles == ["Prediction: cat \n Class: non-cat", "Prediction: non-cat \n Class: cat"]
