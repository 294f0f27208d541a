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
}


@pytest.mark.parametrize("assignment", sorted(GRADED))
def test_every_graded_function_is_mapped(assignment):
    module = ASSIGNMENTS[assignment]
    namespace = {}
    exec(f"from {module.__name__} import *", namespace)
    for name in GRADED[assignment]:
        assert callable(namespace.get(name)), f"{assignment}: {name} missing"
