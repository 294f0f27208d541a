"""The stand-in's ``cupy._core._routines_linalg``: cuBLAS compute types, as in CuPy 14.

As in cupy/_core/_routines_linalg.pyx and .pxd (CuPy 14.2):

* the constants ``COMPUTE_TYPE_TBD`` (0) ... ``COMPUTE_TYPE_TF32`` (7)
  (``cpdef enum`` in the .pxd, so Python sees them);
* one compute type per dtype (bfloat16, float16, float32/complex64,
  float64/complex128; ``to_compute_type_index``), process-wide, neither per
  device nor per thread;
* ``set_compute_type(dtype, compute_type)``: TF32 and BF16 only on a device
  of compute capability >= 8.0 (``device.get_compute_capability()``, the
  current device); below, a warning and ``COMPUTE_TYPE_DEFAULT``; an unknown
  value raises ValueError;
* ``get_compute_type(dtype)``: the first call for a dtype (TBD) settles it to
  ``COMPUTE_TYPE_DEFAULT``, or TF32 for float32/complex64 when the
  environment variable ``CUPY_TF32`` is > 0 (read then, once);
* ``tensordot_core_v11`` (reached by 2-d ``matmul`` -> ``dot`` ->
  ``tensordot_core`` on compute capability >= 5.0) reads
  ``get_compute_type(c.dtype)`` for every floating-point cuBLAS GEMM and
  uses ``CUBLAS_COMPUTE_32F_FAST_TF32`` for float32 under TF32.

:func:`recording` is for the tests: the compute type in force at each
cuBLAS GEMM the stand-in's ``matmul`` runs (:func:`gemm`), with the
product's dtype; and for each direct ``cupy.cuda.cublas.gemmEx`` call
(:func:`gemm_ex`), its C dtype and the name of the cuBLAS compute type it
was given (``"CUBLAS_COMPUTE_32F"``): a string, never one of CuPy's
``COMPUTE_TYPE_*`` numbers, since CuPy's setting does not reach it.  The stand-in computes every product in the dtype's exact
arithmetic (NumPy's); it does not emulate TF32's rounding.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import types
import warnings

import numpy as np

(COMPUTE_TYPE_TBD, COMPUTE_TYPE_DEFAULT, COMPUTE_TYPE_PEDANTIC, COMPUTE_TYPE_FP16,
 COMPUTE_TYPE_FP32, COMPUTE_TYPE_FP64, COMPUTE_TYPE_BF16, COMPUTE_TYPE_TF32) = range(8)
_NAMES = ("COMPUTE_TYPE_TBD", "COMPUTE_TYPE_DEFAULT", "COMPUTE_TYPE_PEDANTIC",
          "COMPUTE_TYPE_FP16", "COMPUTE_TYPE_FP32", "COMPUTE_TYPE_FP64", "COMPUTE_TYPE_BF16",
          "COMPUTE_TYPE_TF32")

_compute_types = [COMPUTE_TYPE_TBD] * 4  # bfloat16, float16, float32, float64
_recordings: list[list] = []


def _index(dtype) -> int:
    dtype = np.dtype(dtype)
    if dtype.char == "e":
        return 1
    if dtype.char in "fF":
        return 2
    if dtype.char in "dD":
        return 3
    if dtype.name == "bfloat16":
        return 0
    raise TypeError(f"dtype is not supported: {dtype}")


def set_compute_type(dtype, compute_type) -> None:
    from .cuda import Device

    if compute_type in (COMPUTE_TYPE_TBD, COMPUTE_TYPE_DEFAULT, COMPUTE_TYPE_PEDANTIC,
                        COMPUTE_TYPE_FP16, COMPUTE_TYPE_FP32, COMPUTE_TYPE_FP64):
        _compute_types[_index(dtype)] = compute_type
    elif compute_type in (COMPUTE_TYPE_BF16, COMPUTE_TYPE_TF32):
        if int(Device().compute_capability) >= 80:
            _compute_types[_index(dtype)] = compute_type
        else:
            warnings.warn("COMPUTE_TYPE_BF16 and COMPUTE_TYPE_TF32 are only available on "
                          "GPUs with compute capability 8.0 or higher. "
                          "COMPUTE_TYPE_DEFAULT will be used instead.")
            _compute_types[_index(dtype)] = COMPUTE_TYPE_DEFAULT
    else:
        raise ValueError(f"Unknown compute type: {compute_type}")


def get_compute_type(dtype) -> int:
    index = _index(dtype)
    if _compute_types[index] == COMPUTE_TYPE_TBD:
        compute_type = COMPUTE_TYPE_DEFAULT
        if np.dtype(dtype).char in "fF" and int(os.getenv("CUPY_TF32", "0")) > 0:
            compute_type = COMPUTE_TYPE_TF32
        set_compute_type(dtype, compute_type)
    return _compute_types[index]


def compute_type_to_str(compute_type):
    return _NAMES[compute_type] if compute_type in range(8) else compute_type


def gemm(dtype) -> None:
    """A floating-point cuBLAS GEMM of result dtype ``dtype`` is running: note its compute type."""
    if _recordings:
        entry = (np.dtype(dtype).name, get_compute_type(dtype))
        for record in _recordings:
            record.append(entry)


@contextlib.contextmanager
def recording():
    """Yields a list that gets ``(dtype name, compute type)`` for each cuBLAS GEMM
    run inside the block (nestable)."""
    record: list = []
    _recordings.append(record)
    try:
        yield record
    finally:
        _recordings.remove(record)


# -- cupy.cuda.cublas.gemmEx -------------------------------------------------------
# cupy_backends/cuda/libs/cublas.pxd (CuPy 14.2): the enums, ``cpdef enum`` so Python sees them
CUBLAS_OP_N, CUBLAS_OP_T, CUBLAS_OP_C = 0, 1, 2
CUBLAS_GEMM_DEFAULT, CUBLAS_GEMM_DEFAULT_TENSOR_OP = -1, 99
CUBLAS_COMPUTE_32F, CUBLAS_COMPUTE_32F_PEDANTIC, CUBLAS_COMPUTE_32F_FAST_TF32 = 68, 69, 77
CUBLAS_COMPUTE_64F = 70
# cupy_backends/cuda/api/_runtime_enum.pxd: cudaDataType
CUDA_R_32F, CUDA_R_64F, CUDA_R_16F, CUDA_R_16BF = 0, 1, 2, 14
_COMPUTE_NAMES = {CUBLAS_COMPUTE_32F: "CUBLAS_COMPUTE_32F",
                  CUBLAS_COMPUTE_32F_PEDANTIC: "CUBLAS_COMPUTE_32F_PEDANTIC",
                  CUBLAS_COMPUTE_32F_FAST_TF32: "CUBLAS_COMPUTE_32F_FAST_TF32",
                  CUBLAS_COMPUTE_64F: "CUBLAS_COMPUTE_64F"}
# cublasGemmEx's table of supported types (cuBLAS documentation, "cublasGemmEx"), the rows
# dlgpu may use: compute type -> {(Atype = Btype, Ctype)}; the scale type (alpha, beta) is
# float for the 32F compute types, double for 64F
_SUPPORTED = {
    **{compute: {(CUDA_R_16BF, CUDA_R_16BF), (CUDA_R_16BF, CUDA_R_32F), (CUDA_R_16F, CUDA_R_16F),
                 (CUDA_R_16F, CUDA_R_32F), (CUDA_R_32F, CUDA_R_32F)}
       for compute in (CUBLAS_COMPUTE_32F, CUBLAS_COMPUTE_32F_PEDANTIC)},
    CUBLAS_COMPUTE_32F_FAST_TF32: {(CUDA_R_32F, CUDA_R_32F)},
    CUBLAS_COMPUTE_64F: {(CUDA_R_64F, CUDA_R_64F)},
}
# cublasStatus_t
CUBLAS_STATUS_NOT_INITIALIZED, CUBLAS_STATUS_INVALID_VALUE = 1, 7
CUBLAS_STATUS_NOT_SUPPORTED = 15
#: the handle ``cupy.cuda.get_cublas_handle()`` gives (one device)
HANDLE = 0x5CB1A5


def get_cublas_handle() -> int:
    """cupy/cuda/device.pyx ``get_cublas_handle``: the current device's cuBLAS handle."""
    return HANDLE


