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
product's dtype.  The stand-in computes every product in the dtype's exact
arithmetic (NumPy's); it does not emulate TF32's rounding.
"""

from __future__ import annotations

import contextlib
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
