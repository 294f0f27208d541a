"""The streaming benchmarks: see :mod:`dlgpu.bench.suite.test_bench_streaming`."""

from dlgpu.bench.suite.test_bench_streaming import *  # noqa: F403
