"""The course's step functions: signatures, caches, shapes and maths."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, course
from dlgpu.datasets import flatten_images, load_cat_dataset
from ..helpers import require


def _numerical(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        plus = f()
        x[idx] = orig - eps
        minus = f()
        x[idx] = orig
        g[idx] = (plus - minus) / (2 * eps)
    return g


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh", "leaky_relu"])
def test_activation_pairs(xp, name):
    Z = xp.asarray(np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]]))
    dA = xp.asarray(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]))
    A, cache = getattr(course, name)(Z)
    assert cache is Z and A.shape == Z.shape
    dZ = getattr(course, f"{name}_backward")(dA, cache)
    z = dlgpu.to_numpy(Z)
    slope = {"sigmoid": None, "relu": (z > 0) * 1.0, "tanh": 1 - np.tanh(z) ** 2,
             "leaky_relu": np.where(z > 0, 1, 0.01)}[name]
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        slope = s * (1 - s)
    np.testing.assert_allclose(dlgpu.to_numpy(dZ), dlgpu.to_numpy(dA) * slope, rtol=1e-14)


def test_linear_forward_and_backward_caches():
    rng = np.random.RandomState(2)
    A, W, b = rng.randn(3, 4), rng.randn(2, 3), rng.randn(2, 1)
    Z, cache = course.linear_forward(A, W, b)
    assert cache == (A, W, b) and Z.shape == (2, 4)
    A2, cache = course.linear_activation_forward(A, W, b, "relu")
    assert cache[0] == (A, W, b) and np.array_equal(cache[1], Z)
    dZ = rng.randn(2, 4)
    dA_prev, dW, db = course.linear_backward(dZ, (A, W, b))
    assert dA_prev.shape == A.shape and dW.shape == W.shape and db.shape == b.shape
    np.testing.assert_allclose(dW, dZ @ A.T / 4)
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        course.linear_activation_forward(A, W, b, "softplus")


def test_L_model_backward_matches_numerical_gradients():
    rng = np.random.RandomState(1)
    X, Y = rng.randn(4, 6), (rng.rand(1, 6) > 0.5).astype(float)
    parameters = course.initialize_parameters_deep([4, 3, 2, 1])
    for l in (1, 2, 3):
        parameters[f"b{l}"] += rng.randn(*parameters[f"b{l}"].shape) * 0.1
    AL, caches = course.L_model_forward(X, parameters)
    assert len(caches) == 3 and AL.shape == (1, 6)
    grads = course.L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"}

    def cost():
        return course.compute_cost(course.L_model_forward(X, parameters)[0], Y)

    for key in ("W1", "b1", "W3"):
        np.testing.assert_allclose(grads["d" + key], _numerical(cost, parameters[key]),
                                   rtol=1e-5, atol=1e-9)


def test_compute_cost_is_finite_at_saturation_and_takes_planar_args():
    AL, Y = np.array([[1.0, 0.0, 0.5]]), np.array([[0, 1, 1]])
    cost = course.compute_cost(AL, Y, {"W1": None})
    assert np.isfinite(cost) and cost > 0 and isinstance(cost, float)


def test_update_parameters_returns_new_dict():
    params = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    grads = {"dW1": np.ones((2, 2)), "db1": np.ones((2, 1))}
    new = course.update_parameters(params, grads, 0.1)
    np.testing.assert_allclose(new["W1"], 0.9)
    np.testing.assert_allclose(params["W1"], 1.0)


def test_predict_prints_accuracy(capsys):
    parameters = course.initialize_parameters_deep([2, 1])
    X, y = np.array([[1.0, -1.0], [0.0, 0.0]]), np.array([[1, 0]])
    p = course.predict(X, y, parameters)
    assert p.shape == (1, 2)
    assert capsys.readouterr().out.startswith("Accuracy: ")


def test_models_print_every_100_and_the_last(capsys):
    rng = np.random.RandomState(0)
    X, Y = rng.randn(3, 8), (rng.rand(1, 8) > 0.5).astype(int)
    parameters, costs = course.L_layer_model(X, Y, [3, 2, 1], num_iterations=250, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert [l.split(":")[0] for l in lines] == \
        [f"Cost after iteration {i}" for i in (0, 100, 200, 249)]
    assert len(costs) == 3
    _, costs = course.two_layer_model(X, Y, (3, 2, 1), num_iterations=101)
    assert len(costs) == 2 and capsys.readouterr().out == ""


def test_logistic_model_dictionary():
    rng = np.random.RandomState(0)
    X, Y = rng.randn(2, 30), (rng.rand(1, 30) > 0.5).astype(float)
    d = course.model(X, Y, X, Y, num_iterations=300, learning_rate=0.1)
    assert {"costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate",
            "num_iterations"} <= set(d)
    assert len(d["costs"]) == 3 and d["w"].shape == (2, 1)


def test_course_runs_on_the_active_backend(xp):
    X, Y = np.random.RandomState(0).randn(3, 8), np.array([[0, 1, 0, 1, 1, 0, 0, 1]])
    parameters, costs = course.L_layer_model(X, Y, [3, 4, 1], num_iterations=50)
    assert dlgpu.get_array_module(parameters["W1"]) is xp
    assert parameters["W1"].dtype == np.float64


def _write_cat_files(tmp_path, m_train=12, m_test=5):
    h5py = require("h5py")
    rng = np.random.RandomState(0)
    paths = []
    for split, m in (("train", m_train), ("test", m_test)):
        path = tmp_path / f"{split}_catvnoncat.h5"
        with h5py.File(path, "w") as f:
            f[f"{split}_set_x"] = rng.randint(0, 256, size=(m, 64, 64, 3)).astype(np.uint8)
            f[f"{split}_set_y"] = rng.randint(0, 2, size=m).astype(np.int64)
            f["list_classes"] = np.array([b"non-cat", b"cat"])
        paths.append(path)
    return paths


def test_cat_layout_loads_and_trains_like_DeepNN(tmp_path):
    train_path, test_path = _write_cat_files(tmp_path)
    train_x_orig, train_y, test_x_orig, test_y, classes = load_cat_dataset(train_path, test_path)
    assert train_x_orig.shape == (12, 64, 64, 3) and train_y.shape == (1, 12)
    assert test_x_orig.shape == (5, 64, 64, 3) and list(classes) == [b"non-cat", b"cat"]
    train_x = flatten_images(train_x_orig) / 255.0
    assert train_x.shape == (12288, 12)
    layers = [12288, 20, 7, 5, 1]
    parameters, _ = course.L_layer_model(train_x, train_y, layers, num_iterations=5)
    model = DeepNN(layers, init="course", dtype="float64", num_iterations=5).fit(train_x, train_y)
    for key, value in parameters.items():
        np.testing.assert_allclose(model.parameters_[key], value, rtol=1e-10, atol=1e-14)


def test_cat_loader_errors(tmp_path):
    h5py = require("h5py")
    with pytest.raises(FileNotFoundError, match="train file not found"):
        load_cat_dataset(tmp_path / "missing.h5", tmp_path / "missing.h5")
    wrong = tmp_path / "wrong.h5"
    with h5py.File(wrong, "w") as f:
        f["images"] = np.zeros((2, 2))
    with pytest.raises(dlgpu.InvalidDataError, match="missing dataset.*train_set_x"):
        load_cat_dataset(wrong, wrong)
    not_h5 = tmp_path / "plain.h5"
    not_h5.write_text("not hdf5")
    with pytest.raises(dlgpu.InvalidDataError, match="not a readable HDF5 file"):
        load_cat_dataset(not_h5, not_h5)
