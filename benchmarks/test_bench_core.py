"""Activation kernels and one training step, NumPy vs CuPy, side by side."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, propagation
from dlgpu.activations import ACTIVATIONS, get_activation

from .conftest import FULL, timed

SIZES = [10**5] + ([10**6, 10**7, 10**8] if FULL else [])
STEP_SHAPES = [([784, 128, 128, 1], 256)] + ([([784, 128, 128, 1], 4096),
                                              ([1024] * 4 + [1], 8192)] if FULL else [])


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_forward_backward(benchmark, backend_name, name, dtype, n):
    xp = dlgpu.backend.get_backend_module()
    rows = 1000
    rng = np.random.RandomState(0)
    Z0 = xp.asarray(rng.randn(rows, n // rows).astype(dtype) * 3)
    dA0 = xp.asarray(rng.randn(rows, n // rows).astype(dtype))
    b = xp.asarray(np.zeros((rows, 1), dtype=dtype))
    A, dA = xp.empty_like(Z0), xp.empty_like(dA0)
    act = get_activation(name)

    def step():
        # Fresh inputs every call, so in-place work never sees its own output;
        # the two copies are the whole cost of the identity row.
        xp.copyto(A, Z0)
        xp.copyto(dA, dA0)
        act.forward_bias_(A, b)
        act.backward_(dA, A)

    run = timed(step)
    run()  # warm-up outside the timed region: kernel compilation
    benchmark(run)
    benchmark.extra_info.update(backend=backend_name, dtype=dtype, elements=n,
                                bytes_per_call=5 * n * np.dtype(dtype).itemsize)


@pytest.mark.parametrize("dims,m", STEP_SHAPES, ids=[f"{d}-m{m}" for d, m in STEP_SHAPES])
@pytest.mark.parametrize("dtype", ["float32"])
def test_training_step(benchmark, backend_name, dims, m, dtype):
    rng = np.random.RandomState(0)
    X = dlgpu.to_device(rng.randn(dims[0], m).astype(dtype))
    Y = dlgpu.to_device((rng.rand(1, m) > 0.5).astype(dtype))
    model = DeepNN(dims, dtype=dtype).initialize_parameters()

    def step():
        AL, _, cache = propagation.forward(model.parameters_, X, model.hidden, model.output)
        grads = propagation.backward(model.parameters_, cache, AL, Y, model.hidden)
        propagation.update_parameters_(model.parameters_, grads, 1e-4)

    run = timed(step)
    run()  # warm-up: cuBLAS handle, kernel compilation
    benchmark(run)
    flops = 2 * 3 * m * sum(a * b for a, b in zip(dims[:-1], dims[1:])) \
        - 2 * m * dims[0] * dims[1]  # no dA0
    benchmark.extra_info.update(backend=backend_name, dtype=dtype, layer_dims=dims, m=m,
                                flops_per_step=flops)
