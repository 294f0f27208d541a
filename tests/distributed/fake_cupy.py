"""A stand-in for the parts of CuPy that ``dlgpu.distributed.nccl`` calls, with a log.

Each rule follows CuPy's source:

* ``cupy_backends/cuda/libs/nccl.pyx``: ``get_unique_id()`` returns a tuple of
  128 ints; ``NcclCommunicator(ndev, commId, rank)`` needs that tuple;
  ``allReduce(sendbuf, recvbuf, count, datatype, op, stream)`` and
  ``bcast(buff, count, datatype, root, stream)`` take raw pointers (ints);
  ``abort()`` exists.  Datatype and op numbers are nccl.h's (ncclFloat32 = 7,
  ncclFloat64 = 8, ncclSum = 0).
* ``cupy/cuda/stream.pyx``: ``Stream(non_blocking=...)`` has ``ptr`` and
  ``wait_event(event)``; ``Event(disable_timing=...)`` has ``record(stream)``;
  ``get_current_stream()``.
* ``cupy/_core/core.pyx``: an ndarray's ``data.ptr`` is its device address.

One rank only: the sum over one rank leaves the buffer as it is.
"""

from __future__ import annotations

import types

import numpy as np

log: list[tuple] = []


class ndarray(np.ndarray):  # noqa: N801 - CuPy's name
    @property
    def data(self):
        return types.SimpleNamespace(ptr=self.ctypes.data)


class Stream:
    def __init__(self, non_blocking=False, name="side"):
        self.name, self.ptr = name, id(self)

    def wait_event(self, event):
        log.append(("wait", self.name, event.name))


class Event:
    count = 0

    def __init__(self, disable_timing=False):
        Event.count += 1
        self.name = f"event{Event.count}"

    def record(self, stream):
        log.append(("record", self.name, stream.name))


_current = Stream(name="current")


class NcclCommunicator:
    def __init__(self, ndev, commId, rank):
        assert isinstance(commId, tuple) and len(commId) == 128
        self.ndev, self.rank = ndev, rank

    def allReduce(self, sendbuf, recvbuf, count, datatype, op, stream):  # noqa: N802
        assert all(isinstance(v, int) for v in (sendbuf, recvbuf, count, datatype, op, stream))
        log.append(("allReduce", count, datatype, op, stream))

    def bcast(self, buff, count, datatype, root, stream):
        log.append(("bcast", count, datatype, root, stream))

    def abort(self):
        log.append(("abort",))


nccl = types.SimpleNamespace(get_unique_id=lambda: tuple(range(128)),
                             NcclCommunicator=NcclCommunicator, NCCL_FLOAT32=7,
                             NCCL_FLOAT64=8, NCCL_SUM=0, available=True)
cuda = types.SimpleNamespace(Stream=Stream, Event=Event, get_current_stream=lambda: _current,
                             nccl=nccl)
