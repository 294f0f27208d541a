"""The course's activation helpers: ``Z -> (A, cache)`` and ``(dA, cache) -> dZ``.

The cache is Z itself, and the backward functions work from Z, as the
assignments do.  The forward values come from :mod:`dlgpu.activations`, so
sigmoid never overflows.  Z may be anything the course's ``np.exp`` takes:
an array of any real dtype (integers and bools give float64), a 0-d array or
a Python number (both give a NumPy scalar, as ``1 / (1 + np.exp(-z))`` does).
"""

from __future__ import annotations

import numpy as np

from ..activations import LeakyReLU, ReLU, Sigmoid, Tanh
from ..backend import get_array_module
from .placement import follows_caller

_sigmoid, _relu, _tanh = Sigmoid(), ReLU(), Tanh()


def apply(activation, Z, to_float=True):
    """``activation(Z)`` for arrays, 0-d arrays and numbers, as NumPy's ufuncs take them.

    ``to_float`` makes integer and bool Z float64 first (the exp-based
    activations); relu keeps Z's dtype, as ``np.maximum(0, Z)`` does.
    """
    xp = get_array_module(Z)
    Z = xp.asarray(Z)
    if to_float and Z.dtype.kind in "biu":
        Z = Z.astype(np.float64)
    if Z.ndim == 0:
        return activation(Z.reshape(1))[0]
    return activation(Z)


@follows_caller
def sigmoid(Z):
    """A = 1 / (1 + exp(-Z)).  Returns ``(A, cache)`` with cache = Z."""
    return apply(_sigmoid, Z), Z


@follows_caller
def relu(Z):
    """A = max(0, Z).  Returns ``(A, cache)`` with cache = Z."""
    return apply(_relu, Z, to_float=False), Z


@follows_caller
def tanh(Z):
    """A = tanh(Z).  Returns ``(A, cache)`` with cache = Z."""
    return apply(_tanh, Z), Z


@follows_caller
def leaky_relu(Z, slope=0.01):
    """A = max(slope Z, Z).  Returns ``(A, cache)`` with cache = Z."""
    return apply(LeakyReLU(slope), Z), Z


@follows_caller
def sigmoid_backward(dA, cache):
    """dZ = dA * s (1 - s), s = sigmoid(Z)."""
    s = apply(_sigmoid, cache)
    return dA * s * (1 - s)


@follows_caller
def relu_backward(dA, cache):
    """dZ = dA where Z > 0, and 0 where Z <= 0 (the course's choice at Z = 0)."""
    xp = get_array_module(dA, cache)
    dZ = xp.array(dA, copy=True)
    dZ[cache <= 0] = 0
    return dZ


@follows_caller
def tanh_backward(dA, cache):
    """dZ = dA * (1 - tanh(Z)^2)."""
    t = apply(_tanh, cache)
    return dA * (1 - t * t)


@follows_caller
def leaky_relu_backward(dA, cache, slope=0.01):
    """dZ = dA where Z > 0, slope * dA where Z <= 0."""
    xp = get_array_module(dA, cache)
    return xp.where(cache > 0, dA, slope * dA)


FORWARD = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "leaky_relu": leaky_relu}
BACKWARD = {"sigmoid": sigmoid_backward, "relu": relu_backward, "tanh": tanh_backward,
            "leaky_relu": leaky_relu_backward}


def check_activation(activation: str) -> str:
    if activation not in FORWARD:
        raise ValueError(f"unknown activation {activation!r}; valid names are "
                         f"{', '.join(FORWARD)}")
    return activation
