"""Numerics at the extremes: |z| = 1e4, predictions of exactly 0 or 1.

Sigmoid alone at +-1e4 is in ``tests/activations/test_activations.py``
(``test_sigmoid_extremes_are_exact_and_silent``), the binary cross-entropy
alone in ``tests/test_losses.py``.  Here the pieces meet: the cost and dZ of
DeepNN and of the course functions, softmax and its cost, in float32 and
float64, with NumPy's overflow, invalid and divide-by-zero reports raised
as errors (the suite already turns every RuntimeWarning into one).
"""

import contextlib
import warnings

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, course
from dlgpu.losses import (
    binary_cross_entropy,
    binary_cross_entropy_from_logits,
    categorical_cross_entropy_from_logits,
    softmax,
)
from dlgpu.distributed import GradientSync, LocalCommunicator
from dlgpu.training import train

DTYPES = ["float32", "float64"]
Z_EXTREME = np.array([[1e4, -1e4, 1e4, -1e4]])
Y_HALF_WRONG = np.array([[1, 0, 0, 1]])  # right, right, wrong by 1e4, wrong by 1e4


@contextlib.contextmanager
def silent():
    """No RuntimeWarning and no overflow, invalid value or division by zero."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield


def _all_finite(arrays):
    return all(np.isfinite(dlgpu.to_numpy(a)).all() for a in arrays)


def _logistic(dtype, z=1e4):
    """DeepNN([1, 1]) whose pre-activation is +-z on X = [[1, -1, 1, -1]]."""
    model = DeepNN([1, 1], init="zeros", dtype=dtype).initialize_parameters()
    model.parameters_["W1"][...] = z
    return model, np.array([[1.0, -1.0, 1.0, -1.0]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_deepnn_cost_and_dZ_at_z_1e4(backend_name, dtype):
    model, X = _logistic(dtype)
    with silent():
        cost, grads = model.loss_and_gradients(X, Y_HALF_WRONG)
        proba = dlgpu.to_numpy(model.predict_proba(X))
    np.testing.assert_array_equal(proba, [[1, 0, 1, 0]])
    assert cost == pytest.approx(1e4 / 2, rel=1e-6)  # two examples wrong by 1e4 each
    # dZ = (A - Y) / m = [0, 0, 1, -1] / 4, so dW = dZ X^T = (1 + 1) / 4 and db = 0.
    assert grads["dW1"][0, 0] == pytest.approx(0.5) and grads["db1"][0, 0] == 0
    assert grads["dW1"].dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_deepnn_saturated_hidden_layers_stay_finite(dtype, hidden):
    model = DeepNN([2, 3, 1], hidden_activation=hidden, dtype=dtype).initialize_parameters()
    for key in model.parameters_:
        model.parameters_[key][...] = 100.0  # Z of the order of 1e4 everywhere
    X = np.array([[50.0, -50.0, 50.0, -50.0], [50.0, -50.0, -50.0, 50.0]])
    with silent():
        cost, grads = model.loss_and_gradients(X, Y_HALF_WRONG)
        model.score(X, Y_HALF_WRONG)
    assert np.isfinite(cost) and cost >= 0
    assert _all_finite(grads.values())


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_steps_from_saturation_are_finite_and_silent(dtype):
    model, X = _logistic(dtype)
    model.learning_rate, model.num_iterations = 0.1, 3
    with silent():
        # fit's loop, from the saturated parameters set here, as one process
        one_process = GradientSync(LocalCommunicator(), model.parameters_, X.shape[1])
        train(model, X, Y_HALF_WRONG, None, None, None, one_process)
    assert all(np.isfinite(c) for c in model.costs_)
    assert _all_finite(model.parameters_.values())
    assert model.parameters_["W1"][0, 0] < 1e4  # the steps moved away from saturation


@pytest.mark.parametrize("dtype", DTYPES)
def test_cost_from_logits_is_exact_and_silent_at_1e4(backend_name, xp, dtype):
    Z, Y = xp.asarray(Z_EXTREME.astype(dtype)), xp.asarray(Y_HALF_WRONG.astype(dtype))
    with silent():
        cost = float(binary_cross_entropy_from_logits(Z, Y))
    assert cost == pytest.approx(1e4 / 2, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cost", [
    lambda AL, Y: float(binary_cross_entropy(AL, Y)),
    lambda AL, Y: course.compute_cost(AL, Y),
], ids=["losses.binary_cross_entropy", "course.compute_cost"])
def test_cost_is_finite_and_positive_when_predictions_reach_0_and_1(dtype, cost):
    AL = np.array([[1.0, 0.0, 1.0, 0.0]], dtype=dtype)
    with silent():
        right = cost(AL, np.array([[1, 0, 1, 0]]))
        wrong = cost(AL, np.array([[0, 1, 0, 1]]))
    assert right == 0.0 or 0 < right < 1e-6
    # Exactly 0 for the true label costs -log(tiny), exactly 1 for the false one
    # -log(epsneg) (the gap below 1): large, finite, the same every time.
    info = np.finfo(dtype)
    assert wrong == pytest.approx(-(np.log(float(info.tiny)) + np.log(float(info.epsneg))) / 2,
                                  rel=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_course_sigmoid_and_its_backward_at_1e4(dtype):
    Z = Z_EXTREME.astype(dtype)
    with silent():
        A, cache = course.sigmoid(Z)
        dZ = course.sigmoid_backward(np.ones_like(Z), cache)
    np.testing.assert_array_equal(A, [[1, 0, 1, 0]])
    np.testing.assert_array_equal(dZ, 0)
    assert A.dtype == dtype and dZ.dtype == dtype


def _saturated_course_network():
    """Course parameters [1, 1, 1] giving Z2 = +-1e4 on X = [[0.5, 2.5, 0.5, 2.5]]."""
    parameters = {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1)),
                  "W2": np.full((1, 1), 1e4), "b2": np.full((1, 1), -1.5e4)}
    return parameters, np.array([[0.5, 2.5, 0.5, 2.5]])


def test_course_L_model_backward_is_finite_where_AL_is_exactly_0_or_1():
    parameters, X = _saturated_course_network()
    Y = np.array([[0, 1, 1, 0]])
    with silent():
        AL, caches = course.L_model_forward(X, parameters)
        cost = course.compute_cost(AL, Y)
        grads = course.L_model_backward(AL, Y, caches)
    np.testing.assert_array_equal(AL, [[0, 1, 0, 1]])
    assert np.isfinite(cost) and cost > 0
    assert _all_finite(grads.values())


def test_course_output_gradient_is_the_course_formula_inside_0_1():
    AL = np.array([[1e-300, 0.2, 0.5, 0.9, 1 - 1e-16]])
    Y = np.array([[1, 0, 1, 0, 1]])
    expected = -(Y / AL - (1 - Y) / (1 - AL))
    np.testing.assert_array_equal(course.deep.output_gradient(AL, Y), expected)


@pytest.mark.parametrize("train", [
    lambda X, Y: course.L_layer_model(X, Y, [2, 4, 1], learning_rate=1e-3, num_iterations=5),
    lambda X, Y: course.two_layer_model(X, Y, (2, 4, 1), learning_rate=1e-3, num_iterations=5),
    lambda X, Y: (None, [course.nn_model(X, Y, 4, num_iterations=5, print_cost=False)]),
], ids=["L_layer_model", "two_layer_model", "nn_model"])
def test_course_models_on_saturating_data_stay_finite_and_silent(train):
    rng = np.random.RandomState(0)
    X = rng.randn(2, 20) * 1e4  # unscaled data: every output unit saturates at once
    Y = (X[0:1] > 0).astype(np.float64)
    with silent():
        _, record = train(X, Y)
    for item in record:
        values = item.values() if isinstance(item, dict) else [item]
        assert _all_finite(values)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_and_its_cost_at_1e4(backend_name, xp, dtype):
    Z = xp.asarray(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [0.0, 0.0, 1e4]], dtype=dtype))
    T = xp.asarray(np.eye(3, dtype=dtype)[:, [1, 1, 0]])  # wrong by 2e4, right, wrong by 1e4
    with silent():
        A = dlgpu.to_numpy(softmax(Z))
        cost = float(categorical_cross_entropy_from_logits(Z, T))
    assert A.dtype == dtype and np.isfinite(A).all() and (A >= 0).all()
    np.testing.assert_allclose(A.sum(axis=0), 1, rtol=1e-6)
    assert cost == pytest.approx((2e4 + 0 + 1e4) / 3, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_deepnn_softmax_cost_and_dZ_at_1e4(dtype):
    model = DeepNN([2, 3], output_activation="softmax", init="xavier",
                   dtype=dtype).initialize_parameters()
    model.parameters_["W1"][...] = np.array([[1e4, 0], [-1e4, 0], [0, 1e4]], dtype=dtype)
    X, labels = np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]), np.array([[1, 0, 2]])
    with silent():
        cost, grads = model.loss_and_gradients(X, labels)
        proba = dlgpu.to_numpy(model.predict_proba(X))
    assert np.isfinite(cost) and cost == pytest.approx(2 * 2e4 / 3, rel=1e-6)
    assert _all_finite(grads.values()) and np.isfinite(proba).all()
