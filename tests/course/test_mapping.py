"""Every function the course's public tests call exists in the namespace that maps
its assignment, and comes with ``from dlgpu.course.<assignment> import *``."""

import pytest

from .harness import ASSIGNMENTS

#: assignment -> the names its public tests (and the notebook's own asserts) call
GRADED = {
    "W2A1": ["basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalizeRows",
             "softmax", "L1", "L2"],
    "W2A2": ["sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model"],
    "W3A1": ["layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
             "backward_propagation", "update_parameters", "nn_model", "predict"],
    "W3A1 (testCases_v2)": ["layer_sizes", "initialize_parameters", "forward_propagation",
                            "compute_cost", "backward_propagation", "update_parameters",
                            "nn_model", "predict"],
    "W4A1": ["initialize_parameters", "initialize_parameters_deep", "linear_forward",
             "linear_activation_forward", "L_model_forward", "compute_cost", "linear_backward",
             "linear_activation_backward", "L_model_backward", "update_parameters"],
    "W4A1 (testCases_v4a)": ["initialize_parameters", "initialize_parameters_deep",
                             "linear_forward", "linear_activation_forward", "L_model_forward",
                             "compute_cost", "linear_backward", "linear_activation_backward",
                             "L_model_backward", "update_parameters"],
    "W4A2": ["two_layer_model", "L_layer_model", "predict"],
    "C2W1A1": ["initialize_parameters_zeros", "initialize_parameters_random",
               "initialize_parameters_he", "model", "load_dataset", "forward_propagation",
               "backward_propagation", "compute_loss", "update_parameters", "predict",
               "predict_dec", "plot_decision_boundary"],
    "C2W1A2": ["compute_cost_with_regularization", "backward_propagation_with_regularization",
               "forward_propagation_with_dropout", "backward_propagation_with_dropout", "model",
               "initialize_parameters", "forward_propagation", "backward_propagation",
               "compute_cost", "update_parameters", "predict", "predict_dec",
               "load_2D_dataset", "plot_decision_boundary"],
    "C2W1A3": ["forward_propagation", "backward_propagation", "gradient_check",
               "forward_propagation_n", "backward_propagation_n", "gradient_check_n",
               "dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector"],
    "C2W2A1": ["update_parameters_with_gd", "random_mini_batches", "initialize_velocity",
               "update_parameters_with_momentum", "initialize_adam",
               "update_parameters_with_adam", "update_lr", "schedule_lr_decay", "model",
               "initialize_parameters", "forward_propagation", "backward_propagation",
               "compute_cost", "predict", "predict_dec", "load_dataset",
               "plot_decision_boundary"],
}


@pytest.mark.parametrize("assignment", sorted(GRADED))
def test_every_graded_function_is_mapped(assignment):
    module = ASSIGNMENTS[assignment]
    namespace = {}
    exec(f"from {module.__name__} import *", namespace)
    for name in GRADED[assignment]:
        assert callable(namespace.get(name)), f"{assignment}: {name} missing"
