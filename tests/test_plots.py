"""PNG figures: files written, readable, of the requested size, showing what they should."""

import os
import subprocess
import sys
import types

import numpy as np
import pytest

from dlgpu import DeepNN, InvalidDataError, NotFittedError
from dlgpu.datasets import load_planar_dataset
from dlgpu.plots import plot_costs, plot_decision_boundary
from .helpers import require

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _read_png(path, size=(480, 640)):
    """Check the file is a PNG of ``size`` (rows, columns) pixels; return its pixels."""
    image = require("matplotlib.image")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = image.imread(path)
    assert pixels.shape[:2] == size
    return pixels


@pytest.fixture(autouse=True)
def _needs_matplotlib():
    require("matplotlib")


# -- cost curves --------------------------------------------------------------------------

def test_plot_costs_from_a_list(tmp_path):
    path = plot_costs([0.69, 0.5, 0.4, 0.35], tmp_path / "costs.png", learning_rate=0.0075)
    assert path == tmp_path / "costs.png"
    pixels = _read_png(path)
    assert pixels[..., :3].std() > 0  # something was drawn


def test_plot_costs_from_a_fitted_model(tmp_path, binary_data):
    X, Y = binary_data
    model = DeepNN([3, 4, 1], learning_rate=0.1, num_iterations=301).fit(X, Y)
    assert len(model.costs_) == 4
    _read_png(plot_costs(model, tmp_path / "model.png"))


def test_plot_costs_draws_the_validation_curve(tmp_path):
    history = {"cost": [0.7, 0.5, 0.4, 0.3], "val_cost": [0.7, 0.6, 0.55, 0.5]}
    model = types.SimpleNamespace(costs_=history["cost"], history_=history, learning_rate=0.1)
    with_val = _read_png(plot_costs(model, tmp_path / "val.png"))
    from_dict = _read_png(plot_costs(history, tmp_path / "dict.png", learning_rate=0.1))
    no_val = _read_png(plot_costs(history["cost"], tmp_path / "train.png", learning_rate=0.1))
    np.testing.assert_array_equal(with_val, from_dict)
    assert not np.array_equal(with_val, no_val)


def test_a_models_history_gives_the_x_axis(tmp_path, binary_data):
    from dlgpu.plots import _cost_records
    X, Y = binary_data
    full = DeepNN([3, 4, 1], learning_rate=0.1, num_iterations=301)
    full.fit(X[:, :30], Y[:, :30], validation_data=(X[:, 30:], Y[:, 30:]))
    training, validation, x, per_epoch = _cost_records(full, every=100)
    np.testing.assert_array_equal(x, [0, 1, 2, 3])   # iterations 0..300, per hundreds
    np.testing.assert_array_equal(training, full.history_["cost"])
    np.testing.assert_array_equal(validation, full.history_["val_cost"])
    assert not per_epoch
    epochs = DeepNN([3, 4, 1], learning_rate=0.1, epochs=3, batch_size=16).fit(X, Y)
    _, validation, x, per_epoch = _cost_records(epochs, every=100)
    np.testing.assert_array_equal(x, [1, 2, 3])
    assert per_epoch and validation is None
    _read_png(plot_costs(full, tmp_path / "full.png"))
    _read_png(plot_costs(epochs, tmp_path / "epochs.png"))


def test_plot_costs_size_and_array_input(tmp_path):
    costs = np.array([[0.9, 0.6, 0.5]])  # (1, k), squeezed as the course does
    _read_png(plot_costs(costs, tmp_path / "small.png", every=10, figsize=(4, 3), dpi=50),
              size=(150, 200))


