"""The stand-in's ElementwiseKernel: CuPy's argument and type rules, NumPy's arithmetic."""

import numpy as np
import pytest

import dlgpu
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
    # the dropout kinds are compared with NumPy in tests/test_dropout.py, the outer-product
    # kinds in test_the_outer_product_backward_is_the_numpy_one below
    assert {"forward", "forward_bias", "backward", "forward_bias_dropout",
            "backward_dropout", "backward_outer", "backward_outer_dropout"} == set(KINDS)


@pytest.mark.parametrize("keep_prob", [1.0, 0.7])
@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_the_outer_product_backward_is_the_numpy_one(name, params, keep_prob):
    """dZ[l] = (W[l+1]^T dZ[l+1]) * g'(Z[l]) for a one-row W[l+1], in one kernel."""
    from dlgpu.dropout import StepDropout
    activation = get_activation(name, **params)
    rng = np.random.default_rng(1)
    wt, dZ = rng.standard_normal((6, 1)), rng.standard_normal((1, 40))
    with np.errstate(all="ignore"):
        A = activation.forward_cpu(rng.standard_normal((6, 40)) * 3)
    columns = np.arange(40).reshape(1, -1)
    results = []
    for xp in (np, cupy):
        masks = None if keep_prob == 1.0 else StepDropout(
            keep_prob, 3, 5, xp.asarray(columns)).layer(1)
        out = xp.empty((6, 40))
        got = activation.backward_outer_(xp.asarray(wt), xp.asarray(dZ), xp.asarray(A), out,
                                         masks)
        assert got is out
        results.append(dlgpu.to_numpy(out))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-13, atol=1e-300)
    if keep_prob < 1.0:
        assert (results[0] == 0).any()  # some units dropped


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


# -- raw parameters, size= (cupy/_core/_kernel.pyx, include/cupy/carray.cuh) --------------

def test_raw_input_is_indexed_through_its_own_shape_and_strides():
    """``x[j]`` is a flat C-order index over x's own shape, so a non-contiguous view
    (a transposed slice) reads the elements NumPy's ``ravel()`` gives."""
    base = np.arange(40.0, dtype=np.float32).reshape(5, 8)
    view = cupy.asarray(base)[1:4, ::2].T  # (4, 3), neither C- nor F-contiguous
    expected = base[1:4, ::2].T
    assert not view._data.flags.c_contiguous and not view._data.flags.f_contiguous
    gather = cupy.ElementwiseKernel(
        "raw T x, int64 j", "T y", "y = x[j] + x.size() * 1000 + x.shape()[0] * 100", "gather")
    got = gather(view, cupy.asarray(np.array([0, 5, 11])))
    want = expected.ravel()[[0, 5, 11]] + expected.size * 1000 + expected.shape[0] * 100
    np.testing.assert_array_equal(got.get(), want)
    # the loop runs over the non-raw arrays only: j's shape, not x's
    assert got.shape == (3,) and got.dtype == np.float32


