"""The stand-in's cuBLAS compute types follow cupy/_core/_routines_linalg.pyx (CuPy 14.2)."""

import numpy as np
import pytest

from ..helpers import CUPY_IS_STANDIN, HAS_CUPY

pytestmark = pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN),
                                reason="tests of the CuPy stand-in itself")


@pytest.fixture
def linalg():
    from tests.cupy_standin import linalg
    linalg.reset()
    yield linalg
    linalg.reset()


def test_reachable_as_cupy_has_it(linalg):
    import cupy
    module = cupy._core._routines_linalg
    assert module.COMPUTE_TYPE_DEFAULT == 1 and module.COMPUTE_TYPE_TF32 == 7
    assert module.get_compute_type is linalg.get_compute_type


@pytest.mark.parametrize("env, expected", [(None, 1), ("0", 1), ("1", 7)])
def test_first_read_settles_tbd_from_cupy_tf32(linalg, monkeypatch, env, expected):
    if env is None:
        monkeypatch.delenv("CUPY_TF32", raising=False)
    else:
        monkeypatch.setenv("CUPY_TF32", env)
    assert linalg.get_compute_type(np.float32) == expected
    assert linalg.get_compute_type(np.float64) == linalg.COMPUTE_TYPE_DEFAULT
    monkeypatch.setenv("CUPY_TF32", "0")  # read once: later changes do nothing
    assert linalg.get_compute_type(np.float32) == expected


def test_set_rules(linalg, monkeypatch):
    from tests.cupy_standin import cuda
    linalg.set_compute_type(np.float32, linalg.COMPUTE_TYPE_TF32)
    assert linalg.get_compute_type(np.complex64) == linalg.COMPUTE_TYPE_TF32  # one key for 'fF'
    with pytest.raises(ValueError, match="Unknown compute type"):
        linalg.set_compute_type(np.float32, 99)
    with pytest.raises(TypeError, match="dtype is not supported"):
        linalg.set_compute_type(np.int32, linalg.COMPUTE_TYPE_DEFAULT)
    monkeypatch.setattr(cuda.Device, "compute_capability", "75")
    with pytest.warns(UserWarning, match="compute capability 8.0"):
        linalg.set_compute_type(np.float32, linalg.COMPUTE_TYPE_TF32)
    assert linalg.get_compute_type(np.float32) == linalg.COMPUTE_TYPE_DEFAULT


def test_only_cublas_products_are_recorded(linalg):
    import cupy

    from tests.cupy_standin import recording
    a = cupy.asarray(np.ones((3, 4), np.float32))
    linalg.set_compute_type(np.float32, linalg.COMPUTE_TYPE_TF32)
    with recording() as products:
        cupy.matmul(a, a.T)                                       # cuBLAS
        cupy.matmul(a[:1], a[:1].T)                               # (1, k) @ (k, 1): CUB
        cupy.matmul(cupy.asarray(np.ones((2, 2), np.int64)),
                    cupy.asarray(np.ones((2, 2), np.int64)))      # CuPy's integer kernel
        cupy.matmul(a.astype(np.float64), a.T.astype(np.float64))
    assert products == [("float32", linalg.COMPUTE_TYPE_TF32),
                        ("float64", linalg.COMPUTE_TYPE_DEFAULT)]
