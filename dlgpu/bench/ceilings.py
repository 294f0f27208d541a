"""The machine's own limits, measured with the backend: GEMM rate and memory bandwidth.

Datasheet rates are leads; these are measured once per benchmark session on
the machine itself, with the library dlgpu uses there:

* GEMM rate: a square matrix product of random (never zero) operands,
  ``2 n^3`` FLOPs, through ``xp.matmul`` (OpenBLAS or MKL on NumPy, cuBLAS
  on CuPy, with TF32 when ``CUPY_TF32`` is above 0: see
  :func:`dlgpu.bench.machine.cupy_tf32`).
* Bandwidth: a copy of an array far larger than the caches, counting the
  bytes read plus the bytes written.  On NumPy the copy runs on one thread,
  as every NumPy elementwise operation does.

A ceiling is what the device can reach, so each is the best of several
measurements, not their median: on a shared machine another process can
only slow a measurement down.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..backend.cuda import free_cached_blocks
from .timing import seconds_per_call, synchronizer

MiB = 2 ** 20
#: size -> device -> (GEMM n, copy array bytes, measurements)
SIZES = {
    "quick": {"cpu": (1024, 64 * MiB, 5), "gpu": (4096, 256 * MiB, 5)},
    "standard": {"cpu": (2048, 256 * MiB, 10), "gpu": (8192, 1024 * MiB, 10)},
}


@dataclass(frozen=True)
class Ceilings:
    """What the device reached, measured: FLOP/s of a GEMM and bytes/s of a copy."""

    backend: str
    dtype: str
    gemm_flops_per_s: float
    bandwidth_bytes_per_s: float
    gemm_n: int
    copy_bytes: int  # read + written by one measured copy

    def as_dict(self) -> dict:
        return asdict(self)


def _device(xp) -> str:
    return "cpu" if xp is np else "gpu"


def measure_gemm_rate(xp, dtype, n: int, repeats: int = 5) -> float:
    """Best FLOP/s of ``xp.matmul`` on two random n x n matrices of ``dtype``."""
    rng = np.random.default_rng(0)
    A = xp.asarray(rng.standard_normal((n, n), dtype=dtype))
    B = xp.asarray(rng.standard_normal((n, n), dtype=dtype))
    C = xp.empty((n, n), dtype=dtype)
    device = _device(xp)
    # On a GPU one product is short next to a host-clock read: time several at once.
    per = 1 if device == "cpu" else 10
    seconds = min(seconds_per_call(lambda: xp.matmul(A, B, out=C), synchronizer(device),
                                   repeats=repeats, per_measurement=per, warmup=2))
    return 2.0 * n ** 3 / seconds


def measure_bandwidth(xp, dtype, nbytes: int, repeats: int = 5) -> float:
    """Best bytes/s (read + written) of copying an array of ``nbytes`` into another.

    ``nbytes`` should be a multiple of the dtype's size.
    """
    count = int(nbytes) // np.dtype(dtype).itemsize
    source = xp.arange(1, count + 1, dtype=dtype)  # nonzero, and every page touched
    target = xp.empty_like(source)
    device = _device(xp)
    per = 1 if device == "cpu" else 10
    seconds = min(seconds_per_call(lambda: xp.copyto(target, source), synchronizer(device),
                                   repeats=repeats, per_measurement=per, warmup=2))
    return 2.0 * source.nbytes / seconds


def measure_ceilings(xp, dtype, size: str = "standard") -> Ceilings:
    """Both ceilings of the array module ``xp`` (NumPy or CuPy) for ``dtype``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
    dtype = np.dtype(dtype).name
    device = _device(xp)
    n, nbytes, repeats = SIZES[size][device]
    ceilings = Ceilings(
        backend="numpy" if device == "cpu" else "cupy", dtype=dtype,
        gemm_flops_per_s=measure_gemm_rate(xp, dtype, n, repeats),
        bandwidth_bytes_per_s=measure_bandwidth(xp, dtype, nbytes, repeats),
        gemm_n=n, copy_bytes=2 * nbytes)
    free_cached_blocks(xp)
    return ceilings
