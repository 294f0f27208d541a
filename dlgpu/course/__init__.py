"""The course's own functions, with the names, arguments, return values and
cache tuples that learners know, running on dlgpu's active backend in float64.

Week 2 (logistic regression): ``initialize_with_zeros``, ``propagate``,
``optimize``, ``model`` and ``predict_logistic`` (the week's ``predict``).
Week 3 (planar data): ``layer_sizes``, ``forward_propagation``,
``backward_propagation``, ``nn_model`` and ``planar_predict``.
Week 4 (deep networks): everything else.

One namespace per assignment stands in for its solved notebook and utility
files, e.g. ``from dlgpu.course.w4a1 import *``: ``w2a1`` (NumPy basics),
``w2a2`` (logistic regression), ``w3a1`` (planar data, 2021+) and
``w3a1_v2`` (its older versions, seeded differently), ``w4a1`` (deep network
step by step) and ``w4a1_v4a`` (its older version, keyed differently),
``w4a2`` (its application); Course 2 (Improving Deep Neural Networks):
``c2w1a1`` (Initialization), ``c2w1a2`` (Regularization), ``c2w1a3``
(Gradient Checking) and ``c2w2a1`` (Optimization Methods), whose shared
three-layer network is :mod:`.threelayer`.  Only what differs between the
assignments is written twice (initializers, ``compute_cost``'s return type).

On the CuPy backend the step functions take NumPy and CuPy arrays in any mix
and return NumPy arrays for NumPy input, predictions where the examples are
(:mod:`.placement`); the models return the active backend's arrays.

The package holds the course's functions and nothing the library needs: it
imports only the library's public layers (:mod:`dlgpu.backend`,
:mod:`dlgpu.activations`, :mod:`dlgpu.validation`, :mod:`dlgpu.errors`, and
for its maths and notebook helpers :mod:`dlgpu.initializers`,
:mod:`dlgpu.losses`, :mod:`dlgpu.datasets`), never their private names, and
nothing in the library imports ``dlgpu.course`` (only the benchmarks in
:mod:`dlgpu.bench` load it, to time it).
"""

from .activations import (leaky_relu, leaky_relu_backward, relu, relu_backward, sigmoid,
                          sigmoid_backward, tanh, tanh_backward)
from .deep import (L_layer_model, L_model_backward, L_model_forward, compute_cost,
                   initialize_parameters, initialize_parameters_deep, linear_activation_backward,
                   linear_activation_forward, linear_backward, linear_forward, predict,
                   two_layer_model, update_parameters)
from .logistic import initialize_with_zeros, model, optimize, predict_logistic, propagate
from .planar import (backward_propagation, forward_propagation, layer_sizes, nn_model,
                     planar_predict)

__all__ = [
    "L_layer_model", "L_model_backward", "L_model_forward", "backward_propagation",
    "compute_cost", "forward_propagation", "initialize_parameters",
    "initialize_parameters_deep", "initialize_with_zeros", "layer_sizes", "leaky_relu",
    "leaky_relu_backward", "linear_activation_backward", "linear_activation_forward",
    "linear_backward", "linear_forward", "model", "nn_model", "optimize", "planar_predict",
    "predict", "predict_logistic", "propagate", "relu", "relu_backward", "sigmoid",
    "sigmoid_backward", "tanh", "tanh_backward", "two_layer_model", "update_parameters",
]