def _data_dtype(data_type: int) -> np.dtype:
    if data_type == CUDA_R_16BF:
        import ml_dtypes
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype({CUDA_R_32F: "float32", CUDA_R_64F: "float64", CUDA_R_16F: "float16"}
                    [data_type])


def _matrix(ptr: int, data_type: int, rows: int, cols: int, ld: int, name: str) -> np.ndarray:
    """The column-major (rows, cols) matrix at device address ``ptr`` with leading dimension
    ``ld``, as a view of the stand-in's device memory; refused where cuBLAS would read
    outside one allocation (an illegal address on a GPU) or where the allocation holds
    another dtype (cuBLAS would misread its bytes)."""
    from .cuda import device_bytes

    dtype = _data_dtype(data_type)
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols), dtype)
    nbytes = ((cols - 1) * ld + rows) * dtype.itemsize
    data = device_bytes(ptr, nbytes)
    if data is None:
        raise ValueError(f"gemmEx: {name} ({rows}x{cols}, ld={ld}) is not inside one device "
                         f"allocation: an illegal address on a GPU")
    if data.base is not None and data.base.dtype != dtype:
        raise TypeError(f"gemmEx: {name} is given as {dtype} but its memory holds "
                        f"{data.base.dtype}")
    flat = data.view(dtype)
    return np.lib.stride_tricks.as_strided(flat, shape=(rows, cols),
                                           strides=(dtype.itemsize, ld * dtype.itemsize))


