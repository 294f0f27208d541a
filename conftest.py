"""The checkout's test session: which CuPy the CuPy cases run on.

The test suite (``tests/``) and the untimed smoke run of the benchmark suite
(``benchmarks/``, which pytest runs with the tests: ``--benchmark-disable``)
run their CuPy cases on real CuPy where it runs, else on the tests' strict
CuPy stand-in (``tests/cupy_standin``).  ``tests/conftest.py`` puts the
stand-in in place for the tests; this file does it for an untimed session
that collects ``benchmarks/`` alone.  On CI (``CI`` set) a session that
cannot run the CuPy cases, at least on the stand-in, fails.

A timed session (``--benchmark-enable``, as ``dlgpu bench`` runs the suite)
is left alone: the suite never times a stand-in (see
:func:`dlgpu.bench.suite.conftest.cupy_for`).  Neither dlgpu nor its
benchmark suite imports the stand-in; only the tests and this file do.
"""

import os

import pytest


def pytest_configure(config):
    # untimed: pytest-benchmark's --benchmark-disable (the project's default), or no pytest-benchmark
    if config.getoption("benchmark_enable", False) or not config.getoption("benchmark_disable",
                                                                           True):
        return
    from dlgpu.backend import probe_cupy
    from tests.cupy_standin import cupy_for_tests

    cupy, reason, _ = cupy_for_tests(probe_cupy)
    if cupy is None and os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the CuPy cases, at least on the stand-in: {reason}")
