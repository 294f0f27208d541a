"""Leaky ReLU: ``g(z) = z if z > 0 else slope * z``.

``g'(z) = 1 if z > 0 else slope``.  With ``slope >= 0``, ``a > 0`` exactly
when ``z > 0``, so the derivative can be read from the output.
"""

import math

import numpy as np

from .base import Activation


class LeakyReLU(Activation):
    name = "leaky_relu"
    params = ("slope",)
    cuda_forward = "(z > T(0) ? z : z * slope)"
    cuda_backward = "(a > T(0) ? dz : dz * slope)"

    def __init__(self, slope: float = 0.01):
        if isinstance(slope, bool) or not isinstance(slope, (int, float, np.floating, np.integer)):
            raise TypeError(f"leaky_relu slope must be a number, got {slope!r}")
        if not math.isfinite(slope) or slope < 0:
            raise ValueError(
                f"leaky_relu slope must be finite and >= 0, got {slope!r}")
        self.slope = float(slope)

    def forward_cpu(self, Z):
        np.multiply(Z, Z.dtype.type(self.slope), out=Z, where=Z < 0)
        return Z

    def backward_cpu(self, dA, A):
        np.multiply(dA, dA.dtype.type(self.slope), out=dA, where=A <= 0)
        return dA
