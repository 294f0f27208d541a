"""The source tree's entry point to the benchmark suite, which ships in
:mod:`dlgpu.bench.suite` so that ``dlgpu bench`` runs from an installed package.

``python3 -m pytest benchmarks --benchmark-enable`` times it from a checkout.
Untimed (the test suite's smoke run), where real CuPy cannot run, the CuPy
cases run on the tests' CuPy stand-in, which the checkout's root
``conftest.py`` puts in place; timed, the suite never uses it.
"""

from dlgpu.bench.suite.conftest import *  # noqa: F403  the fixtures and hooks
