"""Communicators: who this process is among P, and the collectives training needs.

A communicator offers ``rank``, ``size``, ``allreduce_(buffer)`` (the sum over
ranks, in place, of one flat 1-D array), ``bcast_(buffer)`` (rank 0's values,
in place), ``allgather(obj)`` (a small Python object from every rank),
``abort(code)`` and ``barrier()``.  ``allreduce_`` gives every rank the same
bits with MPICH's and NCCL's algorithms (benchmarks/SCALING.md says why); the
tests check it on 2 and 4 ranks.

* :class:`LocalCommunicator` — one process, no MPI: every collective is the
  identity, so the same script runs with or without ``mpiexec``; ``fit``
  without a communicator trains with this one.
* :class:`MPICommunicator` — ``mpi4py``; CuPy buffers are staged through host
  memory.
* :class:`dlgpu.distributed.nccl.NCCLCommunicator` — NCCL on CuPy buffers,
  bootstrapped over MPI (unverified: no GPU was available when it was written).

:func:`dlgpu.distributed.launch.init` picks one.
"""

from __future__ import annotations

import sys
import time
from abc import ABC, abstractmethod

from .. import backend

#: seconds between a failing rank's message and MPI_Abort
ABORT_GRACE_S = 0.5


class Communicator(ABC):
    """The interface.  Every collective is abstract: a communicator that lacks one
    cannot be built, rather than failing inside a fault handler on a cluster."""

    name = "?"
    rank = 0
    size = 1

    @property
    def is_writer(self) -> bool:
        """True on the one rank that writes files and prints results (rank 0)."""
        return self.rank == 0

    @abstractmethod
    def allreduce_(self, buffer):
        """Sum ``buffer`` (1-D, contiguous, NumPy or CuPy) over the ranks, in place."""

    @abstractmethod
    def bcast_(self, buffer):
        """Overwrite ``buffer`` with rank 0's, in place."""

    @abstractmethod
    def allgather(self, obj) -> list:
        """``[obj of rank 0, obj of rank 1, ...]`` on every rank (small objects)."""

    @abstractmethod
    def barrier(self) -> None:
        """Wait until every rank has called it."""

    @abstractmethod
    def barrier_within(self, seconds: float) -> bool:
        """Wait for every rank at a barrier for at most ``seconds``; True if all came."""

    @abstractmethod
    def abort(self, code: int = 1) -> None:
        """End every rank now."""

    def start_any(self, flag: bool):
        """Begin an OR of ``flag`` over the ranks; ``.wait()`` on the result gives it.

        A host-side, non-blocking collective where the communicator has one
        (MPI's ``Iallreduce``): the training loop starts one after each step
        and waits for it a step later, so that every rank stops at the same
        step when Ctrl-C reached any of them, without synchronizing the device.
        Every rank must start them in the same order as its other collectives.
        This default is blocking (``allgather``).
        """
        return _Done(any(self.allgather(bool(flag))))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} rank {self.rank} of {self.size}>"


class _Done:
    """A finished :meth:`Communicator.start_any`."""

    def __init__(self, value: bool):
        self.value = value

    def wait(self) -> bool:
        return self.value


class _Pending:
    """An MPI ``Iallreduce`` of one integer in flight, and its buffer."""

    def __init__(self, request, buffer):
        self.request, self.buffer = request, buffer

    def wait(self) -> bool:
        self.request.Wait()
        return bool(self.buffer[0])


class LocalCommunicator(Communicator):
    """One process: the sum over one rank is the buffer itself."""

    name = "local"

    def allreduce_(self, buffer):
        return buffer

    def bcast_(self, buffer):
        return buffer

    def allgather(self, obj) -> list:
        return [obj]

    def barrier(self) -> None:
        pass

    def barrier_within(self, seconds: float) -> bool:
        return True

    def abort(self, code: int = 1) -> None:
        # Nobody waits on a single process: the exception being handled ends it.
        pass


class MPICommunicator(Communicator):
    """MPI through ``mpi4py``; ``comm`` defaults to ``MPI.COMM_WORLD``."""

    name = "mpi"

    def __init__(self, comm=None):
        from mpi4py import MPI
        self.MPI = MPI
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()

    def allreduce_(self, buffer):
        if backend.is_device_array(buffer):
            host = buffer.get()
            self.comm.Allreduce(self.MPI.IN_PLACE, host, op=self.MPI.SUM)
            buffer.set(host)
        else:
            self.comm.Allreduce(self.MPI.IN_PLACE, buffer, op=self.MPI.SUM)
        return buffer

    def bcast_(self, buffer):
        if backend.is_device_array(buffer):
            host = buffer.get()
            self.comm.Bcast(host, root=0)
            buffer.set(host)
        else:
            self.comm.Bcast(buffer, root=0)
        return buffer

    def allgather(self, obj) -> list:
        return self.comm.allgather(obj)

    def start_any(self, flag: bool):
        import numpy as np
        buffer = np.array([int(bool(flag))], dtype=np.int32)
        return _Pending(self.comm.Iallreduce(self.MPI.IN_PLACE, buffer, op=self.MPI.SUM), buffer)

    def barrier(self) -> None:
        self.comm.Barrier()

    def barrier_within(self, seconds: float) -> bool:
        request = self.comm.Ibarrier()
        deadline = time.monotonic() + seconds
        while not request.Test():
            if time.monotonic() > deadline:
                return False  # the request is left pending: the caller aborts
            time.sleep(0.005)
        return True

    def abort(self, code: int = 1) -> None:
        # MPI_Abort makes the launcher kill every rank and exit, and it may do so
        # before it has forwarded what this rank just wrote to stderr (the rank
        # and the cause): give it a moment to read the pipe first.
        sys.stderr.flush()
        time.sleep(ABORT_GRACE_S)
        self.comm.Abort(code)
