"""A strict stand-in for CuPy, for the test suite only, where real CuPy cannot run.

What it proves: that dlgpu obeys the rules of real CuPy that bite code
written on NumPy (no implicit conversion between device and host arrays, no
NumPy array in a device operation or as its ``out=``, only the ``cupy``
names dlgpu is known to use), that its memory-pool and out-of-memory paths
behave, that its NCCL calls hand ``cupy.cuda.nccl`` device pointers, counts,
datatypes and stream pointers NCCL accepts (one rank; see :mod:`.nccl`),
which cuBLAS compute type (``cupy._core._routines_linalg``: TF32 or not)
each of its matrix products would run with (see :mod:`.linalg`), that
its direct cuBLAS ``gemmEx`` calls pass pointers, leading dimensions, ops
and types cuBLAS accepts (:func:`.linalg.gemm_ex`), and
that the arithmetic of dlgpu's own CUDA kernels matches NumPy: an
``ElementwiseKernel`` or ``ReductionKernel`` runs the kernel's own CUDA text
(operation or expressions and preamble, exactly as handed to CuPy), compiled
for the host with the system C++ compiler (see :mod:`.kernels`;
``ml_dtypes.bfloat16`` as CuPy 14's ``bfloat16`` class, see :mod:`.bfloat16`).

What it does not prove: anything about speed, the GPU, the CUDA driver,
NVRTC's or cuBLAS's numerics, NCCL with more than one rank, or real
asynchrony (computations complete before they return; only copies to the
device and NCCL collectives are queued, see :class:`.cuda.Stream`). The GPU
path stays unverified until it runs on a GPU.

The device is a NumPy array behind a wrapper; ``tests/conftest.py`` and the
checkout's root ``conftest.py`` put this module in ``sys.modules["cupy"]`` only
when real CuPy cannot run (see :func:`activate`).  Each rule cites the CuPy
source file it follows (CuPy's GitHub repository, main branch, 2026).
"""

from __future__ import annotations

import importlib.machinery
import sys
import types

import numpy as np

from . import arrays, cuda, kernels, linalg
from .counter import Counts, counting  # noqa: F401 - the suite's launch counter
from .linalg import recording  # noqa: F401 - the compute type of each GEMM

#: what the stand-in says it is, wherever dlgpu prints a device or a version
VERSION = "0.0.0+standin"

_modules: tuple[types.ModuleType, types.ModuleType] | None = None


def _module(name: str, attributes: dict) -> types.ModuleType:
    module = types.ModuleType(name, f"The CuPy stand-in's {name!r} (tests only).")
    module.__dict__.update(attributes)
    module.__cupy_standin__ = True
    return module


def modules() -> tuple[types.ModuleType, types.ModuleType]:
    """The stand-in's ``cupy`` and ``cupyx`` module objects (built once).

    They hold exactly the names listed here: a name dlgpu starts to use
    without adding it here raises AttributeError, so each new use is
    checked against real CuPy before the stand-in learns it.
    """
    global _modules
    if _modules is None:
        cupy = _module("cupy", {
            "ndarray": arrays.ndarray,
            **arrays.PUBLIC_FUNCTIONS,
            "float32": np.float32,
            "ElementwiseKernel": kernels.ElementwiseKernel,
            "ReductionKernel": kernels.ReductionKernel,
            "cuda": cuda.module(),
            "get_default_memory_pool": cuda.get_default_memory_pool,
            "__version__": VERSION,
            "_core": _module("cupy._core", {"_routines_linalg": linalg.module()}),
        })
        cupyx = _module("cupyx", {"empty_pinned": cuda.empty_pinned})
        _modules = (cupy, cupyx)
    return _modules


def is_standin(module: object) -> bool:
    return getattr(module, "__cupy_standin__", False)


def unavailable_reason() -> str | None:
    """Why the stand-in cannot run here (no C++ compiler), or None."""
    return kernels.compiler_missing()


def activate() -> None:
    """Put the stand-in in ``sys.modules`` as ``cupy`` and ``cupyx``.

    ``cupy.cuda`` and ``cupy.cuda.nccl`` too, so that ``from cupy.cuda import
    nccl`` finds them, as it finds real CuPy's modules.
    """
    cupy, cupyx = modules()
    sys.modules["cupy"], sys.modules["cupyx"] = cupy, cupyx
    sys.modules["cupy.cuda"], sys.modules["cupy.cuda.nccl"] = cupy.cuda, cupy.cuda.nccl
    for name in ("cupy", "cupyx", "cupy.cuda", "cupy.cuda.nccl"):
        # importlib.util.find_spec(name) refuses a module in sys.modules without one
        sys.modules[name].__spec__ = importlib.machinery.ModuleSpec(name, None)


def cupy_for_tests(probe):
    """``(cupy, reason, standin)`` for a test session.

    ``probe`` is :func:`dlgpu.backend.probe_cupy`.  Real CuPy wins when it
    runs; otherwise the stand-in is activated and probed the same way, unless
    no C++ compiler is found (then ``(None, reason, False)``).
    """
    cupy, reason = probe()
    if cupy is not None and not is_standin(cupy):
        return cupy, None, False
    missing = unavailable_reason()
    if missing is not None:
        return None, f"{reason}; the CuPy stand-in cannot run either: {missing}", False
    activate()
    cupy, standin_reason = probe()
    if cupy is None:
        return None, f"the CuPy stand-in failed dlgpu's probe: {standin_reason}", False
    return cupy, None, True

