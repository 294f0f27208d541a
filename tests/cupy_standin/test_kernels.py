"""The stand-in's ElementwiseKernel: CuPy's argument and type rules, NumPy's arithmetic."""

import numpy as np
import pytest

from dlgpu.activations import ACTIVATIONS, get_activation
from dlgpu.activations.kernels import KINDS

from . import modules, unavailable_reason

cupy, _ = modules()
# tests/conftest.py makes a missing compiler fail the session on CI
pytestmark = pytest.mark.skipif(unavailable_reason() is not None,
                                reason=f"the CuPy stand-in cannot run: {unavailable_reason()}")

# Values where activations are easy to get wrong: signed zeros, NaN,
# infinities, subnormals, and where exp/tanh saturate.
SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-40, -1e-40, 1e-8, -1e-8, 20.0, -20.0,
           88.0, -88.0, 100.0, -100.0, 710.0, -710.0, 1e4, -1e4]


def _kernel(spec):
    return cupy.ElementwiseKernel(spec.in_params, spec.out_params, spec.operation,
                                  name=spec.name, preamble=spec.preamble)


def _inputs(dtype):
    rng = np.random.default_rng(0)
    z = np.concatenate([np.array(SPECIAL), rng.standard_normal(2000) * 8]).astype(dtype)
    return z.reshape(1, -1)


# Leaky ReLU also at the ends of its slope's range, where slope * z can be 0 * inf
CASES = [(name, {}) for name in sorted(ACTIVATIONS)] + [("leaky_relu", {"slope": 0.0}),
                                                         ("leaky_relu", {"slope": 1.0})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_each_kernel_computes_what_its_numpy_reference_computes(name, params, dtype):
    """The kernel text dlgpu hands CuPy, run on the host, against forward_cpu/backward_cpu.

    Equal to the last bit where both sides round the same operations (ReLU,
    Leaky ReLU, identity).  Sigmoid and tanh within 4 ulp: their kernels
    call exp/tanh from the C library, whose last bit differs from NumPy's
    (as CUDA's expf and tanhf, within 2 ulp, do), the sigmoid kernel
    multiplies by a rounded 1/(1 + e) where NumPy divides once, and the
    backward products are taken in another order; measured here: at most
    3 ulp (sigmoid float32 forward), 2 ulp elsewhere.
    """
    activation = get_activation(name, **params)
    exact = name in ("relu", "leaky_relu", "identity")
    z = _inputs(dtype)
    b = np.full((1, 1), 0.25, dtype=dtype)
    # dA holds the special values too (in another order), so NaN and inf meet every z
    dA = np.roll(_inputs(dtype), 7)
    with np.errstate(all="ignore"):
        a_ref = activation.forward_cpu(z.copy())
        biased_ref = activation.forward_cpu(z + b)
        dz_ref = activation.backward_cpu(dA.copy(), a_ref)
    scalars = activation.param_values()
    forward = _kernel(activation.kernel_spec("forward"))
    a = forward(cupy.asarray(z), *scalars).get()
    A = cupy.asarray(z)
    _kernel(activation.kernel_spec("forward_bias"))(cupy.asarray(b), *scalars, A)
    dz = cupy.asarray(dA)
    _kernel(activation.kernel_spec("backward"))(cupy.asarray(a_ref), *scalars, dz)
    if params.get("slope") == 0.0:
        # NumPy's maximum(z, 0 * z) is NaN at z = +inf where the kernel gives
        # g(+inf) = +inf: both non-finite, the only place the two paths differ.
        finite = z != np.inf
        a, a_ref = a[finite], a_ref[finite]
        A, biased_ref = cupy.asarray(A.get()[finite]), biased_ref[finite]
    for got, want in ((a, a_ref), (A.get(), biased_ref), (dz.get(), dz_ref)):
        assert got.dtype == dtype
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_array_max_ulp(got, want, maxulp=4)


def test_every_kernel_kind_is_covered():
    # the dropout kinds are compared with NumPy in tests/test_dropout.py
    assert {"forward", "forward_bias", "backward", "forward_bias_dropout",
            "backward_dropout"} == set(KINDS)


def test_broadcasting_and_output_shape():
    add = cupy.ElementwiseKernel("T x, T y", "T z", "z = x + y", "add")
    col = cupy.asarray(np.arange(3.0).reshape(3, 1))
    row = cupy.asarray(np.arange(4.0).reshape(1, 4))
    np.testing.assert_array_equal(add(col, row).get(), np.arange(3.0)[:, None] + np.arange(4.0))
    with pytest.raises(ValueError, match="Out shape is mismatched"):
        add(col, row, cupy.empty((3, 1)))
    # a strided (transposed) input is read through its strides
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(add(cupy.asarray(m).T, 1.0).get(), m.T + 1)


def test_type_rules():
    add = cupy.ElementwiseKernel("T x, T y", "T z", "z = x + y", "add")
    f32, f64 = cupy.zeros((2,), np.float32), cupy.zeros((2,), np.float64)
    with pytest.raises(TypeError, match="Type is mismatched"):
        add(f32, f64)
    with pytest.raises(TypeError, match="Type is mismatched"):
        add(f32, f32, cupy.empty((2,), np.float64))
    assert add(f32, 1.5).dtype == np.float32  # a scalar takes its placeholder's type
    # the scalar is cast to T before the addition: float32(0.1) + 0, not 0.1
    assert add(f32, 0.1).get()[0] == np.float32(0.1)


def test_arguments_must_be_device_arrays_or_scalars():
    add = cupy.ElementwiseKernel("T x, T y", "T z", "z = x + y", "add")
    x = cupy.zeros((2,))
    with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
        add(x, np.zeros(2))
    with pytest.raises(TypeError, match="Unsupported type"):  # outputs go through the same check
        add(x, 1.0, np.zeros(2))
    with pytest.raises(TypeError, match="Wrong number of arguments"):
        add(x)


def test_a_kernel_that_does_not_compile_raises():
    broken = cupy.ElementwiseKernel("T x", "T y", "y = x +;", "broken")
    with pytest.raises(Exception, match="error"):
        broken(cupy.zeros((2,)))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_the_host_runs_the_text_nvrtc_compiles(name):
    """The operation and preamble compiled for the host are those of the CUDA source that
    scripts/check_cuda_sources.py compiles with NVRTC, verbatim."""
    from dlgpu.activations.kernels import render_cuda_source

    from .kernels import _params, render
    for kind in KINDS:
        spec = get_activation(name).kernel_spec(kind)
        cuda = render_cuda_source(spec, "float32")
        params = _params(spec.in_params, True) + _params(spec.out_params, False)
        host = render(params, frozenset(spec.scalars), {"T": np.dtype("float32")},
                      spec.operation, spec.preamble)
        for text in (spec.operation, spec.preamble, "typedef float T;"):
            assert text in cuda and text in host