@pytest.mark.parametrize("costs, error, message", [
    ([], InvalidDataError, "no costs to plot"),
    (["high", "low"], InvalidDataError, "costs must be a sequence of numbers"),
    (np.ones((2, 3)), InvalidDataError, r"one sequence of numbers, got shape \(2, 3\)"),
    ({"loss": [1.0]}, InvalidDataError, "needs a 'cost' entry; it has 'loss'"),
    (DeepNN([2, 1]), NotFittedError, "call fit"),
])
def test_plot_costs_rejects_what_it_cannot_draw(tmp_path, costs, error, message):
    with pytest.raises(error, match=message):
        plot_costs(costs, tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()


def test_paths_must_be_png_in_an_existing_folder(tmp_path):
    with pytest.raises(ValueError, match="ending in .png"):
        plot_costs([1.0, 0.5], tmp_path / "c.jpg")
    with pytest.raises(FileNotFoundError, match="folder .*missing does not exist"):
        plot_costs([1.0, 0.5], tmp_path / "missing" / "c.png")
    assert not (tmp_path / "missing").exists()


# -- decision boundary --------------------------------------------------------------------

def test_decision_boundary_of_a_fitted_model(tmp_path):
    X, Y = load_planar_dataset()
    model = DeepNN([2, 4, 1], hidden_activation="tanh", learning_rate=1.2, num_iterations=200,
                   init="small", seed=2).fit(X, Y)
    path = plot_decision_boundary(model, X, Y, tmp_path / "flower.png", resolution=50)
    assert path == tmp_path / "flower.png"
    _read_png(path)


def test_decision_boundary_shows_the_predicted_regions(tmp_path):
    X = np.array([[-1.0, 1.0, -1.0, 1.0], [-1.0, -1.0, 1.0, 1.0]])  # points only at corners
    Y = np.array([[0, 1, 0, 1]])
    split = plot_decision_boundary(lambda G: (G[0:1] > 0).astype(int), X, Y,
                                   tmp_path / "split.png")
    constant = plot_decision_boundary(lambda G: np.zeros(G.shape[1]), X, Y,
                                      tmp_path / "constant.png")
    # Default axes span columns 80..576 and rows 58..427 of the 640 x 480 image.
    row, left, right = 242, 204, 452
    split, constant = _read_png(split), _read_png(constant)
    assert not np.allclose(split[row, left], split[row, right])  # x1 < 0 vs x1 > 0
    np.testing.assert_array_equal(constant[row, left], constant[row, right])
    assert not np.allclose(split[row, left, :3], 1.0)              # coloured, not blank


def test_decision_boundary_accepts_one_hot_and_flat_labels(tmp_path):
    X = np.random.RandomState(0).randn(2, 30)
    labels = (X[0] > 0).astype(int)
    predict = lambda G: (G[0] > 0).astype(int)
    a = _read_png(plot_decision_boundary(predict, X, labels, tmp_path / "a.png"))
    b = _read_png(plot_decision_boundary(predict, X, np.eye(2)[labels].T, tmp_path / "b.png"))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("X, Y, predict, error, message", [
    (np.zeros((3, 5)), np.zeros((1, 5)), None, InvalidDataError,
     r"two features: X must be \(2, m\), got shape \(3, 5\)"),
    (np.zeros(5), np.zeros((1, 5)), None, InvalidDataError, r"got shape \(5,\)"),
    (np.zeros((2, 5)), np.zeros((1, 4)), None, InvalidDataError, "m = 5"),
    (np.array([[0.0, np.nan]] * 2), np.zeros((1, 2)), None, InvalidDataError, "finite"),
    (np.zeros((2, 5)), np.zeros((1, 5)), lambda G: np.zeros(3), InvalidDataError,
     r"returned shape \(3,\)"),
    (np.zeros((2, 5)), np.zeros((1, 5)), 42, TypeError, "got int"),
])
def test_decision_boundary_errors(tmp_path, X, Y, predict, error, message):
    predict = predict if predict is not None else (lambda G: np.zeros(G.shape[1]))
    with pytest.raises(error, match=message):
        plot_decision_boundary(predict, X, Y, tmp_path / "b.png")
    assert not (tmp_path / "b.png").exists()


# -- no global state, no hard dependency --------------------------------------------------

def test_pyplot_is_never_imported(tmp_path):
    code = ("import sys; import numpy as np; from dlgpu.plots import *; "
            f"plot_costs([1.0, 0.5], {str(tmp_path / 'c.png')!r}); "
            "plot_decision_boundary(lambda G: G[0] > 0, np.eye(2), np.array([[0, 1]]), "
            f"{str(tmp_path / 'b.png')!r}, resolution=10); "
            "assert 'matplotlib.pyplot' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={**os.environ, "DLGPU_BACKEND": "numpy"})
    assert (tmp_path / "c.png").exists() and (tmp_path / "b.png").exists()


def test_without_matplotlib_the_error_says_how_to_install(monkeypatch, tmp_path):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'dlgpu\[plot\]'"):
        plot_costs([1.0, 0.5], tmp_path / "c.png")
