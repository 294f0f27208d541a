"""W4A2 (deep network application): the public tests' two_layer_model and
L_layer_model tables (the former on the targets its test feeds: randn, not labels)."""

import numpy as np
import pytest

from dlgpu.course import w4a2

from .harness import assert_like

L_LAYER_2_ITERATIONS = {
    "W1": np.array([[0.51384638, -0.19333098, -0.16705238, -0.33923196, 0.273477,
                     -0.72775498, 0.55170785, -0.24077478, 0.10082452, -0.07882423],
                    [0.46227786, -0.65153639, -0.10192959, -0.12150984, 0.35855025,
                     -0.34787253, -0.05455001, -0.27767163, 0.01337835, 0.1843845],
                    [-0.34790478, 0.36200264, 0.28511245, 0.15868454, 0.284931,
                     -0.21645471, -0.03877896, -0.29584578, -0.08480802, 0.16760667],
                    [-0.21835973, -0.12531366, -0.21720823, -0.26764975, -0.21214946,
                     -0.00438229, -0.35316347, 0.07432144, 0.52474685, 0.23453653],
                    [-0.06060968, -0.28061463, -0.23624839, 0.53526844, 0.01597194,
                     -0.20136496, 0.06021639, 0.66414167, 0.03804666, 0.19528599]]),
    "b1": np.array([[-2.16491028e-04], [1.50999130e-04], [8.71516045e-06], [5.57557615e-05],
                    [-2.90746349e-05]]),
    "W2": np.array([[0.13428358, -0.15747685, -0.51095667, -0.15624083, -0.09342034],
                    [0.26226685, 0.3751336, 0.41644174, 0.12779375, 0.39573817],
                    [-0.33726917, 0.56041154, 0.22939257, -0.1333337, 0.21851314],
                    [-0.03377599, 0.50617255, 0.67960046, 0.97726521, -0.62458844],
                    [-0.64581803, -0.22559264, 0.0715349, 0.39173682, 0.14112904],
                    [-0.9043503, -0.13693179, 0.37026002, 0.10284282, 0.34076545]]),
    "b2": np.array([[1.80215514e-07], [-1.07935097e-04], [1.63081605e-04], [-3.51202008e-05],
                    [-7.40012619e-05], [-4.43814901e-05]]),
    "W3": np.array([[-0.09079199, -0.08117381, 0.07667568, 0.16665535, 0.08029575,
                     0.04805811]]),
    "b3": np.array([[0.0013201]]),
}
L_LAYER_3_ITERATIONS_RATE_002 = {
    "W1": np.array([[0.51439065, -0.19296367, -0.16714033, -0.33902173, 0.27291558,
                     -0.72759069, 0.55155832, -0.24095201, 0.10063293, -0.07872596],
                    [0.46203186, -0.65172685, -0.10184775, -0.12169458, 0.35861847,
                     -0.34804029, -0.05461748, -0.27787524, 0.01346693, 0.18463095],
                    [-0.34748255, 0.36202977, 0.28512463, 0.1580327, 0.28509518,
                     -0.21717447, -0.03853304, -0.29563725, -0.08509025, 0.16728901],
                    [-0.21727997, -0.12486465, -0.21692552, -0.26875722, -0.21180188,
                     -0.00550575, -0.35268367, 0.07489501, 0.52436384, 0.23418418],
                    [-0.06045008, -0.28038304, -0.23617868, 0.53546925, 0.01569291,
                     -0.20115358, 0.05975429, 0.66409149, 0.03819309, 0.1956102]]),
    "b1": np.array([[-8.61228305e-04], [6.08187689e-04], [3.53075377e-05], [2.21291877e-04],
                    [-1.13591429e-04]]),
    "W2": np.array([[0.13441428, -0.15731437, -0.51097778, -0.15627102, -0.09342034],
                    [0.2620349, 0.37492336, 0.4165605, 0.12801536, 0.39541677],
                    [-0.33694339, 0.56075022, 0.22940292, -0.1334017, 0.21863717],
                    [-0.03371679, 0.50644769, 0.67935577, 0.97680859, -0.62475679],
                    [-0.64579072, -0.22555897, 0.07142896, 0.3914475, 0.14104814],
                    [-0.90433399, -0.13691167, 0.37019673, 0.10266999, 0.34071712]]),
    "b2": np.array([[1.18811550e-06], [-4.25510194e-04], [6.56178455e-04], [-1.42335482e-04],
                    [-2.93618626e-04], [-1.75573157e-04]]),
    "W3": np.array([[-0.09087434, -0.07882982, 0.07821609, 0.16442826, 0.0783229,
                     0.04648216]]),
    "b3": np.array([[0.00525865]]),
}


