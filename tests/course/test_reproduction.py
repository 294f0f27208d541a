"""dlgpu.course reproduces the course's published numbers (float64, NumPy)."""

import numpy as np
import pytest

from dlgpu import course
from dlgpu.datasets import load_planar_dataset

# Printed by the planar exercise's nn_model(X, Y, n_h=4, num_iterations=10000,
# print_cost=True); published runs differ from iteration 8000 on, and so do
# OpenBLAS kernels (0.219424 to 0.219504 at 8000, measured).
PLANAR_COSTS = {0: "0.693048", 1000: "0.288083", 2000: "0.254385", 3000: "0.233864",
                4000: "0.226792", 5000: "0.222644", 6000: "0.219731", 7000: "0.217504"}
# The exercise's accuracy for each hidden layer size, 5000 iterations.  Sizes
# 1 to 5 give exactly these on every OpenBLAS kernel tried (Haswell, SkylakeX,
# Sandybridge, Prescott; 1 and 2 threads) and from 20 starts with W scaled by
# 1 + 1e-13 noise.
PLANAR_HIDDEN_SIZES = {1: 67.5, 2: 67.25, 3: 90.75, 4: 90.5, 5: 91.25}
# n_h = 20 is chaotic by iteration 5000: a change in the last bit of a matrix
# product (another BLAS kernel or thread count) moves the accuracy.  Measured:
# 90.0 (Haswell, Prescott) or 90.5 (SkylakeX, Sandybridge); 10 of those 20
# perturbed starts gave 90.0, 10 gave 90.5.  The course prints 90.0.  What is
# stable is the cost curve up to iteration 4000 (the same six printed digits
# on every kernel and every perturbed start) and the accuracy to within a
# point.
PLANAR_N_H_20 = {"published": 90.0, "within": 1.0,
                 "costs": ["0.693135", "0.276658", "0.204265", "0.182532", "0.172728"]}


def _accuracy(Y, predictions):
    return float(((Y @ predictions.T + (1 - Y) @ (1 - predictions.T)) / Y.size * 100).item())


def test_planar_dataset_shape_and_balance():
    X, Y = load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert X.dtype == np.float64 and Y.dtype == np.uint8
    assert Y.sum() == 200 and (Y[0, :200] == 0).all()


def test_planar_costs_and_accuracy(capsys):
    X, Y = load_planar_dataset()
    parameters = course.nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)
    printed = {}
    for line in capsys.readouterr().out.splitlines():
        i, cost = line.removeprefix("Cost after iteration ").split(": ")
        printed[int(i)] = cost
    assert sorted(printed) == list(range(0, 10000, 1000))
    for i, published in PLANAR_COSTS.items():
        assert printed[i] == published
    accuracy = _accuracy(Y, course.planar_predict(parameters, X))
    assert int(accuracy) == 90  # the exercise prints "Accuracy: 90%"; measured 90.5 or 90.75


@pytest.mark.parametrize("n_h,published", sorted(PLANAR_HIDDEN_SIZES.items()))
def test_planar_hidden_layer_sizes(n_h, published):
    X, Y = load_planar_dataset()
    parameters = course.nn_model(X, Y, n_h, num_iterations=5000)
    assert _accuracy(Y, course.planar_predict(parameters, X)) == published


def test_planar_twenty_hidden_units_within_the_chaotic_spread(capsys):
    X, Y = load_planar_dataset()
    parameters = course.nn_model(X, Y, 20, num_iterations=5000, print_cost=True)
    costs = [line.split(": ")[1] for line in capsys.readouterr().out.splitlines()]
    assert costs == PLANAR_N_H_20["costs"]
    accuracy = _accuracy(Y, course.planar_predict(parameters, X))
    assert abs(accuracy - PLANAR_N_H_20["published"]) <= PLANAR_N_H_20["within"]


def test_logistic_regression_exercise_values():
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    grads, cost = course.propagate(w, b, X, Y)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], rtol=1e-8)
    assert grads["db"] == pytest.approx(0.00145557813678, rel=1e-10)
    assert cost == pytest.approx(5.801545319394553, rel=1e-12)
    params, grads, costs = course.optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], rtol=1e-7)
    assert params["b"] == pytest.approx(1.92535983008, rel=1e-10)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], rtol=1e-7)
    assert grads["db"] == pytest.approx(0.219194504541, rel=1e-10)
    assert costs == [pytest.approx(5.801545319394553)]
    w = np.array([[0.1124579], [0.23106775]])
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    np.testing.assert_array_equal(course.predict_logistic(w, -0.3, X), [[1.0, 1.0, 0.0]])


def test_initializers_match_the_exercises():
    p = course.initialize_parameters(3, 2, 1)
    np.testing.assert_allclose(p["W1"], [[0.01624345, -0.00611756, -0.00528172],
                                         [-0.01072969, 0.00865408, -0.02301539]], rtol=1e-6)
    np.testing.assert_allclose(p["W2"], [[0.01744812, -0.00761207]], rtol=1e-6)
    assert not p["b1"].any() and p["b1"].shape == (2, 1) and p["b2"].shape == (1, 1)
    p = course.initialize_parameters_deep([5, 4, 3])
    rng = np.random.RandomState(1)
    np.testing.assert_array_equal(p["W1"], rng.randn(4, 5) / np.sqrt(5))
    np.testing.assert_array_equal(p["W2"], rng.randn(3, 4) / np.sqrt(4))
