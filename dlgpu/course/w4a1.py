"""Course 1, week 4, assignment 1: building a deep neural network, step by step.

``from dlgpu.course.w4a1 import *`` stands in for the solved notebook with
its ``dnn_utils`` helpers.  Here ``initialize_parameters_deep`` is the
step-by-step one (seed 3, ``randn * 0.01``) and ``compute_cost`` returns a
0-d array (``np.squeeze``); the Application's are in :mod:`dlgpu.course.w4a2`.
The same functions pass the older ``testCases_v4a`` tables.
"""

from .activations import relu, relu_backward, sigmoid, sigmoid_backward
from .deep import (L_model_backward, L_model_forward, draw_parameters, initialize_parameters,
                   linear_activation_backward, linear_activation_forward, linear_backward,
                   linear_forward, update_parameters)
from .deep import compute_cost_squeezed as compute_cost
from ..validation import check_layer_dims

__all__ = ["L_model_backward", "L_model_forward", "compute_cost", "initialize_parameters",
           "initialize_parameters_deep", "linear_activation_backward",
           "linear_activation_forward", "linear_backward", "linear_forward", "relu",
           "relu_backward", "sigmoid", "sigmoid_backward", "update_parameters"]


def initialize_parameters_deep(layer_dims):
    """L-layer parameters: W[l] = randn * 0.01 after ``np.random.seed(3)``, b = 0."""
    return draw_parameters(check_layer_dims(layer_dims), "small", seed=3)
