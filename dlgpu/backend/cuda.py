"""The CuPy-only machinery: device memory, pinned host buffers, streams and events.

Only the backend layer names these; training and batching call the functions
and classes here.  CuPy is imported lazily, inside them.

GPU memory, as CuPy reports it: what a new allocation can get, and which
errors mean "out of memory".

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

import contextlib

import numpy as np

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


def free_cached_blocks(xp) -> None:
    """Give CuPy's pool's cached blocks back to the device (nothing on NumPy).

    CuPy frees only the blocks that are not split (``memory.pyx``,
    ``free_all_blocks``): a pool that served many sizes may keep some.
    """
    if hasattr(xp, "get_default_memory_pool"):
        xp.get_default_memory_pool().free_all_blocks()


#: the values of ``DeepNN(matmul_precision=...)``
MATMUL_PRECISIONS = ("highest", "high")


def matmul_precision(xp, precision: str, dtype):
    """A context manager under which ``xp``'s float32 matrix products run at ``precision``.

    ``"highest"``: exact float32 (cuBLAS ``CUBLAS_COMPUTE_32F``), also where
    ``CUPY_TF32=1`` made TF32 the process's default.  ``"high"``: TF32 tensor
    cores (``CUBLAS_COMPUTE_32F_FAST_TF32``: inputs rounded to a 10-bit
    mantissa, float32 accumulation) on a GPU of compute capability >= 8.0;
    below 8.0 ``"high"`` is ``"highest"``.  Only float32 products change
    (``dtype`` is the model's): for float64, and on NumPy, this does nothing.

    How (read in CuPy 14.2, cupy/_core/_routines_linalg.pyx and .pxd): CuPy
    keeps one compute type per dtype, process-wide (not per device, not per
    thread), which every 2-d ``matmul`` reads (``matmul`` -> ``dot`` ->
    ``tensordot_core`` -> ``tensordot_core_v11``: ``get_compute_type(c.dtype)``);
    ``CUPY_TF32`` only seeds it, once.  This sets float32's with
    ``set_compute_type`` on entry, only when it differs, and puts back
    what was there on exit, exceptions included.  Enter it once around a
    whole training loop or inference call, not per product.  Two threads
    using models of different precision at the same time would race on
    CuPy's one setting.
    """
    if xp is np or np.dtype(dtype) != np.float32:
        return contextlib.nullcontext()
    linalg = xp._core._routines_linalg
    wanted = linalg.COMPUTE_TYPE_DEFAULT
    # set_compute_type warns and falls back below 8.0 (sm_80 brought TF32)
    if precision == "high" and int(xp.cuda.Device().compute_capability) >= 80:
        wanted = linalg.COMPUTE_TYPE_TF32
    return _ComputeType(linalg, wanted)


class _ComputeType:
    """Sets CuPy's float32 compute type to ``wanted`` for a block, then restores it."""

    def __init__(self, linalg, wanted: int):
        self.linalg, self.wanted, self.before = linalg, wanted, None

    def __enter__(self):
        before = self.linalg.get_compute_type(np.float32)
        if before != self.wanted:
            self.linalg.set_compute_type(np.float32, self.wanted)
            self.before = before
        return self

    def __exit__(self, *exc_info):
        if self.before is not None:
            self.linalg.set_compute_type(np.float32, self.before)
            self.before = None
        return False


class PinnedUpload:
    """Slots of buffers that carry host data to the device, one slot in flight while
    the device reads another.

    Slot k holds, for each of the arrays of a load (a chunk of X and of Y),
    a flat pinned host buffer of ``sizes[i]`` values and a device buffer of
    the same size.  The host fills a slot's pinned buffers while the device
    computes on the other slot; the copy runs on ``copy_stream`` (the current
    stream when ``overlap=False``), and CUDA events order the streams: a copy
    waits until the compute that last read its device buffers is done, and
    the compute waits for its copy.  Events order, never time:
    ``disable_timing=True``.  The host waits for an event (a host
    synchronization) only when the copy it must not overwrite is still
    running: ``Event.done`` (``cudaEventQuery``) asks without waiting.
    """

    def __init__(self, sizes, dtype, overlap: bool = True, slots: int = 2):
        import cupy
        import cupyx

        self.cupy, self.overlap, self.sizes = cupy, overlap, tuple(sizes)
        self.pinned = [[cupyx.empty_pinned(size, dtype) for size in sizes]
                       for _ in range(slots)]
        self.device = [[cupy.empty(size, dtype) for size in sizes] for _ in range(slots)]
        self.copy_stream = cupy.cuda.Stream(non_blocking=True) if overlap else None
        self.copied = [cupy.cuda.Event(disable_timing=True) for _ in range(slots)]
        self.consumed = [cupy.cuda.Event(disable_timing=True) for _ in range(slots)]
        self.compute = None

    @property
    def slots(self) -> int:
        return len(self.device)

    @staticmethod
    def _views(buffers, shapes):
        return [buffer[:rows * n].reshape(rows, n) for buffer, (rows, n) in zip(buffers, shapes)]

    def host_buffers(self, slot: int, shapes) -> list:
        """The pinned host views ``(rows, n)`` of ``slot``, once its last copy is done."""
        _finish(self.copied[slot])
        return self._views(self.pinned[slot], shapes)

    def copy(self, slot: int, shapes) -> list:
        """Start copying ``slot``'s host views to its device views; returns the device views."""
        self.compute = self.cupy.cuda.get_current_stream()
        stream = self.copy_stream or self.compute
        stream.wait_event(self.consumed[slot])  # the device buffers are free again
        host, device = self._views(self.pinned[slot], shapes), self._views(self.device[slot],
                                                                            shapes)
        for h, d in zip(host, device):
            d.set(h, stream=stream)
        self.copied[slot].record(stream)
        return device

    def wait(self, slot: int) -> None:
        """The current stream waits for ``slot``'s copy (the host too when not overlapping).

        ``stream.wait_event`` is no host synchronization: the GPU waits."""
        self.cupy.cuda.get_current_stream().wait_event(self.copied[slot])
        if not self.overlap:
            self.copied[slot].synchronize()

    def release(self, slot: int) -> None:
        """The work queued so far on the current stream is the last to read ``slot``."""
        self.consumed[slot].record(self.cupy.cuda.get_current_stream())

    def settle(self) -> None:
        """Wait until no copy reads the pinned buffers (no wait when none does)."""
        for event in self.copied:
            _finish(event)

    def drain(self) -> None:
        """Wait until no copy writes and no compute reads the buffers."""
        if self.copy_stream is not None:
            self.copy_stream.synchronize()
        self.cupy.cuda.get_current_stream().synchronize()


def _finish(event) -> None:
    """The host waits for ``event``, only if it has not happened yet."""
    if not event.done:  # cudaEventQuery: no synchronization
        event.synchronize()


class IndexUpload:
    """Column indices for the device: one host-to-device copy a plan, no allocation.

    An int64 pinned host buffer and a device buffer, both kept and grown
    only for a longer plan.  The copy runs on the current stream, after the
    work that read the previous indices; the host rewrites the pinned buffer
    only once the previous copy is done (it asks first, see :func:`_finish`).
    """

    def __init__(self):
        import cupy

        self.cupy = cupy
        self.pinned = self.device = None
        self.copied = cupy.cuda.Event(disable_timing=True)

    def __call__(self, indices) -> object:
        """``indices`` (1-d, host) as a device int64 array, valid until the next call."""
        import cupyx

        n = len(indices)
        _finish(self.copied)
        if self.pinned is None or self.pinned.size < n:
            self.pinned = cupyx.empty_pinned(max(n, 1), np.int64)
            self.device = self.cupy.empty(max(n, 1), np.int64)
        host, device = self.pinned[:n], self.device[:n]
        host[...] = indices
        stream = self.cupy.cuda.get_current_stream()
        device.set(host, stream=stream)
        self.copied.record(stream)
        return device
