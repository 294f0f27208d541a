"""Which communicator this process gets: :func:`init`."""

from __future__ import annotations

import importlib.util
import os
import sys

from .. import backend
from ..errors import BackendError
from .comm import Communicator, LocalCommunicator, MPICommunicator
from .faults import install_excepthook

BACKENDS = ("auto", "mpi", "nccl", "local")
INSTALL_HINT = "pip install 'dlgpu[mpi]' (mpi4py and an MPI runtime)"
# Set by the launchers of MPICH, Open MPI, Intel MPI and Slurm in each rank.
_LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                  "MPI_LOCALNRANKS", "SLURM_PROCID")


def launched() -> bool:
    """True when a launcher (mpiexec, srun) started this process as one of several."""
    return any(os.environ.get(var) for var in _LAUNCHER_VARS)


def init(backend_name: str = "auto") -> Communicator:
    """The communicator of this process.

    ``auto``: the 1-process local communicator unless a launcher (mpiexec,
    srun) started this process; then NCCL with the CuPy backend and a CuPy
    built with NCCL, MPI otherwise.  Each rank takes GPU ``local rank mod
    GPU count``; where a node has more ranks than GPUs, NCCL cannot run
    (ranks would share a GPU): ``auto`` then uses host-staged MPI and says so
    once on stderr, and ``nccl`` raises :class:`~dlgpu.errors.BackendError`
    naming the counts.  ``mpi`` and ``nccl`` insist (a clear error if they cannot
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
    placement = None
    if (name == "nccl" or name == "auto" and backend.requested_backend() != "numpy") \
            and importlib.util.find_spec("cupy") is not None:
        from .nccl import select_device
        placement = select_device(MPI.COMM_WORLD)
    shared = placement is not None and placement.shared
    if name == "nccl" and shared:
        from .nccl import shared_gpu_text
        raise BackendError(f"the 'nccl' backend cannot run: {shared_gpu_text(placement)}; "
                           f"start at most {placement.devices} ranks per node, or use the "
                           f"'mpi' backend (host-staged)")
    if name == "auto":
        name = "nccl" if _nccl_usable() else "mpi"
        if name == "nccl" and shared:
            name = "mpi"
            from .nccl import shared_gpu_text
            _say_once(MPI.COMM_WORLD.Get_rank(),
                      f"dlgpu: {shared_gpu_text(placement)}: using host-staged MPI instead "
                      f"of NCCL (ranks share GPUs)")
    if name == "nccl":
        from .nccl import NCCLCommunicator
        comm = NCCLCommunicator()
    else:
        comm = MPICommunicator()
    if comm.size > 1:
        install_excepthook(comm)
    return comm


_said: set[str] = set()


def _say_once(rank: int, line: str) -> None:
    """``line`` on stderr, from rank 0 only, once per process."""
    if rank == 0 and line not in _said:
        _said.add(line)
        print(line, file=sys.stderr, flush=True)


def _nccl_usable() -> bool:
    """The CuPy backend is in use and CuPy was built with NCCL."""
    if importlib.util.find_spec("cupy") is None or backend.get_backend() != "cupy":
        return False
    try:
        from cupy.cuda import nccl
    except ImportError:
        return False
    # Without the NCCL library the module imports, with available = False and no functions.
    return bool(getattr(nccl, "available", True)) and hasattr(nccl, "get_unique_id")

