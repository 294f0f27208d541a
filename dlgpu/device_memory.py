"""GPU memory, as CuPy reports it: what a new allocation can get, and which errors mean "out of memory".

CuPy signals a failed allocation in three ways (read in CuPy 13.6 and 14.2):

* ``cupy.cuda.memory.OutOfMemoryError`` (a ``MemoryError``;
  ``cupy/cuda/memory.pyx``) when its memory pool cannot get device memory,
  limit included;
* ``CUBLASError`` with status ``CUBLAS_STATUS_ALLOC_FAILED`` (3; the status
  name is the message; ``cupy_backends/cuda/libs/cublas.pyx``) when cuBLAS
  cannot allocate its handle or workspace;
* ``CUDARuntimeError`` with status ``cudaErrorMemoryAllocation`` (2; message
  ``"cudaErrorMemoryAllocation: out of memory"``;
  ``cupy_backends/cuda/api/runtime.pyx``) from a runtime allocation the pool
  does not handle, such as the page-locked host buffers of
  ``cupyx.empty_pinned`` (``cupy/cuda/pinned_memory.pyx``, after its pool
  has freed its cached blocks and tried again).
"""

from __future__ import annotations

#: what ran out, by the name of CuPy's exception class
_KINDS = {"OutOfMemoryError": "GPU memory",
          "CUBLASError": "GPU memory for cuBLAS",
          "CUDARuntimeError": "memory CUDA allocates itself (page-locked host buffers "
                              "for streamed batches, or device memory)"}


def out_of_memory_kind(exc: BaseException) -> str | None:
    """What ran out, when ``exc`` is one of CuPy's allocation failures; else None."""
    name, module = type(exc).__name__, type(exc).__module__
    if not module.startswith(("cupy", "cupy_backends")) or name not in _KINDS:
        return None
    if name == "CUBLASError" and "ALLOC_FAILED" not in str(exc):  # HIPBLAS too
        return None
    if name == "CUDARuntimeError" and not str(exc).startswith(("cudaErrorMemoryAllocation",
                                                                "hipErrorOutOfMemory")):
        return None
    return _KINDS[name]


def free_device_bytes(cupy) -> int:
    """Bytes a new allocation on the current device can get through CuPy's pool.

    ``memGetInfo`` counts the blocks CuPy's pool has cached as used; they are
    free for this process, so they are added back.  A limit set on the pool
    (``set_limit``, ``CUPY_GPU_MEMORY_LIMIT``) caps the pool's total, so what
    is left is at most the limit less what is in use.
    """
    free, _ = cupy.cuda.runtime.memGetInfo()
    pool = cupy.get_default_memory_pool()
    try:
        used, total, limit = pool.used_bytes(), pool.total_bytes(), pool.get_limit()
    except (AttributeError, RuntimeError):  # MemoryAsyncPool's stats need a recent driver
        return free
    free += max(total - used, 0)
    if limit:
        free = min(free, max(limit - used, 0))
    return free
