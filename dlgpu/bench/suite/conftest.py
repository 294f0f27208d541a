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
"""

import dataclasses
import functools
import sys
from collections import Counter

import pytest

import dlgpu
from dlgpu.backend import probe_cupy
from dlgpu.backend.cuda import free_cached_blocks
from dlgpu.bench import load, machine
from dlgpu.bench.ceilings import measure_ceilings
from dlgpu.bench.results import LOAD_KEY, SKIPPED_KEY
from dlgpu.bench.roofline import derived_metrics
from dlgpu.bench.timing import SyncEvery, median_seconds, plan_rounds

from .matrix import BUDGET, CEILING_SIZE

__all__ = ["backend_name", "device", "ceilings", "pytest_sessionstart",
           "pytest_runtest_logreport", "pytest_benchmark_update_machine_info",
           "pytest_benchmark_update_json"]

DEVICES = {"numpy": "cpu", "cupy": "gpu"}


_session = {"before": None, "skipped": Counter(), "cupy": None}


def _timed(config) -> bool:
    session = getattr(config, "_benchmarksession", None)
    return session is not None and not session.disabled


def cupy_for(config):
    """``(cupy, None)`` for the CuPy cases, or ``(None, why they skip)``; probed once.

    Probed when first needed, not at import, so that a checkout's test
    session (its root ``conftest.py``) can first put the tests' CuPy stand-in
    in place for an untimed run.  A stand-in (a module marked
    ``__cupy_standin__``) is never timed.
    """
    if _session["cupy"] is None:
        cupy, reason = probe_cupy()
        if cupy is not None and is_standin(cupy) and _timed(config):
            cupy, reason = None, "a test stand-in for CuPy is active, and it is never timed"
        _session["cupy"] = (cupy, reason and reason.split(";")[0])
    return _session["cupy"]


def is_standin(cupy) -> bool:
    return getattr(cupy, "__cupy_standin__", False)


def skip_without_cupy(config):
    cupy, reason = cupy_for(config)
    if cupy is None:
        pytest.skip(f"CuPy cannot run here: {reason}")
    return cupy


def pytest_sessionstart(session):
    if _timed(session.config):
        _session["before"] = load.snapshot()


def pytest_runtest_logreport(report):
    if report.skipped and isinstance(report.longrepr, tuple):
        _session["skipped"][str(report.longrepr[2]).removeprefix("Skipped: ")] += 1


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
        skip_without_cupy(request.config)
    dlgpu.set_backend(request.param)
    yield request.param
    if request.param == "cupy":
        free_cached_blocks(dlgpu.backend.get_backend_module())
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
        self.modules = {}  # the array module each (backend, dtype) was measured with
        self.records = []  # (key, extra_info) of each timed result

    def record(self, extra_info):
        """Add the ceilings and the figures derived from them to a result's extra_info;
        a result is recorded while its backend is active."""
        key = (extra_info["backend"], extra_info["dtype"])
        if key not in self.measured:
            self.modules[key] = dlgpu.backend.get_backend_module()
            self.measured[key] = measure_ceilings(self.modules[key], key[1], CEILING_SIZE)
        self.records.append((key, extra_info))
        _add_figures(extra_info, self.measured[key])

    def remeasure(self):
        for key, first in self.measured.items():
            again = measure_ceilings(self.modules[key], key[1], CEILING_SIZE)
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
