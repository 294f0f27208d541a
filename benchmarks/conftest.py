"""Benchmark fixtures: each benchmark runs on NumPy and, where it can, on CuPy.

``pytest benchmarks --benchmark-enable`` times them (the project's pytest
settings disable timing, so the test suite runs each benchmark once as a
smoke test).  ``DLGPU_BENCH_FULL=1`` adds the large sizes.
"""

import os

import pytest

import dlgpu
from dlgpu.backend import probe_cupy

_cupy, _reason = probe_cupy()
FULL = os.environ.get("DLGPU_BENCH_FULL") == "1"
BACKENDS = ["numpy", pytest.param("cupy", marks=pytest.mark.skipif(
    _cupy is None, reason=f"CuPy cannot run here: {(_reason or '').split(';')[0]}"))]


@pytest.fixture(params=BACKENDS)
def backend_name(request):
    dlgpu.set_backend(request.param)
    yield request.param
    dlgpu.set_backend("numpy")


def timed(fn):
    """``fn`` followed by a device synchronization, so GPU time is fully counted."""
    def run():
        out = fn()
        dlgpu.synchronize()
        return out
    return run
