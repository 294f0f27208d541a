"""Benchmark fixtures: each benchmark runs on NumPy and, where it can, on CuPy.

This suite ships inside dlgpu, so ``dlgpu bench --out DIR`` runs it from an
installed package; the source tree's ``benchmarks/`` imports it, and
``python3 -m pytest benchmarks --benchmark-enable`` times it from a checkout
(the project's pytest settings disable timing, so the test suite runs each
body once as a smoke test).  ``DLGPU_BENCH_TIER=quick|default|full`` (or
``DLGPU_BENCH_FULL=1``) picks the sizes; see :mod:`dlgpu.bench.suite.matrix`.

A timed session also records how busy the machine was (at its start and end,
:mod:`dlgpu.bench.load`) and why benchmarks were skipped, in the JSON file
under ``dlgpu_load`` and ``dlgpu_skipped``.

Untimed, where real CuPy cannot run, the CuPy cases run on the tests' CuPy
stand-in (``tests/cupy_standin``), so they cannot rot; timed, they run on
real CuPy only: the stand-in is never measured or described as a GPU.
"""

import dataclasses
import functools
import os
import sys
from collections import Counter

import numpy as np
import pytest

import dlgpu
from dlgpu.backend import probe_cupy
from dlgpu.bench import load, machine
from dlgpu.bench.ceilings import measure_ceilings
from dlgpu.bench.results import LOAD_KEY, SKIPPED_KEY
from dlgpu.bench.roofline import derived_metrics
from dlgpu.bench.timing import SyncEvery, median_seconds, plan_rounds

from .matrix import BUDGET, CEILING_SIZE

__all__ = ["backend_name", "device", "ceilings", "pytest_configure", "pytest_sessionstart",
           "pytest_runtest_logreport", "pytest_benchmark_update_machine_info",
           "pytest_benchmark_update_json"]

_session = {"before": None, "skipped": Counter()}


def _timed(config) -> bool:
    session = getattr(config, "_benchmarksession", None)
    return session is not None and not session.disabled


def pytest_sessionstart(session):
    if _timed(session.config):
        _session["before"] = load.snapshot()


def pytest_runtest_logreport(report):
    if report.skipped and isinstance(report.longrepr, tuple):
        _session["skipped"][str(report.longrepr[2]).removeprefix("Skipped: ")] += 1

DEVICES = {"numpy": "cpu", "cupy": "gpu"}


class CUPY:
    """The CuPy the CuPy cases run on (``module``), or why they skip (``reason``).

    Decided in :func:`pytest_configure`, once pytest knows whether it times.
    """

    module = None
    reason = "not decided yet"
    standin = False


def pytest_configure(config):
    timed = not config.getoption("benchmark_disable") or config.getoption("benchmark_enable")
    if timed:
        CUPY.module, CUPY.reason = probe_cupy()
        if getattr(CUPY.module, "__cupy_standin__", False):  # tests/ activated it
            CUPY.module, CUPY.reason = None, "the tests' CuPy stand-in is active; it is never timed"
        return
    try:
        from tests.cupy_standin import cupy_for_tests
    except ImportError:  # a suite copied away from its tests: real CuPy only
        CUPY.module, CUPY.reason = probe_cupy()
        return
    CUPY.module, CUPY.reason, CUPY.standin = cupy_for_tests(probe_cupy)
    if CUPY.module is None and os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the CuPy cases, at least on the stand-in: "
                                f"{CUPY.reason}")


def skip_without_cupy():
    if CUPY.module is None:
        pytest.skip(f"CuPy cannot run here: {CUPY.reason}")


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["dlgpu"] = machine.describe()


def pytest_benchmark_update_json(config, benchmarks, output_json):
    before = _session["before"]
    output_json[LOAD_KEY] = load.between(before, load.snapshot()) if before else None
    output_json[SKIPPED_KEY] = dict(_session["skipped"])


