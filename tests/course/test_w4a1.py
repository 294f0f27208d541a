"""W4A1 (deep network step by step): the public tests and the testCases_v4a tables."""

import numpy as np
import pytest

from dlgpu import course
from dlgpu.course import w4a1, w4a1_v4a

from .harness import assert_like


def test_initialize_parameters_seeds_1():
    assert_like(w4a1.initialize_parameters(3, 2, 1), {
        "W1": np.array([[0.01624345, -0.00611756, -0.00528172],
                        [-0.01072969, 0.00865408, -0.02301539]]),
        "b1": np.zeros((2, 1)), "W2": np.array([[0.01744812, -0.00761207]]),
        "b2": np.zeros((1, 1))})


def test_initialize_parameters_deep_seeds_3_and_scales_by_0_01():
    assert_like(w4a1.initialize_parameters_deep([5, 4, 3]), {
        "W1": np.array([[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
                        [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
                        [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
                        [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]]),
        "b1": np.zeros((4, 1)),
        "W2": np.array([[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                        [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
                        [-0.00768836, -0.00230031, 0.00745056, 0.01976111]]),
        "b2": np.zeros((3, 1))})


def test_linear_forward():
    np.random.seed(1)
    A_prev, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    assert_like(w4a1.linear_forward(A_prev, W, b),
                (np.array([[3.26295337, -1.23429987]]), (A_prev, W, b)))


@pytest.mark.parametrize("activation, A", [("sigmoid", [[0.96890023, 0.11013289]]),
                                           ("relu", [[3.43896131, 0.]])])
def test_linear_activation_forward(activation, A):
    np.random.seed(2)
    A_prev, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    Z = np.array([[3.43896131, -2.08938436]])
    assert_like(w4a1.linear_activation_forward(A_prev, W, b, activation),
                (np.array(A), ((A_prev, W, b), Z)))


def test_L_model_forward_two_hidden_layers():
    np.random.seed(6)
    X = np.random.randn(5, 4)
    parameters = {}
    for l, (n, n_prev) in enumerate([(4, 5), (3, 4), (1, 3)], start=1):
        parameters[f"W{l}"], parameters[f"b{l}"] = np.random.randn(n, n_prev), np.random.randn(n, 1)
    AL, caches = w4a1.L_model_forward(X, parameters)
    assert_like(AL, np.array([[0.03921668, 0.70498921, 0.19734387, 0.04728177]]))
    assert isinstance(caches, list) and len(caches) == 3
    Z = [np.array([[-5.23825714, 3.18040136, 0.4074501, -1.88612721],
                   [-2.77358234, -0.56177316, 3.18141623, -0.99209432],
                   [4.18500916, -1.78006909, -0.14502619, 2.72141638],
                   [5.05850802, -1.25674082, -3.54566654, 3.82321852]]),
         np.array([[2.2644603, 1.09971298, -2.90298027, 1.54036335],
                   [6.33722569, -2.38116246, -4.11228806, 4.48582383],
                   [10.37508342, -0.66591468, 1.63635185, 8.17870169]]),
         np.array([[-3.19864676, 0.87117055, -1.40297864, -3.00319435]])]
    A_prev = X
    for l, ((linear_cache, activation_cache), expected_Z) in enumerate(zip(caches, Z), start=1):
        assert_like(linear_cache, (A_prev, parameters[f"W{l}"], parameters[f"b{l}"]))
        assert_like(activation_cache, expected_Z)
        A_prev = np.maximum(0, expected_Z)


@pytest.mark.parametrize("Y, expected", [
    ([[1, 1, 0]], 0.27977656),            # public_tests
    ([[1, 1, 1]], 0.41493159961539694),   # testCases_v4a
])
def test_compute_cost_is_a_0d_array(Y, expected):
    cost = w4a1.compute_cost(np.array([[.8, .9, 0.4]]), np.asarray(Y))
    assert_like(cost, np.array(expected))


def test_linear_backward():
    np.random.seed(1)
    dZ, A, W, b = (np.random.randn(3, 4), np.random.randn(5, 4), np.random.randn(3, 5),
                   np.random.randn(3, 1))
    assert_like(w4a1.linear_backward(dZ, (A, W, b)), (
        np.array([[-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                  [0.60345879, -3.72508701, 5.81700741, -3.84326836],
                  [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
                  [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
                  [-2.52214926, 2.67882552, -0.67947465, 1.48119548]]),
        np.array([[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
                  [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
                  [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]]),
        np.array([[-0.14713786], [-0.11313155], [-0.13209101]])))


def test_linear_backward_v4a():
    np.random.seed(1)
    dZ, A, W, b = (np.random.randn(1, 2), np.random.randn(3, 2), np.random.randn(1, 3),
                   np.random.randn(1, 1))
    assert_like(w4a1.linear_backward(dZ, (A, W, b)), (
        np.array([[0.51822968, -0.19517421], [-0.40506361, 0.15255393],
                  [2.37496825, -0.89445391]]),
        np.array([[-0.10076895, 1.40685096, 1.64992505]]),
        np.array([[0.50629448]])))


@pytest.mark.parametrize("activation, expected", [
    ("sigmoid", (np.array([[0.11017994, 0.01105339], [0.09466817, 0.00949723],
                           [-0.05743092, -0.00576154]]),
                 np.array([[0.10266786, 0.09778551, -0.01968084]]),
                 np.array([[-0.05729622]]))),
    ("relu", (np.array([[0.44090989, 0.], [0.37883606, 0.], [-0.2298228, 0.]]),
              np.array([[0.44513824, 0.37371418, -0.10478989]]),
              np.array([[-0.20837892]]))),
])
def test_linear_activation_backward(activation, expected):
    np.random.seed(2)
    dA, A, W, b, Z = (np.random.randn(1, 2), np.random.randn(3, 2), np.random.randn(1, 3),
                      np.random.randn(1, 1), np.random.randn(1, 2))
    assert_like(w4a1.linear_activation_backward(dA, ((A, W, b), Z), activation), expected)


def _L_model_backward_case():
    np.random.seed(3)
    AL, Y = np.random.randn(1, 2), np.array([[1, 0]])
    caches = []
    for n, n_prev in ((3, 4), (1, 3)):
        A, W, b, Z = (np.random.randn(n_prev, 2), np.random.randn(n, n_prev),
                      np.random.randn(n, 1), np.random.randn(n, 2))
        caches.append(((A, W, b), Z))
    return AL, Y, tuple(caches)


def test_L_model_backward_on_the_course_input_outside_0_1():
    AL, Y, caches = _L_model_backward_case()
    assert AL.max() > 1  # randn: the formula is taken as it is, not as probabilities
    assert_like(w4a1.L_model_backward(AL, Y, caches), {
        "dA1": np.array([[0.12913162, -0.44014127], [-0.14175655, 0.48317296],
                         [0.01663708, -0.05670698]]),
        "dW2": np.array([[-0.39202432, -0.13325855, -0.04601089]]),
        "db2": np.array([[0.15187861]]),
        "dA0": np.array([[0., 0.52257901], [0., -0.3269206], [0., -0.32070404],
                         [0., -0.74079187]]),
        "dW1": np.array([[0.41010002, 0.07807203, 0.13798444, 0.10502167],
                         [0., 0., 0., 0.], [0.05283652, 0.01005865, 0.01777766, 0.0135308]]),
        "db1": np.array([[-0.22007063], [0.], [-0.02835349]])})


def test_L_model_backward_older_keys():
    AL, Y, caches = _L_model_backward_case()
    grads = w4a1_v4a.L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA1", "dA2", "dW1", "dW2", "db1", "db2"}
    assert_like(grads, {
        "dW1": np.array([[0.41010002, 0.07807203, 0.13798444, 0.10502167],
                         [0., 0., 0., 0.], [0.05283652, 0.01005865, 0.01777766, 0.0135308]]),
        "db1": np.array([[-0.22007063], [0.], [-0.02835349]]),
        "dA1": np.array([[0., 0.52257901], [0., -0.3269206], [0., -0.32070404],
                         [0., -0.74079187]])})


def test_L_model_forward_one_hidden_layer_v4a():
    np.random.seed(1)
    X = np.random.randn(4, 2)
    parameters = {"W1": np.random.randn(3, 4), "b1": np.random.randn(3, 1),
                  "W2": np.random.randn(1, 3), "b2": np.random.randn(1, 1)}
    AL, caches = w4a1_v4a.L_model_forward(X, parameters)
    assert_like(AL, np.array([[0.17007265, 0.2524272]]))
    assert len(caches) == 2


def test_L_model_backward_dAL_is_the_formula_where_it_is_finite():
    AL, Y, caches = _L_model_backward_case()
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    Z2 = caches[1][1]
    s = 1 / (1 + np.exp(-Z2))
    grads = w4a1.L_model_backward(AL, Y, caches)
    np.testing.assert_allclose(grads["db2"], (dAL * s * (1 - s)).mean(axis=1, keepdims=True),
                               rtol=1e-13)


def test_L_model_backward_stays_finite_where_the_formula_divides_by_zero():
    AL, Y, caches = _L_model_backward_case()
    grads = w4a1.L_model_backward(np.array([[1.0, 0.0]]), np.array([[0, 1]]), caches)
    assert all(np.isfinite(g).all() for g in grads.values())


def test_update_parameters():
    np.random.seed(2)
    parameters = {"W1": np.random.randn(3, 4), "b1": np.random.randn(3, 1),
                  "W2": np.random.randn(1, 3), "b2": np.random.randn(1, 1)}
    np.random.seed(3)
    grads = {"dW1": np.random.randn(3, 4), "db1": np.random.randn(3, 1),
             "dW2": np.random.randn(1, 3), "db2": np.random.randn(1, 1)}
    assert_like(w4a1.update_parameters(parameters, grads, 0.1), {
        "W1": np.array([[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
                        [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
                        [-1.0535704, -0.86128581, 0.68284052, 2.20374577]]),
        "b1": np.array([[-0.04659241], [-1.28888275], [0.53405496]]),
        "W2": np.array([[-0.55569196, 0.0354055, 1.32964895]]),
        "b2": np.array([[-0.84610769]])})


def test_activation_helpers_take_integers_and_numbers():
    A, cache = w4a1.sigmoid(np.array([0, 2]))
    np.testing.assert_allclose(A, [0.5, 0.88079708], rtol=1e-7)
    A, cache = w4a1.sigmoid(1)
    assert isinstance(A, np.float64) and cache == 1
    A, _ = w4a1.sigmoid(np.array(0.0))
    assert A == 0.5
    A, _ = w4a1.relu(np.array([[-1, 2]]))
    np.testing.assert_array_equal(A, [[0, 2]])
    A, _ = course.tanh(np.array([0, 1]))  # the planar exercise's activation
    np.testing.assert_allclose(A, [0.0, 0.76159416], rtol=1e-7)
    assert isinstance(course.tanh(2)[0], np.float64)


def test_star_import_gives_the_notebook():
    namespace = {}
    exec("from dlgpu.course.w4a1 import *", namespace)
    assert set(w4a1.__all__) <= set(namespace)
    assert namespace["initialize_parameters_deep"] is w4a1.initialize_parameters_deep
