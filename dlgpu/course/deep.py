"""The deep network assignments (course 1, week 4), step by step.

Caches are the course's tuples: ``linear_cache = (A_prev, W, b)``,
``activation_cache = Z``, ``cache = (linear_cache, activation_cache)``.

Every public function checks its arguments first (:mod:`.checks`); the
models check theirs once and then loop over the unchecked steps
(``_forward``, ``_cost``, ``_backward``, ``_update``), which compute exactly
what the checked ones do.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_device
from ..errors import InvalidDataError
from ..initializers import initialize
from ..losses import binary_cross_entropy
from ..validation import check_int, check_layer_dims, check_positive_float, check_X, check_Y
from .activations import BACKWARD, FORWARD, check_activation
from .checks import (
    check_cache_shapes,
    check_labels_like,
    check_model_dims,
    check_parameters,
    check_probabilities,
    input_size,
)


def draw_parameters(layer_dims, init, seed):
    """Float64 parameters drawn on the host, then moved to the active backend."""
    return {k: to_device(v) for k, v in initialize(list(layer_dims), init, seed).items()}


def initialize_parameters(n_x, n_h, n_y):
    """Two-layer parameters: W = randn * 0.01 with seed 1, b = 0."""
    dims = [check_int(n, name, 1) for n, name in ((n_x, "n_x"), (n_h, "n_h"), (n_y, "n_y"))]
    return draw_parameters(dims, "small", seed=1)


def initialize_parameters_deep(layer_dims):
    """L-layer parameters: W[l] = randn / sqrt(n_{l-1}) with seed 1, b = 0."""
    return draw_parameters(check_layer_dims(layer_dims), "course", seed=1)


def linear_forward(A, W, b):
    """Z = W A + b.  A : (n_{l-1}, m), W : (n_l, n_{l-1}), b : (n_l, 1)."""
    check_cache_shapes(None, A, W, b)
    Z = get_array_module(A, W).matmul(W, A) + b
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    """A = g(W A_prev + b) for ``activation`` in sigmoid, relu, tanh, leaky_relu."""
    forward = FORWARD[check_activation(activation)]
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = forward(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.  Returns ``(AL, caches)``.

    X : (n_x, m), finite numbers; parameters ``{"W1": (n_1, n_x), "b1": (n_1, 1), ...}``.
    """
    check_parameters(parameters, finite=True)
    return _forward(check_X(X, input_size(parameters)), parameters)


def _forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y, parameters=None):
    """Cross-entropy cost, as a float; finite even where AL is exactly 0 or 1.

    AL : (1, m) probabilities in [0, 1]; Y : (1, m) labels 0/1.
    ``parameters`` is accepted, and unused, for the planar exercise's
    ``compute_cost(A2, Y, parameters)``.
    """
    AL = check_probabilities(AL)
    return _cost(AL, check_Y(Y, AL.shape[1]))


def _cost(AL, Y):
    return float(binary_cross_entropy(AL, Y))


