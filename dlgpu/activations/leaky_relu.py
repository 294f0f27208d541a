"""Leaky ReLU: ``g(z) = max(slope * z, z)``, with 0 <= slope <= 1 (0.01 by default).

``g'(z) = 1 if z > 0 else slope``.  With ``slope >= 0``, ``a > 0`` exactly
when ``z > 0``, so the derivative can be read from the output.
"""

import numpy as np

from .base import Activation


class LeakyReLU(Activation):
    name = "leaky_relu"
    params = ("slope",)
    cuda_forward = "(z > C(0) ? z : z * slope)"
    cuda_backward = "(a > C(0) ? dz : dz * slope)"

    def __init__(self, slope: float = 0.01):
        if isinstance(slope, bool) or not isinstance(slope, (int, float, np.floating, np.integer)):
            raise TypeError(f"leaky_relu slope must be a number, got {slope!r}")
        if not 0 <= slope <= 1:  # also refuses NaN
            raise ValueError(f"leaky_relu slope must be in [0, 1], got {slope!r}")
        self.slope = float(slope)

    def forward_cpu(self, Z):
        return np.maximum(Z, Z * Z.dtype.type(self.slope), out=Z)

    def backward_cpu(self, dA, A):
        # g' = slope + (1 - slope) [a > 0], without a masked (slow) NumPy loop
        slope = dA.dtype.type(self.slope)
        derivative = (A > 0).astype(dA.dtype)
        derivative *= 1 - slope
        derivative += slope
        dA *= derivative
        return dA
