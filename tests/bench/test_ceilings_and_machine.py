"""Ceilings are measured, and the machine is described, without assumptions about speed."""

import json
import math

import numpy as np
import pytest

from dlgpu.bench import machine
from dlgpu.bench.ceilings import measure_bandwidth, measure_ceilings, measure_gemm_rate


def test_numpy_ceilings_are_finite_positive_rates():
    ceilings = measure_ceilings(np, "float32", "quick")
    assert ceilings.backend == "numpy" and ceilings.dtype == "float32"
    assert ceilings.gemm_n == 1024 and ceilings.copy_bytes == 2 * 64 * 2 ** 20
    for rate in (ceilings.gemm_flops_per_s, ceilings.bandwidth_bytes_per_s):
        assert math.isfinite(rate) and rate > 0
    assert set(ceilings.as_dict()) >= {"gemm_flops_per_s", "bandwidth_bytes_per_s"}


def test_small_measurements_and_bad_sizes():
    assert measure_gemm_rate(np, "float64", 64, repeats=2) > 0
    assert measure_bandwidth(np, "float64", 2 ** 16, repeats=2) > 0
    with pytest.raises(ValueError, match="size must be"):
        measure_ceilings(np, "float32", "huge")


def test_machine_description_is_json_and_names_the_blas_and_gpu():
    described = machine.describe()
    json.dumps(described)
    assert described["cpus"] >= 1 and described["cpu_model"]
    assert described["numpy"] == np.__version__
    assert "gpu" in described and "blas" in described and "env" in described
    assert all(key.startswith(("OPENBLAS_", "OMP_", "MKL_", "CUPY_", "DLGPU_", "CUDA_"))
               for key in described["env"])
