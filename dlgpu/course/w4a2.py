"""Course 1, week 4, assignment 2: deep neural network for image classification.

``from dlgpu.course.w4a2 import *`` stands in for the solved notebook with
its ``dnn_app_utils`` helpers: the Application's initializers (seed 1; the
deep one ``randn / sqrt(n_{l-1})``), ``compute_cost`` as a 0-d array, the
two models (their ``costs`` 0-d arrays, every 100 iterations), ``predict``,
``print_mislabeled_images`` and ``load_data``.
"""

from .deep import (L_layer_model, L_model_backward, L_model_forward, initialize_parameters,
                   initialize_parameters_deep, linear_activation_backward,
                   linear_activation_forward, linear_backward, linear_forward, predict,
                   two_layer_model, update_parameters)
from .deep import compute_cost_squeezed as compute_cost
from .notebook import load_data, print_mislabeled_images
from .w4a1 import relu, relu_backward, sigmoid, sigmoid_backward

__all__ = ["L_layer_model", "L_model_backward", "L_model_forward", "compute_cost",
           "initialize_parameters", "initialize_parameters_deep", "linear_activation_backward",
           "linear_activation_forward", "linear_backward", "linear_forward", "load_data",
           "predict", "print_mislabeled_images", "relu", "relu_backward", "sigmoid",
           "sigmoid_backward", "two_layer_model", "update_parameters"]
