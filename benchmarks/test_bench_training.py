"""The training benchmarks: see :mod:`dlgpu.bench.suite.test_bench_training`."""

from dlgpu.bench.suite.test_bench_training import *  # noqa: F403
