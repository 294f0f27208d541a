"""The deep network assignments (course 1, week 4), step by step.

Caches are the course's tuples: ``linear_cache = (A_prev, W, b)``,
``activation_cache = Z``, ``cache = (linear_cache, activation_cache)``.

Every public function checks its arguments first (:mod:`dlgpu.validation`,
and :mod:`.checks` for the course's own parameters and caches); the models
check theirs once and then loop over the unchecked steps (``_forward``,
:func:`cross_entropy_cost`, ``_backward``, :func:`gradient_descent_step`),
which compute exactly what the checked ones do.  The planar network's loop
uses the two public ones too.  The step functions take NumPy or CuPy arrays on
either backend (:mod:`.placement`); the models return the active backend's.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_device, to_numpy
from ..errors import InvalidDataError
from ..initializers import initialize
from ..losses import binary_cross_entropy
from ..validation import check_int, check_layer_dims, check_positive_float, check_X, check_Y
from .activations import BACKWARD, FORWARD, check_activation
from .checks import (
    check_cache_shapes,
    check_model_dims,
    check_output,
    check_parameters,
    check_probabilities,
    input_size,
)
from .placement import follows_caller
from .random_state import global_random_state


def draw_parameters(layer_dims, init, seed=None):
    """Float64 parameters drawn as the course draws them, then moved to the active backend.

    As the course's ``np.random.seed(seed)`` then ``np.random.randn(...)`` per
    layer: NumPy's global random state is seeded (when ``seed`` is given),
    drawn from and left advanced, so later draws in a notebook continue as
    they do with the course's own code.
    """
    with global_random_state(seed) as rng:
        parameters = initialize(list(layer_dims), init, rng=rng)
    return {k: to_device(v) for k, v in parameters.items()}


def initialize_parameters(n_x, n_h, n_y, seed=1):
    """Two-layer parameters: W = randn * 0.01 after ``np.random.seed(seed)``, b = 0.

    The week-4 assignments seed 1; ``seed=None`` draws from NumPy's global
    random state as it stands.
    """
    dims = [check_int(n, name, 1) for n, name in ((n_x, "n_x"), (n_h, "n_h"), (n_y, "n_y"))]
    return draw_parameters(dims, "small", seed)


def initialize_parameters_deep(layer_dims):
    """L-layer parameters: W[l] = randn / sqrt(n_{l-1}) with seed 1, b = 0 (the Application's)."""
    return draw_parameters(check_layer_dims(layer_dims), "course", seed=1)


@follows_caller
def linear_forward(A, W, b):
    """Z = W A + b.  A : (n_{l-1}, m), W : (n_l, n_{l-1}), b : (n_l, 1)."""
    check_cache_shapes(None, A, W, b)
    Z = get_array_module(A, W).matmul(W, A) + b
    return Z, (A, W, b)


@follows_caller
def linear_activation_forward(A_prev, W, b, activation):
    """A = g(W A_prev + b) for ``activation`` in sigmoid, relu, tanh, leaky_relu."""
    forward = FORWARD[check_activation(activation)]
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = forward(Z)
    return A, (linear_cache, activation_cache)


@follows_caller
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


@follows_caller
def compute_cost(AL, Y, parameters=None):
    """Cross-entropy cost, as a Python float (week 3's); finite where AL is exactly 0 or 1.

    AL : (1, m) probabilities in [0, 1]; Y : (1, m) or (m,) targets (labels
    0/1; any real values are taken, as the formula is).  ``parameters`` is
    accepted, and unused, for the planar exercise's ``compute_cost(A2, Y,
    parameters)``.  Week 4's ``compute_cost`` (:func:`compute_cost_squeezed`)
    returns the same number as a 0-d array.
    """
    AL = check_probabilities(AL)
    return cross_entropy_cost(AL, check_Y(Y, AL.shape[1], binary=False))


@follows_caller
def compute_cost_squeezed(AL, Y):
    """Week 4's ``compute_cost``: the cost as a 0-d array, as ``np.squeeze`` gives it."""
    AL = check_probabilities(AL)
    cost = binary_cross_entropy(AL, check_Y(Y, AL.shape[1], binary=False))
    return get_array_module(AL).asarray(cost)


def cross_entropy_cost(AL, Y):
    """:func:`compute_cost` without its checks: AL and Y already checked, as arrays."""
    return float(binary_cross_entropy(AL, Y))


@follows_caller
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


@follows_caller
def linear_activation_backward(dA, cache, activation):
    """Returns ``(dA_prev, dW, db)`` for the LINEAR -> ACTIVATION layer."""
    linear_cache, activation_cache = cache
    dZ = BACKWARD[check_activation(activation)](dA, activation_cache)
    return linear_backward(dZ, linear_cache)


@follows_caller
def L_model_backward(AL, Y, caches):
    """Gradients ``{"dA{l-1}", "dW{l}", "db{l}"}`` of the L-layer model.

    AL : (1, m), finite (any values: the course's test feeds ``randn``);
    Y : (1, m) or (m,) targets; ``caches`` the list ``L_model_forward``
    returned (a tuple is taken too).
    """
    AL = check_output(AL)
    Y = check_Y(Y, AL.shape[1], binary=False)
    if not isinstance(caches, (list, tuple)) or not caches:
        raise TypeError(f"caches must be the non-empty list L_model_forward returns, "
                        f"got {type(caches).__name__}")
    return _backward(AL, Y, caches)


def output_gradient(AL, Y):
    """dAL = -(Y / AL - (1 - Y) / (1 - AL)), the course's formula, for any AL.

    NOTE: where the formula divides by zero, AL exactly 0 or 1 (a saturated
    sigmoid), the course gives inf and then NaN in dZ; there, and only there
    (with the subnormal AL below the smallest normal number, where Y / AL
    overflows), AL is moved inward to the smallest normal number or the
    largest number below 1, as :func:`dlgpu.losses.binary_cross_entropy`
    does, so dZ stays finite.  Every other AL, values outside [0, 1]
    included, gives the course's bits.
    """
    xp = get_array_module(AL)
    info = np.finfo(AL.dtype)
    AL = xp.where((AL >= 0) & (AL < info.tiny), info.tiny, AL)
    AL = xp.where(AL == 1, 1 - info.epsneg, AL)
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


@follows_caller
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
    return gradient_descent_step(params, grads, learning_rate)


def gradient_descent_step(params, grads, learning_rate):
    """:func:`update_parameters` without its checks: arguments already checked."""
    L = len(params) // 2
    parameters = {}
    for l in range(1, L + 1):
        parameters[f"W{l}"] = params[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] = params[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return parameters


@follows_caller(data="X")
def predict(X, y, parameters):
    """Labels (1, m) of 0.0/1.0 from the L-layer model; prints the accuracy.

    X : (n_x, m); y : (1, m) or (m,) labels 0/1.
    """
    check_parameters(parameters, finite=True)
    X = check_X(X, input_size(parameters))
    y = check_Y(y, X.shape[1], name="y", binary=False)
    X = to_device(X, "float64")
    m = X.shape[1]
    probas, _ = _forward(X, parameters)
    p = (probas > 0.5).astype(probas.dtype)
    # The course sums (p == y) / m: its printed digits (209 right of 209 gives
    # 0.9999999999999998) come from that order of rounding.
    print("Accuracy: " + str(float(get_array_module(p).sum((p == to_device(y)) / m))))
    return p


def _print_cost(i, cost):
    print(f"Cost after iteration {i}: {cost}")


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                    print_cost=False):
    """LINEAR -> RELU -> LINEAR -> SIGMOID.  Returns ``(parameters, costs)``.

    ``costs`` holds the cost every 100 iterations as 0-d NumPy arrays, as
    the course's ``np.squeeze(cost)`` gives them; the parameters are arrays of
    the active backend.
    """
    X, Y = _check_training(X, Y, layers_dims, learning_rate, num_iterations, n_layers=2)
    X, Y = to_device(X, "float64"), to_device(Y, "float64")
    n_x, n_h, n_y = layers_dims
    parameters = initialize_parameters(n_x, n_h, n_y)
    costs = []
    for i in range(num_iterations):
        W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
        A1, cache1 = linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = linear_activation_forward(A1, W2, b2, "sigmoid")
        _record(i, num_iterations, A2, Y, costs, print_cost)
        dA2 = output_gradient(A2, Y)
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        _, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = gradient_descent_step(parameters, grads, learning_rate)
    return parameters, costs


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                  print_cost=False):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.  Returns ``(parameters, costs)``.

    ``costs`` as in :func:`two_layer_model`.
    """
    X, Y = _check_training(X, Y, layers_dims, learning_rate, num_iterations)
    X, Y = to_device(X, "float64"), to_device(Y, "float64")
    parameters = initialize_parameters_deep(layers_dims)
    costs = []
    for i in range(num_iterations):
        AL, caches = _forward(X, parameters)
        _record(i, num_iterations, AL, Y, costs, print_cost)
        grads = _backward(AL, Y, caches)
        parameters = gradient_descent_step(parameters, grads, learning_rate)
    return parameters, costs


def _check_training(X, Y, layers_dims, learning_rate, num_iterations, n_layers=None):
    """The models' arguments, checked on the host before anything moves to the device."""
    dims = check_model_dims(layers_dims, n_layers)
    check_positive_float(learning_rate, "learning_rate")
    check_int(num_iterations, "num_iterations")
    X = check_X(X, dims[0])
    return X, check_Y(Y, X.shape[1], binary=False)


def _record(i, num_iterations, AL, Y, costs, print_cost):
    """Keep the cost every 100 iterations; print it then and at the last one.

    The cost is computed only then: it changes nothing else, and on a GPU
    each cost is a wait for the device.
    """
    last = i == num_iterations - 1
    if i % 100 and not (print_cost and last):
        return
    cost = np.asarray(to_numpy(binary_cross_entropy(AL, Y)))
    if i % 100 == 0:
        costs.append(cost)
    if print_cost:
        _print_cost(i, cost)