def _scalar(address: int, compute_type: int, name: str) -> float:
    """alpha or beta: a host pointer (CUBLAS_POINTER_MODE_HOST, CuPy's handles' mode)."""
    from .cuda import device_bytes

    c_type = ctypes.c_double if compute_type == CUBLAS_COMPUTE_64F else ctypes.c_float
    if device_bytes(address, ctypes.sizeof(c_type)) is not None:
        raise ValueError(f"gemmEx: {name} points to device memory; CuPy's handles read it "
                         "from the host (CUBLAS_POINTER_MODE_HOST)")
    return float(c_type.from_address(address).value)


def gemm_ex(handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C,
            Ctype, ldc, computeType, algo) -> None:
    """``cupy_backends.cuda.libs.cublas.gemmEx`` (cublas.pyx, CuPy 14.2), as cuBLAS runs it.

    Column-major ``C (m, n) = alpha op(A) op(B) + beta C``, ``op(A)`` (m, k),
    ``op(B)`` (k, n); pointers are device addresses (``x.data.ptr``), alpha
    and beta host addresses of the scale type.  cuBLAS's checks
    (cublasGemmEx): ``CUBLAS_STATUS_INVALID_VALUE`` for m, n or k < 0, an
    op other than N, T or C, ``lda < max(1, m)`` (N) or ``max(1, k)`` (T),
    ``ldb < max(1, k)`` (N) or ``max(1, n)`` (T), ``ldc < max(1, m)``;
    ``CUBLAS_STATUS_NOT_SUPPORTED`` for a combination of types and compute
    type outside its table (:data:`_SUPPORTED`) or an unknown algorithm;
    ``CUBLAS_STATUS_NOT_INITIALIZED`` for a handle that is not CuPy's.  The
    product: the operands upcast to float32 (float64 for 64F; exact), one
    float32 matmul, scaled, stored in Ctype (bfloat16: rounded to nearest
    even, once); beta = 0 does not read C.  One ``gemm`` launch, no
    allocation, on the current stream.
    """
    from . import counter as counting
    from .cuda import CUBLASError, check_cublas, ready

    ready()
    check_cublas()
    if handle != HANDLE:
        raise CUBLASError(CUBLAS_STATUS_NOT_INITIALIZED)
    if min(m, n, k) < 0 or transa not in (0, 1, 2) or transb not in (0, 1, 2):
        raise CUBLASError(CUBLAS_STATUS_INVALID_VALUE)
    if (lda < max(1, m if transa == CUBLAS_OP_N else k)
            or ldb < max(1, k if transb == CUBLAS_OP_N else n) or ldc < max(1, m)):
        raise CUBLASError(CUBLAS_STATUS_INVALID_VALUE)
    if (Atype != Btype or (Atype, Ctype) not in _SUPPORTED.get(computeType, ())
            or algo not in (CUBLAS_GEMM_DEFAULT, CUBLAS_GEMM_DEFAULT_TENSOR_OP)):
        raise CUBLASError(CUBLAS_STATUS_NOT_SUPPORTED)
    if m == 0 or n == 0:
        return
    a = _matrix(A, Atype, *((m, k) if transa == CUBLAS_OP_N else (k, m)), lda, "A")
    b = _matrix(B, Btype, *((k, n) if transb == CUBLAS_OP_N else (n, k)), ldb, "B")
    c = _matrix(C, Ctype, m, n, ldc, "C")
    if any(np.may_share_memory(c, x) for x in (a, b)):
        raise ValueError("gemmEx: C overlaps A or B; cuBLAS's result would be undefined")
    work = np.float64 if computeType == CUBLAS_COMPUTE_64F else np.float32
    a = a.astype(work) if transa == CUBLAS_OP_N else a.T.astype(work)
    b = b.astype(work) if transb == CUBLAS_OP_N else b.T.astype(work)
    scale, shift = _scalar(alpha, computeType, "alpha"), _scalar(beta, computeType, "beta")
    result = np.matmul(a, b) if k else np.zeros((m, n), work)
    if scale != 1:
        result *= work(scale)
    if shift != 0:
        result += work(shift) * c.astype(work)
    counting.launch("gemm")
    if _recordings:
        entry = (c.dtype.name, _COMPUTE_NAMES[computeType])
        for record in _recordings:
            record.append(entry)
    c[...] = result  # float32 -> bfloat16 in ml_dtypes rounds to nearest even