@pytest.mark.parametrize("learning_rate, num_iterations, expected", [
    (0.0075, 2, L_LAYER_2_ITERATIONS), (0.02, 3, L_LAYER_3_ITERATIONS_RATE_002)])
def test_L_layer_model(learning_rate, num_iterations, expected):
    np.random.seed(1)
    X = np.random.randn(10, 10)
    Y = np.array([1, 1, 1, 1, 0, 0, 0, 1, 1, 0]).reshape(1, 10)
    got = w4a2.L_layer_model(X, Y, (10, 5, 6, 1), learning_rate, num_iterations)
    assert_like(got, (expected, [np.array(0.70723944)]))


def _two_layer_reference(X, Y, n_h, learning_rate, num_iterations):
    """The course's two_layer_model in plain NumPy, its formulas as written."""
    np.random.seed(1)
    W1, b1 = np.random.randn(n_h, X.shape[0]) * 0.01, np.zeros((n_h, 1))
    W2, b2 = np.random.randn(1, n_h) * 0.01, np.zeros((1, 1))
    m, costs = X.shape[1], []
    for i in range(num_iterations):
        Z1 = W1 @ X + b1
        A1 = np.maximum(0, Z1)
        A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
        cost = np.squeeze(-(Y @ np.log(A2).T + (1 - Y) @ np.log(1 - A2).T) / m)
        dZ2 = -(Y / A2 - (1 - Y) / (1 - A2)) * A2 * (1 - A2)
        dW2, db2, dA1 = dZ2 @ A1.T / m, dZ2.sum(axis=1, keepdims=True) / m, W2.T @ dZ2
        dZ1 = np.where(Z1 > 0, dA1, 0)
        dW1, db1 = dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m
        W1, b1 = W1 - learning_rate * dW1, b1 - learning_rate * db1
        W2, b2 = W2 - learning_rate * dW2, b2 - learning_rate * db2
        if i % 100 == 0:
            costs.append(cost)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, costs


TWO_LAYER_2_ITERATIONS = {
    "W1": np.array([[0.01624965, -0.00610741, -0.00528734, -0.01072836, 0.008664, -0.02301103,
                     0.01745639, -0.00760949, 0.0031934, -0.00248971],
                    [0.01462848, -0.02057904, -0.00326745, -0.00383625, 0.01138176, -0.01097596,
                     -0.00171974, -0.00877601, 0.00043022, 0.00584423],
                    [-0.01098272, 0.01148209, 0.00902102, 0.00500958, 0.00900571, -0.00683188,
                     -0.00123491, -0.00937164, -0.00267157, 0.00532808],
                    [-0.00693465, -0.00400047, -0.00684685, -0.00844447, -0.00670397,
                     -0.00014731, -0.01113977, 0.00238846, 0.0165895, 0.00738212]]),
    "b1": np.array([[1.10437111e-05], [1.78437869e-05], [3.74879549e-05], [-4.42988824e-05]]),
    "W2": np.array([[-0.00200283, -0.00888593, -0.00751122, 0.01688162]]),
    "b2": np.array([[-0.00689018]]),
}
TWO_LAYER_3_ITERATIONS_RATE_01 = {
    "W1": np.array([[0.01640028, -0.00585699, -0.00542633, -0.01069332, 0.0089055, -0.02290418,
                     0.01765388, -0.00754616, 0.00326712, -0.00239159],
                    [0.01476737, -0.02014461, -0.0040947, -0.0037457, 0.01221714, -0.01054049,
                     -0.00164111, -0.00872507, 0.00058592, 0.00615077],
                    [-0.01051621, 0.01216499, 0.009119, 0.0047126, 0.00894761, -0.00672568,
                     -0.00134921, -0.0096428, -0.00253223, 0.00580758],
                    [-0.00728552, -0.00461461, -0.00638113, -0.00831084, -0.00654136,
                     -0.00053186, -0.01052771, 0.00320719, 0.01643914, 0.00667123]]),
    "b1": np.array([[0.00027478], [0.00034477], [0.00076016], [-0.00084497]]),
    "W2": np.array([[-0.00358725, -0.00911995, -0.00831979, 0.01615845]]),
    "b2": np.array([[-0.13451354]]),
}


