"""From a measured time, FLOPs, bytes and the ceilings to the figures of the report.

The roofline floor of a piece of work is ``max(FLOPs / GEMM rate, bytes /
bandwidth)``: no implementation on that device runs much faster.  ``% of
floor`` is ``100 * floor / measured``: 100 means the work ran at the
hardware's limit, 25 means it took four times the floor.
"""

from __future__ import annotations


def floor_seconds(flops: float, nbytes: float, gemm_flops_per_s: float,
                  bandwidth_bytes_per_s: float) -> float:
    """The larger of the compute time and the memory time at the ceilings."""
    return max(flops / gemm_flops_per_s, nbytes / bandwidth_bytes_per_s)


def derived_metrics(seconds: float, *, flops: float, nbytes: float, examples: float,
                    gemm_flops_per_s: float, bandwidth_bytes_per_s: float) -> dict:
    """The figures a result is reported with, from its median ``seconds``.

    Returns ``examples_per_s``, ``gflops_per_s``, ``gbytes_per_s``,
    ``floor_s``, ``pct_of_floor``, ``pct_of_gemm`` and ``pct_of_bandwidth``.
    """
    if not seconds > 0:
        raise ValueError(f"a measured time must be positive, got {seconds!r}")
    floor = floor_seconds(flops, nbytes, gemm_flops_per_s, bandwidth_bytes_per_s)
    return {
        "examples_per_s": examples / seconds,
        "gflops_per_s": flops / seconds / 1e9,
        "gbytes_per_s": nbytes / seconds / 1e9,
        "floor_s": floor,
        "pct_of_floor": 100.0 * floor / seconds,
        "pct_of_gemm": 100.0 * flops / seconds / gemm_flops_per_s,
        "pct_of_bandwidth": 100.0 * nbytes / seconds / bandwidth_bytes_per_s,
    }
