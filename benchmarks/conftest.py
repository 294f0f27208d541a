"""The source tree's entry point to the benchmark suite, which ships in
:mod:`dlgpu.bench.suite` so that ``dlgpu bench`` runs from an installed package.

``python3 -m pytest benchmarks --benchmark-enable`` times it from a checkout.
"""

from dlgpu.bench.suite.conftest import *  # noqa: F403  the fixtures and hooks
