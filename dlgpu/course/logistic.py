"""Logistic regression as a neural network (course 1, week 2)."""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_device
from ..losses import binary_cross_entropy
from .activations import sigmoid


def initialize_with_zeros(dim):
    """w : (dim, 1) of zeros on the active backend, and b = 0.0."""
    return to_device(np.zeros((dim, 1))), 0.0


def propagate(w, b, X, Y):
    """Cost and gradients of logistic regression.

    w : (n_x, 1), b : scalar, X : (n_x, m), Y : (1, m).
    Returns ``(grads, cost)`` with grads ``{"dw": (n_x, 1), "db": float}``.
    """
    xp = get_array_module(X, w)
    m = X.shape[1]
    A, _ = sigmoid(xp.matmul(w.T, X) + b)
    cost = float(binary_cross_entropy(A, Y))
    dZ = A - Y
    dw = xp.matmul(X, dZ.T) / m
    db = float(dZ.sum()) / m
    return {"dw": dw, "db": db}, cost


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """Gradient descent; the cost is recorded (and printed) every 100 iterations.

    Returns ``(params, grads, costs)`` with params ``{"w", "b"}``.
    """
    w = w.copy()
    costs = []
    grads = {}
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print("Cost after iteration %i: %f" % (i, cost))
    return {"w": w, "b": b}, grads, costs


def predict_logistic(w, b, X):
    """Labels (1, m): 1.0 where sigmoid(w^T X + b) > 0.5, else 0.0.

    This is the week-2 ``predict(w, b, X)``; ``dlgpu.course.predict`` is the
    deep network's ``predict(X, y, parameters)``.
    """
    xp = get_array_module(X, w)
    A, _ = sigmoid(xp.matmul(w.reshape(X.shape[0], 1).T, X) + b)
    return (A > 0.5).astype(A.dtype)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5,
          print_cost=False):
    """Train logistic regression; returns the course's dictionary ``d``."""
    X_train, Y_train = to_device(X_train, "float64"), to_device(Y_train, "float64")
    X_test, Y_test = to_device(X_test, "float64"), to_device(Y_test, "float64")
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate,
                                    print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict_logistic(w, b, X_test)
    Y_prediction_train = predict_logistic(w, b, X_train)
    if print_cost:
        xp = get_array_module(X_train)
        print("train accuracy: {} %".format(
            100 - float(xp.mean(xp.abs(Y_prediction_train - Y_train))) * 100))
        print("test accuracy: {} %".format(
            100 - float(xp.mean(xp.abs(Y_prediction_test - Y_test))) * 100))
    return {"costs": costs, "Y_prediction_test": Y_prediction_test,
            "Y_prediction_train": Y_prediction_train, "w": w, "b": b,
            "learning_rate": learning_rate, "num_iterations": num_iterations}
