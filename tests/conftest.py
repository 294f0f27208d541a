"""Shared fixtures: every backend-dependent test runs on NumPy and on CuPy.

The CuPy cases skip, with the reason, where CuPy cannot run (no CuPy, no
GPU, a broken driver), so the suite passes on CPU-only machines.
"""

import numpy as np
import pytest

import dlgpu
from dlgpu.backend import probe_cupy

_cupy, CUPY_SKIP_REASON = probe_cupy()
HAS_CUPY = _cupy is not None

needs_cupy = pytest.mark.skipif(
    not HAS_CUPY, reason=f"CuPy cannot run here: {(CUPY_SKIP_REASON or '').split(';')[0]}")
BACKENDS = ["numpy", pytest.param("cupy", marks=needs_cupy)]


@pytest.fixture(autouse=True)
def _numpy_backend_by_default():
    """Each test starts on NumPy (no fallback warning) and leaves it so."""
    dlgpu.set_backend("numpy")
    yield
    dlgpu.set_backend("numpy")


@pytest.fixture(params=BACKENDS)
def backend_name(request):
    """Activates each backend in turn and yields its name."""
    dlgpu.set_backend(request.param)
    return request.param


@pytest.fixture
def xp(backend_name):
    """The array module of the active backend."""
    return dlgpu.backend.get_backend_module()


@pytest.fixture
def binary_data():
    """A small, learnable binary problem: X (3, 40), Y (1, 40)."""
    rng = np.random.RandomState(0)
    X = rng.randn(3, 40)
    Y = (X[0:1] + 0.5 * X[1:2] ** 2 > 0.3).astype(np.float64)
    return X, Y
