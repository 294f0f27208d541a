"""The costs of the output layers: cross-entropies, in forms that stay finite at
the extremes, and the squared error of regression.

J = -(1/m) * sum( Y log(A) + (1 - Y) log(1 - A) ),  A = sigmoid(Z), summed
over the outputs (one for a binary label, k for k independent labels).

:func:`loss_total` gives the (weighted) sum of the losses of a batch, the
numerator of its cost; on CUDA it is one reduction kernel that reads Z and
Y once (``cupy.ReductionKernel``), with ``out=`` writing into a preallocated
slot, so a mini-batch's running cost costs one launch and no allocation.
"""

from __future__ import annotations

import functools

import numpy as np

from .activations.kernels import KernelSpec, ReductionSpec, get_kernel, get_reduction_kernel
from .backend import get_array_module, is_device_array

#: loss name -> the CUDA expression of one element's loss, of z (logit or
#: prediction) and y (target); summed over every element
_LOSS_EXPRESSIONS = {
    "binary_cross_entropy": "(z > T(0) ? z : T(0)) - z * y + log1p(exp(-fabs(z)))",
    "half_squared_error": "(z - y) * (z - y) / T(2)",
}


@functools.cache  # built once, not once a step
def _total_spec(loss: str, weighted: bool) -> ReductionSpec:
    weight = ", T w" if weighted else ""
    term = f"({_LOSS_EXPRESSIONS[loss]})" + (" * w" if weighted else "")
    return ReductionSpec(name=f"dlgpu_{loss}_total{'_weighted' if weighted else ''}",
                         in_params=f"T z, T y{weight}", out_params="T total",
                         map_expr=term, reduce_expr="a + b", post_map_expr="total = a",
                         identity="0")


_LOG_SUM_EXP = KernelSpec(
    name="dlgpu_log_sum_exp", in_params="raw T z", out_params="raw T lse",
    operation="""
    const ptrdiff_t C = z.shape()[0], m = z.shape()[1];
    T top = z[i];
    for (ptrdiff_t k = 1; k < C; ++k) top = z[k * m + i] > top ? z[k * m + i] : top;
    T sum = T(0);
    for (ptrdiff_t k = 0; k < C; ++k) sum += exp(z[k * m + i] - top);
    lse[i] = top + log(sum);""", preamble="", scalars=())


@functools.cache
def _categorical_total_spec(weighted: bool) -> ReductionSpec:
    """sum_(k, i) y_ki (lse_i - z_ki) (* w_i), lse : (1, m) the columns' log-sum-exp."""
    weight = ", T w" if weighted else ""
    return ReductionSpec(
        name=f"dlgpu_categorical_total{'_weighted' if weighted else ''}",
        in_params=f"T z, T y, T lse{weight}", out_params="T total",
        map_expr="y * (lse - z)" + (" * w" if weighted else ""), reduce_expr="a + b",
        post_map_expr="total = a", identity="0")


def _loss_elements(loss: str, Z, Y):
    """NumPy: each element's loss, (k, m), a new array."""
    if loss == "binary_cross_entropy":
        xp = get_array_module(Z)
        out = xp.maximum(Z, 0)
        out -= Z * Y
        out += xp.log1p(xp.exp(-xp.abs(Z)))
        return out
    error = Z - Y
    error *= error
    error /= error.dtype.type(2)
    return error


def loss_total(loss: str, Z, Y, weights=None, out=None, scratch=None):
    """sum over examples i (and outputs) of w_i * loss(Z, Y), a 0-d array of Z's kind.

    ``loss``: ``"binary_cross_entropy"`` (Z the logits),
    ``"categorical_cross_entropy"`` (Z the logits, Y one-hot) or
    ``"half_squared_error"`` ((Z - Y)^2 / 2, Z the predictions).  Z, Y :
    (k, m); ``weights`` (1, m) or None (all 1); ``out``: a 0-d array to write
    into (on CUDA, no allocation then); ``scratch``: a (1, m) array the
    categorical loss may use for its columns' log-sum-exp.
    """
    if loss == "categorical_cross_entropy" and is_device_array(Z):
        # A thread per column computes its log-sum-exp; one reduction then reads Z, Y
        # and that row (several inputs: CuPy's own reduction kernel, never CUB's
        # two-pass one with its workspace).
        xp = get_array_module(Z)
        lse = xp.empty((1, Z.shape[1]), Z.dtype) if scratch is None else scratch
        get_kernel(_LOG_SUM_EXP)(Z, lse, size=Z.shape[1])
        args = (Z, Y, lse) if weights is None else (Z, Y, lse, weights)
        return get_reduction_kernel(_categorical_total_spec(weights is not None))(*args, out=out)
    if loss == "categorical_cross_entropy":
        total = _categorical_total(Z, Y, weights)
    elif is_device_array(Z):
        kernel = get_reduction_kernel(_total_spec(loss, weights is not None))
        args = (Z, Y) if weights is None else (Z, Y, weights)
        return kernel(*args, out=out)
    else:
        elements = _loss_elements(loss, Z, Y)
        if weights is not None:
            elements *= weights
        total = elements.sum()
    if out is None:
        return total
    out[...] = total
    return out


