"""The three-layer network of Course 2's utility files (``init_utils``, ``reg_utils``,
``opt_utils``, ``gc_utils``): LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID.

Its cache is the course's flat tuple ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3,
A3, W3, b3)``.  ``init_utils`` and ``opt_utils`` name the gradients in lower
case (``dz3``, ``da2``, ...) and scale dz3 by 1/m first; ``reg_utils`` and
the gradient-checking notebook name them in upper case (``dZ3``, ``dA2``,
...) and divide the products by m: both orders are kept, so the digits the
notebooks print come out.  The costs are the utils' own: ``compute_loss``
(the mean, NaN terms skipped, as ``np.nansum``), ``compute_cost_total`` (the
sum over a mini-batch) and ``log_loss`` (the plain mean).

The step functions take NumPy or CuPy arrays on either backend
(:mod:`.placement`); costs are NumPy floats.
"""

from __future__ import annotations

import numpy as np

from ..activations import Sigmoid
from ..backend import get_array_module, to_device, to_numpy
from ..errors import InvalidDataError
from ..validation import check_int, check_layer_dims, check_positive_float, check_X, check_Y
from .activations import apply
from .checks import check_cache_tuple, check_parameters, check_probabilities, input_size
from .deep import draw_parameters
from .placement import follows_caller
from .random_state import global_random_state

_sigmoid = Sigmoid()
CACHE_LENGTH = 12


def sigmoid(x):
    """The utils' ``sigmoid(x)``: s = 1 / (1 + exp(-x)), the value alone (no cache)."""
    return apply(_sigmoid, x)


def relu(x):
    """The utils' ``relu(x)``: s = max(0, x), the value alone (no cache)."""
    return get_array_module(x).maximum(0, x)


# --- initializers -----------------------------------------------------------------------

def initialize_parameters_zeros(layers_dims):
    """Every W[l] (n_l, n_{l-1}) and b[l] (n_l, 1) zero: the symmetry never breaks."""
    dims = check_layer_dims(layers_dims)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.zeros((dims[l], dims[l - 1]))
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return {k: to_device(v) for k, v in parameters.items()}


def initialize_parameters_random(layers_dims):
    """W[l] = randn(n_l, n_{l-1}) * 10 after ``np.random.seed(3)``; b = 0."""
    dims = check_layer_dims(layers_dims)
    parameters = {}
    with global_random_state(3) as rng:
        for l in range(1, len(dims)):
            parameters[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) * 10
            parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return {k: to_device(v) for k, v in parameters.items()}


def initialize_parameters_he(layers_dims):
    """W[l] = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1}) after ``np.random.seed(3)``; b = 0."""
    return draw_parameters(check_layer_dims(layers_dims), "he", seed=3)


def initialize_parameters_scaled(layer_dims):
    """``reg_utils``' ``initialize_parameters``: randn / sqrt(n_{l-1}) after seed 3; b = 0."""
    return draw_parameters(check_layer_dims(layer_dims), "course", seed=3)


# --- forward and backward -----------------------------------------------------------------

def check_forward(X, parameters):
    """The three-layer parameters and X (n_x, m), checked; returns X."""
    check_parameters(parameters, n_layers=3, finite=True)
    return check_X(X, input_size(parameters))


@follows_caller
def forward_propagation(X, parameters):
    """Returns ``(a3, cache)``, cache ``(z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)``.

    X : (n_x, m); parameters W1 (n_1, n_x), ..., W3 (1, n_2).
    """
    return forward(check_forward(X, parameters), parameters)


def forward(X, parameters):
    """:func:`forward_propagation` without its checks."""
    xp = get_array_module(X, parameters["W1"])
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = xp.matmul(W1, X) + b1
    a1 = relu(z1)
    z2 = xp.matmul(W2, a1) + b2
    a2 = relu(z2)
    z3 = xp.matmul(W3, a2) + b3
    a3 = sigmoid(z3)
    return a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)


