"""dlgpu.backend.precision: dtype names and products with float32 accumulation, on both
backends (CuPy: one cuBLAS gemmEx; NumPy: the float32 product of the upcast operands)."""

import sys

import numpy as np
import pytest

from dlgpu.backend.precision import BF16_INSTALL_HINT, PRECISIONS, matmul_into, resolve_dtype

from ..helpers import CUPY_IS_STANDIN, HAS_CUPY

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)
standin_only = pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN),
                                  reason="launches are counted only on the CuPy stand-in")


# -- dtype names -------------------------------------------------------------------------
@pytest.mark.parametrize("name, compute, master", [
    ("float32", "float32", "float32"), ("float64", "float64", "float64"),
    ("bfloat16", "bfloat16", "float32"), (" BFloat16 ", "bfloat16", "float32"),
    (np.float32, "float32", "float32"), (np.dtype("float64"), "float64", "float64")])
def test_resolve(name, compute, master):
    precision = resolve_dtype(name)
    assert (precision.compute.name, precision.master.name) == (compute, master)
    assert precision.mixed == (compute != master)
    assert precision.name == compute


def test_bfloat16_is_ml_dtypes_bfloat16():
    assert resolve_dtype("bfloat16").compute == BF16
    assert resolve_dtype(BF16).name == "bfloat16"


@pytest.mark.parametrize("bad", ["float16", "half", "int32", "", None, 3, object()])
def test_unknown_dtype_names_the_allowed_ones(bad):
    with pytest.raises(ValueError, match="dtype must be one of float32, float64, bfloat16"):
        resolve_dtype(bad)


def test_bfloat16_without_ml_dtypes_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # import fails, as when not installed
    with pytest.raises(ImportError) as info:
        resolve_dtype("bfloat16")
    assert str(info.value) == BF16_INSTALL_HINT
    assert "pip install 'dlgpu[bf16]'" in str(info.value)
    assert resolve_dtype("float32").master == np.float32  # the others need nothing
    assert PRECISIONS == ("float32", "float64", "bfloat16")


# -- matmul_into --------------------------------------------------------------------------
def _bf16(rng, shape, order="C"):
    return np.asarray(rng.standard_normal(shape), order=order).astype(BF16, order=order)


def _reference(A, B):
    """The float64 product of the bfloat16 values, and the bound of a float32 sum's error."""
    A64, B64 = np.asarray(A, np.float64), np.asarray(B, np.float64)
    k = A64.shape[1]
    return A64 @ B64, (k + 2) * np.finfo(np.float32).eps * (np.abs(A64) @ np.abs(B64))


def _check(out, A, B):
    ref, bound = _reference(A, B)
    got = np.asarray(out, np.float64)
    if out.dtype == BF16:  # one rounding to bfloat16 (8 bits): half a unit in the last place
        bound = bound + 2.0 ** -8 * np.abs(ref)
    assert np.all(np.abs(got - ref) <= bound + 1e-30)


def _on(xp, *arrays):
    return [xp.asarray(a) for a in arrays]


def _get(x):
    return x.get() if hasattr(x, "get") else x


