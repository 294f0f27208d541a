"""The costs of the output layers: cross-entropies, in forms that stay finite at
the extremes, and the squared error of regression.

J = -(1/m) * sum( Y log(A) + (1 - Y) log(1 - A) ),  A = sigmoid(Z), summed
over the outputs (one for a binary label, k for k independent labels).
"""

from __future__ import annotations

import numpy as np

from .backend import get_array_module


def _weighted(loss, weights, weight_sum):
    """sum_i w_i (loss summed over rows)_i / sum_i w_i for weights w (1, m) whose sum
    is ``weight_sum`` (0 for weights all zero: then 0)."""
    loss *= weights
    total = loss.sum()
    return total / loss.dtype.type(weight_sum) if weight_sum > 0 else total


def binary_cross_entropy_from_logits(Z, Y, weights=None, weight_sum=None):
    """Cost from the output layer's pre-activation Z, exact for any finite Z.

    Uses ``max(z, 0) - z y + log(1 + exp(-|z|))``, which equals the loss of
    ``sigmoid(z)`` but never takes the log of 0 or exponentiates a large
    number.  Z, Y : (k, m), k = 1 for the course's binary output; the losses
    are summed over the k outputs and averaged over the m examples, or with
    ``weights`` (1, m), summing to ``weight_sum``, weighted by them.  Returns a 0-d
    array on Z's backend.
    """
    xp = get_array_module(Z)
    loss = xp.maximum(Z, 0)
    loss -= Z * Y
    loss += xp.log1p(xp.exp(-xp.abs(Z)))
    if weights is not None:
        return _weighted(loss, weights, weight_sum)
    return loss.sum() / Z.dtype.type(Z.shape[1])


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
    xp = get_array_module(Z)
    shifted = Z - Z.max(axis=0, keepdims=True)
    log_norm = xp.log(xp.exp(shifted).sum(axis=0, keepdims=True))
    shifted -= log_norm  # log softmax(Z)
    shifted *= Y
    if weights is not None:
        return -_weighted(shifted, weights, weight_sum)
    return -shifted.sum() / Z.dtype.type(Z.shape[1])


def squared_error(AL, Y, weights=None, weight_sum=None):
    """J = (1/(2m)) sum_i sum_k (AL[k, i] - Y[k, i])^2, the course's squared-error cost.

    Half the mean over examples of the squared errors summed over outputs, so
    that dJ/dAL = (AL - Y)/m.  AL, Y : (n_L, m); ``weights`` (1, m) summing to
    ``weight_sum`` give a weighted mean instead.  Returns a 0-d array on AL's backend.
    """
    error = AL - Y
    error *= error
    if weights is not None:
        return _weighted(error, weights, weight_sum) / AL.dtype.type(2)
    return error.sum() / AL.dtype.type(2 * AL.shape[1])
