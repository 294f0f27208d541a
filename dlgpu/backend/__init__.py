"""The backend layer: CuPy on an NVIDIA GPU, NumPy everywhere else.

This package is the only place that tells the two apart.  It holds

* the selection of the active backend (this module);
* placement, :mod:`dlgpu.backend.arrays`: which module an array belongs to
  and moving arrays between host and device (re-exported here);
* :mod:`dlgpu.backend.cuda`: the CuPy-only machinery, memory pool and
  out-of-memory errors, pinned host buffers, streams and events.

It imports only NumPy, :mod:`dlgpu.errors` and (lazily) CuPy; every other
module of dlgpu may import it.

The backend is chosen once, from ``DLGPU_BACKEND`` (``auto``, ``numpy`` or
``cupy``, read at import), and can be changed in code with
:func:`set_backend`.  ``auto`` is resolved lazily, on first use, so that
``import dlgpu`` never initialises CUDA.

``auto`` uses CuPy only if it imports, a CUDA device is present, a small
kernel actually compiles and runs (NVRTC) and a 2x2 matrix product comes back
right (cuBLAS); otherwise it falls back to NumPy with one
:class:`~dlgpu.errors.BackendFallbackWarning` saying why.  An explicit
``cupy`` never falls back: it raises :class:`~dlgpu.errors.BackendError`.
"""

from __future__ import annotations

import os
import sys
import warnings
from types import ModuleType

import numpy as np

from ..errors import BackendError, BackendFallbackWarning
from .arrays import (
    get_array_module,
    holds_device_arrays,
    is_device_array,
    like,
    map_arrays,
    to_module,
    to_numpy,
)

VALID_BACKENDS = ("auto", "numpy", "cupy")
ENV_VAR = "DLGPU_BACKEND"
INSTALL_HINT = (
    "the NVIDIA driver is all the machine needs: pip install \"dlgpu[cuda12]\" (driver for "
    "CUDA 12.x) or \"dlgpu[cuda13]\" (CUDA 13.x) installs CuPy with the CUDA toolkit wheels "
    "(cupy-cuda12x[ctk]: runtime, NVRTC, cuBLAS)"
)

_requested: str = "auto"          # what the user asked for
_module: ModuleType | None = None  # the resolved array module, or None
_fallback_reason: str | None = None
_warned: set[str] = set()


def _parse_name(name: object, source: str) -> str:
    if not isinstance(name, str) or name.strip().lower() not in VALID_BACKENDS:
        raise ValueError(
            f"unknown backend {name!r} in {source}; "
            f"valid backends are {', '.join(VALID_BACKENDS)}"
        )
    return name.strip().lower()


def _describe_cuda_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if "InsufficientDriver" in text:
        return ("the NVIDIA driver is missing or too old for this CuPy build "
                f"({text}); update the driver or install the CuPy build for "
                "its CUDA version")
    if "NoDevice" in text:
        return f"no CUDA device was found ({text})"
    return f"the CUDA runtime failed ({text})"


def probe_cupy() -> tuple[ModuleType | None, str | None]:
    """Check, step by step, whether CuPy can run here.

    Returns
    -------
    (cupy, None) when CuPy works, else (None, reason), where ``reason`` names
    the check that failed: import, device count, running a test kernel
    (NVRTC), or a 2x2 matrix product (cuBLAS).
    """
    try:
        import cupy
    except ImportError as exc:
        return None, f"CuPy is not installed ({exc}); {INSTALL_HINT}"
    except Exception as exc:  # a broken install can raise anything on import
        return None, (f"CuPy failed to import ({type(exc).__name__}: {exc}); "
                      f"{INSTALL_HINT}")
    try:
        n_devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return None, _describe_cuda_error(exc)
    if n_devices < 1:
        return None, "no CUDA device was found (device count is 0)"
    try:
        # A user kernel goes through NVRTC, as dlgpu's activation kernels do.
        double = cupy.ElementwiseKernel("T x", "T y", "y = x + x", "dlgpu_probe")
        x = cupy.arange(8, dtype=cupy.float32)
        if not bool((double(x) == 2 * x).all()):
            return None, "a test kernel ran on the GPU but returned wrong values"
    except Exception as exc:
        return None, ("a test kernel failed to compile or run on the GPU "
                      f"({type(exc).__name__}: {exc}); NVRTC may be missing: {INSTALL_HINT}")
    return _probe_cublas(cupy)


def _probe_cublas(cupy) -> tuple[ModuleType | None, str | None]:
    """A float32 matrix product goes through cuBLAS, a library NVRTC does not need:
    a CuPy that compiles kernels may still fail to load it."""
    try:
        a = cupy.asarray([[1, 2], [3, 4]], dtype=cupy.float32)
        b = cupy.asarray([[5, 6], [7, 8]], dtype=cupy.float32)
        # Small integers: exact in float32 and in TF32, so equality is the test.
        product = cupy.asnumpy(cupy.matmul(a, b))
    except Exception as exc:
        bad = _bad_integer_setting("CUPY_TF32")
        if bad is not None:
            return None, (f"{bad}: CuPy reads it with int() at the first float32 matrix "
                          f"product, which failed ({type(exc).__name__}: {exc}); set it to 0 "
                          f"or 1, or unset it")
        return None, ("cuBLAS failed to load or run a 2x2 matrix product on the GPU "
                      f"({type(exc).__name__}: {exc}); {INSTALL_HINT}")
    if not np.array_equal(product, [[19, 22], [43, 50]]):
        return None, (f"a 2x2 matrix product through cuBLAS returned {product.tolist()}, "
                      "not [[19, 22], [43, 50]]")
    return cupy, None


