"""Launching P ranks of ``ranks.py`` under ``mpiexec``, with a hang guard (helpers, not fixtures)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..helpers import ON_CI

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = Path(__file__).with_name("ranks.py")
#: generous: a job that is not over by then is hanging, not slow
HANG_GUARD_S = 60
#: a broken MPI library can hang the process importing it
MPI_IMPORT_GUARD_S = 20


def _mpiexec() -> str | None:
    """The launcher next to this Python (the mpich wheel puts it there), else on PATH."""
    beside = Path(sys.executable).with_name("mpiexec")
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def _mpi_import_problem() -> str | None:
    """Why ``from mpi4py import MPI`` fails here (mpi4py without an MPI runtime, say), or
    None; tried in a subprocess, since a broken MPI library can hang or crash its process."""
    if importlib.util.find_spec("mpi4py") is None:
        return "mpi4py is not installed; pip install 'dlgpu[mpi]'"
    try:
        done = subprocess.run([sys.executable, "-c", "from mpi4py import MPI"],
                              capture_output=True, text=True, timeout=MPI_IMPORT_GUARD_S)
    except subprocess.TimeoutExpired:
        return f"`from mpi4py import MPI` still running after {MPI_IMPORT_GUARD_S} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return f"`from mpi4py import MPI` fails (no MPI runtime?): {last}"
    return None


def _missing() -> str | None:
    if MPI_IMPORT_PROBLEM is not None:
        return MPI_IMPORT_PROBLEM
    if _mpiexec() is None:
        return "mpiexec is not installed; pip install mpich"
    return None


MPI_IMPORT_PROBLEM = _mpi_import_problem()
MISSING = _missing()
# On CI (tests/helpers.py's rule) the distributed tests must run, not skip: mpi4py and
# mpich are test dependencies, so a missing MPI fails there.
needs_mpi = pytest.mark.skipif(MISSING is not None and not ON_CI,
                               reason=f"MPI unavailable: {MISSING}")


def launch(args, ranks: int = 2, cwd=None) -> subprocess.CompletedProcess:
    """``mpiexec -n ranks python3 args...``; each rank uses one BLAS thread."""
    if MISSING is not None:
        pytest.fail(f"MPI unavailable: {MISSING}")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "DLGPU_BACKEND": "numpy",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    command = [_mpiexec(), "-n", str(ranks), sys.executable, *map(str, args)]
    try:
        return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(command)} still running after {HANG_GUARD_S} s (a hang): "
                    f"{exc.stderr}")


def run_scenario(name: str, out: Path, ranks: int = 2) -> subprocess.CompletedProcess:
    return launch([PROGRAM, name, out], ranks)
