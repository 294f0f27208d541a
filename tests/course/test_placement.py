"""On either backend the course functions take NumPy and CuPy arrays in any mix:
NumPy in gives NumPy out (computed on the active backend), device arrays in give
device arrays out, and parameters on the device meet data on the host."""

import numpy as np
import pytest

import dlgpu
from dlgpu import course
from dlgpu.course import c2w1a2, c2w1a3, c2w2a1, w2a1, w2a2, w3a1, w4a1  # noqa: F401
from dlgpu.backend import map_arrays


def _rng():
    return np.random.RandomState(0)


def _deep_case():
    rng = _rng()
    X = rng.randn(3, 5)
    parameters = {"W1": rng.randn(4, 3), "b1": rng.randn(4, 1), "W2": rng.randn(1, 4),
                  "b2": rng.randn(1, 1)}
    return X, (rng.rand(1, 5) > 0.5).astype(float), parameters


def _backward_args():
    X, Y, parameters = _deep_case()
    AL, caches = course.L_model_forward(X, parameters)
    return AL, Y, caches


def _planar_backward_args():
    X, Y, parameters = _deep_case()
    return parameters, course.forward_propagation(X, parameters)[1], X, Y


def _layer():
    rng = _rng()
    return rng.randn(3, 2), rng.randn(1, 3), rng.randn(1, 1)


def _three_layer():
    rng = _rng()
    X = rng.randn(3, 5)
    parameters = {"W1": rng.randn(4, 3), "b1": rng.randn(4, 1), "W2": rng.randn(2, 4),
                  "b2": rng.randn(2, 1), "W3": rng.randn(1, 2), "b3": rng.randn(1, 1)}
    return X, (rng.rand(1, 5) > 0.5).astype(float), parameters


def _three_layer_grads():
    _, _, parameters = _three_layer()
    return parameters, {"d" + k: v * 0.1 for k, v in parameters.items()}


#: name -> (function, arguments built with NumPy on the NumPy backend, picks the arrays to check)
CASES = {
    "sigmoid": (course.sigmoid, lambda: (np.array([[0, 2]]),)),
    "relu": (course.relu, lambda: (np.array([[-1.0, 2.0]]),)),
    "tanh": (course.tanh, lambda: (np.array([[-1.0, 2.0]]),)),
    "sigmoid_backward": (course.sigmoid_backward, lambda: (np.ones((1, 2)), np.array([[0., 1.]]))),
    "relu_backward": (course.relu_backward, lambda: (np.ones((1, 2)), np.array([[-1., 1.]]))),
    "linear_forward": (course.linear_forward, _layer),
    "linear_activation_forward": (course.linear_activation_forward,
                                  lambda: (*_layer(), "relu")),
    "L_model_forward": (course.L_model_forward, lambda: _deep_case()[::2]),
    "compute_cost (week 4)": (w4a1.compute_cost, lambda: _backward_args()[:2]),
    "linear_backward": (course.linear_backward, lambda: (np.ones((1, 2)), _layer())),
    "linear_activation_backward": (course.linear_activation_backward,
                                   lambda: (np.ones((1, 2)), (_layer(), np.ones((1, 2))),
                                            "sigmoid")),
    "L_model_backward": (course.L_model_backward, _backward_args),
    "update_parameters": (course.update_parameters,
                          lambda: (_deep_case()[2], {f"d{k}": v for k, v in
                                                     _deep_case()[2].items()}, 0.1)),
    "predict": (course.predict, _deep_case),
    "forward_propagation": (course.forward_propagation, lambda: _deep_case()[::2]),
    "backward_propagation": (course.backward_propagation, _planar_backward_args),
    "planar_predict": (course.planar_predict, lambda: _deep_case()[::-2]),
    "propagate": (w2a2.propagate, lambda: (np.ones((3, 1)), 0.5, *_deep_case()[:2])),
    "optimize": (lambda *a: w2a2.optimize(*a)[:2],
                 lambda: (np.ones((3, 1)), 0.5, *_deep_case()[:2], 3)),
    "predict (week 2)": (w2a2.predict, lambda: (np.ones((3, 1)), 0.5, _deep_case()[0])),
    "sigmoid (week 2)": (w2a2.sigmoid, lambda: (np.array([0, 2]),)),
    "normalize_rows": (w2a1.normalize_rows, lambda: (np.array([[0, 3, 4], [1, 6, 4]]),)),
    "softmax": (w2a1.softmax, lambda: (np.array([[9, 2, 5, 0, 0]]),)),
    "forward_propagation_with_dropout": (c2w1a2.forward_propagation_with_dropout,
                                         lambda: (_three_layer()[0], _three_layer()[2], 0.7)),
    "backward_propagation_with_regularization": (
        c2w1a2.backward_propagation_with_regularization,
        lambda: (*_three_layer()[:2], c2w1a2.forward_propagation(*_three_layer()[::2])[1], 0.7)),
    "gradients_to_vector": (c2w1a3.gradients_to_vector, lambda: (_three_layer_grads()[1],)),
    "random_mini_batches": (c2w2a1.random_mini_batches, lambda: (*_three_layer()[:2], 2)),
    "update_parameters_with_adam": (
        lambda *a: c2w2a1.update_parameters_with_adam(*a)[:3],
        lambda: (*_three_layer_grads(), *c2w2a1.initialize_adam(_three_layer()[2]), 1)),
    "predict (C2)": (c2w2a1.predict, _three_layer),
}


