"""NCCL on CuPy buffers, bootstrapped over MPI.

UNVERIFIED: written from CuPy's ``cupy.cuda.nccl`` interface
(``get_unique_id``, ``NcclCommunicator(ndev, commId, rank)``, ``allReduce``
and ``bcast`` on raw device pointers and a stream pointer) without a GPU to
run it on; the tests run it with one rank on the test suite's CuPy
stand-in, whose NCCL checks the pointers, counts, datatypes and streams.

Rank 0 draws NCCL's unique id (``bytes`` since CuPy 14, a tuple of ints
before; it goes over MPI as a pickled object either way) and every rank gets
it from an MPI allgather; every rank then joins
the NCCL communicator.  Each collective runs on a stream of its own, ordered
after the work already queued on the current stream (an event), and the
current stream waits for it in turn: nothing blocks the host.  NumPy
buffers and Python objects go over MPI.
"""

from __future__ import annotations

import numpy as np

from .comm import Communicator, MPICommunicator


def select_device(mpi_comm) -> int | None:
    """Use GPU ``local rank mod device count``: one GPU per rank on each node.

    Called before any CuPy work, so that no rank makes a context on GPU 0
    first.  Returns the device, or None where CUDA finds none.
    """
    import cupy
    from mpi4py import MPI

    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception:  # no driver, no device: the backend will say why
        return None
    if count < 1:
        return None
    local = mpi_comm.Split_type(MPI.COMM_TYPE_SHARED)
    device = local.Get_rank() % count
    local.Free()
    cupy.cuda.Device(device).use()
    return device


class NCCLCommunicator(Communicator):
    """Sums and broadcasts CuPy buffers with NCCL; everything else over MPI."""

    name = "nccl"

    def __init__(self, host=None):
        """``host``: the communicator for the bootstrap, host buffers and objects
        (default: an :class:`MPICommunicator` on ``MPI.COMM_WORLD``)."""
        import cupy
        from cupy.cuda import nccl

        self.cupy, self.nccl = cupy, nccl
        self.mpi = host if host is not None else MPICommunicator()
        self.rank, self.size = self.mpi.rank, self.mpi.size
        unique_id = nccl.get_unique_id() if self.rank == 0 else None
        unique_id = self.mpi.allgather(unique_id)[0]  # rank 0's, on every rank
        self.communicator = nccl.NcclCommunicator(self.size, unique_id, self.rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)
        self.queued = cupy.cuda.Event(disable_timing=True)
        self.finished = cupy.cuda.Event(disable_timing=True)
        self.types = {np.dtype(np.float32): nccl.NCCL_FLOAT32,
                      np.dtype(np.float64): nccl.NCCL_FLOAT64}

    def _on_own_stream(self, collective, buffer):
        if buffer.dtype not in self.types:
            raise TypeError(f"NCCL collectives here take float32 or float64, got {buffer.dtype}")
        current = self.cupy.cuda.get_current_stream()
        self.queued.record(current)
        self.stream.wait_event(self.queued)
        collective(buffer.data.ptr, buffer.size, self.types[buffer.dtype], self.stream.ptr)
        self.finished.record(self.stream)
        current.wait_event(self.finished)
        return buffer

    def allreduce_(self, buffer):
        if not isinstance(buffer, self.cupy.ndarray):
            return self.mpi.allreduce_(buffer)
        return self._on_own_stream(
            lambda ptr, count, kind, stream: self.communicator.allReduce(
                ptr, ptr, count, kind, self.nccl.NCCL_SUM, stream), buffer)

    def bcast_(self, buffer):
        if not isinstance(buffer, self.cupy.ndarray):
            return self.mpi.bcast_(buffer)
        return self._on_own_stream(
            lambda ptr, count, kind, stream: self.communicator.bcast(
                ptr, count, kind, 0, stream), buffer)

    def allgather(self, obj) -> list:
        return self.mpi.allgather(obj)

    def barrier(self) -> None:
        self.mpi.barrier()

    def barrier_within(self, seconds: float) -> bool:
        return self.mpi.barrier_within(seconds)

    def abort(self, code: int = 1) -> None:
        try:
            self.communicator.abort()  # frees the other GPUs' kernels waiting on this rank
        finally:
            self.mpi.abort(code)
