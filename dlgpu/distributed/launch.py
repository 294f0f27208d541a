"""Which communicator this process gets: :func:`init`."""

from __future__ import annotations

import importlib.util
import os

from .. import backend
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

