"""NumPy and CuPy give the same numbers: float64 within 1e-10, float32 within 1e-5."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, propagation

from .helpers import needs_cupy

pytestmark = needs_cupy
RTOL = {"float64": 1e-10, "float32": 1e-5}
HIDDEN = ["relu", "leaky_relu", "tanh", "sigmoid", "identity"]


def _data():
    rng = np.random.RandomState(11)
    X = rng.randn(6, 300)
    Y = (X[0:1] * X[1:2] + X[2:3] > 0).astype(np.float64)
    return X, Y


def _on(backend, fn):
    dlgpu.set_backend(backend)
    return fn()


def _close(a, b, dtype):
    np.testing.assert_allclose(dlgpu.to_numpy(b), dlgpu.to_numpy(a), rtol=RTOL[dtype],
                               atol=RTOL[dtype] * 1e-3)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_cost_and_gradients(hidden, dtype):
    X, Y = _data()

    def run():
        model = DeepNN([6, 16, 8, 1], hidden_activation=hidden, dtype=dtype).initialize_parameters()
        AL, ZL, _ = propagation.forward(model.parameters_, dlgpu.to_device(X, dtype),
                                        model.hidden, model.output)
        cost, grads = model.loss_and_gradients(X, Y)
        return dlgpu.to_numpy(AL), cost, grads

    AL_np, cost_np, grads_np = _on("numpy", run)
    AL_cp, cost_cp, grads_cp = _on("cupy", run)
    _close(AL_np, AL_cp, dtype)
    assert cost_cp == pytest.approx(cost_np, rel=RTOL[dtype])
    for key in grads_np:
        _close(grads_np[key], grads_cp[key], dtype)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_after_100_training_iterations(hidden, dtype):
    X, Y = _data()

    def run():
        model = DeepNN([6, 16, 8, 1], hidden_activation=hidden, learning_rate=0.05,
                       num_iterations=100, dtype=dtype).fit(X, Y)
        return {k: dlgpu.to_numpy(v) for k, v in model.parameters_.items()}, model.costs_

    params_np, costs_np = _on("numpy", run)
    params_cp, costs_cp = _on("cupy", run)
    for key in params_np:
        _close(params_np[key], params_cp[key], dtype)
    np.testing.assert_allclose(costs_cp, costs_np, rtol=RTOL[dtype])


def test_same_seed_same_initial_weights_on_both_backends():
    params = [_on(b, lambda: DeepNN([6, 16, 1], seed=3).initialize_parameters().parameters_)
              for b in ("numpy", "cupy")]
    for key in params[0]:
        np.testing.assert_array_equal(dlgpu.to_numpy(params[0][key]),
                                      dlgpu.to_numpy(params[1][key]))
