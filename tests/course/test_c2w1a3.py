"""C2W1A3 (Gradient Checking): the public tests' inputs and expected differences."""

import numpy as np
import pytest

import dlgpu
from dlgpu import InvalidDataError
from dlgpu.backend import map_arrays
from dlgpu.course import c2w1a3


def test_one_dimensional_functions():
    assert c2w1a3.forward_propagation(2, 4) == 8
    assert c2w1a3.backward_propagation(2, 4) == 2


def test_gradient_check(capsys):
    difference = c2w1a3.gradient_check(2, 4, print_msg=True)
    assert difference == pytest.approx(2.919335883291695e-10, rel=1e-6)
    assert "Your backward propagation works perfectly fine! difference = " in \
        capsys.readouterr().out


def _case():
    """gradient_check_n_test_case: seed 1, x (4, 3), y = [1, 1, 0], then the parameters."""
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([1, 1, 0])
    parameters = {k: np.random.randn(*s) for k, s in (
        ("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)), ("W3", (1, 3)),
        ("b3", (1, 1)))}
    return x, y, parameters


def test_gradient_check_n_passes_the_corrected_backward_pass(xp, capsys):
    X, Y, parameters = map_arrays(_case(), xp.asarray)
    cost, cache = c2w1a3.forward_propagation_n(X, Y, parameters)
    assert type(cost) is np.float64 and len(cache) == 12
    gradients = c2w1a3.backward_propagation_n(X, Y, cache)
    assert dlgpu.get_array_module(gradients["dW1"]) is xp
    difference = c2w1a3.gradient_check_n(parameters, gradients, X, Y, 1e-7, True)
    assert not isinstance(difference, np.ndarray)
    assert difference == pytest.approx(1.1890913024229996e-07, rel=1e-4)
    assert "works perfectly fine" in capsys.readouterr().out


def test_gradient_check_n_finds_the_notebooks_planted_mistakes(capsys):
    X, Y, parameters = _case()
    cost, cache = c2w1a3.forward_propagation_n(X, Y, parameters)
    gradients = c2w1a3.backward_propagation_n(X, Y, cache)
    # the shipped backward_propagation_n doubles dW2 and takes db1 with 4/m
    gradients["dW2"] = gradients["dW2"] * 2
    gradients["db1"] = gradients["db1"] * 4
    difference = c2w1a3.gradient_check_n(parameters, gradients, X, Y, print_msg=True)
    assert difference == pytest.approx(0.2850931567761623, rel=1e-6)
    assert "There is a mistake in the backward propagation! difference = 0.285" in \
        capsys.readouterr().out


def test_vector_round_trip(xp):
    _, _, parameters = _case()
    theta, keys = c2w1a3.dictionary_to_vector(map_arrays(parameters, xp.asarray))
    assert theta.shape == (47, 1) and keys[:21] == ["W1"] * 20 + ["b1"]
    back = c2w1a3.vector_to_dictionary(theta)
    for k, v in parameters.items():
        np.testing.assert_array_equal(dlgpu.to_numpy(back[k]), v)
    grads = {"d" + k: v for k, v in parameters.items()}
    np.testing.assert_array_equal(c2w1a3.gradients_to_vector(grads), dlgpu.to_numpy(theta))


def test_bad_inputs_are_named():
    X, Y, parameters = _case()
    with pytest.raises(InvalidDataError, match="theta must hold the 47 values"):
        c2w1a3.vector_to_dictionary(np.zeros((46, 1)))
    with pytest.raises(ValueError, match="epsilon must be finite and > 0"):
        c2w1a3.gradient_check_n(parameters, {}, X, Y, epsilon=0)
    with pytest.raises(InvalidDataError,
                       match=r"X has 3 features but the cache's W1 has shape \(5, 4\)"):
        c2w1a3.backward_propagation_n(np.zeros((3, 3)), Y,
                                      c2w1a3.forward_propagation_n(X, Y, parameters)[1])