# the course's three products: Z = W A_prev, dW = dZ A_prev^T, dA_prev = W^T dZ
LAYOUTS = {
    "W @ A_prev": lambda rng: (_bf16(rng, (6, 9)), _bf16(rng, (9, 17))),
    "dZ @ A_prev.T": lambda rng: (_bf16(rng, (6, 17)), _bf16(rng, (9, 17)).T),
    "W.T @ dZ": lambda rng: (_bf16(rng, (6, 9)).T, _bf16(rng, (6, 17))),
    "F-ordered both": lambda rng: (_bf16(rng, (6, 9), "F"), _bf16(rng, (9, 17), "F")),
    "row slices": lambda rng: (_bf16(rng, (6, 12))[:, :9], _bf16(rng, (9, 20))[:, 3:]),
    "strided": lambda rng: (_bf16(rng, (6, 18))[:, ::2], _bf16(rng, (18, 17))[::2]),
    "vector out": lambda rng: (_bf16(rng, (1, 9)), _bf16(rng, (9, 17))),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("out_dtype", ["float32", "bfloat16"])
def test_matmul_into_matches_a_float64_reference(xp, layout, out_dtype):
    A, B = LAYOUTS[layout](np.random.default_rng(0))
    dtype = BF16 if out_dtype == "bfloat16" else np.dtype(np.float32)
    a, b = _device_operands(xp, layout, A, B)
    out = xp.empty((A.shape[0], B.shape[1]), dtype=dtype)
    assert matmul_into(a, b, out) is out
    assert out.dtype == dtype and out.shape == (A.shape[0], B.shape[1])
    _check(_get(out), _get(a), _get(b))


def _device_operands(xp, layout, A, B):
    """A and B on ``xp``, with their layout: views are taken on the device (asarray would
    copy a strided host view into a contiguous array)."""
    if xp is np:
        return A, B
    rng = np.random.default_rng(0)
    if layout == "row slices":
        return xp.asarray(_bf16(rng, (6, 12)))[:, :9], xp.asarray(_bf16(rng, (9, 20)))[:, 3:]
    if layout == "strided":
        return xp.asarray(_bf16(rng, (6, 18)))[:, ::2], xp.asarray(_bf16(rng, (18, 17)))[::2]
    a, b = xp.asarray(A), xp.asarray(B)  # order "K": an F-ordered (transposed) view stays so
    assert (a.flags.c_contiguous, b.flags.c_contiguous) == (A.flags.c_contiguous,
                                                            B.flags.c_contiguous)
    return a, b


def test_bfloat16_out_is_one_rounding_of_a_float32_sum(xp):
    """1 + 2^-8 + 2^-20 is exact in float32 and lies above the midpoint of 1 and 1 + 2^-7:
    one rounding gives 1 + 2^-7; rounding after each addition (bfloat16 accumulation)
    would give 1 (1 + 2^-8 is a tie, to even: 1; then + 2^-20 is lost)."""
    A = np.array([[1.0, 2.0 ** -8, 2.0 ** -20], [1.0, 2.0 ** -8, 0.0]]).astype(BF16)
    B = np.ones((3, 1), dtype=BF16)
    a, b = _on(xp, A, B)
    out = xp.empty((2, 1), dtype=BF16)
    matmul_into(a, b, out)
    got = np.asarray(_get(out), np.float64).ravel()
    # second row: exactly the midpoint, ties to even (1.0); first: above it
    assert got.tolist() == [1.0 + 2.0 ** -7, 1.0]
    out32 = xp.empty((2, 1), dtype=np.float32)
    matmul_into(a, b, out32)
    assert np.asarray(_get(out32), np.float64).ravel().tolist() == [1 + 2.0 ** -8 + 2.0 ** -20,
                                                                    1 + 2.0 ** -8]


def test_empty_and_zero_depth_products(xp):
    A, B = _on(xp, np.ones((3, 0), BF16), np.ones((0, 4), BF16))
    out = xp.asarray(np.full((3, 4), 7.0, np.float32))
    matmul_into(A, B, out)
    assert np.array_equal(_get(out), np.zeros((3, 4), np.float32))
    empty = xp.empty((0, 4), dtype=np.float32)
    assert matmul_into(xp.asarray(np.ones((0, 2), BF16)), xp.asarray(np.ones((2, 4), BF16)),
                       empty) is empty


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_dtype_products_are_plain_matmuls(xp, dtype):
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((4, 5)).astype(dtype), rng.standard_normal((3, 5)).astype(dtype)
    a, b = _on(xp, A, B)
    out = xp.empty((4, 3), dtype=dtype)
    matmul_into(a, b.T, out)
    np.testing.assert_allclose(_get(out), A @ B.T, rtol=1e-5)


@standin_only
@pytest.mark.parametrize("layout", ["W @ A_prev", "dZ @ A_prev.T", "W.T @ dZ", "row slices"])
@pytest.mark.parametrize("out_dtype", ["float32", "bfloat16"])
def test_one_gemm_and_no_temporaries_for_unit_stride_operands(layout, out_dtype):
    import cupy

    from tests.cupy_standin import counting, recording
    A, B = LAYOUTS[layout](np.random.default_rng(0))
    a, b = _device_operands(cupy, layout, A, B)
    out = cupy.empty((A.shape[0], B.shape[1]), dtype=BF16 if out_dtype == "bfloat16"
                     else np.float32)
    with counting() as counts, recording() as products:
        matmul_into(a, b, out)
    assert counts.launches == 1 and counts.kinds["gemm"] == 1
    assert counts.allocations == 0 and counts.syncs == 0
    assert products == [(out_dtype, "CUBLAS_COMPUTE_32F")]


@standin_only
def test_only_an_operand_without_unit_stride_is_copied():
    """A[:, ::2] has no unit stride: one copy; B[::2] keeps unit stride along its rows,
    with a leading dimension of twice its width: cuBLAS takes it as it is."""
    import cupy

    from tests.cupy_standin import counting
    a, b = _device_operands(cupy, "strided", None, None)
    out = cupy.empty((6, 17), dtype=np.float32)
    with counting() as counts:
        matmul_into(a, b, out)
    assert counts.kinds["gemm"] == 1 and counts.kinds["copy_d2d"] == 1
    assert counts.allocations == 1 and counts.launches == 2


# -- bad arguments ------------------------------------------------------------------------
def _args(xp, out_shape=(2, 4), out_dtype=np.float32, order="C"):
    A, B = np.ones((2, 3), BF16), np.ones((3, 4), BF16)
    a, b = _on(xp, A, B)
    return a, b, xp.asarray(np.zeros(out_shape, out_dtype, order=order))


@pytest.mark.parametrize("out_dtype", [np.float64, np.float16, np.int32])
def test_out_of_another_dtype_is_refused(xp, out_dtype):
    with pytest.raises(TypeError, match="out must be float32 or bfloat16 for bfloat16"):
        matmul_into(*_args(xp, out_dtype=out_dtype))


def test_float32_operands_take_a_float32_out_only(xp):
    a, b = _on(xp, np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))
    with pytest.raises(TypeError, match="out must be float32 for float32 operands"):
        matmul_into(a, b, xp.asarray(np.zeros((2, 4), BF16)))


