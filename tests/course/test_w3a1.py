"""W3A1 (planar data, one hidden layer): the 2021+ public tests, the first public
tests and the older testCases_v2 tables, which differ in how the weights are seeded."""

import numpy as np
import pytest

from dlgpu.course import w3a1, w3a1_v2

from .harness import assert_like

BOTH = [w3a1, w3a1_v2]

W1 = np.array([[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
               [-0.01793436, -0.00841747], [0.00502881, -0.01245288]])
W2 = np.array([[-0.01057952, -0.00909008, 0.00551454, 0.02292208]])
ZERO_B = {"b1": np.zeros((4, 1)), "b2": np.zeros((1, 1))}
A2 = np.array([[0.5002307, 0.49985831, 0.50023963]])
TRAINED = {"W1": np.array([[-0.00615039, 0.0169021], [-0.02311792, 0.03137121],
                           [-0.0169217, -0.01752545], [0.00935436, -0.05018221]]),
           "W2": np.array([[-0.0104319, -0.04019007, 0.01607211, 0.04440255]]),
           "b1": np.array([[-8.97523455e-07], [8.15562092e-06], [6.04810633e-07],
                           [-2.54560700e-06]]),
           "b2": np.array([[9.14954378e-05]])}


def _X_Y(m=3):
    np.random.seed(1)
    return np.random.randn(2, m), np.random.randn(1, m) > 0


@pytest.mark.parametrize("module", BOTH)
def test_layer_sizes(module):
    np.random.seed(1)
    assert module.layer_sizes(np.random.randn(5, 3), np.random.randn(2, 3)) == (5, 4, 2)
    assert module.layer_sizes(np.random.randn(7, 5), np.random.randn(5, 5)) == (7, 4, 5)


def test_initialize_parameters_draws_from_the_global_state():
    np.random.seed(2)
    p = w3a1.initialize_parameters(3, 5, 2)
    assert_like(p, {
        "W1": np.array([[-0.00416758, -0.00056267, -0.02136196],
                        [0.01640271, -0.01793436, -0.00841747],
                        [0.00502881, -0.01245288, -0.01057952],
                        [-0.00909008, 0.00551454, 0.02292208],
                        [0.00041539, -0.01117925, 0.00539058]]),
        "b1": np.zeros((5, 1)),
        "W2": np.array([[-5.96159700e-03, -1.91304965e-04, 1.17500122e-02, -7.47870949e-03,
                         9.02525097e-05],
                        [-8.78107893e-03, -1.56434170e-03, 2.56570452e-03, -9.88779049e-03,
                         -3.38821966e-03]]),
        "b2": np.zeros((2, 1))})
    assert not np.array_equal(w3a1.initialize_parameters(3, 5, 2)["W1"], p["W1"])


def test_older_initialize_parameters_seeds_2_itself():
    np.random.seed(7)
    p = w3a1_v2.initialize_parameters(2, 4, 1)
    assert_like(p, {"W1": W1, "W2": W2, **ZERO_B})
    after = np.random.rand()
    np.random.seed(2)  # the course's code leaves the global state past its draws
    np.random.randn(12)
    assert np.random.rand() == after


@pytest.mark.parametrize("module", BOTH)
def test_forward_propagation(module):
    np.random.seed(1)
    X, b1 = np.random.randn(2, 3), np.random.randn(4, 1)
    parameters = {"W1": W1, "W2": W2, "b1": b1, "b2": np.array([[-1.3]])}
    A1 = np.array([[0.9400694, 0.94101876, 0.94118266], [-0.67151964, -0.62547205, -0.65709025],
                   [0.29034152, 0.31196971, 0.33449821], [-0.22397799, -0.25730819, -0.2197236]])
    Z1 = np.array([[1.7386459, 1.74687437, 1.74830797], [-0.81350569, -0.73394355, -0.78767559],
                   [0.29893918, 0.32272601, 0.34788465], [-0.2278403, -0.2632236, -0.22336567]])
    expected_A2 = np.array([[0.21292656, 0.21274673, 0.21295976]])
    Z2 = np.array([[-1.30737426, -1.30844761, -1.30717618]])
    assert_like(module.forward_propagation(X, parameters),
                (expected_A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": expected_A2}))


@pytest.mark.parametrize("module", BOTH)
@pytest.mark.parametrize("m, A, expected", [
    (3, A2, 0.6930587610394646),
    (5, np.array([[0.5002307, 0.49985831, 0.50023963, 0.25, 0.7]]), 0.5447066599017815),
])
def test_compute_cost_is_a_python_float(module, m, A, expected):
    np.random.seed(1)
    Y = np.random.randn(1, m) > 0  # bool targets, as the tests give them
    cost = module.compute_cost(A, Y)
    assert type(cost) is float
    assert cost == pytest.approx(expected, rel=1e-12)


def test_compute_cost_older_call_with_parameters_and_real_targets():
    # the very first testCases drew Y = randn(1, 3) itself: real-valued targets
    np.random.seed(1)
    Y = np.random.randn(1, 3)
    cost = w3a1_v2.compute_cost(A2, Y, {"W1": W1, "W2": W2, **ZERO_B})
    assert cost == pytest.approx(0.692919893776, rel=1e-11)


@pytest.mark.parametrize("module", BOTH)
def test_backward_propagation(module):
    X, Y = _X_Y()
    cache = {"A1": np.array([[-0.00616578, 0.0020626, 0.00349619],
                             [-0.05225116, 0.02725659, -0.02646251],
                             [-0.02009721, 0.0036869, 0.02883756],
                             [0.02152675, -0.01385234, 0.02599885]]),
             "A2": A2,
             "Z1": np.array([[-0.00616586, 0.0020626, 0.0034962],
                             [-0.05229879, 0.02726335, -0.02646869],
                             [-0.02009991, 0.00368692, 0.02884556],
                             [0.02153007, -0.01385322, 0.02600471]]),
             "Z2": np.array([[0.00092281, -0.00056678, 0.00095853]])}
    assert_like(module.backward_propagation({"W1": W1, "W2": W2, **ZERO_B}, cache, X, Y), {
        "dW1": np.array([[0.00301023, -0.00747267], [0.00257968, -0.00641288],
                         [-0.00156892, 0.003893], [-0.00652037, 0.01618243]]),
        "db1": np.array([[0.00176201], [0.00150995], [-0.00091736], [-0.00381422]]),
        "dW2": np.array([[0.00078841, 0.01765429, -0.00084166, -0.01022527]]),
        "db2": np.array([[-0.16655712]])})


def test_backward_propagation_newest():
    np.random.seed(1)
    X, Y = np.random.randn(3, 7), np.random.randn(1, 7) > 0
    parameters = {"W1": np.random.randn(9, 3), "W2": np.random.randn(1, 9),
                  "b1": np.zeros((9, 1)), "b2": np.zeros((1, 1))}
    cache = {"A1": np.random.randn(9, 7), "A2": np.random.randn(1, 7),
             "Z1": np.random.randn(9, 7), "Z2": np.random.randn(1, 7)}
    grads = w3a1.backward_propagation(parameters, cache, X, Y)
    assert_like(grads, {
        "dW1": np.array([[-0.24468458, -0.24371232, 0.15959609],
                         [0.7370069, -0.64785999, 0.23669823],
                         [0.47936123, -0.01516428, 0.01566728],
                         [0.03361075, -0.0930929, 0.05581073],
                         [0.52445178, -0.03895358, 0.09180612],
                         [-0.17043596, 0.13406378, -0.20952062],
                         [0.76144791, -0.41766018, 0.02544078],
                         [0.22164791, -0.33081645, 0.19526915],
                         [0.25619969, -0.09561825, 0.05679075]]),
        "db1": np.array([[0.1463639], [-0.33647992], [-0.51738006], [-0.07780329], [-0.57889514],
                         [0.28357278], [-0.39756864], [-0.10510329], [-0.13443244]]),
        "dW2": np.array([[-0.35768529, 0.22046323, -0.29551566, -0.12202786, 0.18809552,
                          0.13700323, 0.35892872, -0.02220353, -0.03976687]]),
        "db2": np.array([[-0.78032466]])})


@pytest.mark.parametrize("module", BOTH)
def test_update_parameters_default_rate_is_1_2(module):
    grads = {"dW1": np.array([[0.00023322, -0.00205423], [0.00082222, -0.00700776],
                              [-0.00031831, 0.0028636], [-0.00092857, 0.00809933]]),
             "dW2": np.array([[-1.75740039e-05, 3.70231337e-03, -1.25683095e-03,
                               -2.55715317e-03]]),
             "db1": np.array([[1.05570087e-07], [-3.81814487e-06], [-1.90155145e-07],
                              [5.46467802e-07]]),
             "db2": np.array([[-1.08923140e-05]])}
    assert_like(module.update_parameters(TRAINED, grads), {
        "W1": np.array([[-0.00643025, 0.01936718], [-0.02410458, 0.03978052],
                        [-0.01653973, -0.02096177], [0.01046864, -0.05990141]]),
        "b1": np.array([[-1.02420756e-06], [1.27373948e-05], [8.32996807e-07],
                        [-3.20136836e-06]]),
        "W2": np.array([[-0.01041081, -0.04463285, 0.01758031, 0.04747113]]),
        "b2": np.array([[0.00010457]])})


def test_nn_model_newest_seeds_3():
    X, Y = _X_Y()
    np.random.seed(3)
    assert_like(w3a1.nn_model(X, Y, 4, print_cost=False), {
        "W1": np.array([[0.56305445, -1.03925886], [0.7345426, -1.36286875],
                        [-0.72533346, 1.33753027], [0.74757629, -1.38274074]]),
        "b1": np.array([[-0.22240654], [-0.34662093], [0.33663708], [-0.35296113]]),
        "W2": np.array([[1.82196893, 3.09657075, -2.98193564, 3.19946508]]),
        "b2": np.array([[0.21344644]])})


def test_nn_model_older_draws_after_seed_2():
    X, Y = _X_Y()
    assert_like(w3a1_v2.nn_model(X, Y, 4), {
        "W1": np.array([[-0.65848169, 1.21866811], [-0.76204273, 1.39377573],
                        [0.5792005, -1.10397703], [0.76773391, -1.41477129]]),
        "W2": np.array([[-2.45566237, -3.27042274, 2.00784958, 3.36773273]]),
        "b1": np.array([[0.287592], [0.3511264], [-0.2431246], [-0.35772805]]),
        "b2": np.array([[0.20459656]])})


@pytest.mark.parametrize("module", BOTH)
def test_predict(module):
    np.random.seed(1)
    predictions = module.predict(TRAINED, np.random.randn(2, 3))
    assert_like(predictions, np.array([[True, False, True]]))
    assert np.mean(predictions) == pytest.approx(0.666666666667)  # the older table


@pytest.mark.parametrize("module", ["w3a1", "w3a1_v2"])
def test_star_import_gives_the_notebook(module):
    namespace = {}
    exec(f"from dlgpu.course.{module} import *", namespace)
    assert {"layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
            "backward_propagation", "update_parameters", "nn_model", "predict",
            "load_planar_dataset", "load_extra_datasets", "plot_decision_boundary"} \
        <= set(namespace)
