"""GPU memory: what counts as free for the streaming decision, which errors are out-of-memory."""

import numpy as np
import pytest

import dlgpu
from dlgpu.batching import make_batches
from dlgpu.backend.cuda import free_device_bytes, out_of_memory_kind

from ..helpers import needs_cupy

MiB = 2**20


@pytest.fixture
def cupy():
    dlgpu.set_backend("cupy")
    import cupy
    pool = cupy.get_default_memory_pool()
    yield cupy
    pool.set_limit(size=0)
    pool.free_all_blocks()


@needs_cupy
def test_cupy_allocation_failures_are_out_of_memory(cupy):
    cuda = cupy.cuda
    assert out_of_memory_kind(cuda.memory.OutOfMemoryError(1024, 0)) == "GPU memory"
    assert out_of_memory_kind(cuda.cublas.CUBLASError(3)) == "GPU memory for cuBLAS"
    assert "page-locked" in out_of_memory_kind(
        cuda.runtime.CUDARuntimeError(cuda.runtime.errorMemoryAllocation))
    # other cuBLAS and runtime failures, and MemoryErrors not from CuPy, are not
    assert out_of_memory_kind(cuda.cublas.CUBLASError(13)) is None
    assert out_of_memory_kind(MemoryError("host")) is None
    assert out_of_memory_kind(RuntimeError("cudaErrorMemoryAllocation: out of memory")) is None


@needs_cupy
def test_blocks_cached_by_the_pool_count_as_free(cupy, monkeypatch):
    pool = cupy.get_default_memory_pool()
    block = cupy.empty(8 * MiB // 4, dtype=cupy.float32)
    del block  # back in the pool's cache, still counted as used by the device
    cached = pool.total_bytes() - pool.used_bytes()
    assert cached >= 8 * MiB
    monkeypatch.setattr(cupy.cuda.runtime, "memGetInfo", lambda: (1 * MiB, 80 * 2**30))
    assert free_device_bytes(cupy) == 1 * MiB + cached
    # so 2 MiB of host data is uploaded once, not streamed, after a first fit freed 8 MiB
    X, Y = np.zeros((512, 1024), np.float32), np.zeros((1, 1024), np.float32)
    source = make_batches(X, Y, "float32", cupy, 256)
    assert isinstance(source.X, cupy.ndarray)


@needs_cupy
def test_a_pool_limit_caps_what_is_free(cupy, monkeypatch):
    pool = cupy.get_default_memory_pool()
    monkeypatch.setattr(cupy.cuda.runtime, "memGetInfo", lambda: (2**30, 80 * 2**30))
    pool.set_limit(size=pool.used_bytes() + 3 * MiB)
    assert free_device_bytes(cupy) == 3 * MiB
    X, Y = np.zeros((512, 1024), np.float32), np.zeros((1, 1024), np.float32)
    source = make_batches(X, Y, "float32", cupy, 256)  # 2 MiB > half of 3 MiB: streamed
    assert type(source).__name__ == "StreamedBatches"
