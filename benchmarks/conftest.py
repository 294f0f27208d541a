"""The source tree's entry point to the benchmark suite, which ships in
:mod:`dlgpu.bench.suite` so that ``dlgpu bench`` runs from an installed package.

``python3 -m pytest benchmarks --benchmark-enable`` times it from a checkout.

Untimed (the test suite's smoke run), where real CuPy cannot run, the CuPy
cases run on the tests' CuPy stand-in (``tests/cupy_standin``), so that they
cannot rot; timed, the suite never uses it.
"""

import os

import pytest

from dlgpu.backend import probe_cupy
from dlgpu.bench.suite.conftest import *  # noqa: F403  the fixtures and hooks


def pytest_configure(config):
    if config.getoption("benchmark_disable") and not config.getoption("benchmark_enable"):
        from tests.cupy_standin import cupy_for_tests
        cupy, reason, _ = cupy_for_tests(probe_cupy)
        if cupy is None and os.environ.get("CI"):
            raise pytest.UsageError(f"CI must run the CuPy cases, at least on the stand-in: "
                                    f"{reason}")
