"""The floor and the figures derived from a measured time, by hand."""

import pytest

from dlgpu.bench.roofline import derived_metrics, floor_seconds


def test_floor_is_the_larger_of_compute_and_memory_time():
    # 1e9 FLOPs at 1e11 FLOP/s = 10 ms; 1e8 bytes at 2e10 B/s = 5 ms
    assert floor_seconds(1e9, 1e8, 1e11, 2e10) == pytest.approx(0.01)
    assert floor_seconds(1e9, 1e9, 1e11, 2e10) == pytest.approx(0.05)


def test_derived_metrics_by_hand():
    figures = derived_metrics(0.02, flops=1e9, nbytes=1e8, examples=1000,
                              gemm_flops_per_s=1e11, bandwidth_bytes_per_s=2e10)
    assert figures["examples_per_s"] == pytest.approx(50_000)
    assert figures["gflops_per_s"] == pytest.approx(50)
    assert figures["gbytes_per_s"] == pytest.approx(5)
    assert figures["floor_s"] == pytest.approx(0.01)
    assert figures["pct_of_floor"] == pytest.approx(50)
    assert figures["pct_of_gemm"] == pytest.approx(50)
    assert figures["pct_of_bandwidth"] == pytest.approx(25)


def test_a_time_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        derived_metrics(0.0, flops=1, nbytes=1, examples=1, gemm_flops_per_s=1,
                        bandwidth_bytes_per_s=1)
