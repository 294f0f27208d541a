"""Gradient checking (Course 2, week 1, assignment 3): the 1-D warm-up J = theta x and
the three-layer network's N-dimensional check, with ``gc_utils``' vector helpers.

``backward_propagation_n`` is the corrected one (the notebook ships it with
two planted mistakes for the learner to find); the check's difference is
``||grad - gradapprox|| / (||grad|| + ||gradapprox||)`` over two-sided
differences, with the notebook's threshold 2e-7 in its message.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import get_array_module, to_numpy
from ..errors import InvalidDataError
from ..validation import check_positive_float, check_Y
from .checks import check_parameters
from .placement import follows_caller
from .threelayer import backward_upper, check_backward, check_forward, forward, log_loss

THRESHOLD = 2e-7
#: the notebook's network, whose shapes ``vector_to_dictionary`` assumes by default
LAYERS_DIMS = (4, 5, 3, 1)


def forward_propagation(x, theta):
    """J = theta * x."""
    return theta * x


def backward_propagation(x, theta):
    """dJ/dtheta = x."""
    return x


def _number(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return value


def _report(difference, print_msg):
    if print_msg:
        if difference > THRESHOLD:
            print("\033[93m" + "There is a mistake in the backward propagation! difference = "
                  + str(difference) + "\033[0m")
        else:
            print("\033[92m" + "Your backward propagation works perfectly fine! difference = "
                  + str(difference) + "\033[0m")
    return difference


def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    """Relative difference between dJ/dtheta and (J(theta + e) - J(theta - e)) / (2 e)."""
    _number(x, "x"), _number(theta, "theta")
    epsilon = check_positive_float(epsilon, "epsilon")
    J_plus = forward_propagation(x, theta + epsilon)
    J_minus = forward_propagation(x, theta - epsilon)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return _report(numerator / denominator, print_msg)


@follows_caller
def forward_propagation_n(X, Y, parameters):
    """The three-layer network's forward pass and mean cross-entropy: ``(cost, cache)``.

    cost a NumPy float; cache ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``.
    """
    X = check_forward(X, parameters)
    Y = check_Y(Y, X.shape[1], binary=False)
    A3, cache = forward(X, parameters)
    return log_loss(A3, Y), cache


@follows_caller
def backward_propagation_n(X, Y, cache):
    """The three-layer network's gradients (dZ3 = A3 - Y), keys ``dZ3``, ``dW3``, ..., ``db1``."""
    return backward_upper(*check_backward(X, Y, cache, producer="forward_propagation_n"))


def _layer_keys(mapping, prefix=""):
    L = sum(1 for k in mapping if str(k).startswith(prefix + "W"))
    return [f"{prefix}{p}{l}" for l in range(1, L + 1) for p in "Wb"]


@follows_caller
def dictionary_to_vector(parameters):
    """W1, b1, W2, ... flattened (C order) into one column ``theta``, with ``keys``: the
    parameter name of each entry.  Returns ``(theta, keys)``."""
    check_parameters(parameters)
    xp = get_array_module(*parameters.values())
    names = _layer_keys(parameters)
    keys = []
    for name in names:
        keys += [name] * int(np.prod(parameters[name].shape))
    return _column([parameters[k] for k in names], xp), keys


def _column(arrays, xp):
    """The arrays flattened in C order and stacked into one (n, 1) column."""
    theta = xp.zeros((sum(int(a.size) for a in arrays), 1), dtype=np.float64)
    start = 0
    for a in arrays:
        theta[start:start + a.size] = a.reshape((-1, 1))
        start += a.size
    return theta


@follows_caller
def vector_to_dictionary(theta, layers_dims=LAYERS_DIMS):
    """The column ``theta`` unrolled into W1, b1, ... of the network ``layers_dims``
    (the notebook's (4, 5, 3, 1) unless given)."""
    sizes = [(layers_dims[l], layers_dims[l - 1]) for l in range(1, len(layers_dims))]
    total = sum(n * (n_prev + 1) for n, n_prev in sizes)
    if getattr(theta, "size", None) != total:
        raise InvalidDataError(f"theta must hold the {total} values of a {list(layers_dims)} "
                               f"network; got {getattr(theta, 'shape', type(theta).__name__)}")
    parameters, start = {}, 0
    for l, (n, n_prev) in enumerate(sizes, start=1):
        parameters[f"W{l}"] = theta[start:start + n * n_prev].reshape((n, n_prev))
        start += n * n_prev
        parameters[f"b{l}"] = theta[start:start + n].reshape((n, 1))
        start += n
    return parameters


@follows_caller
def gradients_to_vector(gradients):
    """dW1, db1, dW2, ... flattened (C order) into one column."""
    if not isinstance(gradients, dict):
        raise TypeError(f"gradients must be a dict {{'dW1': ..., 'db1': ...}}, got "
                        f"{type(gradients).__name__}")
    names = _layer_keys(gradients, "d")
    if not names or any(k not in gradients for k in names):
        raise InvalidDataError(f"gradients must hold dW1, db1, ..., dWL, dbL; got "
                               f"{sorted(gradients)}")
    xp = get_array_module(*(gradients[k] for k in names))
    return _column([gradients[k] for k in names], xp)


@follows_caller
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    """The relative difference between ``gradients`` and two-sided differences of
    ``forward_propagation_n``'s cost, parameter by parameter (a NumPy float)."""
    epsilon = check_positive_float(epsilon, "epsilon")
    X = check_forward(X, parameters)
    Y = check_Y(Y, X.shape[1], binary=False)
    parameters_values, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    if grad.shape != parameters_values.shape:
        raise InvalidDataError(f"gradients hold {grad.shape[0]} values, the parameters "
                               f"{parameters_values.shape[0]}: they must match")
    dims = [parameters["W1"].shape[1]] + [parameters[f"W{l}"].shape[0] for l in (1, 2, 3)]
    # Perturbed on the host, one entry at a time, as the notebook does: the
    # costs are host floats either way.
    theta = to_numpy(parameters_values).astype(np.float64)
    xp = get_array_module(parameters_values)
    num_parameters = theta.shape[0]
    J_plus, J_minus = np.zeros((num_parameters, 1)), np.zeros((num_parameters, 1))
    for i in range(num_parameters):
        for sign, J in ((1, J_plus), (-1, J_minus)):
            theta_i = np.copy(theta)
            theta_i[i] = theta_i[i] + sign * epsilon
            perturbed = vector_to_dictionary(xp.asarray(theta_i), dims)
            J[i] = log_loss(forward(X, perturbed)[0], Y)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = to_numpy(grad)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return _report(numerator / denominator, print_msg)
