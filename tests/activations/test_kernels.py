"""Every CUDA kernel in the package compiles with NVRTC for sm_90, no GPU needed."""

import pytest

from dlgpu import losses, nvrtc, optimizers, outputs, propagation
from dlgpu.activations import ACTIVATIONS, all_cuda_sources, get_activation
from dlgpu.activations.kernels import KINDS, render_cuda_source

from ..helpers import needs_cupy, unavailable

try:
    _LIB = nvrtc.load_nvrtc()
    _NVRTC_MISSING = None
except nvrtc.NVRTCError as exc:
    _LIB, _NVRTC_MISSING = None, str(exc)

SOURCES = list(all_cuda_sources())
# The training step's other kernels: output heads, the optimizers' update, the
# softmax loss's log-sum-exp, the L2 term (the reductions' code is CuPy's own).
STEP_SOURCES = [*outputs.all_cuda_sources(), *optimizers.all_cuda_sources(),
                *losses.all_cuda_sources(), *propagation.all_cuda_sources()]


def _nvrtc():
    """NVRTC's library; a skip without it, but a failure on CI, where the check must run."""
    if _LIB is None:
        unavailable(f"NVRTC unavailable: {_NVRTC_MISSING}")
    return _LIB


def test_every_activation_has_every_kernel():
    names = {(name, dtype) for name, dtype, _ in SOURCES}
    assert len(names) == len(ACTIVATIONS) * len(KINDS) * 2


@pytest.mark.parametrize("name,dtype,source", SOURCES, ids=[f"{n}-{d}" for n, d, _ in SOURCES])
def test_kernel_compiles_for_sm90(name, dtype, source):
    cubin = nvrtc.compile_source(source, f"{name}.cu", arch="sm_90", lib=_nvrtc())
    assert cubin[:4] == b"\x7fELF"


@pytest.mark.parametrize("name,dtype,source", STEP_SOURCES,
                         ids=[f"{n}-{d}" for n, d, _ in STEP_SOURCES])
def test_every_step_kernel_compiles_for_sm90(name, dtype, source):
    cubin = nvrtc.compile_source(source, f"{name}.cu", arch="sm_90", lib=_nvrtc())
    assert cubin[:4] == b"\x7fELF"


def test_a_broken_kernel_fails_to_compile():
    lib = _nvrtc()
    spec = get_activation("tanh").kernel_spec("forward")
    broken = spec.__class__(**{**spec.__dict__, "operation": "a = tanh(z) +;"})
    with pytest.raises(nvrtc.NVRTCError, match="error"):
        nvrtc.compile_source(render_cuda_source(broken, "float32"), lib=lib)


def test_rendered_source_binds_params_like_cupy():
    source = render_cuda_source(get_activation("leaky_relu").kernel_spec("backward"), "float64")
    assert "typedef double T;" in source
    # the slope by value, as a float64 (CuPy's fixed-type parameter), used as the compute type
    assert "const double _slope" in source
    assert "_raw__slope" not in source and "const C slope = C(_slope);" in source
    assert "const T &y = _raw_y[i];" in source and "T &g = _raw_g[i];" in source


@needs_cupy
def test_cupy_kernels_are_built_from_the_same_specs():
    from dlgpu.activations.kernels import get_kernel
    act = get_activation("sigmoid")
    kernel = get_kernel(act.kernel_spec("forward"))
    assert kernel is get_kernel(act.kernel_spec("forward"))  # cached
    assert kernel.name == act.kernel_spec("forward").name
