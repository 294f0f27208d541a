"""Logistic regression as a neural network (course 1, week 2).

Every public function checks its arguments first (:mod:`dlgpu.validation`,
and :mod:`.checks` for w and b);
``optimize`` and ``model`` check theirs once and then loop over the
unchecked ``_propagate``, which computes exactly what ``propagate`` does.
The step functions take NumPy or CuPy arrays on either backend
(:mod:`.placement`).
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_device, to_numpy
from ..losses import binary_cross_entropy
from ..validation import check_int, check_positive_float, check_X, check_Y
from .activations import sigmoid
from .checks import check_b, check_w
from .placement import follows_caller


def initialize_with_zeros(dim):
    """w : (dim, 1) of zeros on the active backend, and b = 0.0."""
    return to_device(np.zeros((check_int(dim, "dim", 1), 1))), 0.0


@follows_caller
def propagate(w, b, X, Y):
    """Cost and gradients of logistic regression.

    w : (n_x, 1), b : scalar, X : (n_x, m), Y : (1, m) or (m,).
    Returns ``(grads, cost)`` with grads ``{"dw": (n_x, 1), "db": np.float64}``
    and the cost a 0-d array, the types the course's ``np.sum`` and
    ``np.squeeze`` give.
    """
    X, Y = _check_data(X, Y)
    return _propagate(check_w(w, X.shape[0]), check_b(b), X, Y)


def _propagate(w, b, X, Y):
    xp = get_array_module(X, w)
    m = X.shape[1]
    A, _ = sigmoid(xp.matmul(w.T, X) + b)
    cost = xp.asarray(binary_cross_entropy(A, Y))
    dZ = A - Y
    dw = xp.matmul(X, dZ.T) / m
    db = np.float64(to_numpy(dZ.sum())) / m
    return {"dw": dw, "db": db}, cost


@follows_caller
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """Gradient descent; the cost is recorded (and printed) every 100 iterations.

    Returns ``(params, grads, costs)`` with params ``{"w", "b"}`` and
    ``costs`` a list of 0-d NumPy arrays.
    """
    check_int(num_iterations, "num_iterations")
    check_positive_float(learning_rate, "learning_rate")
    X, Y = _check_data(X, Y)
    w, b = check_w(w, X.shape[0]), check_b(b)
    return _optimize(w, b, X, Y, num_iterations, learning_rate, print_cost)


def _optimize(w, b, X, Y, num_iterations, learning_rate, print_cost):
    w = w.copy()
    costs = []
    grads = {}
    for i in range(num_iterations):
        grads, cost = _propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            cost = np.asarray(to_numpy(cost))
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, grads, costs


@follows_caller(data="X")
def predict_logistic(w, b, X):
    """Labels (1, m): 1.0 where sigmoid(w^T X + b) > 0.5, else 0.0.

    This is the week-2 ``predict(w, b, X)``; ``dlgpu.course.predict`` is the
    deep network's ``predict(X, y, parameters)``.  w holds n_x weights, in
    any shape (the course reshapes it to (n_x, 1)).
    """
    X = check_X(X)
    w, b = check_w(w, X.shape[0], exact_shape=False), check_b(b)
    return _predict(w, b, X)


def _predict(w, b, X):
    xp = get_array_module(X, w)
    A, _ = sigmoid(xp.matmul(w.reshape(X.shape[0], 1).T, X) + b)
    return (A > 0.5).astype(A.dtype)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5,
          print_cost=False):
    """Train logistic regression; returns the course's dictionary ``d``.

    Y_test may be (1, m_test) or (m_test,), as the course's ``model_test``
    passes it.  ``w`` and the predictions are arrays of the active backend.
    """
    check_int(num_iterations, "num_iterations")
    check_positive_float(learning_rate, "learning_rate")
    X_train, Y_train = _check_data(X_train, Y_train, "X_train", "Y_train")
    X_test, Y_test = _check_data(X_test, Y_test, "X_test", "Y_test", n_x=X_train.shape[0])
    X_train, Y_train = to_device(X_train, "float64"), to_device(Y_train, "float64")
    X_test, Y_test = to_device(X_test, "float64"), to_device(Y_test, "float64")
    w, b = initialize_with_zeros(X_train.shape[0])
    params, _, costs = _optimize(w, b, X_train, Y_train, num_iterations, learning_rate,
                                 print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = _predict(w, b, X_test)
    Y_prediction_train = _predict(w, b, X_train)
    if print_cost:
        xp = get_array_module(X_train)
        train_accuracy = 100 - float(xp.mean(xp.abs(Y_prediction_train - Y_train))) * 100
        test_accuracy = 100 - float(xp.mean(xp.abs(Y_prediction_test - Y_test))) * 100
        print(f"train accuracy: {train_accuracy} %")
        print(f"test accuracy: {test_accuracy} %")
    return {"costs": costs, "Y_prediction_test": Y_prediction_test,
            "Y_prediction_train": Y_prediction_train, "w": w, "b": b,
            "learning_rate": learning_rate, "num_iterations": num_iterations}


def _check_data(X, Y, x_name="X", y_name="Y", n_x=None):
    """X : (n_x, m) finite numbers and Y : (1, m) or (m,) finite targets, checked before
    device work."""
    X = check_X(X, n_x, name=x_name)
    return X, check_Y(Y, X.shape[1], name=y_name, binary=False)
