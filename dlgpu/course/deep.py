"""The deep network assignments (course 1, week 4), step by step.

Caches are the course's tuples: ``linear_cache = (A_prev, W, b)``,
``activation_cache = Z``, ``cache = (linear_cache, activation_cache)``.
"""

from __future__ import annotations

from ..backend import get_array_module, to_device
from ..initializers import initialize
from ..losses import binary_cross_entropy
from .activations import BACKWARD, FORWARD, check_activation


def draw_parameters(layer_dims, init, seed):
    """Float64 parameters drawn on the host, then moved to the active backend."""
    return {k: to_device(v) for k, v in initialize(list(layer_dims), init, seed).items()}


def initialize_parameters(n_x, n_h, n_y):
    """Two-layer parameters: W = randn * 0.01 with seed 1, b = 0."""
    return draw_parameters([n_x, n_h, n_y], "small", seed=1)


def initialize_parameters_deep(layer_dims):
    """L-layer parameters: W[l] = randn / sqrt(n_{l-1}) with seed 1, b = 0."""
    return draw_parameters(layer_dims, "course", seed=1)


def linear_forward(A, W, b):
    """Z = W A + b.  A : (n_{l-1}, m), W : (n_l, n_{l-1}), b : (n_l, 1)."""
    Z = get_array_module(A, W).matmul(W, A) + b
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    """A = g(W A_prev + b) for ``activation`` in sigmoid, relu, tanh, leaky_relu."""
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = FORWARD[check_activation(activation)](Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.  Returns ``(AL, caches)``."""
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

    ``parameters`` is accepted, and unused, for the planar exercise's
    ``compute_cost(A2, Y, parameters)``.
    """
    return float(binary_cross_entropy(AL, Y))


def linear_backward(dZ, cache):
    """Returns ``(dA_prev, dW, db)`` from dZ : (n_l, m) and cache ``(A_prev, W, b)``."""
    A_prev, W, b = cache
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
    """Gradients ``{"dA{l-1}", "dW{l}", "db{l}"}`` of the L-layer model."""
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
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
    L = len(params) // 2
    parameters = {}
    for l in range(1, L + 1):
        parameters[f"W{l}"] = params[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] = params[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return parameters


def predict(X, y, parameters):
    """Labels (1, m) of 0.0/1.0 from the L-layer model; prints the accuracy."""
    X = to_device(X, "float64")
    m = X.shape[1]
    probas, _ = L_model_forward(X, parameters)
    p = (probas > 0.5).astype(probas.dtype)
    y = to_device(y)
    print("Accuracy: " + str(float((p == y).sum() / m)))
    return p


def _print_cost(i, cost):
    print("Cost after iteration {}: {}".format(i, cost))


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                    print_cost=False):
    """LINEAR -> RELU -> LINEAR -> SIGMOID.  Returns ``(parameters, costs)``."""
    X, Y = to_device(X, "float64"), to_device(Y, "float64")
    n_x, n_h, n_y = layers_dims
    parameters = initialize_parameters(n_x, n_h, n_y)
    costs = []
    for i in range(num_iterations):
        W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
        A1, cache1 = linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = linear_activation_forward(A1, W2, b2, "sigmoid")
        cost = compute_cost(A2, Y)
        dA2 = -(Y / A2 - (1 - Y) / (1 - A2))
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        _, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = update_parameters(parameters, grads, learning_rate)
        _record(i, num_iterations, cost, costs, print_cost)
    return parameters, costs


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                  print_cost=False):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.  Returns ``(parameters, costs)``."""
    X, Y = to_device(X, "float64"), to_device(Y, "float64")
    parameters = initialize_parameters_deep(layers_dims)
    costs = []
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters)
        cost = compute_cost(AL, Y)
        grads = L_model_backward(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
        _record(i, num_iterations, cost, costs, print_cost)
    return parameters, costs


def _record(i, num_iterations, cost, costs, print_cost):
    """Keep the cost every 100 iterations; print it then and at the last one."""
    if i % 100 == 0:
        costs.append(cost)
    if print_cost and (i % 100 == 0 or i == num_iterations - 1):
        _print_cost(i, cost)