def binary_cross_entropy_from_logits(Z, Y, weights=None, weight_sum=None):
    """Cost from the output layer's pre-activation Z, exact for any finite Z.

    Uses ``max(z, 0) - z y + log(1 + exp(-|z|))``, which equals the loss of
    ``sigmoid(z)`` but never takes the log of 0 or exponentiates a large
    number.  Z, Y : (k, m), k = 1 for the course's binary output; the losses
    are summed over the k outputs and averaged over the m examples, or with
    ``weights`` (1, m), summing to ``weight_sum``, weighted by them.  Returns a 0-d
    array on Z's backend.
    """
    return _mean(loss_total("binary_cross_entropy", Z, Y, weights), Z, weights, weight_sum)


def _mean(total, Z, weights, weight_sum):
    """A loss total over the m examples as a mean (weighted: over ``weight_sum``, or
    the total itself for weights all zero)."""
    if weights is None:
        return total / Z.dtype.type(Z.shape[1])
    return total / Z.dtype.type(weight_sum) if weight_sum > 0 else total


def binary_cross_entropy(AL, Y):
    """Cost from probabilities AL, as the course writes it.

    Only the values exactly 0 and exactly 1, where a log is infinite, are
    moved inward (to the smallest normal number and the largest number below
    1); every other AL gives the course's value unchanged.  AL, Y : (1, m).
    Returns a 0-d array on AL's backend.
    """
    xp = get_array_module(AL)
    info = np.finfo(AL.dtype)
    AL = xp.clip(AL, info.tiny, 1 - info.epsneg)
    m = AL.shape[1]
    return -(Y * xp.log(AL) + (1 - Y) * xp.log(1 - AL)).sum() / AL.dtype.type(m)


def softmax(Z):
    """Column-wise softmax ``A[k] = exp(Z[k]) / sum_j exp(Z[j])`` of Z : (n_L, m).

    Each column is shifted by its maximum first, so no exp can overflow and
    the largest term is exactly 1.  Returns a new array of Z's kind and dtype.
    """
    xp = get_array_module(Z)
    A = Z - Z.max(axis=0, keepdims=True)
    xp.exp(A, out=A)
    A /= A.sum(axis=0, keepdims=True)
    return A


def categorical_cross_entropy_from_logits(Z, Y, weights=None, weight_sum=None):
    """J = -(1/m) sum_i sum_k Y[k, i] log softmax(Z)[k, i], exact for any finite Z.

    Uses ``log softmax(z)_k = z_k - max(z) - log(sum_j exp(z_j - max(z)))``, so
    no probability is rounded to 0 before its log is taken.  Z, Y : (n_L, m),
    Y one-hot; ``weights`` (1, m) summing to ``weight_sum``
    give a weighted mean instead.
    Returns a 0-d array on Z's backend.
    """
    return _mean(loss_total("categorical_cross_entropy", Z, Y, weights), Z, weights, weight_sum)


def _categorical_total(Z, Y, weights):
    """-sum_i w_i sum_k Y[k, i] log softmax(Z)[k, i], by array operations on either backend."""
    xp = get_array_module(Z)
    shifted = Z - Z.max(axis=0, keepdims=True)
    log_norm = xp.log(xp.exp(shifted).sum(axis=0, keepdims=True))
    shifted -= log_norm  # log softmax(Z)
    shifted *= Y
    if weights is not None:
        shifted *= weights
    return -shifted.sum()


def squared_error(AL, Y, weights=None, weight_sum=None):
    """J = (1/(2m)) sum_i sum_k (AL[k, i] - Y[k, i])^2, the course's squared-error cost.

    Half the mean over examples of the squared errors summed over outputs, so
    that dJ/dAL = (AL - Y)/m.  AL, Y : (n_L, m); ``weights`` (1, m) summing to
    ``weight_sum`` give a weighted mean instead.  Returns a 0-d array on AL's backend.
    """
    return _mean(loss_total("half_squared_error", AL, Y, weights), AL, weights, weight_sum)


def all_cuda_sources(dtypes=("float32", "float64")):
    """Yield ``(kernel name, dtype, source)`` for the losses' elementwise kernels (the
    reductions' code is CuPy's own, generated around their expressions)."""
    from .activations.kernels import render_cuda_source

    for dtype in dtypes:
        yield _LOG_SUM_EXP.name, dtype, render_cuda_source(_LOG_SUM_EXP, dtype)
