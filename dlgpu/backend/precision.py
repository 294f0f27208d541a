"""Mixed precision's building blocks: dtype names, and products with float32 accumulation.

A model's ``dtype`` names two dtypes (:func:`resolve_dtype`): the *compute*
dtype, in which the GEMM inputs and the activations Z, A and dA are stored,
and the *master* dtype of the weights, the optimizer state, dW, db and the
cost.  For ``"float32"`` and ``"float64"`` they are the same; ``"bfloat16"``
computes in bfloat16 (``ml_dtypes.bfloat16``, the dtype CuPy 14 takes for
bfloat16) over float32 masters.

:func:`matmul_into` is the product of mixed precision: ``out = A @ B`` with
bfloat16 operands, float32 accumulation, and ``out`` in float32 (dW) or in
bfloat16 (Z, rounded once at the end).  On CuPy it is one cuBLAS
``gemmEx`` (CuPy's ``matmul`` writes only its operands' dtype, and an ``out=``
of another dtype goes through a temporary: cupy/_core/_routines_linalg.pyx);
on NumPy it is the float32 product of the operands upcast, which is what
the GPU computes up to the order of the float32 additions (each bfloat16
value is exact in float32, and so is the product of two of them).

This module imports only NumPy; ``ml_dtypes`` and CuPy are imported when a
bfloat16 dtype is asked for or a CuPy array is multiplied.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .arrays import is_device_array

#: the values of ``DeepNN(dtype=...)`` this module resolves
PRECISIONS = ("float32", "float64", "bfloat16")

BF16_INSTALL_HINT = "dtype='bfloat16' needs the ml_dtypes package: pip install 'dlgpu[bf16]'"


class Precision(NamedTuple):
    """What a model's ``dtype`` name means: the compute and master dtypes."""

    name: str
    #: dtype of the GEMM inputs and of Z, A, dA (course notation)
    compute: np.dtype
    #: dtype of W, b, dW, db, the optimizer state and the cost
    master: np.dtype

    @property
    def mixed(self) -> bool:
        """True when the compute dtype is narrower than the master dtype."""
        return self.compute != self.master


def bfloat16_dtype() -> np.dtype:
    """``np.dtype(ml_dtypes.bfloat16)``; ImportError with the install hint without ml_dtypes."""
    try:
        import ml_dtypes
    except ImportError as exc:
        raise ImportError(BF16_INSTALL_HINT) from exc
    return np.dtype(ml_dtypes.bfloat16)


def is_bfloat16(dtype) -> bool:
    """True for ml_dtypes' bfloat16 (never imports ml_dtypes: NumPy dtypes have other names)."""
    return np.dtype(dtype).name == "bfloat16"


def resolve_dtype(dtype) -> Precision:
    """The :class:`Precision` of a model's ``dtype``: a name in :data:`PRECISIONS` or a dtype.

    Raises ValueError naming the allowed values for anything else, and
    ImportError (with ``pip install 'dlgpu[bf16]'``) for ``"bfloat16"``
    where ``ml_dtypes`` is not installed.
    """
    name = dtype.strip().lower() if isinstance(dtype, str) else None
    if name is None and dtype is not None:  # np.dtype(None) would be float64
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = None
    if name not in PRECISIONS:
        raise ValueError(f"dtype must be one of {', '.join(PRECISIONS)}, got {dtype!r}")
    if name == "bfloat16":
        return Precision(name, bfloat16_dtype(), np.dtype(np.float32))
    return Precision(name, np.dtype(name), np.dtype(name))


def matmul_into(A, B, out):
    """``out[...] = A @ B``, with float32 accumulation for bfloat16 operands; returns ``out``.

    Parameters
    ----------
    A : array (n, k)
        e.g. W[l] (n_l, n_{l-1}) or dZ[l] (n_l, m), or a transposed view such as
        ``A_prev.T``.
    B : array (k, p), same dtype and array module as ``A``
        e.g. A[l-1] (n_{l-1}, m) or ``A_prev.T`` (m, n_{l-1}).
    out : array (n, p), C-contiguous, same array module
        float32 or bfloat16 for bfloat16 operands (float32: dW; bfloat16: Z,
        rounded once, to nearest even, from the float32 sum); for float32
        or float64 operands, their own dtype (an ordinary ``matmul``, under
        CuPy's compute type for that dtype: see ``cuda.matmul_precision``).

    On CuPy, bfloat16 operands take one cuBLAS ``gemmEx`` (A and B
    ``CUDA_R_16BF``, C ``CUDA_R_32F`` or ``CUDA_R_16BF``,
    ``CUBLAS_COMPUTE_32F``) on the current stream; an operand with unit
    stride along either axis (C- or F-contiguous, transposed views and row
    or column slices included) is passed as it is, with the matching
    ``op``; any other operand is copied first.  On NumPy, the operands are
    upcast to float32 (exact) and multiplied by NumPy's float32 ``matmul``
    into ``out`` (bfloat16 ``out``: through one float32 temporary, then
    rounded to nearest even, as cuBLAS rounds its float32 result).
    """
    _check_operands(A, B, out)
    if not is_bfloat16(A.dtype):
        xp = _module(out)
        return xp.matmul(A, B, out=out)
    if is_device_array(out):
        return _gemm_ex(A, B, out)
    A32, B32 = A.astype(np.float32), B.astype(np.float32)
    if out.dtype == np.float32:
        np.matmul(A32, B32, out=out)
    else:
        out[...] = np.matmul(A32, B32)  # ml_dtypes' float32 -> bfloat16 rounds to nearest even
    return out