def check_backward(X, Y, cache, length=CACHE_LENGTH, producer="forward_propagation"):
    """X (n_x, m), Y (1, m) or (m,) and the cache tuple, checked; returns ``(X, Y, cache)``."""
    cache = check_cache_tuple(cache, length, producer)
    X = check_X(X)
    W1 = cache[-10] if length == CACHE_LENGTH else cache[3]
    if getattr(W1, "ndim", 0) != 2 or W1.shape[1] != X.shape[0]:
        raise InvalidDataError(f"X has {X.shape[0]} features but the cache's W1 has shape "
                               f"{getattr(W1, 'shape', None)}: pass the X the cache was "
                               f"computed from")
    return X, check_Y(Y, X.shape[1], binary=False), cache


@follows_caller
def backward_propagation(X, Y, cache):
    """``init_utils``/``opt_utils``' backward pass: dz3 = (a3 - Y) / m, then the chain rule.

    Returns ``{"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1"}``.
    """
    return backward_lower(*check_backward(X, Y, cache))


def backward_lower(X, Y, cache):
    """:func:`backward_propagation` without its checks."""
    xp = get_array_module(X, cache[2])
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    dz3 = 1. / m * (a3 - Y)
    dW3 = xp.matmul(dz3, a2.T)
    db3 = xp.sum(dz3, axis=1, keepdims=True)
    da2 = xp.matmul(W3.T, dz3)
    dz2 = da2 * (a2 > 0)
    dW2 = xp.matmul(dz2, a1.T)
    db2 = xp.sum(dz2, axis=1, keepdims=True)
    da1 = xp.matmul(W2.T, dz2)
    dz1 = da1 * (a1 > 0)
    dW1 = xp.matmul(dz1, X.T)
    db1 = xp.sum(dz1, axis=1, keepdims=True)
    return {"dz3": dz3, "dW3": dW3, "db3": db3, "da2": da2, "dz2": dz2, "dW2": dW2,
            "db2": db2, "da1": da1, "dz1": dz1, "dW1": dW1, "db1": db1}


def backward_upper(X, Y, cache, lambd=0.0, masks=None, keep_prob=1.0):
    """``reg_utils``' backward pass (dZ3 = A3 - Y, products divided by m), upper-case keys.

    ``lambd`` adds (lambd / m) W[l] to each dW[l] (L2); ``masks`` (D1, D2)
    shut the dropped units of dA1, dA2 and scale the rest by 1 / keep_prob.
    Arguments already checked.
    """
    xp = get_array_module(X, cache[2])
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1. / m * xp.matmul(dZ3, A2.T) + (lambd / m * W3 if lambd else 0)
    db3 = 1. / m * xp.sum(dZ3, axis=1, keepdims=True)
    dA2 = xp.matmul(W3.T, dZ3)
    if masks is not None:
        dA2 = dA2 * masks[1]
        dA2 = dA2 / keep_prob
    dZ2 = dA2 * (A2 > 0)
    dW2 = 1. / m * xp.matmul(dZ2, A1.T) + (lambd / m * W2 if lambd else 0)
    db2 = 1. / m * xp.sum(dZ2, axis=1, keepdims=True)
    dA1 = xp.matmul(W2.T, dZ2)
    if masks is not None:
        dA1 = dA1 * masks[0]
        dA1 = dA1 / keep_prob
    dZ1 = dA1 * (A1 > 0)
    dW1 = 1. / m * xp.matmul(dZ1, X.T) + (lambd / m * W1 if lambd else 0)
    db1 = 1. / m * xp.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


@follows_caller
def backward_propagation_upper(X, Y, cache):
    """``reg_utils``' ``backward_propagation``: keys ``dZ3``, ``dW3``, ..., ``db1``."""
    return backward_upper(*check_backward(X, Y, cache))


# --- costs --------------------------------------------------------------------------------

def log_probs(a3, Y):
    """-(Y log a3 + (1 - Y) log(1 - a3)) per example, as the utils write it (inf and NaN
    where a3 is exactly 0 or 1, without NumPy's warnings)."""
    xp = get_array_module(a3)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -xp.log(a3) * Y + -xp.log(1 - a3) * (1 - Y)


def checked_cost_args(a3, Y):
    """``(a3, Y)`` checked as the cost functions take them: probabilities and finite targets."""
    a3 = check_probabilities(a3, "a3")
    return a3, check_Y(Y, a3.shape[1], binary=False)


