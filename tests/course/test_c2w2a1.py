"""C2W2A1 (Optimization Methods): the public tests' inputs and expected values."""

import numpy as np
import pytest

import dlgpu
from dlgpu import InvalidDataError
from dlgpu.backend import map_arrays
from dlgpu.course import c2w2a1

from ..helpers import require
from .harness import assert_like

SHAPES = (("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)))


def _parameters_and_grads():
    np.random.seed(1)
    parameters = {k: np.random.randn(*s) for k, s in SHAPES}
    grads = {"d" + k: np.random.randn(*s) for k, s in SHAPES}
    return parameters, grads


def _zeros():
    return {"d" + k: np.zeros(s) for k, s in SHAPES}


def test_update_parameters_with_gd(xp):
    parameters, grads = map_arrays(_parameters_and_grads(), xp.asarray)
    new = c2w2a1.update_parameters_with_gd(parameters, grads, 0.01)
    assert dlgpu.get_array_module(new["W1"]) is xp
    assert_like(map_arrays(new, dlgpu.to_numpy), {
        "W1": np.array([[1.63312395, -0.61217855, -0.5339999],
                        [-1.06196243, 0.85396039, -2.3105546]]),
        "b1": np.array([[1.73978682], [-0.77021546]]),
        "W2": np.array([[0.32587637, -0.24814147], [1.47146563, -2.05746183],
                        [-0.32772076, -0.37713775]]),
        "b2": np.array([[1.13773698], [-1.09301954], [-0.16397615]])})


def test_random_mini_batches(xp):
    np.random.seed(1)
    X = np.random.randn(5, 7)
    Y = np.random.randn(1, 7) < 0.5
    batches = c2w2a1.random_mini_batches(xp.asarray(X), xp.asarray(Y), 2)
    assert all(dlgpu.get_array_module(b[0]) is xp for b in batches)
    assert_like(map_arrays(batches, dlgpu.to_numpy), [
        (np.array([[1.74481176, -0.52817175], [-0.38405435, -0.24937038],
                   [-1.10061918, -0.17242821], [-0.93576943, 0.50249434],
                   [-0.67124613, -0.69166075]]), np.array([[True, True]])),
        (np.array([[-0.61175641, -1.07296862], [0.3190391, 1.46210794],
                   [-1.09989127, -0.87785842], [0.90159072, 0.90085595],
                   [0.53035547, -0.39675353]]), np.array([[True, False]])),
        (np.array([[1.62434536, -2.3015387], [-0.7612069, -0.3224172],
                   [1.13376944, 0.58281521], [1.14472371, -0.12289023],
                   [-0.26788808, -0.84520564]]), np.array([[True, True]])),
        (np.array([[0.86540763], [-2.06014071], [0.04221375], [-0.68372786], [-0.6871727]]),
         np.array([[False]]))])


def test_random_mini_batches_sizes_of_the_notebook():
    np.random.seed(1)
    X, Y = np.random.randn(12288, 148), np.random.randn(1, 148) < 0.5
    batches = c2w2a1.random_mini_batches(X, Y, 64)
    assert [b[0].shape for b in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]


def test_initialize_velocity_and_adam():
    np.random.seed(1)
    parameters = {k: np.random.randn(*s) for k, s in (("W1", (3, 2)), ("b1", (3, 1)),
                                                      ("W2", (3, 3)), ("b2", (3, 1)))}
    assert_like(c2w2a1.initialize_velocity(parameters),
                {"d" + k: np.zeros_like(v) for k, v in parameters.items()})
    parameters, _ = _parameters_and_grads()
    assert_like(c2w2a1.initialize_adam(parameters), (_zeros(), _zeros()))


def test_update_parameters_with_momentum(xp):
    parameters, grads = _parameters_and_grads()
    new, v = c2w2a1.update_parameters_with_momentum(
        *map_arrays((parameters, grads, _zeros()), xp.asarray), 0.9, 0.01)
    assert dlgpu.get_array_module(v["dW1"]) is xp
    assert_like(map_arrays((new, v), dlgpu.to_numpy), ({
        "W1": np.array([[1.62522322, -0.61179863, -0.52875457],
                        [-1.071868, 0.86426291, -2.30244029]]),
        "b1": np.array([[1.74430927], [-0.76210776]]),
        "W2": np.array([[0.31972282, -0.24924749], [1.46304371, -2.05987282],
                        [-0.32294756, -0.38336269]]),
        "b2": np.array([[1.1341662], [-1.09920409], [-0.171583]])}, {
        "dW1": np.array([[-0.08778584, 0.00422137, 0.05828152],
                         [-0.11006192, 0.11447237, 0.09015907]]),
        "dW2": np.array([[-0.06837279, -0.01228902], [-0.09357694, -0.02678881],
                         [0.05303555, -0.06916608]]),
        "db1": np.array([[0.05024943], [0.09008559]]),
        "db2": np.array([[-0.03967535], [-0.06871727], [-0.08452056]])}))


def test_update_parameters_with_adam(xp):
    """The public test checks the first row of each array (t = 2, lr 0.02, betas 0.8 and
    0.888, epsilon 1e-2)."""
    parameters, grads = _parameters_and_grads()
    result = c2w2a1.update_parameters_with_adam(
        *map_arrays((parameters, grads, _zeros(), _zeros()), xp.asarray), 2, 0.02, 0.8, 0.888,
        1e-2)
    assert len(result) == 5 and dlgpu.get_array_module(result[0]["W1"]) is xp
    new, v, s, vc, sc = map_arrays(result, dlgpu.to_numpy)
    c1, c2 = 1.0 / (1 - 0.8 ** 2), 1.0 / (1 - 0.888 ** 2)
    expected_v = {"dW1": [-0.17557168, 0.00844275, 0.11656304], "dW2": [-0.13674557, -0.02457805],
                  "db1": [0.10049887], "db2": [-0.07935071]}
    expected_s = {"dW1": [0.08631117, 0.00019958, 0.03804344], "dW2": [0.05235818, 0.00169142],
                  "db1": [0.02828006], "db2": [0.0176303]}
    expected_p = {"W1": [1.63937725, -0.62327448, -0.54308727], "W2": [0.33400549, -0.23563857],
                  "b1": [1.72995096], "b2": [1.14852557]}
    # the course's own np.allclose: the printed s values carry 5 to 7 digits
    close = dict(rtol=1e-5, atol=1e-8)
    for key in expected_v:
        assert v[key].shape == parameters[key[1:]].shape == sc[key].shape
        np.testing.assert_allclose(v[key][0], expected_v[key], **close)
        np.testing.assert_allclose(vc[key][0], np.array(expected_v[key]) * c1, **close)
        np.testing.assert_allclose(s[key][0], expected_s[key], **close)
        np.testing.assert_allclose(sc[key][0], np.array(expected_s[key]) * c2, **close)
    for key in expected_p:
        np.testing.assert_allclose(new[key][0], expected_p[key], **close)


def test_learning_rate_decay():
    assert c2w2a1.update_lr(0.5, 2, 1) == pytest.approx(0.16666666666666666)
    assert c2w2a1.schedule_lr_decay(0.5, 100, 1, 100) == pytest.approx(0.25)
    assert c2w2a1.schedule_lr_decay(0.5, 10, 1, 100) == pytest.approx(0.5)
    assert c2w2a1.schedule_lr_decay(0.3, 1000, 0.25, 100) == pytest.approx(0.085714285)
    assert c2w2a1.schedule_lr_decay(0.3, 100, 0.25, 100) == pytest.approx(0.24)
    assert type(c2w2a1.schedule_lr_decay(0.3, 100, 0.25)) is np.float64


@pytest.mark.parametrize("optimizer, kwargs, first", [
    ("gd", {}, "Cost after epoch 0: 0.702405"),
    ("momentum", {"beta": 0.9}, "Cost after epoch 0: 0.702413"),
    ("adam", {}, "Cost after epoch 0: 0.702166"),
])
def test_model_prints_the_notebooks_first_epoch(optimizer, kwargs, first, capsys):
    require("sklearn")
    train_X, train_Y = c2w2a1.load_dataset()
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    c2w2a1.model(train_X, train_Y, [2, 5, 2, 1], optimizer, num_epochs=1, **kwargs)
    assert capsys.readouterr().out.splitlines() == [first]


def test_model_with_decay_prints_the_rate(xp, capsys):
    require("sklearn")
    train_X, train_Y = c2w2a1.load_dataset()
    parameters = c2w2a1.model(train_X, train_Y, [2, 5, 2, 1], "gd", learning_rate=0.1,
                              num_epochs=1001, decay=c2w2a1.update_lr)
    assert dlgpu.get_array_module(parameters["W1"]) is xp
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Cost after epoch 0: 0.701091", "learning rate after epoch 0: 0.100000"]
    assert lines[3] == "learning rate after epoch 1000: 0.000100"


def test_adam_model_reaches_the_notebooks_accuracy(capsys):
    require("sklearn")
    train_X, train_Y = c2w2a1.load_dataset()
    parameters = c2w2a1.model(train_X, train_Y, [2, 5, 2, 1], "adam")
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["Cost after epoch 0: 0.702166", "Cost after epoch 1000: 0.167845",
                     "Cost after epoch 2000: 0.141316", "Cost after epoch 3000: 0.138788",
                     "Cost after epoch 4000: 0.136066"]
    c2w2a1.predict(train_X, train_Y, parameters)
    assert capsys.readouterr().out.startswith("Accuracy: 0.94")  # the notebook's 94%


def test_bad_values_are_named():
    parameters, grads = _parameters_and_grads()
    with pytest.raises(ValueError, match=r"beta1 must be in \[0, 1\)"):
        c2w2a1.update_parameters_with_adam(parameters, grads, _zeros(), _zeros(), 1, beta1=1.0)
    with pytest.raises(ValueError, match="t must be >= 1"):
        c2w2a1.update_parameters_with_adam(parameters, grads, _zeros(), _zeros(), 0)
    with pytest.raises(InvalidDataError, match=r"v\['dW1'\] must have W1's shape"):
        c2w2a1.update_parameters_with_momentum(parameters, grads, {}, 0.9, 0.01)
    with pytest.raises(ValueError, match="optimizer must be one of gd, momentum, adam"):
        c2w2a1.model(np.zeros((2, 3)), np.zeros((1, 3)), [2, 5, 2, 1], "rmsprop")
    with pytest.raises(ValueError, match="mini_batch_size must be >= 1"):
        c2w2a1.random_mini_batches(np.zeros((2, 3)), np.zeros((1, 3)), 0)