def test_column_max_over_a_raw_input_into_a_row():
    """Each ``i`` of the (1, m) output walks its column of a (k, m) raw input;
    CUDA's ``max(float, float)`` is fmaxf, as the stand-in's."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 7)).astype(np.float32)
    colmax = cupy.ElementwiseKernel(
        "raw T x", "T y",
        "const ptrdiff_t m = x.shape()[1]; T best = x[i];"
        "for (ptrdiff_t r = 1; r < x.shape()[0]; ++r) best = max(best, x[r * m + i]);"
        "y = best;", "colmax")
    out = cupy.empty((1, 7), np.float32)
    assert colmax(cupy.asarray(x), out) is out
    np.testing.assert_array_equal(out.get(), x.max(axis=0, keepdims=True))
    # without an output the loop size is undecided: the only array is raw
    with pytest.raises(ValueError, match="Loop size is undecided"):
        colmax(cupy.asarray(x))


def test_size_runs_a_loop_over_raw_arrays_only():
    x = np.arange(10.0)
    shift = cupy.ElementwiseKernel("raw T x", "raw T y", "y[i] = x[_ind.size() - 1 - i]",
                                   "reverse")
    y = cupy.zeros(10)
    shift(cupy.asarray(x), y, size=10)
    np.testing.assert_array_equal(y.get(), x[::-1])
    # a raw output is allocated only with size=, with shape (size,)
    got = shift(cupy.asarray(x), size=4)
    assert got.shape == (4,)
    np.testing.assert_array_equal(got.get(), x[3::-1])
    with pytest.raises(ValueError, match="Output array size is Undecided"):
        cupy.ElementwiseKernel("T x", "raw T y", "y[i] = x", "k")(cupy.asarray(x))
    with pytest.raises(ValueError, match="Specified 'size' can be used only if all"):
        cupy.ElementwiseKernel("T x", "T y", "y = x", "k")(cupy.asarray(x), size=10)
    with pytest.raises(ValueError, match="Loop size is undecided"):
        shift(cupy.asarray(x), y)


def test_raw_inputs_are_const_and_parameter_syntax_follows_cupy():
    # _ArgInfo.get_param_c_type: a raw input is a ``const CArray<...>``
    write_input = cupy.ElementwiseKernel("raw T x", "T y", "x[i] = y", "bad")
    with pytest.raises(Exception, match="error"):
        write_input(cupy.zeros(2), cupy.zeros(2))
    with pytest.raises(Exception, match='Unknown keyword "rwa"'):
        cupy.ElementwiseKernel("rwa T x", "T y", "y = x", "k")
    with pytest.raises(ValueError, match="Can not use 'i' as a parameter name"):
        cupy.ElementwiseKernel("T i", "T y", "y = i", "k")
    with pytest.raises(NotImplementedError, match="CIndexer"):
        cupy.ElementwiseKernel("CIndexer x", "T y", "y = 0", "k")


def test_fixed_dtype_parameters():
    scale = cupy.ElementwiseKernel("float32 x, float64 s", "float64 y", "y = x * s", "scale")
    x = np.array([1.5, -2.0], np.float32)
    got = scale(cupy.asarray(x), 0.1)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.get(), x.astype(np.float64) * 0.1)
    with pytest.raises(TypeError, match="Type is mismatched"):
        scale(cupy.asarray(x.astype(np.float64)), 0.1)


# -- ReductionKernel (cupy/_core/_reduction.pyx) ---------------------------------------------

def _sum_kernel():
    return cupy.ReductionKernel("T x", "T y", "x", "a + b", "y = a", "0", "row_sum")


def test_row_sum_with_keepdims_into_a_given_out():
    x = np.random.default_rng(2).standard_normal((4, 6))
    out = cupy.empty((4, 1))
    got = _sum_kernel()(cupy.asarray(x), axis=1, keepdims=True, out=out)
    assert got is out
    np.testing.assert_allclose(out.get(), x.sum(axis=1, keepdims=True), rtol=1e-13)
    # negative and tuple axes; without out the result is allocated
    np.testing.assert_allclose(_sum_kernel()(cupy.asarray(x), axis=(-1,)).get(),
                               x.sum(axis=1), rtol=1e-13)
    np.testing.assert_allclose(_sum_kernel()(cupy.asarray(x), axis=(0, 1)).get(), x.sum(),
                               rtol=1e-13)


@pytest.mark.parametrize("m", [6, 300])  # below and above CUB's threshold (128)
def test_full_reduction_with_a_post_map_expr(m):
    x = np.random.default_rng(3).standard_normal((2, m))
    norm = cupy.ReductionKernel("T x", "T y", "x * x", "a + b", "y = sqrt(a)", "0", "l2norm")
    got = norm(cupy.asarray(x))
    assert got.shape == () and got.dtype == np.float64
    np.testing.assert_allclose(got.get(), np.sqrt((x * x).sum()), rtol=1e-13)


def test_two_inputs_broadcast_and_a_wider_reduce_type():
    """A (k, m) input times a (1, m) weights row, summed over columns in double."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 200)).astype(np.float32)
    w = rng.random((1, 200)).astype(np.float32)
    dot = cupy.ReductionKernel("T x, T w", "T y", "(double)x * (double)w", "a + b",
                               "y = (T)a", "0", "weighted", reduce_type="double")
    got = dot(cupy.asarray(x), cupy.asarray(w), axis=1)
    assert got.dtype == np.float32 and got.shape == (3,)
    want = (x.astype(np.float64) * w.astype(np.float64)).sum(axis=1).astype(np.float32)
    np.testing.assert_allclose(got.get(), want, rtol=1e-6)
    # the mean over columns: _in_ind/_out_ind are offered off the CUB path (two inputs)
    mean = cupy.ReductionKernel("T x, T w", "float64 y", "x * w", "a + b",
                                "y = a / (_in_ind.size() / _out_ind.size())", "0", "wmean",
                                reduce_type="double")
    got = mean(cupy.asarray(x), cupy.asarray(w), axis=1, keepdims=True)
    assert got.dtype == np.float64 and got.shape == (3, 1)
    np.testing.assert_allclose(got.get(), (x * w).astype(np.float64).mean(1, keepdims=True),
                               rtol=1e-6)


def test_reduction_type_placeholder_defaults_to_the_first_output():
    x = np.full((2, 3), 0.1, np.float32)
    got = _sum_kernel()(cupy.asarray(x), axis=0)
    assert got.dtype == np.float32  # reduce_type T: summed in float32
    np.testing.assert_allclose(got.get(), x.sum(axis=0), rtol=1e-6)


