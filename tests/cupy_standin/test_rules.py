"""The stand-in refuses what real CuPy refuses, with CuPy's errors."""

import re

import numpy as np
import pytest

from . import cuda, modules

cupy, cupyx = modules()
IMPLICIT = "Implicit conversion to a NumPy array is not allowed"


@pytest.fixture
def x():
    return cupy.asarray(np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("convert", [np.asarray, np.array, lambda a: a.__array__(),
                                     lambda a: np.testing.assert_allclose(a, 0)])
def test_no_implicit_conversion_to_numpy(x, convert):
    with pytest.raises(TypeError, match=IMPLICIT):
        convert(x)


def test_explicit_copies_to_the_host(x):
    host = x.get()
    assert type(host) is np.ndarray
    np.testing.assert_array_equal(host, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(cupy.asnumpy(x), host)
    host[0, 0] = 7  # a copy, not a view of the device array
    assert float(x[0, 0]) == 0.0


@pytest.mark.parametrize("op", [
    lambda d, h: d + h, lambda d, h: h + d, lambda d, h: d * h, lambda d, h: h - d,
    lambda d, h: d > h, lambda d, h: np.add(d, h), lambda d, h: cupy.maximum(d, h),
    lambda d, h: cupy.where(d > 0, d, h)])
def test_no_host_array_in_device_arithmetic(x, op):
    with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
        op(x, np.ones((2, 3)))


def test_scalars_mix_with_device_arrays(x):
    expected = np.arange(6.0).reshape(2, 3) * 2 + 1
    np.testing.assert_array_equal((x * 2 + np.float64(1)).get(), expected)
    assert isinstance(np.exp(x), cupy.ndarray)  # NumPy's ufunc dispatches to cupy's


@pytest.mark.parametrize("op", [
    lambda d, h: cupy.matmul(d, h), lambda d, h: cupy.matmul(h, d), lambda d, h: d @ h,
    lambda d, h: h @ d, lambda d, h: np.matmul(d, h)])
def test_no_host_array_in_matmul(x, op):
    with pytest.raises(TypeError):
        op(x, np.ones((3, 2)))


def test_no_host_out(x):
    with pytest.raises(TypeError, match="Output arguments type must be cupy.ndarray"):
        np.exp(x, out=np.empty((2, 3)))
    with pytest.raises(TypeError, match="Output arguments type must be cupy.ndarray"):
        np.multiply(x, 2, out=np.empty((2, 3)))
    with pytest.raises(TypeError, match="incorrect type"):
        cupy.matmul(x, x.T, out=np.empty((2, 2)))


def test_take_refuses_mixed_placement(x):
    columns = np.array([0, 2])
    np.testing.assert_array_equal(cupy.take(x, columns, axis=1).get(), [[0, 2], [3, 5]])
    # a device out and a device array: fine; host indices are copied, as CuPy does
    out = cupy.empty((2, 2))
    assert cupy.take(x, cupy.asarray(columns), axis=1, out=out) is out
    with pytest.raises(TypeError, match="incorrect type"):  # device array, host out
        cupy.take(x, columns, axis=1, out=np.empty((2, 2)))
    host = np.arange(6.0).reshape(2, 3)
    # a host array with device indices or out: NumPy's take refuses them
    with pytest.raises(TypeError, match=IMPLICIT):
        np.take(host, cupy.asarray(columns), axis=1)
    with pytest.raises(TypeError):
        np.take(host, cupy.asarray(columns), axis=1, out=out)
    with pytest.raises(TypeError):
        cupy.take(host, columns, axis=1, out=out)


def test_take_into_out_follows_cupy(x):
    """cupy/_core/_routines_indexing.pyx ``_take``: out must have the input's
    dtype (no cast) and the result's shape; indices wrap (``indices % index_range``)."""
    index = cupy.asarray(np.array([2, -1, 4]))
    out = cupy.empty((2, 3))
    cupy.take(x, index, axis=1, out=out)
    np.testing.assert_array_equal(out.get(), [[2, 2, 1], [5, 5, 4]])
    with pytest.raises(TypeError, match="Output dtype mismatch"):
        cupy.take(x, index, axis=1, out=cupy.empty((2, 3), np.float32))
    with pytest.raises(ValueError, match="Output shape mismatch"):
        cupy.take(x, index, axis=1, out=cupy.empty((3, 2)))


def test_assignment_and_copyto_refuse_host_arrays(x):
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray"):
        x[...] = np.ones((2, 3))
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray"):
        cupy.copyto(x, np.ones((2, 3)))
    x[...] = 2.0
    cupy.copyto(x, cupy.zeros((2, 3)))
    assert float(x.sum()) == 0.0


def test_set_takes_a_matching_host_array(x):
    with pytest.raises(TypeError, match="Only numpy.ndarray"):
        x.set(cupy.zeros((2, 3)))
    with pytest.raises(TypeError, match="float32 array cannot be set to float64"):
        x.set(np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="Shape mismatch"):
        x.set(np.zeros((3, 2)))
    x.set(np.ones((2, 3)))
    assert float(x.sum()) == 6.0


def test_only_the_names_dlgpu_uses():
    for name in ("linalg", "dot", "random", "fuse", "RawKernel", "testing", "minimum", "ones"):
        with pytest.raises(AttributeError):
            getattr(cupy, name)
    with pytest.raises(AttributeError):
        cupy.cuda.alloc_pinned_memory  # noqa: B018  (dlgpu uses cupyx.empty_pinned)
    with pytest.raises(TypeError):  # a NumPy function CuPy has no twin of here
        np.linalg.norm(cupy.zeros(3))


def test_pinned_memory_is_host_memory():
    pinned = cupyx.empty_pinned((2, 3), np.float32)
    assert type(pinned) is np.ndarray and pinned.dtype == np.float32


def test_memory_pool_accounts_and_limits():
    pool = cupy.get_default_memory_pool()
    pool.free_all_blocks()
    used = pool.used_bytes()
    a = cupy.empty((1000,), dtype=np.float32)  # 4000 bytes, rounded up to 4096
    assert pool.used_bytes() == used + 4096
    del a
    assert pool.used_bytes() == used and pool.total_bytes() >= used + 4096  # cached
    pool.free_all_blocks()
    assert pool.total_bytes() == used
    pool.set_limit(size=used + 2**20)
    try:
        with pytest.raises(cupy.cuda.memory.OutOfMemoryError) as caught:
            cupy.zeros((2**20,), dtype=np.float32)
        # CuPy's message (the pool collects garbage first, so "so far" may be less than used)
        assert re.fullmatch(rf"Out of memory allocating {2**22:,} bytes \(allocated so far: "
                            rf"[0-9,]+ bytes, limit set to: {used + 2**20:,} bytes\)\.",
                            str(caught.value))
        assert type(caught.value).__module__ == "cupy.cuda.memory"
        b = cupy.zeros((2**10,), dtype=np.float32)  # under the limit: fine
        assert b.nbytes == 4096
    finally:
        pool.set_limit(size=0)
    free, total = cupy.cuda.runtime.memGetInfo()
    assert total == cuda.DEVICE_BYTES and free == total - pool.total_bytes()


def test_streams_and_events():
    stream = cupy.cuda.Stream(non_blocking=True)
    assert cupy.cuda.get_current_stream() is cupy.cuda.Stream.null
    with stream:
        assert cupy.cuda.get_current_stream() is stream
        event = cupy.cuda.Event()
        event.record(stream)
    assert cupy.cuda.get_current_stream() is cupy.cuda.Stream.null
    stream.wait_event(event)
    event.synchronize()
    stream.synchronize()
    with pytest.raises(TypeError):
        stream.wait_event(stream)


def test_arranged_pinned_and_cublas_failures(monkeypatch):
    monkeypatch.setattr(cuda.Faults, "pinned_limit", 4096)
    held = cupyx.empty_pinned((512,), np.float64)  # 4096 bytes: at the limit
    with pytest.raises(cupy.cuda.runtime.CUDARuntimeError,
                       match="cudaErrorMemoryAllocation: out of memory") as caught:
        cupyx.empty_pinned((1,), np.float64)
    assert caught.value.status == cupy.cuda.runtime.errorMemoryAllocation
    del held
    cupyx.empty_pinned((1,), np.float64)  # released with the array
    monkeypatch.setattr(cuda.Faults, "cublas_alloc_fails", True)
    x = cupy.zeros((2, 2))
    with pytest.raises(cupy.cuda.cublas.CUBLASError, match="CUBLAS_STATUS_ALLOC_FAILED"):
        x @ x


def test_copies_to_the_device_are_asynchronous():
    """A copy on another stream is seen only after waiting for it; from pinned memory it
    reads the buffer when it runs, so a buffer refilled too early is what arrives."""
    copy_stream = cupy.cuda.Stream(non_blocking=True)
    compute = cupy.cuda.get_current_stream()
    device = cupy.zeros((3,))
    pinned = cupyx.empty_pinned((3,), np.float64)
    pinned[...] = 1.0
    device.set(pinned, stream=copy_stream)
    copied = cupy.cuda.Event()
    copied.record(copy_stream)
    assert float(device.sum()) == 0.0  # no wait: the copy has not run
    pinned[...] = 2.0  # refilled before the copy ran
    compute.wait_event(copied)
    assert float(device.sum()) == 6.0  # the copy ran, with what the buffer held then
    pageable = np.full(3, 3.0)
    device.set(pageable, stream=copy_stream)
    pageable[...] = 4.0  # pageable memory is staged when the copy is issued
    copy_stream.synchronize()
    assert float(device.sum()) == 9.0
    device.set(np.full(3, 5.0))  # on the current stream: before its next operation
    assert float(device.sum()) == 15.0
