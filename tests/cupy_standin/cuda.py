"""The stand-in's ``cupy.cuda``: one fake device, its memory pool, streams and events.

Computations complete when they are issued; host-to-device copies and NCCL
collectives (:mod:`.nccl`) are queued on their stream and run as late as
CUDA allows (see :class:`Stream`); the memory pool keeps CuPy's accounting
(used, cached, limit) and raises CuPy's ``OutOfMemoryError`` with CuPy's
message.
"""

from __future__ import annotations

import gc
import itertools
import types
import weakref

import numpy as np

from . import counter as counting

#: the fake device's memory; large enough for the suite, small enough that
#: a test can fill it
DEVICE_BYTES = 16 * 2**30
DEVICE_NAME = b"CuPy stand-in (host CPU, no GPU)"
# cupy/cuda/memory.pyx: ALLOCATION_UNIT_SIZE = 512, sizes are rounded up to it
ALLOCATION_UNIT = 512


class OutOfMemoryError(MemoryError):
    """CuPy's out-of-memory error, with its message (cupy/cuda/memory.pyx)."""

    def __init__(self, size, total, limit=0):
        self._size, self._total, self._limit = size, total, limit
        if limit == 0:
            msg = f"Out of memory allocating {size:,} bytes"
            if total != -1:
                msg += f" (allocated so far: {total:,} bytes)."
        else:
            msg = (f"Out of memory allocating {size:,} bytes (allocated so far: "
                   f"{total:,} bytes, limit set to: {limit:,} bytes).")
        super().__init__(msg)


OutOfMemoryError.__module__ = "cupy.cuda.memory"  # where real CuPy defines it


