"""Course 1, week 2, assignment 1: Python basics with NumPy.

``from dlgpu.course.w2a1 import *`` gives the solved notebook's functions.
Each takes what the notebook's tests feed it (integer arrays included) and
returns what the notebook's code returns: NumPy arrays for NumPy input,
``float`` for :func:`basic_sigmoid`, NumPy floats for :func:`L1` and
:func:`L2`.
"""

from __future__ import annotations

import math

from ..activations import Sigmoid
from ..backend import get_array_module
from .activations import apply
from .placement import follows_caller

__all__ = ["L1", "L2", "basic_sigmoid", "image2vector", "normalizeRows", "normalize_rows",
           "sigmoid", "sigmoid_derivative", "softmax"]

_sigmoid = Sigmoid()


def basic_sigmoid(x):
    """1 / (1 + e^-x) of one real number, with ``math.exp``, as a Python float."""
    return 1 / (1 + math.exp(-x))


@follows_caller
def sigmoid(x):
    """1 / (1 + exp(-x)) elementwise: an array for an array, a NumPy float for a number."""
    return apply(_sigmoid, x)


@follows_caller
def sigmoid_derivative(x):
    """sigma'(x) = s (1 - s), s = sigmoid(x)."""
    s = apply(_sigmoid, x)
    return s * (1 - s)


@follows_caller
def image2vector(image):
    """(length, height, depth) -> (length * height * depth, 1), in C order."""
    return image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)


@follows_caller
def normalize_rows(x):
    """Each row of x (n, m) divided by its Euclidean norm, sqrt(sum x^2) (the sum
    ``np.linalg.norm(x, axis=1)`` takes for real x)."""
    xp = get_array_module(x)
    return x / xp.sqrt(xp.sum(x * x, axis=1, keepdims=True))


normalizeRows = normalize_rows  # the older notebooks' name


@follows_caller
def softmax(x):
    """Row-wise softmax of x (n, m): each row exponentiated and divided by its sum.

    Each row is shifted by its maximum first, so no exp can overflow; the
    values equal the notebook's ``exp(x) / sum(exp(x))`` to rounding.
    """
    xp = get_array_module(x)
    x_exp = xp.exp(x - x.max(axis=1, keepdims=True))
    return x_exp / x_exp.sum(axis=1, keepdims=True)


@follows_caller
def L1(yhat, y):
    """L1 loss: sum |y - yhat| over the m examples (vectors of size m)."""
    return get_array_module(yhat, y).sum(abs(y - yhat))


@follows_caller
def L2(yhat, y):
    """L2 loss: sum (y - yhat)^2, as the dot product of the difference with itself."""
    d = y - yhat
    return get_array_module(d).dot(d, d)
