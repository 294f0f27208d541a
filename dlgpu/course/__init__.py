"""The course's own functions, with the names, arguments, return values and
cache tuples that learners know, running on dlgpu's active backend in float64.

Week 2 (logistic regression): ``initialize_with_zeros``, ``propagate``,
``optimize``, ``model`` and ``predict_logistic`` (the week's ``predict``).
Week 3 (planar data): ``layer_sizes``, ``forward_propagation``,
``backward_propagation``, ``nn_model`` and ``planar_predict``.
Week 4 (deep networks): everything else.
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
