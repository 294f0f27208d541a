"""FLOPs and bytes moved by one training step and by one activation call.

FLOPs are those of the matrix products, two per multiply-add: they are the
work a GEMM rate applies to.  Elementwise work (bias, activation, update) is
counted in bytes instead, where its cost lies.

Bytes model the least traffic through memory of an implementation that keeps
each layer's output between the forward and the backward pass (at any real m
it cannot stay in cache) and fuses the elementwise work of a layer into the
matrix product next to it: each matrix product reads its operands once and
writes its result once.  With a[l] = n_l m elements in layer l's activations
and P parameters, a step of an L-layer network moves, in elements:

=====================  ==================================================
forward                sum_l (a[l-1] + a[l]) + P   (A_prev, W, b in; A out)
output gradient        3 a[L]                      (A_L, Y in; dZ_L out)
weight gradients       sum_l (a[l] + a[l-1]) + P   (dZ, A_prev in; dW, db out)
input gradients        sum_{l>=2} (a[l] + 2 a[l-1] + n_l n_{l-1})
                       (dZ_l, W_l, A_{l-1} in for g'; dZ_{l-1} out; no dA_0)
update                 3 P                         (W, dW in; W out)
=====================  ==================================================
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np


def _check(layer_dims, m):
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layer_dims must be at least two positive sizes, got {layer_dims!r}")
    if int(m) < 1:
        raise ValueError(f"m must be a positive number of examples, got {m!r}")
    return dims, int(m)


def _weights(dims) -> list[int]:
    """n_l n_{l-1} for l = 1..L."""
    return [n_l * n_prev for n_prev, n_l in pairwise(dims)]


def n_parameters(layer_dims) -> int:
    """P = sum_l (n_l n_{l-1} + n_l), weights and biases."""
    dims, _ = _check(layer_dims, 1)
    return sum(_weights(dims)) + sum(dims[1:])


def step_flops(layer_dims, m) -> int:
    """Matrix-product FLOPs of one training step on a batch of m examples.

    Forward Z[l] = W[l] A[l-1]: 2 m n_l n_{l-1} per layer; backward
    dW[l] = dZ[l] A[l-1]^T: the same again; dA[l-1] = W[l]^T dZ[l] for
    l >= 2 only (dA[0] is never needed).
    """
    dims, m = _check(layer_dims, m)
    weights = _weights(dims)
    return 2 * m * (2 * sum(weights) + sum(weights[1:]))


def step_bytes(layer_dims, m, dtype) -> int:
    """Bytes one training step must move (see the module docstring for the model)."""
    dims, m = _check(layer_dims, m)
    a = [n * m for n in dims]
    weights = _weights(dims)
    P = n_parameters(dims)
    layers = range(1, len(dims))
    forward = sum(a[l - 1] + a[l] for l in layers) + P
    output_gradient = 3 * a[-1]
    weight_gradients = sum(a[l] + a[l - 1] for l in layers) + P
    input_gradients = sum(a[l] + 2 * a[l - 1] + weights[l - 1] for l in layers if l >= 2)
    update = 3 * P
    elements = forward + output_gradient + weight_gradients + input_gradients + update
    return elements * np.dtype(dtype).itemsize


def activation_bytes(n, dtype) -> int:
    """Bytes of one call of the activation benchmark on n elements.

    The call refreshes its two inputs (two copies: 4 n), runs the fused
    forward ``A <- g(A + b)`` (2 n) and the fused backward ``dA <- dA g'(A)``
    (3 n): 9 n elements.  The bias column is negligible.
    """
    if int(n) < 1:
        raise ValueError(f"n must be a positive number of elements, got {n!r}")
    return 9 * int(n) * np.dtype(dtype).itemsize
