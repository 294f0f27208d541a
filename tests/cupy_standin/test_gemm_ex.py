"""The stand-in's ``cupy.cuda.cublas.gemmEx`` checks its arguments as cuBLAS does
(cublasGemmEx) and computes as cuBLAS's CUBLAS_COMPUTE_32F does, up to summation order."""

import numpy as np
import pytest

from ..helpers import CUPY_IS_STANDIN, HAS_CUPY

pytestmark = pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN),
                                reason="tests of the CuPy stand-in itself")
ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)


@pytest.fixture
def cp():
    import cupy
    return cupy


def _scalars(alpha=1.0, beta=0.0, dtype=np.float32):
    s = np.array([alpha, beta], dtype=dtype)
    return s, s.ctypes.data, s.ctypes.data + s.itemsize


def _call(cp, a, b, c, *, transa=0, transb=0, lda=None, ldb=None, ldc=None, a_type=None,
          b_type=None, c_type=None, compute=None, handle=None, alpha=1.0, beta=0.0, m=None,
          n=None, k=None, algo=None):
    """Column-major C (m, n) = op(A) op(B) with the row-major device arrays a, b, c given as
    their transposes (C-contiguous (r, c) is column-major (c, r))."""
    cublas, runtime = cp.cuda.cublas, cp.cuda.runtime
    types = {BF16: runtime.CUDA_R_16BF, np.dtype(np.float32): runtime.CUDA_R_32F,
             np.dtype(np.float64): runtime.CUDA_R_64F}
    m = c.shape[1] if m is None else m
    n = c.shape[0] if n is None else n
    k = (a.shape[0] if transa == 0 else a.shape[1]) if k is None else k
    keep, alpha_ptr, beta_ptr = _scalars(alpha, beta)
    cublas.gemmEx(
        cp.cuda.get_cublas_handle() if handle is None else handle, transa, transb, m, n, k,
        alpha_ptr, a.data.ptr, types[a.dtype] if a_type is None else a_type,
        a.shape[1] if lda is None else lda,
        b.data.ptr, types[b.dtype] if b_type is None else b_type,
        b.shape[1] if ldb is None else ldb, beta_ptr, c.data.ptr,
        types[c.dtype] if c_type is None else c_type, c.shape[1] if ldc is None else ldc,
        cublas.CUBLAS_COMPUTE_32F if compute is None else compute,
        cublas.CUBLAS_GEMM_DEFAULT if algo is None else algo)
    return keep


def _operands(cp, out_dtype=np.float32):
    rng = np.random.default_rng(0)
    # row-major P (4, 5) = X (4, 3) @ Y (3, 5) is column-major P^T = Y^T X^T: A = Y, B = X
    X, Y = rng.standard_normal((4, 3)).astype(BF16), rng.standard_normal((3, 5)).astype(BF16)
    return X, Y, cp.asarray(Y), cp.asarray(X), cp.zeros((4, 5), dtype=out_dtype)


def test_names_as_cupy_has_them(cp):
    cublas, runtime = cp.cuda.cublas, cp.cuda.runtime
    assert (runtime.CUDA_R_32F, runtime.CUDA_R_64F, runtime.CUDA_R_16F,
            runtime.CUDA_R_16BF) == (0, 1, 2, 14)
    assert (cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_T, cublas.CUBLAS_COMPUTE_32F,
            cublas.CUBLAS_COMPUTE_32F_FAST_TF32, cublas.CUBLAS_GEMM_DEFAULT) == (0, 1, 68, 77, -1)
    assert isinstance(cp.cuda.get_cublas_handle(), int)


@pytest.mark.parametrize("out_dtype", ["float32", "bfloat16"])
def test_product_with_float32_accumulation(cp, out_dtype):
    from tests.cupy_standin import counting, recording
    dtype = BF16 if out_dtype == "bfloat16" else np.dtype(np.float32)
    X, Y, a, b, c = _operands(cp, dtype)
    with counting() as counts, recording() as products:
        _call(cp, a, b, c)
    expected = X.astype(np.float32) @ Y.astype(np.float32)
    np.testing.assert_allclose(c.get().astype(np.float64), expected.astype(dtype)
                               .astype(np.float64), rtol=2 ** -7, atol=1e-6)
    assert counts.launches == 1 and counts.kinds["gemm"] == 1 and counts.allocations == 0
    assert products == [(out_dtype, "CUBLAS_COMPUTE_32F")]


