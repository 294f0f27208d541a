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

**dlgpu's step, kernel by kernel.**  :func:`step_kernels` lists the kernels
dlgpu's CUDA path issues for one step after a warm-up (the table in
docs/backends.md, asserted on the CuPy stand-in by tests/test_step_counts.py
and, for this list, by tests/bench/test_step_kernels.py): its length is
the step's launch count (:func:`step_launches`), 6L - 2 for L weight
matrices and one sigmoid (or identity) output unit, +1 for several output
units (W[L]^T dZ[L] a GEMM and a derivative kernel instead of one fused
outer product), +1 with L2 (dW += lambda/m W, one kernel over all weights);
a mini-batch step on resident data adds the gathers of X and Y and the
running cost's reduction (+1 for the L2 norm, +1 for a softmax's
log-sum-exp).  Each kernel's bytes are those of the arrays it touches, each
read once and written once (broadcast operands such as b or a (1, m) row
count once: the caches serve their repeats):

=======================  ===================================  ===================
kernel                   reads                                writes
=======================  ===================================  ===================
Z[l] = W[l] A[l-1]       n_l n_{l-1} + a[l-1]                 a[l]
A[l] = g(Z[l] + b[l])    a[l] + n_l                           a[l]
output head              Z[L], T: 2 a[L]; b[L]: n_L           Z[L], dZ[L]: 2 a[L]
dW[l] = dZ[l] A[l-1]^T   a[l] + a[l-1]                        n_l n_{l-1}
db[l] = rows of dZ[l]    a[l]                                 n_l
dA = W^T dZ (n_l > 1)    n_l n_{l-1} + a[l]                   a[l-1]
dZ = dA g'(A)            dA, A: 2 a[l-1]                      a[l-1]
dZ = (W^T dZ) g'(A)      n_{l-1} + m + a[l-1]   (n_l = 1)     a[l-1]
dW += lambda/m W         2 n_W                                n_W
update                   g, w, each state: (2 + s) P          w, states: (1 + s) P
gather X, Y (mini)       n m + m indices (int64)              n m
running cost (mini)      Z[L], T: 2 a[L]                      1
=======================  ===================================  ===================

