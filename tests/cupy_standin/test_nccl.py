"""The stand-in's NCCL refuses what NCCL cannot do, with CuPy's errors."""

import numpy as np
import pytest

from . import cuda, modules

cupy, _ = modules()
nccl = cupy.cuda.nccl
F64, F32, SUM = nccl.NCCL_FLOAT64, nccl.NCCL_FLOAT32, nccl.NCCL_SUM
ILLEGAL = "cudaErrorIllegalAddress: an illegal memory access was encountered"
INVALID = "NCCL_ERROR_INVALID_ARGUMENT: invalid argument"


@pytest.fixture
def comm():
    return nccl.NcclCommunicator(1, nccl.get_unique_id(), 0)


@pytest.fixture
def stream():
    return cupy.cuda.Stream(non_blocking=True)


def test_unique_id_is_128_bytes_and_one_rank_joins():
    unique_id = nccl.get_unique_id()  # CuPy 14: bytes (CuPy 13: a tuple of ints)
    assert type(unique_id) is bytes and len(unique_id) == 128
    with pytest.raises(TypeError, match="expected bytes, got tuple"):
        nccl.NcclCommunicator(1, tuple(unique_id), 0)
    with pytest.raises(ValueError, match="commId length 64 != 128"):
        nccl.NcclCommunicator(1, unique_id[:64], 0)
    with pytest.raises(nccl.NcclError, match=INVALID):
        nccl.NcclCommunicator(1, unique_id, 1)
    with pytest.raises(ValueError, match="one rank, not 2"):
        nccl.NcclCommunicator(2, unique_id, 0)


def test_collectives_are_queued_on_their_stream(comm, stream):
    x, y = cupy.arange(4.0), cupy.zeros(4)
    comm.allReduce(x.data.ptr, y.data.ptr, 4, F64, SUM, stream.ptr)
    x += 1  # the null stream does not wait for a non-blocking stream
    assert not stream.done
    stream.synchronize()  # the sum over one rank of x as it is now
    np.testing.assert_array_equal(y.get(), np.arange(4.0) + 1)
    comm.allReduce(x.data.ptr, x.data.ptr, 4, F64, SUM, stream.ptr)
    comm.bcast(x.data.ptr, 4, F64, 0, cupy.cuda.Stream.null.ptr)
    np.testing.assert_array_equal(x.get(), np.arange(4.0) + 1)


@pytest.mark.parametrize("pointer", [
    lambda x: np.arange(4.0).ctypes.data,  # host memory
    lambda x: cuda.empty_pinned(4).ctypes.data,
    lambda x: x[2:].data.ptr,  # 4 elements from the third run past the end
])
def test_only_device_memory_is_read(comm, stream, pointer):
    x = cupy.arange(4.0)
    with pytest.raises(cuda.CUDARuntimeError, match=ILLEGAL):
        comm.allReduce(pointer(x), x.data.ptr, 4, F64, SUM, stream.ptr)
    with pytest.raises(cuda.CUDARuntimeError, match=ILLEGAL):
        comm.bcast(pointer(x), 4, F64, 0, stream.ptr)


def test_the_datatype_is_the_buffers(comm, stream):
    x = cupy.arange(4.0)
    with pytest.raises(nccl.NcclError, match=INVALID):
        comm.allReduce(x.data.ptr, x.data.ptr, 4, F32, SUM, stream.ptr)
    with pytest.raises(nccl.NcclError, match=INVALID):
        comm.allReduce(x.data.ptr, x.data.ptr, 4, 42, SUM, stream.ptr)
    with pytest.raises(nccl.NcclError, match=INVALID):
        comm.allReduce(x.data.ptr, x.data.ptr, 4, F64, 42, stream.ptr)


def test_the_stream_is_a_live_streams_pointer(comm, stream):
    x = cupy.arange(4.0)
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        comm.allReduce(x.data.ptr, x.data.ptr, 4, F64, SUM, stream)
    with pytest.raises(nccl.NcclError, match="NCCL_ERROR_UNHANDLED_CUDA_ERROR"):
        comm.bcast(x.data.ptr, 4, F64, 0, stream.ptr + 1)


def test_root_and_abort(comm, stream):
    x = cupy.arange(4.0)
    with pytest.raises(nccl.NcclError, match=INVALID):
        comm.bcast(x.data.ptr, 4, F64, 1, stream.ptr)
    comm.abort()
    with pytest.raises(nccl.NcclError, match=INVALID):
        comm.bcast(x.data.ptr, 4, F64, 0, stream.ptr)
