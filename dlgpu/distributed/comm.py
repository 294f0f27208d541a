"""Communicators: who this process is among P, and the collectives training needs.

A communicator offers ``rank``, ``size``, ``allreduce_(buffer)`` (the sum over
ranks, in place, of one flat 1-D array), ``bcast_(buffer)`` (rank 0's values,
in place), ``allgather(obj)`` (a small Python object from every rank),
``abort(code)`` and ``barrier()``.  ``allreduce_`` gives every rank the same
bits with MPICH's and NCCL's algorithms (benchmarks/SCALING.md says why); the
tests check it on 2 and 4 ranks.

* :class:`LocalCommunicator` — one process, no MPI: every collective is the
  identity, so the same script runs with or without ``mpiexec``.
* :class:`MPICommunicator` — ``mpi4py``; CuPy buffers are staged through host
  memory.
* :class:`dlgpu.distributed.nccl.NCCLCommunicator` — NCCL on CuPy buffers,
  bootstrapped over MPI (unverified: no GPU was available when it was written).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time

from .. import backend
from .faults import install_excepthook

BACKENDS = ("auto", "mpi", "nccl", "local")
#: seconds between a failing rank's message and MPI_Abort
ABORT_GRACE_S = 0.5
INSTALL_HINT = "pip install 'dlgpu[mpi]' (mpi4py and an MPI runtime)"
# Set by the launchers of MPICH, Open MPI, Intel MPI and Slurm in each rank.
_LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                  "MPI_LOCALNRANKS", "SLURM_PROCID")


class Communicator:
    """The interface; a subclass implements the collectives."""

    name = "?"
    rank = 0
    size = 1

    def allreduce_(self, buffer):
        """Sum ``buffer`` (1-D, contiguous, NumPy or CuPy) over the ranks, in place."""
        raise NotImplementedError

    def bcast_(self, buffer):
        """Overwrite ``buffer`` with rank 0's, in place."""
        raise NotImplementedError

    def allgather(self, obj) -> list:
        """``[obj of rank 0, obj of rank 1, ...]`` on every rank (small objects)."""
        raise NotImplementedError

    def barrier(self) -> None:
        raise NotImplementedError

    def barrier_within(self, seconds: float) -> bool:
        """Wait for every rank at a barrier for at most ``seconds``; True if all came."""
        raise NotImplementedError

    def abort(self, code: int = 1) -> None:
        """End every rank now."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} rank {self.rank} of {self.size}>"


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


def launched() -> bool:
    """True when a launcher (mpiexec, srun) started this process as one of several."""
    return any(os.environ.get(var) for var in _LAUNCHER_VARS)


def init(backend_name: str = "auto") -> Communicator:
    """The communicator of this process.

    ``auto``: the 1-process local communicator unless a launcher (mpiexec,
    srun) started this process; then NCCL with the CuPy backend and a CuPy
    built with NCCL, MPI otherwise.  ``mpi`` and ``nccl`` insist (a clear error if they cannot
    run); ``local`` never uses MPI.  With more than one rank, an uncaught
    exception then prints the rank and the cause and aborts every rank.
    """
    if not isinstance(backend_name, str) or backend_name.lower() not in BACKENDS:
        raise ValueError(f"unknown distributed backend {backend_name!r}; valid: "
                         f"{', '.join(BACKENDS)}")
    name = backend_name.lower()
    if name == "local" or name == "auto" and not launched():
        return LocalCommunicator()
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError(f"distributed training needs mpi4py ({exc}); {INSTALL_HINT}") from exc
    if (name == "nccl" or name == "auto" and backend.requested_backend() != "numpy") \
            and importlib.util.find_spec("cupy") is not None:
        from .nccl import select_device
        select_device(MPI.COMM_WORLD)
    if name == "auto":
        name = "nccl" if _nccl_usable() else "mpi"
    if name == "nccl":
        from .nccl import NCCLCommunicator
        comm = NCCLCommunicator()
    else:
        comm = MPICommunicator()
    if comm.size > 1:
        install_excepthook(comm)
    return comm


def _nccl_usable() -> bool:
    """The CuPy backend is in use and CuPy was built with NCCL."""
    if importlib.util.find_spec("cupy") is None or backend.get_backend() != "cupy":
        return False
    try:
        from cupy.cuda import nccl
    except ImportError:
        return False
    return bool(getattr(nccl, "available", True))

