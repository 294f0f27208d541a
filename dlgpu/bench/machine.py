"""What the numbers were measured on: CPU, BLAS, GPU, drivers, library versions.

:func:`describe` is stored in each pytest-benchmark JSON (``machine_info["dlgpu"]``,
through the hook in :mod:`dlgpu.bench.suite.conftest`) and printed at the top of the
report.  Nothing here imports PyTorch or scikit-learn: their versions are
read from the installed package metadata.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

import numpy as np

#: environment variables that change what a benchmark measures
_ENV_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "CUPY_", "DLGPU_", "CUDA_VISIBLE_DEVICES")


def _first_line_starting(path: str, prefix: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def cpu_model() -> str:
    return (_first_line_starting("/proc/cpuinfo", "model name")
            or platform.processor() or platform.machine() or "unknown CPU")


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def memory_gib() -> float | None:
    total = _first_line_starting("/proc/meminfo", "MemTotal")
    return round(int(total.split()[0]) / 2 ** 20, 1) if total else None


def blas() -> dict | None:
    """NumPy's BLAS as threadpoolctl sees it (library, version, kernel architecture, threads)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for pool in threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in pool.get("filepath", ""):
            return {key: pool.get(key) for key in
                    ("internal_api", "version", "architecture", "num_threads", "threading_layer")}
    return None


def package_version(*names: str) -> str | None:
    """The installed version of the first of ``names`` found (distribution names)."""
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _cuda_version(number: int) -> str:
    return f"{number // 1000}.{number % 1000 // 10}"


def gpu_unavailable() -> str | None:
    """Why CuPy cannot run here (the first clause of the probe's reason), or None."""
    from ..backend import probe_cupy

    _, reason = probe_cupy()
    return reason.split(";")[0] if reason else None


def last_level_cache_bytes(path: str = "/sys/devices/system/cpu/cpu0/cache") -> int | None:
    """The largest CPU cache of CPU 0 as the kernel reports it, in bytes, or None."""
    sizes = []
    try:
        for index in (name for name in os.listdir(path) if name.startswith("index")):
            with open(os.path.join(path, index, "size"), encoding="ascii") as file:
                size = file.read().strip()
            if size[:-1].isdigit() and size[-1:] in ("K", "M"):
                sizes.append(int(size[:-1]) * (1024 if size[-1] == "K" else 1024 ** 2))
    except OSError:
        return None
    return max(sizes, default=None)


def cupy_tf32(value: str | None) -> bool | None:
    """Whether CuPy's float32 matrix products may use TF32, given ``CUPY_TF32``'s value.

    CuPy reads the variable once, at the first float32 product of the
    process, as ``int(os.getenv('CUPY_TF32', '0')) > 0``, and caches the
    compute type (``get_compute_type`` in ``cupy/_core/_routines_linalg.pyx``,
    the same in 13.6 and 14.2); TF32 then needs compute capability 8.0 or
    higher, else CuPy warns and keeps full float32.  None: a value ``int``
    rejects, on which CuPy's first float32 product raises ValueError.
    """
    try:
        return int(value if value is not None else "0") > 0
    except ValueError:
        return None


def tf32_settings() -> dict:
    """TF32 as each GPU library in this process will use it for float32 products.

    ``cupy``: :func:`cupy_tf32` of the environment; ``torch``: PyTorch's own
    flags, read only if PyTorch is already imported (the benchmarks set them).
    """
    settings = {"CUPY_TF32": os.environ.get("CUPY_TF32"),
                "cupy": cupy_tf32(os.environ.get("CUPY_TF32"))}
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            settings["torch"] = {
                "allow_tf32": bool(torch.backends.cuda.matmul.allow_tf32),
                "float32_matmul_precision": torch.get_float32_matmul_precision()}
        except AttributeError:  # a PyTorch without these flags
            settings["torch"] = None
    return settings


def gpu() -> dict | None:
    """The CUDA device CuPy would use, or None where CuPy cannot run."""
    from ..backend import probe_cupy

    cupy, _ = probe_cupy()
    if cupy is None:
        return None
    device = cupy.cuda.Device()
    props = cupy.cuda.runtime.getDeviceProperties(device.id)
    return {
        "name": props["name"].decode() if isinstance(props["name"], bytes) else props["name"],
        "compute_capability": device.compute_capability,
        "memory_gib": round(props["totalGlobalMem"] / 2 ** 30, 1),
        "multiprocessors": props["multiProcessorCount"],
        "driver": _first_line_starting("/proc/driver/nvidia/version", "NVRM version"),
        "cuda_driver": _cuda_version(cupy.cuda.runtime.driverGetVersion()),
        "cuda_runtime": _cuda_version(cupy.cuda.runtime.runtimeGetVersion()),
        "cupy": cupy.__version__,
    }


def describe() -> dict:
    """A JSON-ready description of this machine and of the software measured on it."""
    from .. import __version__

    return {
        "cpu_model": cpu_model(),
        "cpus": usable_cpus(),
        "memory_gib": memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "dlgpu": __version__,
        "numpy": np.__version__,
        "blas": blas(),
        "torch": package_version("torch"),
        "torch_threads": _torch_threads(),
        "scikit-learn": package_version("scikit-learn"),
        "gpu": gpu(),
        "gpu_unavailable": gpu_unavailable(),
        "tf32": tf32_settings(),
        "llc_bytes": last_level_cache_bytes(),
        "env": {key: value for key, value in sorted(os.environ.items())
                if key.startswith(_ENV_PREFIXES)},
    }


def _torch_threads() -> int | None:
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else None