def _arrays(result):
    found = []
    map_arrays(result, found.append)
    return found


def _numpy_reference(name):
    dlgpu.set_backend("numpy")
    function, build = CASES[name]
    return function(*build())


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_in_numpy_out(backend_name, name, capsys, monkeypatch):
    expected = _numpy_reference(name)
    dlgpu.set_backend(backend_name)
    xp = dlgpu.backend.get_backend_module()
    moved = []
    if xp is not np:  # count the arrays sent to the device: the maths runs there
        to_device = xp.asarray
        monkeypatch.setattr(xp, "asarray", lambda a, *args, **kw: moved.append(a) or
                            to_device(a, *args, **kw))
    function, build = CASES[name]
    got = function(*build())
    arrays = _arrays(got)
    assert arrays and all(type(a) is np.ndarray for a in arrays)
    assert bool(moved) == (xp is not np)
    for g, e in zip(arrays, _arrays(expected)):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(CASES))
def test_device_in_device_out(xp, name, capsys):
    function, build = CASES[name]
    args = map_arrays(build(), xp.asarray)
    arrays = _arrays(function(*args))
    assert arrays and all(dlgpu.get_array_module(a) is xp for a in arrays)


def test_device_parameters_meet_host_data(xp, capsys):
    X, Y, _ = _deep_case()
    parameters = course.initialize_parameters_deep([3, 4, 1])
    assert dlgpu.get_array_module(parameters["W1"]) is xp
    AL, caches = course.L_model_forward(X, parameters)
    assert dlgpu.get_array_module(AL) is xp
    grads = course.L_model_backward(AL, Y, caches)
    parameters = course.update_parameters(parameters, grads, 0.1)
    # predictions follow the data: host examples give host predictions, which the
    # notebooks compare with their NumPy labels (np.dot(Y, predictions.T))
    assert type(course.predict(X, Y, parameters)) is np.ndarray
    host = {k: dlgpu.to_numpy(v) for k, v in parameters.items()}
    assert dlgpu.get_array_module(course.predict(xp.asarray(X), Y, host)) is xp
    planar = course.initialize_parameters(3, 4, 1)
    A2, cache = course.forward_propagation(X, planar)
    grads = course.backward_propagation(planar, cache, X, Y)
    assert dlgpu.get_array_module(grads["dW1"]) is xp
    assert type(course.planar_predict(planar, X)) is np.ndarray
    assert dlgpu.get_array_module(course.planar_predict(host, xp.asarray(X))) is xp
    w, b = course.initialize_with_zeros(3)
    grads, cost = course.propagate(w, b, X, Y)
    assert dlgpu.get_array_module(grads["dw"]) is xp and type(grads["db"]) is np.float64
    assert type(w2a2.predict(w, b, X)) is np.ndarray
    assert dlgpu.get_array_module(w2a2.predict(w, b, xp.asarray(X))) is xp


def test_planar_notebook_on_the_device(xp, capsys):
    """The exercise's accuracy line (``.item()`` for NumPy 2), parameters on the device."""
    X, Y = course.w3a1.load_planar_dataset()
    parameters = course.w3a1.nn_model(X, Y, 4, num_iterations=20)
    assert dlgpu.get_array_module(parameters["W1"]) is xp
    predictions = course.w3a1.predict(parameters, X)
    accuracy = ((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T))
                / float(Y.size) * 100).item()
    assert accuracy == np.mean(predictions == Y) * 100