def test_empty_reductions():
    # an empty reduced axis gives POST_MAP(identity); a 0-size output launches nothing
    got = _sum_kernel()(cupy.zeros((3, 0)), axis=1)
    np.testing.assert_array_equal(got.get(), np.zeros(3))
    ones = cupy.ReductionKernel("T x", "T y", "x", "a * b", "y = a + 1", "1", "prod1")
    np.testing.assert_array_equal(ones(cupy.zeros((3, 0)), axis=1).get(), np.full(3, 2.0))
    assert _sum_kernel()(cupy.zeros((0, 3)), axis=1).shape == (0,)
    no_identity = cupy.ReductionKernel("T x", "T y", "x", "max(a, b)", "y = a", None, "mx")
    with pytest.raises(ValueError, match="zero-size array to reduction operation mx"):
        no_identity(cupy.zeros((3, 0)), axis=1)
    assert no_identity(cupy.zeros((0, 3)), axis=1).shape == (0,)


def test_reduction_bad_calls_raise_as_cupy():
    s = _sum_kernel()
    x = cupy.zeros((4, 6), np.float32)
    with pytest.raises(ValueError, match="Out shape is mismatched"):
        s(x, axis=1, out=cupy.empty((4,), np.float32), keepdims=True)
    with pytest.raises(ValueError, match="Out shape is mismatched"):
        s(x, axis=1, out=cupy.empty((4, 1), np.float32))
    with pytest.raises(TypeError, match="Type is mismatched"):  # outputs are not cast
        s(x, axis=1, out=cupy.empty((4,), np.float64))
    with pytest.raises(TypeError, match="Unsupported type"):
        s(np.zeros((4, 6)))
    with pytest.raises(TypeError, match="Wrong number of arguments"):
        s(x, x, x)
    with pytest.raises(ValueError, match="cannot specify 'out' as both"):
        s(x, cupy.empty((), np.float32), out=cupy.empty((), np.float32))
    with pytest.raises(np.exceptions.AxisError):
        s(x, axis=2)
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        s(x, axis=(1, -1))
    with pytest.raises(TypeError, match="Wrong arguments"):
        s(x, dtype=np.float64)
    with pytest.raises(ValueError, match="Loop size is undecided"):
        s(1.0)
    with pytest.raises(ValueError, match="operands could not be broadcast|shape mismatch"):
        cupy.ReductionKernel("T x, T w", "T y", "x * w", "a + b", "y = a", "0", "k")(
            x, cupy.zeros((1, 5), np.float32))
    with pytest.raises(NotImplementedError, match="raw"):
        cupy.ReductionKernel("raw T x", "T y", "x", "a + b", "y = a", "0", "k")
    with pytest.raises(ValueError, match="Invalid kernel name"):
        cupy.ReductionKernel("T x", "T y", "x", "a + b", "y = a", "0", "bad name")


def test_reduction_returns_only_its_first_output():
    # _AbstractReductionKernel._call returns out_args[0], whatever nout is
    two = cupy.ReductionKernel("T x", "T y, T z", "x", "a + b", "y = a, z = -a", "0", "two")
    y, z = cupy.empty((2,)), cupy.empty((2,))
    got = two(cupy.asarray(np.ones((2, 3))), y, z, axis=1)
    assert got is y
    np.testing.assert_array_equal(z.get(), [-3.0, -3.0])


def test_cub_path_renames_parameters_by_text_replacement():
    """On the CUB path (one input and output, >= 128 reduced contiguous elements) CuPy
    replaces the input's name by ``in0`` in map_expr as text: ``exp(x)`` becomes
    ``ein0p(in0)``, which does not compile; below the threshold it runs."""
    k = cupy.ReductionKernel("T x", "T y", "exp(x)", "a + b", "y = a", "0", "sum_exp")
    small = np.zeros((2, 4))
    np.testing.assert_allclose(k(cupy.asarray(small), axis=1).get(), [4.0, 4.0])
    with pytest.raises(Exception, match="ein0p"):
        k(cupy.zeros((2, 128)), axis=1)
    # a C-ordered input reduced over its leading axis stays off CUB
    np.testing.assert_allclose(k(cupy.zeros((128, 2)), axis=0).get(), [128.0, 128.0])
    # on the CUB path _in_ind does not exist
    mean = cupy.ReductionKernel("T v", "T y", "v", "a + b", "y = a / _in_ind.size()", "0",
                                "avg")
    # (_in_ind.size() is the whole input's size: 4 / 8)
    np.testing.assert_allclose(mean(cupy.asarray(np.ones((2, 4))), axis=1).get(), [0.5] * 2)
    with pytest.raises(Exception, match="_in_ind"):
        mean(cupy.zeros((2, 128)), axis=1)


def test_reduce_type_is_c_text_not_a_dtype_name():
    # _reduction.pyx pastes it into ``typedef ${reduce_type} _type_reduce;``
    k = cupy.ReductionKernel("T x", "T y", "x", "a + b", "y = a", "0", "k",
                             reduce_type="float64")
    with pytest.raises(Exception, match="float64"):
        k(cupy.zeros((2, 2), np.float32))
