"""Figures of training, drawn off-screen into PNG files.

Needs matplotlib (``pip install 'dlgpu[plot]'``), imported when a function is
called.  The figures are drawn on a ``matplotlib.figure.Figure`` with the Agg
canvas directly, not through pyplot, so no window opens and the backend a user
chose for pyplot is left alone.

Each function writes a PNG to ``path`` and returns it as a ``pathlib.Path``.
The path must end in ``.png`` and its folder must exist: a missing folder
raises ``FileNotFoundError`` rather than being created, so a mistyped folder
name is caught instead of silently making a new folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .backend import to_numpy
from .errors import InvalidDataError, NotFittedError
from .validation import check_int


def _new_figure(figsize, dpi):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'dlgpu[plot]'") from None
    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)  # attaches itself to the figure
    return figure


def _png_path(path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"plots are saved as PNG: give a path ending in .png, got {path}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save {path}: folder {path.parent} does not exist")
    return path


def _save(figure, path: Path, dpi) -> Path:
    figure.savefig(path, format="png", dpi=dpi)
    return path


# -- cost curves ----------------------------------------------------------------------------

def plot_costs(costs, path, learning_rate=None, every=100, title=None, xlabel=None,
               ylabel="cost", figsize=(6.4, 4.8), dpi=100):
    """The course's cost curve: the cost against iterations, in hundreds.

    Parameters
    ----------
    costs : sequence of float, mapping or fitted model
        The costs recorded every ``every`` iterations (``costs_`` of a
        model, the ``costs`` returned by ``dlgpu.course.L_layer_model``),
        drawn against their index; or a mapping such as ``model.history_``
        with ``"cost"`` and optionally ``"val_cost"``, one entry per record;
        or a fitted model.  A model's ``history_`` gives the x-axis: its
        ``iteration`` / ``every`` for full-batch training, its ``epoch``
        when trained in epochs (``batch_size`` or ``epochs`` set).  A
        validation curve (``"val_cost"``) is drawn beside the training one.
    path : str or path-like
        Where to write the PNG (``.png``, in an existing folder).
    learning_rate : float or None
        Shown in the title, ``"Learning rate = ..."``, as the course does;
        taken from the model when ``costs`` is one.
    every : int
        Iterations between two recorded costs; scales and labels the x-axis.
    title, xlabel, ylabel : str or None
        ``title`` replaces the learning-rate title; ``xlabel`` defaults
        to ``"iterations (per hundreds)"`` for ``every=100``, and to
        ``"epochs"`` for a model trained in epochs.
    figsize, dpi
        The image is ``figsize * dpi`` pixels (640 x 480 by default).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    every = check_int(every, "every", 1)
    path = _png_path(path)
    training, validation, x, per_epoch = _cost_records(costs, every)
    if learning_rate is None and not isinstance(costs, Mapping):
        learning_rate = getattr(costs, "learning_rate", None)
    if title is None and learning_rate is not None:
        title = f"Learning rate = {learning_rate}"
    if xlabel is None:
        xlabel = ("epochs" if per_epoch else "iterations (per hundreds)" if every == 100
                  else f"iterations (per {every})")

    figure = _new_figure(figsize, dpi)
    axes = figure.add_subplot()
    axes.plot(x if x is not None else np.arange(len(training)), training, label="training")
    if validation is not None:
        same_points = x is not None and len(validation) == len(x)
        axes.plot(x if same_points else np.arange(len(validation)), validation,
                  label="validation")
        axes.legend()
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if title:
        axes.set_title(title)
    return _save(figure, path, dpi)


def _cost_records(costs, every: int):
    """(training, validation or None, x or None, per_epoch) as float64 NumPy arrays.

    x is None when the costs carry no positions; they are then drawn against
    their index.
    """
    x, per_epoch = None, False
    if isinstance(costs, Mapping):
        if "cost" not in costs:
            raise InvalidDataError(f"a history of costs needs a 'cost' entry; it has "
                                   f"{', '.join(map(repr, costs)) or 'none'}")
        training, validation = costs["cost"], costs.get("val_cost")
    elif hasattr(costs, "costs_") or hasattr(costs, "history_"):
        history = getattr(costs, "history_", None) or {}
        training = history["cost"] if "cost" in history else getattr(costs, "costs_", None)
        if training is None:
            raise NotFittedError("this model has no recorded costs: call fit(X, Y) first")
        validation = history.get("val_cost")
        per_epoch = (getattr(costs, "batch_size", None) is not None
                     or getattr(costs, "epochs", None) is not None)
        position = "epoch" if per_epoch else "iteration"
        if len(history.get(position, ())) == len(training) and len(training) > 0:
            x = np.asarray(history[position], dtype=np.float64)
            x = x if per_epoch else x / every
        else:
            per_epoch = False
    elif hasattr(costs, "fit"):
        raise NotFittedError("this model has no recorded costs: call fit(X, Y) first")
    else:
        training, validation = costs, None
    training = _cost_values(training, "costs")
    if validation is not None and len(validation) > 0:
        validation = _cost_values(validation, "validation costs")
    else:
        validation = None
    return training, validation, x, per_epoch


