"""Activation kernels, forward and backward, NumPy vs CuPy, float32 and float64."""

import numpy as np
import pytest

import dlgpu
from dlgpu.activations import ACTIVATIONS, get_activation
from dlgpu.bench.counts import activation_bytes

from .conftest import device_name, measure
from .matrix import ACTIVATION_DTYPES, ACTIVATION_SIZES

ROWS = 1000  # a layer of 1000 units; the examples are the columns


@pytest.mark.parametrize("n", ACTIVATION_SIZES)
@pytest.mark.parametrize("dtype", ACTIVATION_DTYPES)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_forward_backward(benchmark, backend_name, device, ceilings, name, dtype, n):
    xp = dlgpu.backend.get_backend_module()
    rng = np.random.default_rng(0)
    shape = (ROWS, n // ROWS)
    Z0 = xp.asarray(rng.standard_normal(shape, dtype=dtype) * 3)
    dA0 = xp.asarray(rng.standard_normal(shape, dtype=dtype))
    b = xp.asarray(rng.standard_normal((ROWS, 1), dtype=dtype))
    A, dA = xp.empty_like(Z0), xp.empty_like(dA0)
    activation = get_activation(name)

    def call():
        # Fresh inputs every call, so in-place work never sees its own output
        # (repeated Leaky ReLU would shrink values into subnormals); the two
        # copies are counted in the bytes, and are the whole identity row.
        xp.copyto(A, Z0)
        xp.copyto(dA, dA0)
        activation.forward_bias_(A, b)
        activation.backward_(dA, A)

    info = {"kind": "activation", "impl": "dlgpu", "backend": backend_name, "device": device,
            "device_name": device_name(device), "dtype": dtype, "activation": name,
            "elements": n, "examples": n, "flops": 0, "bytes": activation_bytes(n, dtype)}
    measure(benchmark, call, dlgpu.synchronize, info=info, ceilings=ceilings,
            group=f"activation {name} {dtype} n={n:.0e}")
