"""The stand-in's ``cupy.cuda.nccl``: one rank, NCCL's calls on raw device pointers.

As in cupy_backends/cuda/libs/nccl.pyx of CuPy 14 (v14.0.0 to v14.2.0; re-exported
by cupy/cuda/nccl.py): ``get_unique_id()`` returns ``bytes``, the 128 bytes of
``ncclUniqueId.internal`` (CuPy 13 returned a tuple of 128 ints);
``NcclCommunicator(ndev, commId, rank)`` takes those bytes (``bytes commId``);
``allReduce(sendbuf, recvbuf, count, datatype, op, stream)`` and
``bcast(buff, count, datatype, root, stream)`` take ints: device addresses
(``ndarray.data.ptr``), an element count, nccl.h's datatype and op numbers
and a ``cudaStream_t`` (``Stream.ptr``); ``abort()`` frees the communicator;
a failed call raises ``NcclError`` with CuPy's message.

The collective is queued on its stream like the stand-in's copies (see
:class:`.cuda.Stream`): it runs when that stream is synchronized or waited
for, reading the send buffer as it is then.  Over one rank a sum (or a
broadcast) leaves the data as it is; an out-of-place all-reduce copies it.

Refused, at the call (a GPU reports the first two later, asynchronously,
from the kernel or the next synchronization):

* a buffer that is not device memory of the stand-in (a NumPy array's
  address, pinned memory, or ``count`` elements running past the
  allocation): ``CUDARuntimeError`` cudaErrorIllegalAddress;
* a ``datatype`` other than the buffer's dtype: ``NcclError``
  NCCL_ERROR_INVALID_ARGUMENT (real NCCL reads the bytes as told, silently);
* a ``stream`` that is not an int (Cython's ``intptr_t`` argument: TypeError),
  or not the ``ptr`` of a live stream: ``NcclError`` NCCL_ERROR_UNHANDLED_CUDA_ERROR
  (CUDA's invalid resource handle, seen by NCCL);
* an unknown datatype or op, a root or rank outside ``[0, ndev)``, a call
  after ``abort()``: ``NcclError`` NCCL_ERROR_INVALID_ARGUMENT (NCCL's
  argument checks);
* ``ndev`` other than 1: ValueError (a real communicator would wait for the
  other ranks forever).
"""

from __future__ import annotations

import operator
import os
import types

import numpy as np

from . import counter as counting, cuda

NCCL_UNIQUE_ID_BYTES = 128
# nccl.h: ncclDataType_t and ncclRedOp_t (ncclSum, ncclProd, ncclMax, ncclMin)
DATATYPES = {0: np.int8, 1: np.uint8, 2: np.int32, 3: np.uint32, 4: np.int64, 5: np.uint64,
             6: np.float16, 7: np.float32, 8: np.float64}
NCCL_FLOAT32, NCCL_FLOAT64, NCCL_SUM = 7, 8, 0
OPS = range(4)
# nccl.h ncclResult_t (NCCL 2) and ncclGetErrorString
UNHANDLED_CUDA_ERROR, INVALID_ARGUMENT = 1, 4
_ERRORS = {UNHANDLED_CUDA_ERROR: ("NCCL_ERROR_UNHANDLED_CUDA_ERROR", "unhandled cuda error"),
           INVALID_ARGUMENT: ("NCCL_ERROR_INVALID_ARGUMENT", "invalid argument")}


class NcclError(RuntimeError):
    """nccl.pyx ``NcclError``: ``"<status name>: <ncclGetErrorString>"``."""

    def __init__(self, status):
        self.status = status
        super().__init__("%s: %s" % _ERRORS[status])


NcclError.__module__ = "cupy_backends.cuda.libs.nccl"


def get_unique_id() -> bytes:
    # nccl.pyx (CuPy 14): ``return uniqueId.internal[:NCCL_UNIQUE_ID_BYTES]``, bytes
    return os.urandom(NCCL_UNIQUE_ID_BYTES)


class NcclCommunicator:
    """One rank's NCCL communicator (``ncclCommInitRank``)."""

    def __init__(self, ndev, commId, rank):
        ndev, rank = operator.index(ndev), operator.index(rank)
        if not isinstance(commId, bytes):  # nccl.pyx (CuPy 14): ``bytes commId``
            raise TypeError(f"Argument 'commId' has incorrect type (expected bytes, "
                            f"got {type(commId).__name__})")
        if len(commId) != NCCL_UNIQUE_ID_BYTES:  # nccl.pyx (CuPy 14), NcclCommunicator.__init__
            raise ValueError(f"commId length {len(commId)} != {NCCL_UNIQUE_ID_BYTES}.")
        if not 0 <= rank < ndev:
            raise NcclError(INVALID_ARGUMENT)
        if ndev != 1:
            raise ValueError(f"the CuPy stand-in's NCCL has one rank, not {ndev}: a real "
                             f"communicator would wait for the other ranks")
        self._ndev, self._alive = ndev, True

    def abort(self):
        self._alive = False

    def allReduce(self, sendbuf, recvbuf, count, datatype, op, stream):  # noqa: N802 - CuPy's
        sendbuf, recvbuf, count, datatype, op, stream = map(
            operator.index, (sendbuf, recvbuf, count, datatype, op, stream))
        if op not in OPS:
            raise NcclError(INVALID_ARGUMENT)
        source, target, queue = self._check([sendbuf, recvbuf], count, datatype, 0, stream)
        queue.issue(lambda: np.copyto(target, source))  # over one rank: the send buffer
        counting.launch("nccl")  # one collective kernel on ``stream``

    def bcast(self, buff, count, datatype, root, stream):
        buff, count, datatype, root, stream = map(
            operator.index, (buff, count, datatype, root, stream))
        _, queue = self._check([buff], count, datatype, root, stream)
        queue.issue(lambda: None)  # root 0 is this rank: its buffer stays
        counting.launch("nccl")

    def _check(self, pointers, count, datatype, root, stream):
        """The bytes of each buffer and the stream to queue on, or NCCL's error."""
        if not self._alive or datatype not in DATATYPES or not 0 <= root < self._ndev:
            raise NcclError(INVALID_ARGUMENT)
        queue = cuda.stream_of(stream)
        if queue is None:
            raise NcclError(UNHANDLED_CUDA_ERROR)
        dtype = np.dtype(DATATYPES[datatype])
        buffers = []
        for ptr in pointers:
            data = cuda.device_bytes(ptr, count * dtype.itemsize)
            if data is None:
                raise cuda.CUDARuntimeError(cuda.ERROR_ILLEGAL_ADDRESS)
            if data.base.dtype != dtype:  # the allocation's array (see device_bytes)
                raise NcclError(INVALID_ARGUMENT)
            buffers.append(data)
        return (*buffers, queue)


def module() -> types.ModuleType:
    """``cupy.cuda.nccl`` with the names ``dlgpu.distributed.nccl`` uses."""
    nccl = types.ModuleType("cupy.cuda.nccl", "The CuPy stand-in's NCCL (tests only).")
    nccl.__dict__.update(
        available=True, get_unique_id=get_unique_id, NcclCommunicator=NcclCommunicator,
        NcclError=NcclError, NCCL_FLOAT32=NCCL_FLOAT32, NCCL_FLOAT64=NCCL_FLOAT64,
        NCCL_SUM=NCCL_SUM)
    return nccl
