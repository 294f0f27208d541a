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

from typing import NamedTuple

import numpy as np

from ..errors import BackendError
from .comm import Communicator, MPICommunicator

INSTALL_HINT = "pip install nvidia-nccl-cu12 (or -cu13, matching CuPy's CUDA)"


class Placement(NamedTuple):
    """Where this rank runs: its GPU, and how many ranks and GPUs its node has."""

    device: int
    local_rank: int
    local_size: int
    devices: int

    @property
    def shared(self) -> bool:
        """More ranks on this node than GPUs: some ranks share a GPU, which NCCL refuses."""
        return self.local_size > self.devices


def local_ranks(mpi_comm) -> tuple[int, int]:
    """(this rank's index among the ranks of its node, how many ranks the node has)."""
    from mpi4py import MPI

    local = mpi_comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return local.Get_rank(), local.Get_size()
    finally:
        local.Free()


def select_device(mpi_comm) -> Placement | None:
    """Use GPU ``local rank mod device count``: one GPU per rank on each node.

    Called before any CuPy work, so that no rank makes a context on GPU 0
    first.  Returns the placement, or None where CUDA finds no device.  With
    more ranks on a node than GPUs, ranks share GPUs (``placement.shared``):
    fine for host-staged MPI, refused by NCCL ("Duplicate GPU detected").
    """
    import cupy

    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception:  # no driver, no device: the backend will say why
        return None
    if count < 1:
        return None
    local_rank, local_size = local_ranks(mpi_comm)
    device = local_rank % count
    cupy.cuda.Device(device).use()
    return Placement(device, local_rank, local_size, count)


def shared_gpu_text(placement: Placement) -> str:
    """What is wrong with ``placement`` for NCCL, counts included."""
    return (f"this node runs {placement.local_size} ranks on {placement.devices} "
            f"GPU{'s' if placement.devices != 1 else ''}, and NCCL needs a GPU of its own for "
            f"each rank")


def nccl_module():
    """CuPy's ``cupy.cuda.nccl``, or BackendError where CuPy has no NCCL library.

    ``cupy.cuda.nccl`` imports even without the library; it then sets
    ``available = False`` and lacks ``get_unique_id`` and the rest.
    """
    try:
        from cupy.cuda import nccl
    except ImportError as exc:
        raise BackendError(f"the NCCL backend needs CuPy's NCCL module ({exc}); {INSTALL_HINT}") \
            from exc
    if not getattr(nccl, "available", True) or not hasattr(nccl, "get_unique_id"):
        raise BackendError(f"the NCCL backend needs the NCCL library, which CuPy could not "
                           f"load; {INSTALL_HINT}, or use the 'mpi' backend")
    return nccl


class NCCLCommunicator(Communicator):
    """Sums and broadcasts CuPy buffers with NCCL; everything else over MPI."""

    name = "nccl"

    def __init__(self, host=None):
        """``host``: the communicator for the bootstrap, host buffers and objects
        (default: an :class:`MPICommunicator` on ``MPI.COMM_WORLD``)."""
        import cupy

        nccl = nccl_module()
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

    def start_any(self, flag: bool):
        return self.mpi.start_any(flag)  # on the host, over MPI: no device synchronization

    def barrier(self) -> None:
        self.mpi.barrier()

    def barrier_within(self, seconds: float) -> bool:
        return self.mpi.barrier_within(seconds)

    def abort(self, code: int = 1) -> None:
        try:
            self.communicator.abort()  # frees the other GPUs' kernels waiting on this rank
        finally:
            self.mpi.abort(code)