with n_W the weights' elements and s the optimizer's states (0 for gd, 1
for momentum and RMSprop, 2 for Adam).  Dropout's masks are drawn in the
kernels from a key and the (1, m) int64 column indices, which each dropped
layer's kernels read.  :func:`dlgpu_step_bytes` sums them;
:func:`bytes_over_minimum` divides that by :func:`step_bytes`.  The count
is of the fused CUDA path: the NumPy backend does the same arithmetic in
more, unfused passes.
"""

from __future__ import annotations

from dataclasses import dataclass
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


#: the output layers :func:`step_kernels` models
OUTPUTS = ("sigmoid", "softmax", "identity")
_INDEX_BYTES = np.dtype(np.int64).itemsize


@dataclass(frozen=True)
class Kernel:
    """One launch of dlgpu's step: what it computes, its kind (``gemm``,
    ``elementwise``, ``reduction``, as :mod:`tests.cupy_standin` counts them) and
    the bytes it reads and writes."""

    what: str
    kind: str
    reads: int
    writes: int

    @property
    def bytes(self) -> int:
        return self.reads + self.writes


def _states(optimizer: str) -> int:
    from ..optimizers import OPTIMIZERS

    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    return len(OPTIMIZERS[optimizer].state_names)


def step_kernels(layer_dims, m, dtype="float32", *, output="sigmoid", optimizer="gd",
                 l2=False, dropout=False, mini_batch=False) -> list[Kernel]:
    """The kernels of one step of dlgpu's CUDA path on m examples, in order.

    ``output``: one of :data:`OUTPUTS`; ``optimizer``: a name of
    :data:`dlgpu.optimizers.OPTIMIZERS`; ``l2``: an L2 penalty (lambda > 0);
    ``dropout``: keep_prob < 1; ``mini_batch``: a step of mini-batch training
    on resident data (the batch gathered, its loss added to the epoch's
    running total).  See the module docstring for the table.
    """
    dims, m = _check(layer_dims, m)
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, got {output!r}")
    states = _states(optimizer)
    size = np.dtype(dtype).itemsize
    L = len(dims) - 1
    a = [n * m for n in dims]
    weights = _weights(dims)
    P = n_parameters(dims)
    mask = _INDEX_BYTES * m if dropout else 0  # the column indices a dropped layer's kernel reads
    kernels = []

    def add(what, kind, reads, writes, extra=0):
        kernels.append(Kernel(what, kind, reads * size + extra, writes * size))

    if mini_batch:
        for name, n in (("X", dims[0]), ("Y", dims[-1])):
            add(f"gather the batch's columns of {name}", "elementwise", n * m, n * m,
                _INDEX_BYTES * m)
    for l in range(1, L):
        add(f"Z[{l}] = W[{l}] A[{l - 1}]", "gemm", weights[l - 1] + a[l - 1], a[l])
        add(f"A[{l}] = g(Z[{l}] + b[{l}])", "elementwise", a[l] + dims[l], a[l], mask)
    add(f"Z[{L}] = W[{L}] A[{L - 1}]", "gemm", weights[L - 1] + a[L - 1], a[L])
    add(f"output head: Z[{L}] += b[{L}], dZ[{L}] = ({output}(Z[{L}]) - T) / m",
        "elementwise", 2 * a[L] + dims[L], 2 * a[L])
    for l in range(L, 0, -1):
        add(f"dW[{l}] = dZ[{l}] A[{l - 1}]^T", "gemm", a[l] + a[l - 1], weights[l - 1])
        add(f"db[{l}] = row sums of dZ[{l}]", "reduction", a[l], dims[l])
        if l == 1:
            continue
        if dims[l] == 1:
            add(f"dZ[{l - 1}] = (W[{l}]^T dZ[{l}]) g'(A[{l - 1}])", "elementwise",
                dims[l - 1] + m + a[l - 1], a[l - 1], mask)
        else:
            add(f"dA[{l - 1}] = W[{l}]^T dZ[{l}]", "gemm", weights[l - 1] + a[l], a[l - 1])
            add(f"dZ[{l - 1}] = dA[{l - 1}] g'(A[{l - 1}])", "elementwise", 2 * a[l - 1],
                a[l - 1], mask)
    n_weights = sum(weights)
    if l2:
        add("dW += lambda/m W (all weights)", "elementwise", 2 * n_weights, n_weights)
    add(f"{optimizer} update (all parameters)", "elementwise", (2 + states) * P,
        (1 + states) * P)
    if mini_batch:
        if l2:
            add("||W||^2 of the batch's L2 term", "reduction", 2 * n_weights, 1)
        if output == "softmax":
            add("log-sum-exp of each column", "elementwise", a[L], m)
            add("the batch's loss total", "reduction", 2 * a[L] + m, 1)
        else:
            add("the batch's loss total", "reduction", 2 * a[L], 1)
    return kernels


def step_launches(layer_dims, *, output="sigmoid", optimizer="gd", l2=False,
                  mini_batch=False) -> int:
    """Kernel launches of one step of dlgpu's CUDA path (any m, with or without
    dropout): the length of :func:`step_kernels`."""
    return len(step_kernels(layer_dims, 1, output=output, optimizer=optimizer, l2=l2,
                            mini_batch=mini_batch))


def dlgpu_step_bytes(layer_dims, m, dtype, **config) -> int:
    """Bytes dlgpu's CUDA path reads and writes in one step: the sum over
    :func:`step_kernels` (``config`` as there)."""
    return sum(k.bytes for k in step_kernels(layer_dims, m, dtype, **config))


def bytes_over_minimum(layer_dims, m, dtype, **config) -> float:
    """:func:`dlgpu_step_bytes` over :func:`step_bytes`, the least a step must move."""
    return dlgpu_step_bytes(layer_dims, m, dtype, **config) / step_bytes(layer_dims, m, dtype)
