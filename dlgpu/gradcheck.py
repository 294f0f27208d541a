"""Gradient checking by central differences, as in the course."""

from __future__ import annotations

import copy

import numpy as np

from . import backend, propagation
from .validation import check_dtype, check_positive_float, check_X


def gradient_check(model, X, Y, epsilon: float = 1e-7, dtype: str = "float64") -> float:
    """Relative difference between backprop's gradients and numerical ones.

    ``||g - g_approx|| / (||g|| + ||g_approx||)`` over all parameters, where
    ``g_approx[i] = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)``.

    The check runs on a copy of ``model`` in ``dtype`` (float64 by default:
    in float32 the differences are dominated by rounding) on the model's
    backend (``float32`` or ``float64``: a ``dtype="bfloat16"`` model is
    checked in ``dtype``, from its float32 master weights; in bfloat16 the
    differences would be all rounding); an unfitted model is checked at its
    initial parameters.  Values
    below about 1e-7 mean the gradients are right.  Each parameter costs two
    forward passes, so use a small network and few examples.

    NOTE: where some Z is exactly 0 (e.g. a column of dead ReLU units feeding
    a zero bias), the numerical derivative of ReLU is 1/2 while backprop takes
    0, as the course does; the check then reports a large difference that is
    not a bug.  Checking after a few training steps avoids exact zeros.
    """
    epsilon = check_positive_float(epsilon, "epsilon")
    dtype = check_dtype(dtype)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"gradient_check's dtype must be float32 or float64 (finite "
                         f"differences in {dtype} are all rounding), got {dtype!r}")
    X = check_X(X, model.layer_dims[0])
    Y = model.output.check_targets(Y, X.shape[1])
    probe = copy.copy(model)
    probe.dtype = dtype
    if not hasattr(model, "parameters_"):
        probe.initialize_parameters()
    start = getattr(model, "parameters_", probe.parameters_)
    xp = backend.get_array_module(start["W1"])
    # A copy: the check moves parameters one by one and must not touch the model.
    probe.parameters_ = {k: xp.array(v, dtype=dtype, copy=True) for k, v in start.items()}

    _, grads = probe.loss_and_gradients(X, Y)

    def objective() -> float:
        """The cost loss_and_gradients differentiates: with the l2 penalty, if any."""
        cost = probe.cost(X, Y)
        if getattr(probe, "l2", 0):
            cost += float(propagation.l2_penalty(probe.parameters_, probe.l2, X.shape[1]))
        return cost

    analytic, numeric = [], []
    for key, value in probe.parameters_.items():
        flat = value.reshape(-1)  # a view: writing it moves the parameter
        approx = np.empty(flat.size)
        for i in range(flat.size):
            original = flat[i].copy()
            flat[i] = original + epsilon
            plus = objective()
            flat[i] = original - epsilon
            minus = objective()
            flat[i] = original
            approx[i] = (plus - minus) / (2 * epsilon)
        analytic.append(grads["d" + key].reshape(-1))
        numeric.append(approx)
    g, g_approx = np.concatenate(analytic), np.concatenate(numeric)
    denominator = np.linalg.norm(g) + np.linalg.norm(g_approx)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(g - g_approx) / denominator)
