"""Hyperbolic tangent: ``g(z) = tanh(z)``, ``g'(z) = 1 - a^2``."""

import numpy as np

from .base import Activation


class Tanh(Activation):
    name = "tanh"
    cuda_forward = "tanh(z)"
    cuda_backward = "dz * (C(1) - a * a)"

    def forward_cpu(self, Z):
        return np.tanh(Z, out=Z)

    def backward_cpu(self, dA, A):
        slope = np.multiply(A, A)
        np.subtract(1, slope, out=slope)
        dA *= slope
        return dA
