"""The course's activation helpers: ``Z -> (A, cache)`` and ``(dA, cache) -> dZ``.

The cache is Z itself, and the backward functions work from Z, as the
assignments do.  The forward values come from :mod:`dlgpu.activations`, so
sigmoid never overflows.
"""

from __future__ import annotations

from ..activations import LeakyReLU, ReLU, Sigmoid, Tanh
from ..backend import get_array_module

_sigmoid, _relu, _tanh = Sigmoid(), ReLU(), Tanh()


def sigmoid(Z):
    """A = 1 / (1 + exp(-Z)).  Returns ``(A, cache)`` with cache = Z."""
    return _sigmoid(Z), Z


def relu(Z):
    """A = max(0, Z).  Returns ``(A, cache)`` with cache = Z."""
    return _relu(Z), Z


def tanh(Z):
    """A = tanh(Z).  Returns ``(A, cache)`` with cache = Z."""
    return _tanh(Z), Z


def leaky_relu(Z, slope=0.01):
    """A = max(slope Z, Z).  Returns ``(A, cache)`` with cache = Z."""
    return LeakyReLU(slope)(Z), Z


def sigmoid_backward(dA, cache):
    """dZ = dA * s (1 - s), s = sigmoid(Z)."""
    s = _sigmoid(cache)
    return dA * s * (1 - s)


def relu_backward(dA, cache):
    """dZ = dA where Z > 0, and 0 where Z <= 0 (the course's choice at Z = 0)."""
    xp = get_array_module(dA, cache)
    dZ = xp.array(dA, copy=True)
    dZ[cache <= 0] = 0
    return dZ


def tanh_backward(dA, cache):
    """dZ = dA * (1 - tanh(Z)^2)."""
    t = _tanh(cache)
    return dA * (1 - t * t)


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
