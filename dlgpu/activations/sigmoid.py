"""Sigmoid: ``g(z) = 1 / (1 + exp(-z))``, ``g'(z) = a (1 - a)``."""

import numpy as np

from .base import Activation


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
    cuda_backward = "dz * a * (T(1) - a)"

    def forward_cpu(self, Z):
        negative = Z < 0
        e = np.abs(Z)
        np.negative(e, out=e)
        with np.errstate(under="ignore"):
            np.exp(e, out=e)
        np.add(e, 1, out=Z)
        np.reciprocal(Z, out=Z)
        np.multiply(Z, e, out=Z, where=negative)
        return Z

    def backward_cpu(self, dA, A):
        slope = np.subtract(1, A)
        slope *= A
        dA *= slope
        return dA