def linear_backward(dZ, cache):
    """Returns ``(dA_prev, dW, db)`` from dZ : (n_l, m) and cache ``(A_prev, W, b)``."""
    A_prev, W, b = cache
    check_cache_shapes(dZ, A_prev, W, b)
    xp = get_array_module(dZ, W)
    m = A_prev.shape[1]
    dW = xp.matmul(dZ, A_prev.T) / m
    db = xp.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = xp.matmul(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    """Returns ``(dA_prev, dW, db)`` for the LINEAR -> ACTIVATION layer."""
    linear_cache, activation_cache = cache
    dZ = BACKWARD[check_activation(activation)](dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    """Gradients ``{"dA{l-1}", "dW{l}", "db{l}"}`` of the L-layer model.

    AL : (1, m) probabilities; Y : labels 0/1, (1, m) or (m,); ``caches`` the
    list ``L_model_forward`` returned.
    """
    AL = check_probabilities(AL)
    Y = check_labels_like(Y, AL)
    if not isinstance(caches, (list, tuple)) or not caches:
        raise TypeError(f"caches must be the non-empty list L_model_forward returns, "
                        f"got {type(caches).__name__}")
    return _backward(AL, Y, caches)


def output_gradient(AL, Y):
    """dAL = -(Y / AL - (1 - Y) / (1 - AL)), the course's formula.

    NOTE: a saturated sigmoid gives AL exactly 0 or 1, where the formula
    divides by zero and its product with sigmoid's slope 0 is NaN.  Only those
    two values are moved inward (as :func:`dlgpu.losses.binary_cross_entropy`
    does), so every other AL gives the course's bits and dZ stays finite.
    """
    info = np.finfo(AL.dtype)
    AL = get_array_module(AL).clip(AL, info.tiny, 1 - info.epsneg)
    return -(Y / AL - (1 - Y) / (1 - AL))


def _backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = output_gradient(AL, Y)
    dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = dA_prev, dW, db
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads[f"dA{l + 1}"], caches[l], "relu")
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
    return grads


def update_parameters(params, grads, learning_rate=1.2):
    """One gradient descent step; returns new parameters (``params`` is untouched).

    The default 1.2 is the planar exercise's; the deep assignments pass theirs.
    """
    learning_rate = check_positive_float(learning_rate, "learning_rate")
    L = check_parameters(params)
    missing = [f"d{p}{l}" for l in range(1, L + 1) for p in "Wb" if f"d{p}{l}" not in grads]
    if missing:
        raise InvalidDataError(f"grads lacks {', '.join(missing)}; it must hold dW1, db1, ..., "
                               f"dW{L}, db{L} for the {L}-layer parameters")
    for key, value in params.items():
        if np.shape(grads["d" + key]) != np.shape(value):
            raise InvalidDataError(f"grads['d{key}'] must have {key}'s shape "
                                   f"{np.shape(value)}, got {np.shape(grads['d' + key])}")
    return _update(params, grads, learning_rate)


def _update(params, grads, learning_rate):
    L = len(params) // 2
    parameters = {}
    for l in range(1, L + 1):
        parameters[f"W{l}"] = params[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] = params[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return parameters


def predict(X, y, parameters):
    """Labels (1, m) of 0.0/1.0 from the L-layer model; prints the accuracy.

    X : (n_x, m); y : (1, m) labels 0/1.
    """
    check_parameters(parameters, finite=True)
    X = check_X(X, input_size(parameters))
    check_Y(y, X.shape[1], name="y")
    X = to_device(X, "float64")
    m = X.shape[1]
    probas, _ = _forward(X, parameters)
    p = (probas > 0.5).astype(probas.dtype)
    y = to_device(y)
    print("Accuracy: " + str(float((p == y).sum() / m)))
    return p


def _print_cost(i, cost):
    print(f"Cost after iteration {i}: {cost}")


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                    print_cost=False):
    """LINEAR -> RELU -> LINEAR -> SIGMOID.  Returns ``(parameters, costs)``."""
    X, Y = _check_training(X, Y, layers_dims, learning_rate, num_iterations, n_layers=2)
    X, Y = to_device(X, "float64"), to_device(Y, "float64")
    n_x, n_h, n_y = layers_dims
    parameters = initialize_parameters(n_x, n_h, n_y)
    costs = []
    for i in range(num_iterations):
        W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
        A1, cache1 = linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = linear_activation_forward(A1, W2, b2, "sigmoid")
        cost = _cost(A2, Y)
        dA2 = output_gradient(A2, Y)
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        _, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = _update(parameters, grads, learning_rate)
        _record(i, num_iterations, cost, costs, print_cost)
    return parameters, costs


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                  print_cost=False):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.  Returns ``(parameters, costs)``."""
    X, Y = _check_training(X, Y, layers_dims, learning_rate, num_iterations)
    X, Y = to_device(X, "float64"), to_device(Y, "float64")
    parameters = initialize_parameters_deep(layers_dims)
    costs = []
    for i in range(num_iterations):
        AL, caches = _forward(X, parameters)
        cost = _cost(AL, Y)
        grads = _backward(AL, Y, caches)
        parameters = _update(parameters, grads, learning_rate)
        _record(i, num_iterations, cost, costs, print_cost)
    return parameters, costs


def _check_training(X, Y, layers_dims, learning_rate, num_iterations, n_layers=None):
    """The models' arguments, checked on the host before anything moves to the device."""
    dims = check_model_dims(layers_dims, n_layers)
    check_positive_float(learning_rate, "learning_rate")
    check_int(num_iterations, "num_iterations")
    X = check_X(X, dims[0])
    return X, check_Y(Y, X.shape[1])


def _record(i, num_iterations, cost, costs, print_cost):
    """Keep the cost every 100 iterations; print it then and at the last one."""
    if i % 100 == 0:
        costs.append(cost)
    if print_cost and (i % 100 == 0 or i == num_iterations - 1):
        _print_cost(i, cost)
