"""ReLU: ``g(z) = max(0, z)``, ``g'(z) = 1 if z > 0 else 0``.

NOTE: the derivative at ``z = 0`` is taken as 0, as in the course
(``dZ[Z <= 0] = 0``).  From the output, ``a > 0`` exactly when ``z > 0``.

NaN must survive, as in NumPy, so that a diverged layer shows in the cost:
``g(NaN) = NaN`` (a comparison with NaN is false, so the forward kernel
tests ``z < 0``), and the backward pass multiplies ``dA`` by the 0/1 mask,
as NumPy does, so a NaN or infinite ``dA`` stays NaN or infinite.
"""

import numpy as np

from .base import Activation, zeros_row


class ReLU(Activation):
    name = "relu"
    cuda_forward = "(z < C(0) ? C(0) : z)"
    cuda_backward = "dz * (a > C(0) ? C(1) : C(0))"

    def forward_cpu(self, Z):
        # maximum() propagates NaN, so a diverged run stays visible.
        return np.maximum(Z, zeros_row(Z), out=Z)

    def backward_cpu(self, dA, A):
        # Multiplying by the bool mask is a SIMD loop; a masked copyto is ~15x slower.
        np.multiply(dA, A > 0, out=dA)
        return dA
