"""Shared fixtures: every backend-dependent test runs on NumPy and on CuPy.

Where real CuPy cannot run (no CuPy, no GPU, a broken driver), the CuPy
cases run on the strict CuPy stand-in of ``tests/cupy_standin`` instead,
activated here before any test imports CuPy; they skip, with the reason,
only where the stand-in cannot run either (no C++ compiler), and on CI
(``CI`` set) that is a failure.
"""

import sys

import numpy as np
import pytest

import dlgpu

from .helpers import BACKENDS  # first: it activates the CuPy stand-in where needed


@pytest.fixture(autouse=True)
def _numpy_backend_by_default():
    """Each test starts on NumPy (no fallback warning) and leaves it so."""
    dlgpu.set_backend("numpy")
    yield
    dlgpu.set_backend("numpy")


@pytest.fixture
def no_cupy(monkeypatch):
    """Make ``import cupy`` fail, as on a machine without CuPy."""
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setattr(dlgpu.backend, "_warned", set())


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
