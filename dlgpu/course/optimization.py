"""Optimization methods (Course 2, week 2, assignment 1): gradient descent, mini-batches,
momentum, Adam and learning-rate decay, as the notebook writes them.

The update functions return new dicts (the arguments are left as they
were), which the notebook's loop takes from their return values.  The
mini-batches shuffle with ``np.random.seed(seed)`` then
``np.random.permutation(m)`` on the host, as the notebook does, so the same
seed gives the same batches on either backend.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..backend import get_array_module, to_module
from ..errors import InvalidDataError
from ..validation import (as_array, check_beta, check_int, check_layer_dims,
                          check_positive_float, check_X)
from .checks import check_non_negative, check_parameters
from .placement import follows_caller
from .threelayer import (log_probs, backward_lower, check_grads, check_model_args, descend,
                         forward, initialize_parameters_he)

OPTIMIZERS = ("gd", "momentum", "adam")


@follows_caller
def update_parameters_with_gd(parameters, grads, learning_rate):
    """W[l] -= learning_rate dW[l], b[l] -= learning_rate db[l]; returns the new parameters."""
    learning_rate = check_positive_float(learning_rate, "learning_rate")
    check_grads(parameters, grads)
    return descend(parameters, grads, learning_rate)


@follows_caller
def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """The columns of X (n_x, m) and Y (1, m), shuffled after ``np.random.seed(seed)``, in
    batches of ``mini_batch_size`` (the last one smaller when m is not a multiple).

    Returns a list of ``(mini_batch_X, mini_batch_Y)`` tuples.
    """
    mini_batch_size = check_int(mini_batch_size, "mini_batch_size", 1)
    X = check_X(X)
    Y = as_array(Y, "Y", "a (1, m) array of labels")
    m = X.shape[1]
    if Y.size != m:
        raise InvalidDataError(f"X has m = {m} examples (columns) but Y holds {Y.size} "
                               f"labels; Y must be (1, m)")
    np.random.seed(seed)
    permutation = list(np.random.permutation(m))
    index = to_module(np.asarray(permutation, dtype=np.int64), get_array_module(X))
    shuffled_X = get_array_module(X).take(X, index, axis=1)
    shuffled_Y = get_array_module(Y).take(Y.reshape((1, m)), to_module(index, get_array_module(Y)),
                                          axis=1)
    mini_batches = []
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(num_complete_minibatches):
        cols = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        mini_batches.append((shuffled_X[:, cols], shuffled_Y[:, cols]))
    if m % mini_batch_size != 0:
        cols = slice(num_complete_minibatches * mini_batch_size, m)
        mini_batches.append((shuffled_X[:, cols], shuffled_Y[:, cols]))
    return mini_batches


def _zeros_like_grads(parameters):
    check_parameters(parameters)
    xp = get_array_module(*parameters.values())
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):
        v[f"dW{l}"] = xp.zeros(parameters[f"W{l}"].shape, dtype=np.float64)
        v[f"db{l}"] = xp.zeros(parameters[f"b{l}"].shape, dtype=np.float64)
    return v


@follows_caller
def initialize_velocity(parameters):
    """v: ``{"dW1": zeros like W1, "db1": zeros like b1, ...}``."""
    return _zeros_like_grads(parameters)


@follows_caller
def initialize_adam(parameters):
    """``(v, s)``, both zeros shaped like the gradients."""
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def _check_state(state, parameters, name):
    if not isinstance(state, dict):
        raise TypeError(f"{name} must be the dict of moving averages "
                        f"{{'dW1': ..., 'db1': ...}}, got {type(state).__name__}")
    for key, value in parameters.items():
        if np.shape(state.get("d" + key)) != np.shape(value):
            raise InvalidDataError(f"{name}['d{key}'] must have {key}'s shape "
                                   f"{np.shape(value)}; got "
                                   f"{np.shape(state['d' + key]) if 'd' + key in state else 'none'}")


@follows_caller
def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """v = beta v + (1 - beta) dW; W -= learning_rate v.  Returns ``(parameters, v)``."""
    beta = check_beta(beta, "beta")
    learning_rate = check_positive_float(learning_rate, "learning_rate")
    check_grads(parameters, grads)
    _check_state(v, parameters, "v")
    return momentum_step(parameters, grads, v, beta, learning_rate)


def momentum_step(parameters, grads, v, beta, learning_rate):
    new_parameters, new_v = {}, {}
    for key, value in parameters.items():
        d = "d" + key
        new_v[d] = beta * v[d] + (1 - beta) * grads[d]
        new_parameters[key] = value - learning_rate * new_v[d]
    return new_parameters, new_v


@follows_caller
def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    """Adam: v = beta1 v + (1 - beta1) dW, s = beta2 s + (1 - beta2) dW^2, both corrected by
    1 / (1 - beta^t), W -= learning_rate v_corrected / (sqrt(s_corrected) + epsilon).

    t : the step count, from 1.  Returns ``(parameters, v, s, v_corrected, s_corrected)``.
    """
    t = check_int(t, "t", 1)
    learning_rate = check_positive_float(learning_rate, "learning_rate")
    beta1, beta2 = check_beta(beta1, "beta1"), check_beta(beta2, "beta2")
    epsilon = check_positive_float(epsilon, "epsilon")
    check_grads(parameters, grads)
    _check_state(v, parameters, "v")
    _check_state(s, parameters, "s")
    return adam_step(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)


def adam_step(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon):
    new_parameters, new_v, new_s, v_corrected, s_corrected = {}, {}, {}, {}, {}
    for key, value in parameters.items():
        d = "d" + key
        xp = get_array_module(value, grads[d])
        new_v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
        v_corrected[d] = new_v[d] / (1 - beta1 ** t)
        new_s[d] = beta2 * s[d] + (1 - beta2) * grads[d] ** 2
        s_corrected[d] = new_s[d] / (1 - beta2 ** t)
        new_parameters[key] = value - learning_rate * v_corrected[d] / (
            xp.sqrt(s_corrected[d]) + epsilon)
    return new_parameters, new_v, new_s, v_corrected, s_corrected


def _schedule_args(learning_rate0, epoch_num, decay_rate):
    check_positive_float(learning_rate0, "learning_rate0")
    if isinstance(epoch_num, bool) or not isinstance(epoch_num, numbers.Real) \
            or not epoch_num >= 0:
        raise ValueError(f"epoch_num must be a number >= 0, got {epoch_num!r}")
    check_non_negative(decay_rate, "decay_rate")


def update_lr(learning_rate0, epoch_num, decay_rate):
    """learning_rate0 / (1 + decay_rate * epoch_num)."""
    _schedule_args(learning_rate0, epoch_num, decay_rate)
    return 1 / (1 + decay_rate * epoch_num) * learning_rate0


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    """learning_rate0 / (1 + decay_rate * floor(epoch_num / time_interval)): the rate
    steps down every ``time_interval`` epochs (a NumPy float, as ``np.floor`` gives)."""
    _schedule_args(learning_rate0, epoch_num, decay_rate)
    time_interval = check_int(time_interval, "time_interval", 1)
    return 1 / (1 + decay_rate * np.floor(epoch_num / time_interval)) * learning_rate0


def model(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=5000, print_cost=True,
          decay=None, decay_rate=1):
    """The notebook's three-layer ``model`` trained with ``optimizer`` ("gd", "momentum" or
    "adam") on mini-batches reshuffled each epoch (seeds 11, 12, ...).

    Weights are He-initialized after ``np.random.seed(3)``.  ``decay``, when
    given, is ``update_lr`` or ``schedule_lr_decay`` (any
    ``f(learning_rate0, epoch, decay_rate)``), applied after each epoch.
    Prints ``Cost after epoch i: c`` every 1000 epochs (and ``learning rate
    after epoch i: r`` with a decay); returns the parameters, arrays of the
    active backend.  (The notebook's cost plot is left to the caller.)
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got "
                         f"{optimizer!r}")
    dims = check_layer_dims(layers_dims)
    if len(dims) != 4 or dims[-1] != 1:
        raise ValueError(f"layers_dims must be [n_x, n_1, n_2, 1] (the notebook's three-layer "
                         f"network), got {list(layers_dims)!r}")
    check_int(mini_batch_size, "mini_batch_size", 1)
    beta, beta1, beta2 = (check_beta(b, n) for b, n in ((beta, "beta"), (beta1, "beta1"),
                                                         (beta2, "beta2")))
    check_positive_float(epsilon, "epsilon")
    check_non_negative(decay_rate, "decay_rate")
    if decay is not None and not callable(decay):
        raise TypeError(f"decay must be None or a function like update_lr, got {decay!r}")
    X, Y = check_model_args(X, Y, learning_rate, num_epochs)
    if X.shape[0] != dims[0]:
        raise InvalidDataError(f"X has {X.shape[0]} features but layers_dims[0] is {dims[0]}")
    t = 0
    seed = 10
    m = X.shape[1]
    learning_rate0 = learning_rate
    parameters = initialize_parameters_he(dims)
    if optimizer == "momentum":
        v = _zeros_like_grads(parameters)
    elif optimizer == "adam":
        v, s = _zeros_like_grads(parameters), _zeros_like_grads(parameters)
    for i in range(num_epochs):
        seed = seed + 1
        minibatches = random_mini_batches(X, Y, mini_batch_size, seed)
        cost_total = 0
        for minibatch_X, minibatch_Y in minibatches:
            a3, caches = forward(minibatch_X, parameters)
            # Summed where the arrays are: read once per epoch, when printed.
            cost_total = cost_total + get_array_module(a3).sum(log_probs(a3, minibatch_Y))
            grads = backward_lower(minibatch_X, minibatch_Y, caches)
            if optimizer == "gd":
                parameters = descend(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = momentum_step(parameters, grads, v, beta, learning_rate)
            else:
                t = t + 1
                parameters, v, s, _, _ = adam_step(parameters, grads, v, s, t, learning_rate,
                                                   beta1, beta2, epsilon)
        if decay:
            learning_rate = decay(learning_rate0, i, decay_rate)
        if print_cost and i % 1000 == 0:
            print("Cost after epoch %i: %f" % (i, float(cost_total) / m))
            if decay:
                print("learning rate after epoch %i: %f" % (i, learning_rate))
    return parameters
