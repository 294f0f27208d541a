"""The stand-in's ``cupy.cuda``: one fake device, its memory pool, streams and events.

Work completes when it is issued, so streams and events only check their
arguments; the memory pool keeps CuPy's accounting (used, cached, limit)
and raises CuPy's ``OutOfMemoryError`` with CuPy's message.
"""

from __future__ import annotations

import gc
import types
import weakref

import numpy as np

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

    def set_limit(self, size=None, fraction=None):
        if size is not None and fraction is not None:
            raise ValueError("size and fraction cannot be specified at the same time")
        if fraction is not None:
            if not 0 <= fraction <= 1:
                raise ValueError(f"memory limit fraction out of range: {fraction}")
            size = fraction * DEVICE_BYTES
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
            weakref.finalize(data, self._release, rounded)


_pool = MemoryPool()


def get_default_memory_pool() -> MemoryPool:
    return _pool


def empty_pinned(shape, dtype=float, order="C") -> np.ndarray:
    """``cupyx.empty_pinned``: a NumPy array (in real CuPy, in page-locked memory)."""
    return np.empty(shape, dtype=dtype, order=order)


class Event:
    """``cupy.cuda.Event`` (cupy/cuda/stream.pyx): work is done when issued."""

    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.recorded_on = None

    def record(self, stream=None):
        if stream is not None and not isinstance(stream, Stream):
            raise TypeError(f"stream must be a cupy.cuda.Stream, got {type(stream).__name__}")
        self.recorded_on = stream or get_current_stream()

    def synchronize(self):
        pass

    @property
    def done(self) -> bool:
        return True


class Stream:
    """``cupy.cuda.Stream`` (cupy/cuda/stream.pyx); ``with stream:`` makes it current."""

    null: Stream

    def __init__(self, null=False, non_blocking=False, ptds=False, priority=None):
        self.is_null, self.non_blocking = null, non_blocking

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()

    def use(self):
        _current[:] = [self]
        return self

    def synchronize(self):
        pass

    def wait_event(self, event):
        if not isinstance(event, Event):
            raise TypeError(f"event must be a cupy.cuda.Event, got {type(event).__name__}")

    def record(self, event=None):
        event = event or Event()
        event.record(self)
        return event

    @property
    def done(self) -> bool:
        return True


Stream.null = Stream(null=True)
_current: list[Stream] = []


def get_current_stream(device_id=-1) -> Stream:
    return _current[-1] if _current else Stream.null


class Device:
    """``cupy.cuda.Device``: the one fake device, number 0."""

    def __init__(self, device=None):
        if device not in (None, 0):
            raise ValueError(f"the CuPy stand-in has one device (0), not {device!r}")
        self.id = 0

    compute_capability = "90"

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def _get_device_properties(device: int) -> dict:
    # cupy_backends/cuda/api/runtime.pyx getDeviceProperties: a dict, name in bytes
    return {"name": DEVICE_NAME, "totalGlobalMem": DEVICE_BYTES, "multiProcessorCount": 1,
            "major": 9, "minor": 0}


def _mem_info() -> tuple[int, int]:
    """(free, total) of the device: what the pool holds, cached blocks included, is not free."""
    return DEVICE_BYTES - _pool.total_bytes(), DEVICE_BYTES


def module() -> types.ModuleType:
    """The ``cupy.cuda`` namespace, with only the names dlgpu uses."""
    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: 1, memGetInfo=_mem_info,
        getDeviceProperties=_get_device_properties,
        # 0 says "no CUDA here" wherever dlgpu prints a version
        runtimeGetVersion=lambda: 0, driverGetVersion=lambda: 0)
    memory = types.SimpleNamespace(OutOfMemoryError=OutOfMemoryError)
    return types.SimpleNamespace(
        Device=Device, Event=Event, Stream=Stream, get_current_stream=get_current_stream,
        runtime=runtime, memory=memory)