@pytest.mark.parametrize("shape", [(4, 2), (2, 5), (8,)])
def test_out_of_another_shape_is_refused(xp, shape):
    with pytest.raises(ValueError, match="out must|2-d"):
        matmul_into(*_args(xp, out_shape=shape))


def test_out_must_be_c_contiguous(xp):
    with pytest.raises(ValueError, match="out must be C-contiguous"):
        matmul_into(*_args(xp, order="F"))


def test_operands_must_chain_and_share_a_dtype(xp):
    a, b, out = _args(xp)
    with pytest.raises(ValueError, match="do not chain"):
        matmul_into(a, a, out)
    with pytest.raises(TypeError, match="same dtype"):
        matmul_into(a, b.astype(np.float32), out)
    ints = xp.asarray(np.ones((2, 3), np.int32))
    with pytest.raises(TypeError, match="bfloat16, float32 or float64"):
        matmul_into(ints, xp.asarray(np.ones((3, 4), np.int32)), out)


def test_numpy_and_cupy_arrays_are_not_mixed(xp):
    if xp is np:
        pytest.skip("needs device arrays")
    a, b, _out = _args(xp)
    with pytest.raises(TypeError, match="all be NumPy arrays or all CuPy arrays"):
        matmul_into(a, b, np.zeros((2, 4), np.float32))
