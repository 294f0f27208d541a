"""The activations benchmarks: see :mod:`dlgpu.bench.suite.test_bench_activations`."""

from dlgpu.bench.suite.test_bench_activations import *  # noqa: F403
