"""Sigmoid: ``g(z) = 1 / (1 + exp(-z))``, ``g'(z) = a (1 - a)``."""

import numpy as np

from .base import Activation, zeros_row


class Sigmoid(Activation):
    name = "sigmoid"
    # exp(-|z|) lies in (0, 1], so neither branch can overflow, and for z < 0
    # e / (1 + e) keeps full relative precision where 1 - 1/(1 + e) would not.
    cuda_preamble = """
template <typename T>
__device__ __forceinline__ T dlgpu_sigmoid(T z) {
    const T e = exp(-fabs(z));
    const T s = T(1) / (T(1) + e);
    return z >= T(0) ? s : e * s;
}
"""
    cuda_forward = "dlgpu_sigmoid(z)"
    cuda_backward = "dz * a * (C(1) - a)"

    def forward_cpu(self, Z):
        # The same two branches without a masked (slow, scalar) NumPy loop:
        # g(z) = exp(min(z, 0)) / (1 + exp(-|z|)); neither exp can overflow.
        denominator = np.abs(Z)
        np.negative(denominator, out=denominator)
        with np.errstate(under="ignore"):
            np.exp(denominator, out=denominator)
            denominator += 1
            np.minimum(Z, zeros_row(Z), out=Z)
            np.exp(Z, out=Z)
        Z /= denominator
        return Z

    def backward_cpu(self, dA, A):
        slope = np.subtract(1, A)
        slope *= A
        dA *= slope
        return dA