@pytest.mark.parametrize("learning_rate, num_iterations, expected", [
    (0.0075, 2, TWO_LAYER_2_ITERATIONS), (0.1, 3, TWO_LAYER_3_ITERATIONS_RATE_01)])
def test_two_layer_model_takes_real_valued_targets(learning_rate, num_iterations, expected):
    np.random.seed(1)
    X, Y = np.random.randn(10, 10), np.random.randn(1, 10)  # Y: randn, not labels
    got = w4a2.two_layer_model(X, Y, (10, 4, 1), learning_rate, num_iterations, False)
    assert_like(got, (expected, [np.array(0.69315968)]))


def test_two_layer_model_costs_every_100():
    np.random.seed(1)
    X, Y = np.random.randn(4, 12), (np.random.rand(1, 12) > 0.5).astype(int)
    parameters, costs = w4a2.two_layer_model(X, Y, (4, 3, 1), learning_rate=0.1,
                                             num_iterations=201)
    assert_like((parameters, costs), _two_layer_reference(X, Y, 3, 0.1, 201))
    assert len(costs) == 3 and all(type(c) is np.ndarray and c.ndim == 0 for c in costs)


def test_initializers_seed_1():
    p = w4a2.initialize_parameters(3, 2, 1)
    np.testing.assert_allclose(p["W2"], [[0.01744812, -0.00761207]], rtol=1e-6)
    p = w4a2.initialize_parameters_deep([5, 4, 3])
    rng = np.random.RandomState(1)
    np.testing.assert_array_equal(p["W1"], rng.randn(4, 5) / np.sqrt(5))
    np.testing.assert_array_equal(p["W2"], rng.randn(3, 4) / np.sqrt(4))


def test_compute_cost_is_a_0d_array():
    assert_like(w4a2.compute_cost(np.array([[.8, .9, 0.4]]), np.array([[1, 1, 0]])),
                np.array(0.27977656))


def test_predict_prints_the_accuracy(capsys):
    parameters = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros((1, 1)),
                  "W2": np.array([[2.0]]), "b2": np.array([[-1.0]])}
    X, y = np.array([[2.0, -1.0, 0.1, 3.0], [0.0, 0.0, 0.0, 1.0]]), np.array([[1, 0, 0, 0]])
    p = w4a2.predict(X, y, parameters)
    assert_like(p, np.array([[1., 0., 0., 1.]]))
    assert capsys.readouterr().out == "Accuracy: 0.75\n"


def test_predict_prints_the_accuracy_as_the_course_sums_it(capsys):
    # all 209 right: the course's np.sum((p == y) / m) prints 0.9999999999999998
    X = np.vstack([np.linspace(-1, 2, 209) + 0.001, np.zeros(209)])  # none at 0.5
    y = (X[0:1] > 0.5).astype(int)
    parameters = {"W1": np.array([[1.0, 0.0]]), "b1": np.zeros((1, 1)),
                  "W2": np.array([[1.0]]), "b2": np.array([[-0.5]])}
    p = w4a2.predict(X, y, parameters)
    np.testing.assert_array_equal(p, y)
    assert capsys.readouterr().out == "Accuracy: 0.9999999999999998\n"


def test_star_import_gives_the_notebook():
    namespace = {}
    exec("from dlgpu.course.w4a2 import *", namespace)
    assert set(w4a2.__all__) <= set(namespace)
    assert namespace["initialize_parameters_deep"] is w4a2.initialize_parameters_deep
