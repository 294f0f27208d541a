"""W2A2 (logistic regression): the public tests and the older notebook's tables."""

import numpy as np
import pytest

from dlgpu.course import w2a2

from .harness import assert_like


def test_sigmoid_returns_s():
    s = w2a2.sigmoid(np.array([0, 2]))
    assert type(s) is np.ndarray
    np.testing.assert_allclose(s, [0.5, 0.88079708], rtol=1e-7)
    assert w2a2.sigmoid(1) == pytest.approx(0.7310585, abs=1e-7)  # printed cut to 7 digits


@pytest.mark.parametrize("dim", [3, 4])
def test_initialize_with_zeros(dim):
    w, b = w2a2.initialize_with_zeros(dim)
    assert type(b) is float and b == 0.0
    assert type(w) is np.ndarray and w.shape == (dim, 1) and not w.any()


def test_propagate():
    w, b = np.array([[1.], [2.], [-1]]), 2.5
    X = np.array([[1., 2., -1., 0], [3., 4., -3.2, 1], [3., 4., -3.2, -3.5]])
    Y = np.array([[1, 1, 0, 0]])
    grads, cost = w2a2.propagate(w, b, X, Y)
    assert_like(grads, {"dw": np.array([[-0.03909333], [0.12501464], [-0.99960809]]),
                        "db": np.float64(0.288106326429569)})
    assert type(grads["db"]) is np.float64  # the notebook asserts it
    assert_like(cost, np.array(2.0424567983978403))


def test_propagate_older_table():
    w, b = np.array([[1.], [2.]]), 2.
    X, Y = np.array([[1., 2., -1.], [3., 4., -3.2]]), np.array([[1, 0, 1]])
    grads, cost = w2a2.propagate(w, b, X, Y)
    assert_like(grads, {"dw": np.array([[0.99845601], [2.39507239]]),
                        "db": np.float64(0.00145557813678)})
    assert_like(cost, np.array(5.801545319394553))


@pytest.mark.parametrize("num_iterations, learning_rate, expected", [
    # public_tests.optimize_test
    (101, 0.1, ({"w": np.array([[-0.70916784], [-0.42390859]]), "b": np.float64(2.26891346)},
                {"dw": np.array([[0.06188603], [-0.01407361]]), "db": np.float64(-0.04709353)},
                [np.array(5.80154532), np.array(0.31057104)])),
    # the older notebook's table
    (100, 0.009, ({"w": np.array([[0.19033591], [0.12259159]]), "b": np.float64(1.92535983008)},
                  {"dw": np.array([[0.67752042], [1.41625495]]), "db": np.float64(0.219194504541)},
                  [np.array(5.801545319394553)])),
])
def test_optimize(num_iterations, learning_rate, expected):
    w, b = np.array([[1.], [2.]]), 2.
    X, Y = np.array([[1., 2., -1.], [3., 4., -3.2]]), np.array([[1, 0, 1]])
    got = w2a2.optimize(w, b, X, Y, num_iterations=num_iterations, learning_rate=learning_rate,
                        print_cost=False)
    assert_like(got, expected)
    np.testing.assert_array_equal(w, [[1.], [2.]])  # the caller's w is untouched


@pytest.mark.parametrize("w, b, X, expected", [
    (np.array([[0.3], [0.5], [-0.2]]), -0.33333,
     np.array([[1., -0.3, 1.5], [2, 0, 1], [0, -1.5, 2]]), np.array([[1., 0., 1.]])),
    (np.array([[0.1124579], [0.23106775]]), -0.3,
     np.array([[1., -1.1, -3.2], [1.2, 2., 0.1]]), np.array([[1., 1., 0.]])),
])
def test_predict(w, b, X, expected):
    assert_like(w2a2.predict(w, b, X), expected)


def test_model_takes_a_1d_y_test(capsys):
    np.random.seed(0)
    Y, X = np.array([1, 0, 0, 1, 0, 0, 1]).reshape(1, 7), np.random.randn(4, 7)
    x_test, y_test = np.random.randn(4, 3), np.array([0, 1, 0])
    d = w2a2.model(X, Y, x_test, y_test, num_iterations=50, learning_rate=0.01)
    assert_like(d, {"costs": [np.array(0.69314718)],
                    "Y_prediction_test": np.array([[1., 1., 0.]]),
                    "Y_prediction_train": np.array([[1., 1., 0., 1., 0., 0., 1.]]),
                    "w": np.array([[0.08639757], [-0.08231268], [-0.11798927], [0.12866053]]),
                    "b": -0.03983236094816321})
    w2a2.model(X, Y, x_test, y_test, num_iterations=1, print_cost=True)
    assert "test accuracy: 66.66666666666667 %" in capsys.readouterr().out


def test_star_import_gives_the_notebook():
    namespace = {}
    exec("from dlgpu.course.w2a2 import *", namespace)
    assert namespace["predict"] is w2a2.predict
    assert {"sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model",
            "load_dataset"} <= set(namespace)