def _module(x):
    from .arrays import get_array_module

    return get_array_module(x)


def _check_operands(A, B, out) -> None:
    devices = {is_device_array(x) for x in (A, B, out)}
    if len(devices) != 1:
        raise TypeError("matmul_into: A, B and out must all be NumPy arrays or all CuPy arrays")
    for name, x in (("A", A), ("B", B), ("out", out)):
        if getattr(x, "ndim", None) != 2:
            raise ValueError(f"matmul_into: {name} must be a 2-d array, got shape "
                             f"{getattr(x, 'shape', None)}")
    if A.dtype != B.dtype:
        raise TypeError(f"matmul_into: A and B must have the same dtype, got {A.dtype} and "
                        f"{B.dtype}")
    if A.shape[1] != B.shape[0]:
        raise ValueError(f"matmul_into: A {A.shape} and B {B.shape} do not chain "
                         f"(A's columns must equal B's rows)")
    if out.shape != (A.shape[0], B.shape[1]):
        raise ValueError(f"matmul_into: out must have shape {(A.shape[0], B.shape[1])} "
                         f"(A's rows, B's columns), got {out.shape}")
    if is_bfloat16(A.dtype):
        allowed = ("float32", "bfloat16")
    elif A.dtype.name in ("float32", "float64"):
        allowed = (A.dtype.name,)
    else:
        raise TypeError(f"matmul_into: A and B must be bfloat16, float32 or float64, "
                        f"got {A.dtype}")
    if out.dtype.name not in allowed:
        raise TypeError(f"matmul_into: out must be {' or '.join(allowed)} for {A.dtype} "
                        f"operands, got {out.dtype}")
    if not out.flags.c_contiguous:
        raise ValueError("matmul_into: out must be C-contiguous")


def _cublas_operand(x, xp):
    """``(array, op, ld)`` for a row-major operand as cuBLAS's column-major one.

    cuBLAS reads column-major matrices: a row-major (r, c) array with unit
    stride along its columns (C order) is, to cuBLAS, its own transpose
    (c, r) with leading dimension ``strides[0]``, taken with ``CUBLAS_OP_N``
    where the column-major product wants the transpose; with unit stride
    along its rows (F order, e.g. ``A_prev.T``) it is (r, c) itself with
    leading dimension ``strides[1]``, taken with ``CUBLAS_OP_T``.  A
    length-1 axis has any stride.  Anything else is copied to C order.
    """
    cublas = xp.cuda.cublas
    r, c = x.shape
    size = x.itemsize
    s0, s1 = x.strides
    if (c == 1 or s1 == size) and s0 > 0 and s0 % size == 0 and (r == 1 or s0 // size >= c):
        return x, cublas.CUBLAS_OP_N, max(s0 // size if r > 1 else c, 1)
    if (r == 1 or s0 == size) and s1 > 0 and s1 % size == 0 and (c == 1 or s1 // size >= r):
        return x, cublas.CUBLAS_OP_T, max(s1 // size if c > 1 else r, 1)
    x = xp.ascontiguousarray(x)
    return x, cublas.CUBLAS_OP_N, max(c, 1)


def _gemm_ex(A, B, out):
    """One cuBLAS gemmEx: row-major ``out = A @ B`` computed as column-major
    ``out^T = B^T A^T`` (cuBLAS's ``A`` is our ``B``), so that ``out``, C-contiguous
    (n, p), is column-major (p, n) with leading dimension p.

    cupy_backends/cuda/libs/cublas.pyx ``gemmEx(handle, transa, transb, m, n,
    k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, computeType,
    algo)``: pointers as integers, alpha and beta host pointers to float32
    (the scale type of ``CUBLAS_COMPUTE_32F``); it runs on the current stream
    (``_setStream``).
    """
    import cupy

    n, k = A.shape
    p = B.shape[1]
    if out.size == 0:
        return out
    if k == 0:
        out.fill(0)
        return out
    cublas, runtime = cupy.cuda.cublas, cupy.cuda.runtime
    b, op_b, ld_b = _cublas_operand(B, cupy)
    a, op_a, ld_a = _cublas_operand(A, cupy)
    c_type = runtime.CUDA_R_32F if out.dtype == np.float32 else runtime.CUDA_R_16BF
    scalars = np.array([1.0, 0.0], dtype=np.float32)  # alpha, beta; read before gemmEx returns
    cublas.gemmEx(cupy.cuda.get_cublas_handle(), op_b, op_a, p, n, k,
                  scalars.ctypes.data, b.data.ptr, runtime.CUDA_R_16BF, ld_b,
                  a.data.ptr, runtime.CUDA_R_16BF, ld_a,
                  scalars.ctypes.data + scalars.itemsize, out.data.ptr, c_type, p,
                  cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT)
    return out
