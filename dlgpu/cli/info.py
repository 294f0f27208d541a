"""``dlgpu info``: the backend in use, the device, the versions, and why a fallback happened.

It exits 0 whenever it could print its report, also when the backend asked
for (``DLGPU_BACKEND=cupy``, ``--backend cupy``) cannot run: the report then
says ``backend: none`` and why.
"""

from __future__ import annotations

import platform
import warnings

import numpy as np

from .. import __version__, backend
from ..errors import BackendError, BackendFallbackWarning


def add_parser(sub) -> None:
    parser = sub.add_parser("info", help="show the backend, device and versions")
    parser.add_argument("--backend", default=None, choices=backend.VALID_BACKENDS,
                        help="the backend to check (default: DLGPU_BACKEND or auto)")


def backend_quietly() -> str:
    """The active backend; a fallback is reported by the caller, in one line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BackendFallbackWarning)
        return backend.get_backend()


def fallback_note(reason: str) -> str:
    """The one line a command gives when ``auto`` fell back to NumPy (instead of the warning)."""
    return (f"using NumPy (CuPy unavailable: {reason.split(';')[0]}; `dlgpu info` says how to "
            f"use a GPU, {backend.ENV_VAR}=numpy silences this)")


def run(args) -> int:
    print(f"dlgpu {__version__} (Python {platform.python_version()}, "
          f"{platform.system()} {platform.machine()})")
    try:
        if args.backend:
            backend.set_backend(args.backend)
        name = backend_quietly()
    except BackendError as exc:
        print(f"backend: none (requested: {args.backend or backend.requested_backend()})")
        print(f"numpy: {np.__version__}")
        print(f"error: {exc}")
        return 0
    print(f"backend: {name} (requested: {backend.requested_backend()})")
    print(f"numpy: {np.__version__}")
    reason = backend.fallback_reason()
    if reason:
        print(f"fallback: {reason}")
        if backend.INSTALL_HINT not in reason:
            print(f"to use an NVIDIA GPU: {backend.INSTALL_HINT}")
    if name == "cupy":
        for line in device_lines(backend.get_backend_module()):
            print(line)
    return 0


def device_lines(cupy) -> list[str]:
    """CuPy, CUDA and device facts, one ``key: value`` line each."""
    runtime = cupy.cuda.runtime
    device = cupy.cuda.Device()
    props = runtime.getDeviceProperties(device.id)
    free, total = runtime.memGetInfo()
    return [
        f"cupy: {cupy.__version__}",
        f"cuda runtime: {_cuda_version(runtime.runtimeGetVersion())}, "
        f"driver: {_cuda_version(runtime.driverGetVersion())}",
        f"device {device.id}: {props['name'].decode()}, compute capability "
        f"{props['major']}.{props['minor']}, {props['multiProcessorCount']} SMs",
        f"memory: {total / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free",
    ]


def _cuda_version(number: int) -> str:
    return f"{number // 1000}.{number % 1000 // 10}"