def test_alpha_and_beta(cp):
    X, Y, a, b, c = _operands(cp)
    c[...] = 1.0
    _call(cp, a, b, c, alpha=2.0, beta=0.5)
    expected = 2 * (X.astype(np.float32) @ Y.astype(np.float32)) + 0.5
    np.testing.assert_allclose(c.get(), expected, rtol=1e-5, atol=1e-6)


def test_beta_zero_does_not_read_c(cp):
    _X, _Y, a, b, c = _operands(cp)
    c[...] = np.nan
    _call(cp, a, b, c)
    assert np.isfinite(c.get()).all()


def test_transposed_operands(cp):
    """op T: A stored (k, m), B stored (n, k) column-major."""
    X, Y, _, _, c = _operands(cp)
    a_t = cp.asarray(np.ascontiguousarray(Y.T))  # column-major (3, 5): Y^T stored as Y
    b_t = cp.asarray(np.ascontiguousarray(X.T))
    _call(cp, a_t, b_t, c, transa=1, transb=1, lda=3, ldb=4, k=3)
    np.testing.assert_allclose(c.get(), X.astype(np.float32) @ Y.astype(np.float32),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("argument", [
    {"lda": 4}, {"ldb": 2}, {"ldc": 4}, {"transa": 3}, {"m": -1},
    {"transa": 1, "lda": 2}, {"transb": 1, "ldb": 3}])
def test_invalid_values(cp, argument):
    from tests.cupy_standin.cuda import CUBLASError
    _, _, a, b, c = _operands(cp)
    with pytest.raises(CUBLASError, match="CUBLAS_STATUS_INVALID_VALUE"):
        _call(cp, a, b, c, **argument)


def test_unsupported_type_combinations(cp):
    from tests.cupy_standin.cuda import CUBLASError
    cublas, runtime = cp.cuda.cublas, cp.cuda.runtime
    _, _, a, b, c = _operands(cp)
    for argument in ({"compute": cublas.CUBLAS_COMPUTE_32F_FAST_TF32},  # bf16 in: not TF32
                     {"compute": cublas.CUBLAS_COMPUTE_64F}, {"b_type": runtime.CUDA_R_32F},
                     {"c_type": runtime.CUDA_R_64F}, {"algo": 5}):
        with pytest.raises(CUBLASError, match="CUBLAS_STATUS_NOT_SUPPORTED"):
            _call(cp, a, b, c, **argument)


def test_foreign_handle(cp):
    from tests.cupy_standin.cuda import CUBLASError
    _, _, a, b, c = _operands(cp)
    with pytest.raises(CUBLASError, match="CUBLAS_STATUS_NOT_INITIALIZED"):
        _call(cp, a, b, c, handle=12345)


def test_memory_outside_an_allocation_or_of_another_dtype(cp):
    _, _, a, b, c = _operands(cp)
    with pytest.raises(ValueError, match="illegal address"):
        _call(cp, a, b, c, lda=50)  # valid for cuBLAS, but A would be read past its end
    with pytest.raises(TypeError, match="memory holds float32"):
        _call(cp, a, b, c, c_type=cp.cuda.runtime.CUDA_R_16BF)


def test_host_pointers_are_refused(cp):
    cublas, runtime = cp.cuda.cublas, cp.cuda.runtime
    _, _, a, b, _c = _operands(cp)
    host = np.zeros((4, 5), np.float32)
    _keep, alpha, beta = _scalars()
    with pytest.raises(ValueError, match="illegal address"):
        cublas.gemmEx(cp.cuda.get_cublas_handle(), 0, 0, 5, 4, 3, alpha, a.data.ptr,
                      runtime.CUDA_R_16BF, 5, b.data.ptr, runtime.CUDA_R_16BF, 3, beta,
                      host.ctypes.data, runtime.CUDA_R_32F, 5, cublas.CUBLAS_COMPUTE_32F,
                      cublas.CUBLAS_GEMM_DEFAULT)


def test_overlapping_output_is_refused(cp):
    rng = np.random.default_rng(0)
    a = cp.asarray(rng.standard_normal((4, 4)).astype(np.float32))
    with pytest.raises(ValueError, match="overlaps"):
        _call(cp, a, a, a)