def cublas_names() -> dict:
    """The names of ``cupy.cuda.cublas`` the stand-in has besides CUBLASError."""
    return {"gemmEx": gemm_ex, "CUBLAS_OP_N": CUBLAS_OP_N, "CUBLAS_OP_T": CUBLAS_OP_T,
            "CUBLAS_OP_C": CUBLAS_OP_C, "CUBLAS_GEMM_DEFAULT": CUBLAS_GEMM_DEFAULT,
            "CUBLAS_GEMM_DEFAULT_TENSOR_OP": CUBLAS_GEMM_DEFAULT_TENSOR_OP,
            **{name: value for value, name in _COMPUTE_NAMES.items()}}


def runtime_names() -> dict:
    """The cudaDataType names of ``cupy.cuda.runtime`` (cupy_backends/cuda/api/runtime.pyx
    copies _runtime_enum's names into the module)."""
    return {"CUDA_R_32F": CUDA_R_32F, "CUDA_R_64F": CUDA_R_64F, "CUDA_R_16F": CUDA_R_16F,
            "CUDA_R_16BF": CUDA_R_16BF}


def reset() -> None:
    """Every dtype back to TBD, as in a fresh process (tests only)."""
    _compute_types[:] = [COMPUTE_TYPE_TBD] * 4


def module() -> types.ModuleType:
    """``cupy._core._routines_linalg`` with the names dlgpu uses."""
    linalg = types.ModuleType("cupy._core._routines_linalg",
                              "The CuPy stand-in's 'cupy._core._routines_linalg' (tests only).")
    linalg.__dict__.update({name: value for value, name in enumerate(_NAMES)})
    linalg.__dict__.update(set_compute_type=set_compute_type, get_compute_type=get_compute_type,
                           compute_type_to_str=compute_type_to_str)
    return linalg
