"""Backprop's gradients agree with central differences for every activation."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, gradient_check


def _model_off_the_kinks(hidden, backend_seed=0):
    # Random non-zero biases keep every Z away from exactly 0, where ReLU's
    # numerical derivative would be 1/2 and backprop's (as in the course) 0.
    model = DeepNN([4, 5, 3, 1], hidden_activation=hidden, dtype="float64").initialize_parameters()
    rng = np.random.RandomState(backend_seed)
    for key, value in model.parameters_.items():
        if key.startswith("b"):
            value += dlgpu.to_device(rng.randn(*value.shape) * 0.1)
    return model


@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "tanh", "sigmoid", "identity"])
def test_gradients_match_central_differences(backend_name, hidden):
    rng = np.random.RandomState(3)
    X = rng.randn(4, 12)
    Y = (rng.rand(1, 12) > 0.5).astype(float)
    difference = gradient_check(_model_off_the_kinks(hidden), X, Y)
    assert difference < 1e-7


def test_logistic_regression_gradient(backend_name):
    rng = np.random.RandomState(4)
    X, Y = rng.randn(3, 10), (rng.rand(1, 10) > 0.5).astype(float)
    model = DeepNN([3, 1], init="zeros", dtype="float64", num_iterations=5).fit(X, Y)
    assert gradient_check(model, X, Y) < 1e-7


def test_a_wrong_gradient_is_detected(monkeypatch):
    rng = np.random.RandomState(3)
    X, Y = rng.randn(4, 12), (rng.rand(1, 12) > 0.5).astype(float)
    model = _model_off_the_kinks("tanh")
    real = DeepNN.loss_and_gradients

    def off_by_a_bit(self, X, Y):
        cost, grads = real(self, X, Y)
        grads["dW1"] = grads["dW1"] * 1.01
        return cost, grads

    monkeypatch.setattr(DeepNN, "loss_and_gradients", off_by_a_bit)
    assert gradient_check(model, X, Y) > 1e-4


def test_check_does_not_change_the_model():
    rng = np.random.RandomState(5)
    X, Y = rng.randn(4, 6), (rng.rand(1, 6) > 0.5).astype(float)
    model = DeepNN([4, 3, 1], dtype="float32").initialize_parameters()
    before = {k: v.copy() for k, v in model.parameters_.items()}
    gradient_check(model, X, Y)
    assert model.dtype == "float32"
    for k, v in model.parameters_.items():
        np.testing.assert_array_equal(v, before[k])


def test_check_never_writes_the_models_own_arrays():
    rng = np.random.RandomState(6)
    X, Y = rng.randn(4, 6), (rng.rand(1, 6) > 0.5).astype(float)
    model = DeepNN([4, 3, 1], dtype="float64").initialize_parameters()
    for value in model.parameters_.values():
        value.flags.writeable = False  # any write through a shared array raises
    assert gradient_check(model, X, Y) < 1e-7