class MemoryPool:
    """CuPy's default pool, as far as dlgpu can observe it (cupy/cuda/memory.pyx).

    ``used_bytes`` are held by live arrays; freed blocks stay cached (counted
    in ``total_bytes``) until ``free_all_blocks``.  A limit set with
    ``set_limit(size=...)`` bounds ``total_bytes``; when an allocation would
    pass it, the pool frees its cached blocks, collects garbage, tries again
    and then raises ``OutOfMemoryError`` (``_try_malloc``).  Without a limit
    the fake device's memory is the bound.
    """

    def __init__(self):
        self._used = self._cached = self._limit = 0

    def used_bytes(self) -> int:
        return self._used

    def free_bytes(self) -> int:
        return self._cached

    def total_bytes(self) -> int:
        return self._used + self._cached

    def get_limit(self) -> int:
        return self._limit

    def set_limit(self, size=None):
        self._limit = int(size or 0)

    def free_all_blocks(self, stream=None):
        self._cached = 0

    def _fits(self, rounded: int) -> bool:
        bound = min(self._limit or DEVICE_BYTES, DEVICE_BYTES)
        return self._used + self._cached + rounded <= bound

    def malloc(self, nbytes: int) -> int:
        """Account for ``nbytes`` (rounded up); returns the rounded size."""
        rounded = -(-nbytes // ALLOCATION_UNIT) * ALLOCATION_UNIT
        if rounded == 0:
            return 0
        if self._cached >= rounded:  # a cached block is reused
            self._cached -= rounded
        else:
            if not self._fits(rounded):
                self.free_all_blocks()
            if not self._fits(rounded):
                gc.collect()
                self.free_all_blocks()
            if not self._fits(rounded):
                raise OutOfMemoryError(rounded, self.total_bytes(), self._limit)
        self._used += rounded
        return rounded

    def _release(self, rounded: int) -> None:
        self._used -= rounded
        self._cached += rounded

    def adopt(self, data: np.ndarray) -> None:
        """Charge a new host array, standing for device memory, to the pool until it dies."""
        rounded = self.malloc(data.nbytes)
        if rounded:
            # memory.pyx MemoryPool.malloc: a 0-byte request allocates nothing
            counting.allocation()
            weakref.finalize(data, self._release, rounded)
            _allocations[data.ctypes.data] = weakref.ref(data)
            weakref.finalize(data, _allocations.pop, data.ctypes.data, None)


#: the device memory: start address -> the live NumPy array that stands for it
_allocations: dict[int, weakref.ref] = {}


class MemoryPointer:
    """``cupy.cuda.MemoryPointer`` (cupy/cuda/memory.pyx): ``ptr`` is the device address."""

    def __init__(self, ptr: int):
        self.ptr = ptr


def device_bytes(ptr: int, nbytes: int) -> np.ndarray | None:
    """The bytes ``[ptr, ptr + nbytes)`` of one live device allocation, or None.

    None where any of them is not device memory of the stand-in (host memory,
    pinned memory included, or past the end of an allocation): what a kernel
    reading them on a GPU would do is an illegal address.  The view's
    ``base`` is the allocation's array, with its dtype.
    """
    for start, ref in list(_allocations.items()):
        data = ref()
        if data is not None and start <= ptr and ptr + nbytes <= start + data.nbytes:
            return data.reshape(-1, order="A").view(np.uint8)[ptr - start:ptr - start + nbytes]
    return None


_pool = MemoryPool()


def get_default_memory_pool() -> MemoryPool:
    return _pool


class CUDARuntimeError(RuntimeError):
    """cupy_backends/cuda/api/runtime.pyx: ``"<error name>: <error string>"``."""

    _MESSAGES = {2: "cudaErrorMemoryAllocation: out of memory",
                 700: "cudaErrorIllegalAddress: an illegal memory access was encountered"}

    def __init__(self, status):
        self.status = status
        super().__init__(self._MESSAGES.get(status, f"cudaError {status}"))


CUDARuntimeError.__module__ = "cupy_backends.cuda.api.runtime"
ERROR_MEMORY_ALLOCATION = 2


ERROR_ILLEGAL_ADDRESS = 700


class CUBLASError(RuntimeError):
    """cupy_backends/cuda/libs/cublas.pyx: the status name is the message."""

    _STATUS = {1: "CUBLAS_STATUS_NOT_INITIALIZED", 3: "CUBLAS_STATUS_ALLOC_FAILED",
               7: "CUBLAS_STATUS_INVALID_VALUE", 13: "CUBLAS_STATUS_EXECUTION_FAILED",
               15: "CUBLAS_STATUS_NOT_SUPPORTED"}

    def __init__(self, status):
        self.status = status
        super().__init__(self._STATUS[status])


CUBLASError.__module__ = "cupy_backends.cuda.libs.cublas"
CUBLAS_STATUS_ALLOC_FAILED = 3


class Faults:
    """Failures a test may arrange (set the attributes; tests only, not CuPy names).

    ``pinned_limit``: bytes of page-locked memory ``cupyx.empty_pinned`` may
    hold at once; past it, CuPy's pinned pool raises ``CUDARuntimeError``
    (cupy/cuda/pinned_memory.pyx, from cudaHostAlloc).  ``cublas_alloc_fails``:
    every matmul raises ``CUBLASError(CUBLAS_STATUS_ALLOC_FAILED)``, as when
    cuBLAS cannot allocate its handle or workspace.
    """

    pinned_limit: int | None = None
    cublas_alloc_fails = False


_pinned_bytes = [0]


def _release_pinned(nbytes):
    _pinned_bytes[0] -= nbytes


_pinned: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # id -> pinned array


def empty_pinned(shape, dtype=float, order="C") -> np.ndarray:
    """``cupyx.empty_pinned``: a NumPy array (in real CuPy, in page-locked memory)."""
    data = np.empty(shape, dtype=dtype, order=order)
    if Faults.pinned_limit is not None and _pinned_bytes[0] + data.nbytes > Faults.pinned_limit:
        raise CUDARuntimeError(ERROR_MEMORY_ALLOCATION)
    _pinned_bytes[0] += data.nbytes
    weakref.finalize(data, _release_pinned, data.nbytes)
    _pinned[id(data)] = data
    return data


def is_pinned(array: np.ndarray) -> bool:
    """Whether ``array`` is (a view of) memory from :func:`empty_pinned`."""
    while array is not None:
        if _pinned.get(id(array)) is array:
            return True
        array = array.base if isinstance(array.base, np.ndarray) else None
    return False


def check_cublas():
    if Faults.cublas_alloc_fails:
        raise CUBLASError(CUBLAS_STATUS_ALLOC_FAILED)


class Event:
    """``cupy.cuda.Event`` (cupy/cuda/stream.pyx): marks a point in a stream's queue."""

    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.disable_timing = disable_timing  # kept so tests can check it; no timing here
        self._point = None  # (stream, number of its copies issued before the record)

    def record(self, stream=None):
        if stream is not None and not isinstance(stream, Stream):
            raise TypeError(f"stream must be a cupy.cuda.Stream, got {type(stream).__name__}")
        stream = stream or get_current_stream()
        self._point = (stream, stream._issued)

    def synchronize(self):
        counting.sync("event")  # stream.pyx Event.synchronize: cudaEventSynchronize
        if self._point is not None:
            self._point[0]._run_until(self._point[1])

    @property
    def done(self) -> bool:
        return self._point is None or self._point[0]._done >= self._point[1]


class Stream:
    """``cupy.cuda.Stream`` (cupy/cuda/stream.pyx); ``with stream:`` makes it current.

    Host-to-device copies (``ndarray.set``) and NCCL collectives are the
    only asynchronous work: a copy is queued on its stream and runs as late
    as CUDA allows, when the stream is synchronized, an event recorded after
    it is synchronized, or the stream that is current runs an operation
    after waiting for such an event (or after issuing the copy itself). So a
    computation that reads a device buffer without waiting for its copy
    reads stale data, and a copy from pinned memory reads the pinned buffer
    as it is when the copy runs, not when it was issued. Computations run
    when issued, so a copy that should wait for a computation to finish with
    its buffer cannot be checked. The null stream synchronizes with blocking
    streams (CUDA's legacy default stream); ``non_blocking=True`` streams do
    not.
    """

    null: Stream

    def __init__(self, null=False, non_blocking=False, ptds=False, priority=None):
        self.is_null, self.non_blocking = null, non_blocking
        # ``ptr``: the cudaStream_t as an int, 0 for the null stream (stream.pyx)
        self.ptr = 0 if null else next(_stream_handles)
        self._queue, self._issued, self._done = [], 0, 0
        self._waits = []  # (stream, point) this stream waits for before its next operation
        _streams.add(self)

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()

    def issue(self, work):
        """Queue ``work`` (a host-to-device copy); it runs after what this stream waits for."""
        waits, self._waits = self._waits, []

        def run():
            for stream, point in waits:
                stream._run_until(point)
            work()
        self._queue.append(run)
        self._issued += 1
        _pending[0] += 1

    def _run_until(self, point: int):
        while self._done < point:
            work = self._queue.pop(0)
            self._done += 1
            _pending[0] -= 1
            work()

    def _ready(self):
        """Run what an operation issued now on this stream must see done."""
        waits, self._waits = self._waits, []
        for stream, point in waits:
            stream._run_until(point)
        if self.is_null or not self.non_blocking:  # the legacy default stream's implicit sync
            for stream in list(_streams):
                if stream is not self and (stream.is_null or not stream.non_blocking):
                    stream._run_until(stream._issued)
        self._run_until(self._issued)

    def synchronize(self):
        counting.sync("stream")  # stream.pyx Stream.synchronize: cudaStreamSynchronize
        self._run_until(self._issued)

    def wait_event(self, event):
        if not isinstance(event, Event):
            raise TypeError(f"event must be a cupy.cuda.Event, got {type(event).__name__}")
        if event._point is not None:
            self._waits.append(event._point)

    @property
    def done(self) -> bool:
        return self._done >= self._issued


def stream_of(ptr: int) -> Stream | None:
    """The live stream whose ``ptr`` is ``ptr``, or None."""
    return next((stream for stream in list(_streams) if stream.ptr == ptr), None)


_stream_handles = itertools.count(0x7F0000001000, 0x100)
_streams: weakref.WeakSet = weakref.WeakSet()
Stream.null = Stream(null=True)
_current: list[Stream] = []


_pending = [0]  # copies queued on any stream


def ready():
    """Called before every device operation: it runs on the current stream."""
    stream = get_current_stream()
    if _pending[0] or stream._waits:
        stream._ready()


def synchronize_all():
    for stream in list(_streams):
        stream._run_until(stream._issued)


def get_current_stream(device_id=-1) -> Stream:
    return _current[-1] if _current else Stream.null


class Device:
    """``cupy.cuda.Device``: the one fake device, number 0."""

    def __init__(self, device=None):
        if device not in (None, 0):
            raise ValueError(f"the CuPy stand-in has one device (0), not {device!r}")
        self.id = 0

    compute_capability = "90"

    def use(self):
        return self

    def synchronize(self):
        counting.sync("device")  # device.pyx Device.synchronize: cudaDeviceSynchronize
        synchronize_all()


def _get_device_properties(device: int) -> dict:
    # cupy_backends/cuda/api/runtime.pyx getDeviceProperties: a dict, name in bytes
    return {"name": DEVICE_NAME, "totalGlobalMem": DEVICE_BYTES, "multiProcessorCount": 1,
            "major": 9, "minor": 0}


def _mem_info() -> tuple[int, int]:
    """(free, total) of the device: what the pool holds, cached blocks included, is not free."""
    return DEVICE_BYTES - _pool.total_bytes(), DEVICE_BYTES


def module() -> types.ModuleType:
    """The ``cupy.cuda`` namespace, with only the names dlgpu uses."""
    from . import linalg  # imports this module
    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: 1, memGetInfo=_mem_info,
        getDeviceProperties=_get_device_properties,
        # 0 says "no CUDA here" wherever dlgpu prints a version
        runtimeGetVersion=lambda: 0, driverGetVersion=lambda: 0,
        CUDARuntimeError=CUDARuntimeError, errorMemoryAllocation=ERROR_MEMORY_ALLOCATION,
        **linalg.runtime_names())
    memory = types.SimpleNamespace(OutOfMemoryError=OutOfMemoryError)
    # cupy/cuda/__init__.py: ``cupy.cuda.cublas`` is cupy_backends.cuda.libs.cublas
    cublas = types.SimpleNamespace(CUBLASError=CUBLASError, **linalg.cublas_names())
    from . import nccl  # imports this module

    # Modules, not namespaces: ``from cupy.cuda import nccl`` imports them (see activate).
    cuda = types.ModuleType("cupy.cuda", "The CuPy stand-in's 'cupy.cuda' (tests only).")
    cuda.__dict__.update(
        Device=Device, Event=Event, Stream=Stream, get_current_stream=get_current_stream,
        get_cublas_handle=linalg.get_cublas_handle, runtime=runtime, memory=memory, cublas=cublas, nccl=nccl.module())
    return cuda
