"""L2 regularization and inverted dropout on Course 2's three-layer network (week 1,
assignment 2), as the notebook writes them.

The dropout masks are the notebook's: ``np.random.seed(1)`` at each forward
pass, then ``D1 = np.random.rand(*A1.shape) < keep_prob`` and likewise D2,
drawn from NumPy's global random state on the host (so the course's numbers
come out on either backend) and moved to where the activations are.  The
dropout cache is ``(Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)``
with D as 0/1 integers.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_module
from ..validation import check_probability, check_X
from .checks import check_non_negative, check_parameters
from .placement import follows_caller
from .threelayer import (checked_cost_args, backward_upper, check_backward, check_forward,
                         check_model_args, descend, forward, initialize_parameters_scaled,
                         nansum_mean, relu, sigmoid)

DROPOUT_CACHE_LENGTH = 14


@follows_caller
def compute_cost_with_regularization(A3, Y, parameters, lambd):
    """Cross-entropy plus lambd / (2m) * (||W1||^2 + ||W2||^2 + ||W3||^2), a NumPy float.

    A3 : (1, m) probabilities; Y : (1, m) or (m,); parameters W1..b3; lambd >= 0.
    """
    lambd = check_non_negative(lambd, "lambd")
    L = check_parameters(parameters)
    A3, Y = checked_cost_args(A3, Y)
    return regularized_cost(A3, Y, parameters, lambd, L)


def regularized_cost(A3, Y, parameters, lambd, L=3):
    xp = get_array_module(A3)
    m = Y.shape[1]
    cross_entropy_cost = nansum_mean(A3, Y)
    squares = sum(float(xp.sum(parameters[f"W{l}"] * parameters[f"W{l}"])) for l in range(1, L + 1))
    return np.float64(cross_entropy_cost + lambd / (2 * m) * squares)


@follows_caller
def backward_propagation_with_regularization(X, Y, cache, lambd):
    """The three-layer backward pass with dW[l] += (lambd / m) W[l].

    cache : the 12-tuple ``forward_propagation`` returns.  Returns ``{"dZ3", "dW3",
    "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}``.
    """
    lambd = check_non_negative(lambd, "lambd")
    return backward_upper(*check_backward(X, Y, cache), lambd=lambd)


@follows_caller
def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    """LINEAR -> RELU + DROPOUT -> LINEAR -> RELU + DROPOUT -> LINEAR -> SIGMOID.

    Seeds NumPy's global random state with 1, as the notebook does, so every
    call draws the same masks.  Returns ``(A3, cache)``, cache the 14-tuple
    ``(Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)``.
    """
    keep_prob = check_probability(keep_prob, "keep_prob")
    return dropout_forward(check_forward(X, parameters), parameters, keep_prob)


def _mask(shape, keep_prob, like):
    D = (np.random.rand(*shape) < keep_prob).astype(int)
    return to_module(D, get_array_module(like))


def dropout_forward(X, parameters, keep_prob):
    """:func:`forward_propagation_with_dropout` without its checks."""
    np.random.seed(1)
    xp = get_array_module(X, parameters["W1"])
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    Z1 = xp.matmul(W1, X) + b1
    A1 = relu(Z1)
    D1 = _mask(A1.shape, keep_prob, A1)
    A1 = A1 * D1
    A1 = A1 / keep_prob
    Z2 = xp.matmul(W2, A1) + b2
    A2 = relu(Z2)
    D2 = _mask(A2.shape, keep_prob, A2)
    A2 = A2 * D2
    A2 = A2 / keep_prob
    Z3 = xp.matmul(W3, A2) + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


@follows_caller
def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    """The three-layer backward pass through the forward pass's masks: dA[l] * D[l] / keep_prob.

    cache : the 14-tuple ``forward_propagation_with_dropout`` returns.
    """
    keep_prob = check_probability(keep_prob, "keep_prob")
    X, Y, cache = check_backward(X, Y, cache, DROPOUT_CACHE_LENGTH,
                                 "forward_propagation_with_dropout")
    return dropout_backward(X, Y, cache, keep_prob)


def dropout_backward(X, Y, cache, keep_prob):
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
    plain = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return backward_upper(X, Y, plain, masks=(D1, D2), keep_prob=keep_prob)


def model(X, Y, learning_rate=0.3, num_iterations=30000, print_cost=True, lambd=0,
          keep_prob=1):
    """The notebook's ``model``: layers [n_x, 20, 3, 1], ``reg_utils``' initialization
    (seed 3, randn / sqrt(n_{l-1})), L2 when ``lambd`` > 0, dropout when ``keep_prob`` < 1
    (not both, as the notebook asserts).

    Prints ``Cost after iteration i: c`` every 10000 iterations; returns the
    parameters, arrays of the active backend.  (The notebook's cost plot is
    left to the caller.)
    """
    lambd = check_non_negative(lambd, "lambd")
    keep_prob = check_probability(keep_prob, "keep_prob")
    if lambd and keep_prob < 1:
        raise ValueError(f"use L2 (lambd={lambd!r}) or dropout (keep_prob={keep_prob!r}), "
                         f"not both: the notebook's model does one at a time")
    X, Y = check_model_args(check_X(X), Y, learning_rate, num_iterations)
    parameters = initialize_parameters_scaled([X.shape[0], 20, 3, 1])
    for i in range(num_iterations):
        if keep_prob == 1:
            a3, cache = forward(X, parameters)
        else:
            a3, cache = dropout_forward(X, parameters, keep_prob)
        if print_cost and i % 10000 == 0:
            cost = (nansum_mean(a3, Y) if lambd == 0
                    else regularized_cost(a3, Y, parameters, lambd))
            print("Cost after iteration {}: {}".format(i, cost))
        if keep_prob == 1:
            grads = backward_upper(X, Y, cache, lambd=lambd)
        else:
            grads = dropout_backward(X, Y, cache, keep_prob)
        parameters = descend(parameters, grads, learning_rate)
    return parameters