def nansum_mean(a3, Y):
    """1/m * nansum(log_probs), arguments checked: a NumPy float, inf where a sure answer
    is wrong (the notebook's 'Cost after iteration 0: inf')."""
    xp = get_array_module(a3)
    terms = log_probs(a3, Y)
    # np.nansum: NaN is the one value not equal to itself
    total = xp.sum(xp.where(terms != terms, 0.0, terms))
    return np.float64(float(1. / a3.shape[1] * total))


@follows_caller
def compute_loss(a3, Y):
    """``init_utils``' ``compute_loss``: the mean cross-entropy, NaN terms skipped.

    a3 : (1, m) probabilities; Y : (1, m) or (m,) labels.  A NumPy float.
    """
    return nansum_mean(*checked_cost_args(a3, Y))


def total_cost(a3, Y):
    """The summed cross-entropy over a mini-batch, arguments checked."""
    xp = get_array_module(a3)
    return np.float64(float(xp.sum(log_probs(a3, Y))))


@follows_caller
def compute_cost_total(a3, Y):
    """``opt_utils``' ``compute_cost``: the cross-entropy summed over the examples (the
    model divides the epoch's total by m).  A NumPy float."""
    return total_cost(*checked_cost_args(a3, Y))


def log_loss(A3, Y):
    """1/m * sum(log_probs), arguments checked (``forward_propagation_n``'s cost)."""
    xp = get_array_module(A3)
    return np.float64(float(1. / A3.shape[1] * xp.sum(log_probs(A3, Y))))


# --- update and predictions -----------------------------------------------------------

def check_grads(parameters, grads):
    """grads holds dW[l] and db[l] of each parameter's shape; returns L."""
    L = check_parameters(parameters)
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict {{'dW1': dW1, 'db1': db1, ...}}, got "
                        f"{type(grads).__name__}")
    for key, value in parameters.items():
        if "d" + key not in grads:
            raise InvalidDataError(f"grads lacks d{key}; it must hold dW1, db1, ..., dW{L}, "
                                   f"db{L} for the {L}-layer parameters")
        if np.shape(grads["d" + key]) != np.shape(value):
            raise InvalidDataError(f"grads['d{key}'] must have {key}'s shape "
                                   f"{np.shape(value)}, got {np.shape(grads['d' + key])}")
    return L


@follows_caller
def update_parameters(parameters, grads, learning_rate):
    """One gradient descent step, W[l] -= learning_rate dW[l]; returns new parameters."""
    learning_rate = check_positive_float(learning_rate, "learning_rate")
    check_grads(parameters, grads)
    return descend(parameters, grads, learning_rate)


def descend(parameters, grads, learning_rate):
    """:func:`update_parameters` without its checks."""
    return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}


@follows_caller(data="X")
def predict(X, y, parameters):
    """Labels (1, m) int64 of the three-layer network; prints ``Accuracy: <mean>``.

    X : (n_x, m); y : (1, m) or (m,) labels.
    """
    X = to_device(check_forward(X, parameters), "float64")
    y = check_Y(y, X.shape[1], name="y", binary=False)
    a3, _ = forward(X, parameters)
    p = (a3 > 0.5).astype(np.int64)
    accuracy = np.mean(to_numpy(p)[0, :] == to_numpy(y).reshape(1, -1)[0, :])
    print("Accuracy: " + str(accuracy))
    return p


@follows_caller(data="X")
def predict_dec(parameters, X):
    """Predictions a3 > 0.5, (1, m) bool, for the decision-boundary plots."""
    X = to_device(check_forward(X, parameters), "float64")
    a3, _ = forward(X, parameters)
    return a3 > 0.5


def check_model_args(X, Y, learning_rate, num_iterations):
    """A model's data and step settings, checked on the host; returns X, Y on the device."""
    check_positive_float(learning_rate, "learning_rate")
    check_int(num_iterations, "num_iterations")
    X = check_X(X)
    Y = check_Y(Y, X.shape[1], binary=False)
    return to_device(X, "float64"), to_device(Y, "float64")