def _cost_values(values, name: str) -> np.ndarray:
    try:
        if hasattr(values, "ndim"):  # an array, perhaps (1, k) or on the GPU
            values = np.squeeze(to_numpy(values)).astype(np.float64)
        else:  # a list of floats or of 0-d arrays
            values = np.asarray([float(to_numpy(c)) for c in values])
    except (TypeError, ValueError):
        raise InvalidDataError(f"{name} must be a sequence of numbers") from None
    if values.ndim > 1:
        raise InvalidDataError(f"{name} must be one sequence of numbers, got shape "
                               f"{values.shape}")
    values = np.atleast_1d(values)
    if values.size == 0:
        raise InvalidDataError(f"there are no {name} to plot (did training record any? costs "
                               f"are recorded every 100 iterations, from iteration 0)")
    return values


# -- decision boundary ------------------------------------------------------------------------

def plot_decision_boundary(model_or_predict, X, Y, path, resolution=300, title=None,
                           figsize=(6.4, 4.8), dpi=100):
    """The course's planar figure: predicted regions over a grid, and the examples.

    Parameters
    ----------
    model_or_predict : fitted model or callable
        Anything with ``predict(X)``, or a function ``predict(X)``, mapping
        X : (2, k) columns to labels (1, k) (or (k,)).
    X : (2, m)
        Two features per example: n_x = 2.
    Y : (1, m), (m,) or one-hot (n_y, m)
        The labels that colour the examples.
    path : str or path-like
        Where to write the PNG (``.png``, in an existing folder).
    resolution : int
        Grid points along each axis; the grid spans the data plus 10% of its
        range on each side.
    title : str or None
    figsize, dpi
        The image is ``figsize * dpi`` pixels (640 x 480 by default).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    X = to_numpy(X)
    if X.ndim != 2 or X.shape[0] != 2:
        raise InvalidDataError(f"a decision boundary is drawn for two features: X must be "
                               f"(2, m), got shape {X.shape}")
    if X.dtype.kind not in "biuf" or not np.isfinite(X).all():
        raise InvalidDataError("X must hold finite numbers")
    labels = _labels_of_columns(Y, X.shape[1])
    predict = _predict_function(model_or_predict)
    resolution = check_int(resolution, "resolution", 2)
    path = _png_path(path)

    x1, x2 = (np.linspace(*_padded_range(row), resolution) for row in X)
    xx1, xx2 = np.meshgrid(x1, x2)
    grid = np.vstack([xx1.ravel(), xx2.ravel()])  # (2, resolution^2) columns
    predicted = to_numpy(predict(grid))
    if predicted.size != grid.shape[1]:
        raise InvalidDataError(f"the prediction function returned shape {predicted.shape} for "
                               f"X (2, {grid.shape[1]}); expected (1, {grid.shape[1]})")
    predicted = predicted.reshape(xx1.shape)

    # Regions and points share one colour per class, even when a class is
    # predicted nowhere or present only in the predictions.
    classes = np.union1d(np.unique(predicted), np.unique(labels))
    from matplotlib.colors import Normalize
    norm = Normalize(vmin=-0.5, vmax=len(classes) - 0.5)
    figure = _new_figure(figsize, dpi)
    axes = figure.add_subplot()
    axes.contourf(xx1, xx2, np.searchsorted(classes, predicted),
                  levels=np.arange(len(classes) + 1) - 0.5, cmap="Spectral", norm=norm,
                  alpha=0.6)
    axes.scatter(X[0], X[1], c=np.searchsorted(classes, labels), cmap="Spectral", norm=norm,
                 s=16, edgecolors="black", linewidths=0.3)
    axes.set_xlabel("$x_1$")
    axes.set_ylabel("$x_2$")
    if title:
        axes.set_title(title)
    return _save(figure, path, dpi)


def _labels_of_columns(Y, m: int) -> np.ndarray:
    Y = to_numpy(Y)
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.ndim != 2 or Y.shape[1] != m:
        raise InvalidDataError(f"Y must be (1, m) labels or (n_y, m) one-hot with m = {m} "
                               f"(the columns of X); got shape {Y.shape}")
    return Y[0] if Y.shape[0] == 1 else Y.argmax(axis=0)


def _predict_function(model_or_predict):
    predict = getattr(model_or_predict, "predict", model_or_predict)
    if not callable(predict):
        raise TypeError(f"expected a fitted model with predict(X) or a function X -> labels, "
                        f"got {type(model_or_predict).__name__}")
    return predict


def _padded_range(values: np.ndarray) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    pad = 0.1 * (high - low) if high > low else 1.0
    return low - pad, high + pad