@pytest.fixture(params=["numpy", "cupy"])
def backend_name(request):
    """Activates each backend in turn; frees the GPU's memory pools afterwards."""
    if request.param == "cupy":
        skip_without_cupy()
    dlgpu.set_backend(request.param)
    yield request.param
    if request.param == "cupy":
        CUPY.module.get_default_memory_pool().free_all_blocks()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            torch.cuda.empty_cache()
    dlgpu.set_backend("numpy")


@pytest.fixture
def device(backend_name):
    return DEVICES[backend_name]


class SessionCeilings:
    """The ceilings of each (backend, dtype): measured when first needed, and again
    when the session ends.  Each figure keeps the better of its two measurements
    (on a shared machine another process can only slow a measurement down), and
    every recorded result is brought up to date with it before the JSON is written.
    """

    def __init__(self):
        self.measured = {}
        self.records = []  # (key, extra_info) of each timed result

    @staticmethod
    def _measure(key):
        backend_name, dtype = key
        return measure_ceilings(np if backend_name == "numpy" else CUPY.module, dtype,
                                CEILING_SIZE)

    def record(self, extra_info):
        """Add the ceilings and the figures derived from them to a result's extra_info."""
        key = (extra_info["backend"], extra_info["dtype"])
        if key not in self.measured:
            self.measured[key] = self._measure(key)
        self.records.append((key, extra_info))
        _add_figures(extra_info, self.measured[key])

    def remeasure(self):
        for key, first in self.measured.items():
            again = self._measure(key)
            self.measured[key] = dataclasses.replace(
                first, gemm_flops_per_s=max(first.gemm_flops_per_s, again.gemm_flops_per_s),
                bandwidth_bytes_per_s=max(first.bandwidth_bytes_per_s,
                                          again.bandwidth_bytes_per_s))
        for key, extra_info in self.records:
            _add_figures(extra_info, self.measured[key])


def _add_figures(extra_info, limits):
    extra_info.update(
        gemm_flops_per_s=limits.gemm_flops_per_s,
        bandwidth_bytes_per_s=limits.bandwidth_bytes_per_s,
        ceiling_gemm_n=limits.gemm_n, ceiling_copy_bytes=limits.copy_bytes,
        **derived_metrics(extra_info["median_s"], flops=extra_info["flops"],
                          nbytes=extra_info["bytes"], examples=extra_info["examples"],
                          gemm_flops_per_s=limits.gemm_flops_per_s,
                          bandwidth_bytes_per_s=limits.bandwidth_bytes_per_s))


@pytest.fixture(scope="session")
def ceilings():
    """The session's :class:`SessionCeilings`; re-measured at the session's end."""
    session = SessionCeilings()
    yield session
    if session.records:
        session.remeasure()


@functools.cache
def device_name(device):
    if device == "gpu":
        return machine.gpu()["name"]
    return machine.cpu_model()


def measure(benchmark, step, synchronize, *, info, ceilings, group):
    """Time ``step`` with ``benchmark`` and record the figures in ``extra_info``.

    ``info`` must hold ``backend``, ``device``, ``dtype``, ``flops``, ``bytes``
    and ``examples`` (per call of ``step``); ``ceilings`` is the session's
    :class:`SessionCeilings`, which adds the ceilings and the figures.  One
    warm-up call runs outside the timed region (kernel compilation, cuBLAS
    handle, memory pools), and one timed call sizes the rounds.
    """
    benchmark.group = group
    step()
    synchronize()
    if benchmark.disabled:  # the test suite's smoke run: the body once, no figures
        benchmark.pedantic(step)
        return
    seconds = median_seconds(step, synchronize, repeats=1, warmup=0)
    budget, min_rounds, max_rounds = BUDGET
    k, rounds = plan_rounds(seconds, device=info["device"], budget_s=budget,
                            min_rounds=min_rounds, max_rounds=max_rounds)
    benchmark.pedantic(SyncEvery(step, k, synchronize), rounds=rounds, iterations=k,
                       warmup_rounds=1)
    synchronize()
    benchmark.extra_info.update(info, steps_per_sync=k, median_s=benchmark.stats.stats.median)
    ceilings.record(benchmark.extra_info)
