"""C2W1A2 (Regularization): the public tests' inputs and expected values."""

import numpy as np
import pytest

import dlgpu
from dlgpu import InvalidDataError
from dlgpu.backend import map_arrays
from dlgpu.course import c2w1a2

from ..helpers import require
from .harness import assert_like


def _parameters():
    np.random.seed(1)
    shapes = [("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)), ("W3", (1, 3)),
              ("b3", (1, 1))]
    return {k: np.random.randn(*s) for k, s in shapes}


def _after_X():
    """The tests of the passes draw X (3, 5) first and the parameters after it."""
    np.random.seed(1)
    np.random.randn(3, 5)
    return {k: np.random.randn(*s) for k, s in (("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)),
                                                ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1)))}


A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
Y = np.array([[1, 1, 0, 1, 0]])


def test_compute_cost_with_regularization():
    cost = c2w1a2.compute_cost_with_regularization(A3, Y, _parameters(), 0.1)
    assert_like(cost, np.float64(1.7864859451590758))


def _cache():
    """The 12-tuple of the public test (Z1, A1, W1, b1, ..., A3, W3, b3)."""
    p = _after_X()
    Z1 = np.array([[-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
                   [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242]])
    Z2 = np.array([[0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547],
                   [-0.69166075, -3.47645987, -2.25194702, -2.65416996, -0.69166075],
                   [-0.39675353, -4.62285846, -2.61101729, -3.22874921, -0.39675353]])
    Z3 = np.array([[-0.3771104, -4.10060224, -1.60539468, -2.18416951, -0.3771104]])
    return (Z1, np.maximum(0, Z1), p["W1"], p["b1"], Z2, np.maximum(0, Z2), p["W2"], p["b2"],
            Z3, A3, p["W3"], p["b3"])


def test_the_cache_is_the_forward_pass_of_the_test_parameters():
    np.random.seed(1)
    X = np.random.randn(3, 5)
    a3, cache = c2w1a2.forward_propagation(X, _after_X())
    assert_like(cache, _cache())


BACKWARD_L2 = {
    "dZ3": np.array([[-0.59317598, -0.98370716, 0.16722898, -0.89881889, 0.40682402]]),
    "dW3": np.array([[-1.77691347, -0.11832879, -0.09397446]]),
    "db3": np.array([[-0.38032981]]),
    "dA2": np.array([[0.40761434, 0.67597671, -0.11491519, 0.6176438, -0.27955836],
                     [0.50135568, 0.83143484, -0.14134288, 0.7596868, -0.34384996],
                     [0.39816708, 0.66030962, -0.11225181, 0.6033287, -0.27307905]]),
    "dW2": np.array([[0.79276486, 0.85133918], [-0.0957219, -0.01720463],
                     [-0.13100772, -0.03750433]]),
    "db2": np.array([[0.26135226], [0.], [0.]]),
    "dA1": np.array([[0.2048239, 0.33967447, -0.05774423, 0.31036252, -0.14047649],
                     [0.3672018, 0.60895764, -0.10352203, 0.5564081, -0.25184181]]),
    "dZ1": np.array([[0., 0.33967447, -0.05774423, 0.31036252, -0.],
                     [0., 0.60895764, -0.10352203, 0.5564081, -0.]]),
    "dW1": np.array([[-0.25604646, 0.12298827, -0.28297129],
                     [-0.17706303, 0.34536094, -0.4410571]]),
    "db1": np.array([[0.11845855], [0.21236874]]),
}


def test_backward_propagation_with_regularization(xp):
    np.random.seed(1)
    X = np.random.randn(3, 5)
    grads = c2w1a2.backward_propagation_with_regularization(*map_arrays((X, Y, _cache()),
                                                                        xp.asarray), 0.7)
    assert dlgpu.get_array_module(grads["dW1"]) is xp
    assert_like(map_arrays(grads, dlgpu.to_numpy), BACKWARD_L2)


def test_forward_propagation_with_dropout_draws_the_notebooks_masks(xp):
    np.random.seed(1)
    X = np.random.randn(3, 5)
    parameters = _after_X()
    A3_, cache = c2w1a2.forward_propagation_with_dropout(xp.asarray(X), parameters, 0.7)
    assert dlgpu.get_array_module(A3_) is xp
    A3_, cache = map_arrays((A3_, cache), dlgpu.to_numpy)
    assert_like(A3_, np.array([[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]]))
    assert len(cache) == 14
    np.testing.assert_array_equal(cache[1], [[1, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(cache[6], [[1, 1, 1, 0, 1], [1, 1, 1, 1, 1], [0, 0, 1, 1, 0]])
    assert_like(cache[2], np.array([[0., 0., 3.05706487, 3.72429505, 0.],
                                    [0., 5.94299915, 1.1293003, 2.09276446, 0.]]))
    assert_like(cache[7], np.array([[0.75765067, 8.40591658, 4.40550021, 0., 0.75765067],
                                    [0.] * 5, [0.] * 5]))


def test_backward_propagation_with_dropout():
    np.random.seed(1)
    X = np.random.randn(3, 5)
    Y5 = np.array([[1, 1, 0, 1, 0]])
    p = _after_X()
    Z1 = np.array([[-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
                   [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242]])
    D1 = np.array([[True, False, True, True, True], [True, True, True, True, False]])
    A1 = np.array([[0., 0., 4.27989081, 5.21401307, 0.], [0., 8.32019881, 1.58102041,
                                                         2.92987024, 0.]])
    Z2 = np.array([[0.53035547, 8.02565606, 4.10524802, 5.78975856, 0.53035547],
                   [-0.69166075, -1.71413186, -3.81223329, -4.61667916, -0.69166075],
                   [-0.39675353, -2.62563561, -4.82528105, -6.0607449, -0.39675353]])
    D2 = np.array([[True, False, True, False, True], [False, True, False, True, True],
                   [False, False, True, False, False]])
    A2 = np.array([[1.06071093, 0., 8.21049603, 0., 1.06071093], [0.] * 5, [0.] * 5])
    Z3 = np.array([[-0.7415562, -0.0126646, -5.65469333, -0.0126646, -0.7415562]])
    A3d = np.array([[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]])
    cache = (Z1, D1, A1, p["W1"], p["b1"], Z2, D2, A2, p["W2"], p["b2"], Z3, A3d, p["W3"],
             p["b3"])
    assert_like(c2w1a2.backward_propagation_with_dropout(X, Y5, cache, 0.8), {
        "dZ3": np.array([[-0.67733606, -0.50316611, 0.00348883, -0.50316611, 0.32266394]]),
        "dW3": np.array([[-0.06951191, 0., 0.]]),
        "db3": np.array([[-0.2715031]]),
        "dA2": np.array([[0.58180856, 0., -0.00299679, 0., -0.27715731],
                         [0., 0.53159854, -0., 0.53159854, -0.34089673],
                         [0., 0., -0.00292733, 0., -0.]]),
        "dW2": np.array([[-0.00256518, -0.0009476], [0., 0.], [0., 0.]]),
        "db2": np.array([[0.06033089], [0.], [0.]]),
        "dA1": np.array([[0.36544439, 0., -0.00188233, 0., -0.17408748],
                         [0.65515713, 0., -0.00337459, 0., -0.]]),
        "dW1": np.array([[0.00019884, 0.00028657, 0.00012138],
                         [0.00035647, 0.00051375, 0.00021761]]),
        "db1": np.array([[-0.00037647], [-0.00067492]])})


def test_initialize_parameters_is_reg_utils(xp):
    parameters = c2w1a2.initialize_parameters([2, 20, 3, 1])
    np.random.seed(3)
    expected = np.random.randn(20, 2) / np.sqrt(2)
    np.testing.assert_allclose(dlgpu.to_numpy(parameters["W1"]), expected, rtol=1e-15)


def test_model_l2_and_dropout_train_and_refuse_both(tmp_path, capsys):
    rng = np.random.RandomState(0)
    X = rng.randn(2, 40)
    Yb = (X[0:1] * X[1:2] > 0).astype(int)
    for kwargs in ({}, {"lambd": 0.7}, {"keep_prob": 0.86}):
        parameters = c2w1a2.model(X, Yb, num_iterations=10001, **kwargs)
        lines = capsys.readouterr().out.splitlines()
        assert [l.split(":")[0] for l in lines] == \
            ["Cost after iteration 0", "Cost after iteration 10000"]
        assert float(lines[1].split(": ")[1]) < float(lines[0].split(": ")[1])
        assert parameters["W1"].shape == (20, 2)
    with pytest.raises(ValueError, match="not both"):
        c2w1a2.model(X, Yb, lambd=0.1, keep_prob=0.5)


@pytest.mark.parametrize("keep_prob", [0, 1.5, -0.1])
def test_keep_prob_outside_0_1_is_refused(keep_prob):
    with pytest.raises(ValueError, match=r"keep_prob must be in \(0, 1\]"):
        c2w1a2.forward_propagation_with_dropout(np.ones((3, 5)), _parameters(), keep_prob)


def test_negative_lambd_and_wrong_cache_are_refused():
    with pytest.raises(ValueError, match="lambd must be finite and >= 0"):
        c2w1a2.compute_cost_with_regularization(A3, Y, _parameters(), -1)
    with pytest.raises(InvalidDataError, match="cache must be the 14-tuple"):
        c2w1a2.backward_propagation_with_dropout(np.ones((3, 5)), Y, _cache(), 0.8)


def test_load_2D_dataset_reads_your_mat_file(tmp_path):
    scipy_io = require("scipy.io")
    path = tmp_path / "data.mat"
    rng = np.random.RandomState(0)
    scipy_io.savemat(path, {"X": rng.randn(211, 2), "y": rng.randint(0, 2, (211, 1)),
                            "Xval": rng.randn(200, 2), "yval": rng.randint(0, 2, (200, 1))})
    train_X, train_Y, test_X, test_Y = c2w1a2.load_2D_dataset(str(path))
    assert train_X.shape == (2, 211) and train_Y.shape == (1, 211) and test_X.shape == (2, 200)
    with pytest.raises(FileNotFoundError, match="data.mat"):
        c2w1a2.load_2D_dataset(str(tmp_path / "missing" / "data.mat"))