def _bad_integer_setting(variable: str) -> str | None:
    """A description of ``variable`` when it is set but not an integer, else None."""
    value = os.environ.get(variable)
    if value is None:
        return None
    try:
        int(value)
    except ValueError:
        return f"the environment variable {variable}={value!r} is not an integer"
    return None


def _resolve(name: str) -> tuple[ModuleType, str | None]:
    if name == "numpy":
        return np, None
    cupy, reason = probe_cupy()
    if cupy is not None:
        return cupy, None
    if name == "cupy":
        raise BackendError(f"the 'cupy' backend was requested but cannot run: "
                           f"{reason}")
    return np, reason


def set_backend(name: str) -> str:
    """Select the array backend: ``"auto"``, ``"numpy"`` or ``"cupy"``.

    Returns the backend now in use (``"numpy"`` or ``"cupy"``).  Raises
    ``ValueError`` for an unknown name and :class:`BackendError` when
    ``"cupy"`` cannot run (the previous backend then stays active).
    """
    global _requested, _module, _fallback_reason
    name = _parse_name(name, "set_backend()")
    module, reason = _resolve(name)
    _requested, _module, _fallback_reason = name, module, reason
    if reason is not None and reason not in _warned:
        _warned.add(reason)
        warnings.warn(f"dlgpu is using NumPy because CuPy cannot run: {reason} (said once; "
                      f"{ENV_VAR}=numpy chooses NumPy without this warning)",
                      BackendFallbackWarning, stacklevel=caller_stacklevel())
    return get_backend()


def caller_stacklevel() -> int:
    """The stacklevel of the user's own call, so that a warning points at it.

    The first frame outside dlgpu and outside installed packages
    (site-packages: scikit-learn's Pipeline and GridSearchCV, joblib, pytest,
    IPython), so a warning raised in ``DLClassifier.fit`` inside a Pipeline
    names the line that fitted the Pipeline.  When no frame qualifies (all of
    the user's code is installed), the first frame outside dlgpu.
    """
    package = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "")
    installed = _installed_prefixes()
    frame, level = sys._getframe(1), 1
    outside_dlgpu = None
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not path.startswith(package):
            if outside_dlgpu is None:
                outside_dlgpu = level
            if not path.startswith(installed):
                return level
        frame, level = frame.f_back, level + 1
    return outside_dlgpu if outside_dlgpu is not None else level


def _installed_prefixes() -> tuple[str, ...]:
    """The folders installed packages live in (site-packages), as path prefixes."""
    import site
    import sysconfig

    folders = {sysconfig.get_paths().get(key) for key in ("purelib", "platlib")}
    try:
        folders.update(site.getsitepackages())
        folders.add(site.getusersitepackages())
    except AttributeError:  # an old virtualenv's site module lacks them
        pass
    return tuple(os.path.join(os.path.abspath(f), "") for f in folders if f)


def _active() -> ModuleType:
    if _module is None:
        try:
            set_backend(_requested)
        except BackendError as exc:
            raise BackendError(f"{exc} (set by {ENV_VAR}={_requested})") from None
    return _module


def get_backend() -> str:
    """Return the name of the active backend, ``"numpy"`` or ``"cupy"``."""
    return "cupy" if _active() is not np else "numpy"


def get_backend_module() -> ModuleType:
    """Return the active array module (``numpy`` or ``cupy``)."""
    return _active()


def fallback_reason() -> str | None:
    """Why ``auto`` chose NumPy, or ``None`` if it did not fall back."""
    _active()
    return _fallback_reason


def requested_backend() -> str:
    """The backend asked for: ``"auto"``, ``"numpy"`` or ``"cupy"``."""
    return _requested


def to_device(x: object, dtype: object = None):
    """Return ``x`` as an array of the active backend (no copy if already there)."""
    return to_module(x, _active(), dtype)


def synchronize() -> None:
    """Wait for all queued GPU work on the current device (no-op on NumPy)."""
    xp = _active()
    if xp is not np:
        xp.cuda.Device().synchronize()


_requested = _parse_name(os.environ.get(ENV_VAR, "auto"), f"the {ENV_VAR} environment variable")

__all__ = ["ENV_VAR", "VALID_BACKENDS", "fallback_reason", "get_array_module", "get_backend",
           "get_backend_module", "holds_device_arrays", "is_device_array", "like", "map_arrays",
           "probe_cupy", "requested_backend", "set_backend", "synchronize", "to_device",
           "to_module", "to_numpy"]
