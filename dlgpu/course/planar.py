"""The one-hidden-layer tanh network of the planar-data exercise (course 1, week 3).

Every public function checks its arguments first (:mod:`dlgpu.validation`,
and :mod:`.checks` for the parameters);
``nn_model`` checks its own once and then loops over the unchecked steps.
The step functions take NumPy or CuPy arrays on either backend
(:mod:`.placement`).
"""

from __future__ import annotations

from ..backend import get_array_module, to_device
from ..errors import InvalidDataError
from ..validation import as_array, check_int, check_positive_float, check_X, check_Y
from .activations import sigmoid, tanh
from .checks import check_parameters, input_size
from .deep import cross_entropy_cost, draw_parameters, gradient_descent_step
from .placement import follows_caller


def layer_sizes(X, Y, n_h=4):
    """``(n_x, n_h, n_y)`` for X : (n_x, m) and Y : (n_y, m)."""
    X, Y = as_array(X, "X"), as_array(Y, "Y")
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise InvalidDataError(f"X must be (n_x, m) and Y (n_y, m), with the same m; got "
                               f"shapes {X.shape} and {Y.shape}")
    return X.shape[0], check_int(n_h, "n_h", 1), Y.shape[0]


@follows_caller
def forward_propagation(X, parameters):
    """Z1 = W1 X + b1, A1 = tanh(Z1), Z2 = W2 A1 + b2, A2 = sigmoid(Z2).

    Returns ``(A2, cache)`` with cache ``{"Z1", "A1", "Z2", "A2"}``.
    """
    check_parameters(parameters, n_layers=2, finite=True)
    return _forward(check_X(X, input_size(parameters)), parameters)


def _forward(X, parameters):
    xp = get_array_module(X, parameters["W1"])
    Z1 = xp.matmul(parameters["W1"], X) + parameters["b1"]
    A1, _ = tanh(Z1)
    Z2 = xp.matmul(parameters["W2"], A1) + parameters["b2"]
    A2, _ = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


@follows_caller
def backward_propagation(parameters, cache, X, Y):
    """Gradients ``{"dW1", "db1", "dW2", "db2"}``; tanh' = 1 - A1^2.

    Y : (1, m) or (m,) targets (any real values: the older test feeds ``randn``).
    """
    check_parameters(parameters, n_layers=2)
    X = check_X(X, input_size(parameters))
    Y = check_Y(Y, X.shape[1], binary=False)
    missing = [k for k in ("A1", "A2") if k not in cache]
    if missing:
        raise InvalidDataError(f"cache must be the dict forward_propagation returns; it "
                               f"lacks {', '.join(missing)}")
    return _backward(parameters, cache, X, Y)


def _backward(parameters, cache, X, Y):
    xp = get_array_module(X, parameters["W1"])
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = xp.matmul(dZ2, A1.T) / m
    db2 = xp.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = xp.matmul(parameters["W2"].T, dZ2) * (1 - A1 ** 2)
    dW1 = xp.matmul(dZ1, X.T) / m
    db1 = xp.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False, learning_rate=1.2, seed=2):
    """Train the planar network: W = randn * 0.01 (seed 2), b = 0, learning rate 1.2.

    X : (n_x, m), Y : (1, m) or (m,) targets.  Prints ``Cost after iteration
    i: c`` every 1000 iterations when ``print_cost``.  Returns the
    parameters, arrays of the active backend.  ``seed`` is the one the
    weights are drawn after: 2 in the older exercise (its
    ``initialize_parameters`` seeds 2), 3 in the 2021+ one.
    """
    n_h = check_int(n_h, "n_h", 1)
    check_int(num_iterations, "num_iterations")
    check_positive_float(learning_rate, "learning_rate")
    X = check_X(X)
    Y = check_Y(Y, X.shape[1], binary=False)
    X, Y = to_device(X, "float64"), to_device(Y, "float64")
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = draw_parameters([n_x, n_h, n_y], "small", seed=seed)
    for i in range(num_iterations):
        A2, cache = _forward(X, parameters)
        if print_cost and i % 1000 == 0:
            print(f"Cost after iteration {i}: {cross_entropy_cost(A2, Y):f}")
        grads = _backward(parameters, cache, X, Y)
        parameters = gradient_descent_step(parameters, grads, learning_rate)
    return parameters


@follows_caller(data="X")
def planar_predict(parameters, X):
    """The planar exercise's ``predict(parameters, X)``: 1 where A2 > 0.5."""
    check_parameters(parameters, n_layers=2, finite=True)
    X = to_device(check_X(X, input_size(parameters)), "float64")
    A2, _ = _forward(X, parameters)
    return A2 > 0.5
