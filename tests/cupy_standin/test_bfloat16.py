"""bfloat16 on the stand-in, as CuPy 14 has it with ml_dtypes: arrays, casts, matmul,
and ElementwiseKernels whose placeholder is the ``bfloat16`` class of cupy/bfloat16.cuh."""

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


def _bits(x):
    return np.asarray(x).view(np.uint16)


def _values(n=4000):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(n) * 4).astype(np.float32)
    # ties: bfloat16 keeps 8 significant bits; these have a 1 in the 9th and nothing after
    ties = np.array([1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 2 ** -100 * (1 + 2 ** -8)],
                    np.float32)
    return np.concatenate([x, ties, np.array([0.0, -0.0, np.inf, -np.inf], np.float32)])


def test_creation_casts_and_copies(cp):
    x = _values()
    d = cp.asarray(x).astype(BF16)
    assert d.dtype == BF16 and d.itemsize == 2
    assert np.array_equal(_bits(d.get()), _bits(x.astype(BF16)))  # round to nearest even
    assert np.array_equal(d.astype(np.float32).get(), x.astype(BF16).astype(np.float32))
    assert cp.asarray(x.astype(BF16)).dtype == BF16
    assert cp.empty((2, 3), dtype=BF16).dtype == BF16
    assert np.array_equal(_bits(d.copy().get()), _bits(d.get()))
    assert np.array_equal(_bits(d.T.copy().get()), _bits(d.get()))


def test_matmul_of_bfloat16_sums_in_float32_and_rounds_once(cp):
    """cupy.matmul on bfloat16: C bfloat16, CUBLAS_COMPUTE_32F (tensordot_core_v11)."""
    from tests.cupy_standin import recording
    a = cp.asarray(np.array([[1.0, 2.0 ** -8, 2.0 ** -20]] * 2).astype(BF16))
    b = cp.asarray(np.ones((3, 2), BF16))
    with recording() as products:
        c = cp.matmul(a, b)
    assert c.dtype == BF16 and (c.get().astype(np.float64) == 1 + 2.0 ** -7).all()
    assert products == [("bfloat16", 1)]  # COMPUTE_TYPE_DEFAULT, CuPy's bfloat16 setting


def test_matmul_of_a_row_and_a_column_rounds_each_product(cp):
    """(1, k) @ (k, 1) takes tensordot_core's other path, (a.ravel() * b.ravel()).sum():
    bfloat16 products (here exact), summed in float, rounded once; no cuBLAS."""
    from tests.cupy_standin import recording
    a = cp.asarray(np.array([[1.0, 2.0 ** -8, 2.0 ** -20]]).astype(BF16))
    b = cp.asarray(np.ones((3, 1), BF16))
    with recording() as products:
        c = cp.matmul(a, b)
    assert float(c.get()[0, 0]) == 1 + 2.0 ** -7 and products == []
    # (1 + 2^-7)(1 + 2^-6) = 1 + 2^-6 + 2^-7 + 2^-13 is rounded to 1 + 2^-6 + 2^-7 as a
    # bfloat16 product; minus 1 leaves 2^-6 + 2^-7, where a float32 sum would keep 2^-13
    a = cp.asarray(np.array([[1 + 2.0 ** -7, -1.0]]).astype(BF16))
    b = cp.asarray(np.array([[1 + 2.0 ** -6], [1.0]]).astype(BF16))
    assert float(cp.matmul(a, b).get()[0, 0]) == 2.0 ** -6 + 2.0 ** -7


def _kernel(cp, operation, params="T z", out="T a"):
    return cp.ElementwiseKernel(params, out, operation, "bf16_test")


def test_kernel_arithmetic_is_float_and_the_store_rounds_once(cp):
    x = _values()
    z = x.astype(BF16)
    zf = z.astype(np.float32)
    got = _kernel(cp, "a = z * z * 0.75f + z")(cp.asarray(z)).get()
    assert got.dtype == BF16
    # bfloat16 has no operators: z * z is a float product, the whole expression float,
    # rounded once when stored
    with np.errstate(invalid="ignore"):
        expected = (zf * zf * np.float32(0.75) + zf).astype(BF16)
    nan = np.isnan(expected.astype(np.float32))
    assert np.array_equal(np.isnan(got.astype(np.float32)), nan)  # -inf * -inf * 0.75 - inf
    assert np.array_equal(_bits(got)[~nan], _bits(expected)[~nan])


def test_kernel_conversions_as_cupy_bfloat16_cuh(cp):
    z = cp.asarray(_values(100).astype(BF16))
    # explicit constructors from double and int; max on two bfloat16; a double scalar
    got = _kernel(cp, "a = max(z, T(0)) * T(2) + T(0.5)")(z).get()
    zf = z.get().astype(np.float32)
    assert np.array_equal(_bits(got), _bits((np.maximum(zf, 0) * 2 + np.float32(0.5))
                                            .astype(BF16)))
    scaled = _kernel(cp, "a = z * s", "T z, T s")(z, 3.0).get()  # the scalar takes T
    assert np.array_equal(_bits(scaled), _bits((zf * np.float32(3)).astype(BF16)))


def test_kernel_casts_between_float32_and_bfloat16(cp):
    x = _values()
    down = cp.ElementwiseKernel("F x", "T y", "y = x", "down")
    y = cp.empty(x.shape, dtype=BF16)
    down(cp.asarray(x), y)
    assert np.array_equal(_bits(y.get()), _bits(x.astype(BF16)))
    up = cp.ElementwiseKernel("T y", "F x", "x = y", "up")
    back = cp.empty(x.shape, dtype=np.float32)
    up(y, back)
    assert np.array_equal(back.get(), x.astype(BF16).astype(np.float32))


def test_a_mixed_conditional_fails_to_compile_as_under_nvrtc(cp):
    """``z > 0 ? z : 0.01f * z`` mixes bfloat16 and float; each converts to the other
    (operator float, bfloat16(float)), so the conditional is ambiguous in C++."""
    from tests.cupy_standin.kernels import CompileException
    z = cp.asarray(np.ones(4, BF16))
    with pytest.raises(CompileException):
        _kernel(cp, "a = z > 0 ? z : 0.01f * z")(z)
    ok = _kernel(cp, "a = z > 0 ? z : T(0.01f * z)")(z)
    assert ok.dtype == BF16
