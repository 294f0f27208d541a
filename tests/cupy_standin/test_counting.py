"""The stand-in's counter: launches, pool allocations and syncs as CuPy 14 issues them."""

import numpy as np
import pytest

from tests.helpers import CUPY_IS_STANDIN, HAS_CUPY

from . import counting, modules

pytestmark = pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN),
                                reason="counts only on the CuPy stand-in")


@pytest.fixture
def cp():
    return modules()[0]


def test_an_elementwise_op_is_one_launch_and_one_allocation(cp):
    x = cp.asarray(np.ones((3, 4), np.float32))
    with counting() as c:
        y = x * 2
    assert (c.launches, c.allocations, c.syncs) == (1, 1, 0)
    assert c.kinds == {"elementwise": 1}
    with counting() as c:
        cp.multiply(x, y, out=y)  # out is an input: no copy
        x += 1
    assert (c.launches, c.allocations) == (2, 0)


def test_an_input_overlapping_out_is_copied_first(cp):
    x = cp.asarray(np.ones((4, 4), np.float32))
    with counting() as c:
        cp.maximum(x.T, 1, out=x)  # _copy_in_args_if_needed
    assert c.kinds == {"copy_d2d": 1, "elementwise": 1} and c.allocations == 1


def test_zero_size_launches_nothing(cp):
    x = cp.empty((0, 3), np.float32)
    with counting() as c:
        x * 2
    assert c.launches == 0 and c.allocations == 0


def test_matmul_into_a_fresh_array_is_one_gemm(cp):
    a = cp.asarray(np.ones((3, 4), np.float32))
    b = cp.asarray(np.ones((4, 5), np.float32))
    with counting() as c:
        a @ b
    assert (c.launches, c.allocations, c.kinds) == (1, 1, {"gemm": 1})
    out = cp.empty((3, 5), np.float32)
    with counting() as c:
        cp.matmul(a, b.T.T, out=out)
    assert (c.launches, c.allocations) == (1, 0)


def test_matmul_out_of_another_dtype_or_overlapping_goes_through_a_temporary(cp):
    a = cp.asarray(np.ones((3, 3), np.float32))
    with counting() as c:
        cp.matmul(a, a, out=cp.empty((3, 3), np.float64))
    assert c.kinds == {"gemm": 1, "copy_d2d": 1} and c.allocations == 2  # out + temporary
    with counting() as c:
        cp.matmul(a, a, out=a)
    assert c.kinds == {"gemm": 1, "copy_d2d": 1} and c.allocations == 1


def test_get_is_a_copy_and_a_sync(cp):
    x = cp.asarray(np.ones(3))
    with counting() as c:
        x.get()
    assert (c.launches, c.syncs, c.kinds, c.sync_kinds) == (1, 1, {"copy_d2h": 1}, {"get": 1})
    with counting() as c:
        float(x[0])
        cp.asnumpy(x)
    assert c.syncs == 2 and c.kinds["copy_d2h"] == 2


def test_sums_follow_cub(cp):
    x = cp.asarray(np.ones((4, 6), np.float32))
    with counting() as c:  # a row sum: CUB's segmented reduce, result + workspace
        x.sum(axis=1, keepdims=True)
    assert (c.launches, c.allocations) == (1, 2) and c.kinds == {"reduction": 1}
    with counting() as c:  # a full sum: cub::DeviceReduce, two kernels counted
        x.sum()
    assert (c.launches, c.allocations) == (2, 2)
    with counting() as c:  # a column sum of C-ordered data: CuPy's own reduction
        x.sum(axis=0)
    assert (c.launches, c.allocations) == (1, 1)
    with counting() as c:  # int32 promotes: no CUB
        cp.asarray(np.ones(5, np.int32)).sum()
    assert c.kinds == {"copy_h2d": 1, "reduction": 1} and c.allocations == 2


def test_uploads_zeros_and_syncs(cp):
    with counting() as c:
        z = cp.zeros((2, 2))
        z.set(np.ones((2, 2)))
        cp.cuda.get_current_stream().synchronize()
        cp.cuda.Device().synchronize()
    assert c.kinds == {"memset": 1, "copy_h2d": 1} and c.allocations == 1
    assert c.sync_kinds == {"stream": 1, "device": 1}


def test_counters_nest(cp):
    x = cp.asarray(np.ones(3))
    with counting() as outer:
        x + 1
        with counting() as inner:
            x + 1
    assert (outer.launches, inner.launches) == (2, 1)


def test_an_elementwise_kernel_with_raw_arrays_is_one_launch(cp):
    colmax = cp.ElementwiseKernel(
        "raw T x", "T y", "T m = x[i]; for (ptrdiff_t r = 1; r < x.shape()[0]; ++r) "
        "m = max(m, x[r * x.shape()[1] + i]); y = m;", "colmax")
    x = cp.asarray(np.ones((3, 4), np.float32))
    out = cp.empty((1, 4), np.float32)
    with counting() as c:
        colmax(x, out)
    assert (c.launches, c.allocations, c.kinds) == (1, 0, {"elementwise": 1})
    copy = cp.ElementwiseKernel("raw T x", "raw T y", "y[i] = x[i]", "rawcopy")
    with counting() as c:
        copy(x, size=12)  # the raw output is allocated: (12,)
        copy(x, cp.empty((0,), np.float32), size=0)  # a 0-size loop launches nothing
    assert (c.launches, c.allocations) == (1, 1)


def test_a_reduction_kernel_is_one_launch(cp):
    s = cp.ReductionKernel("T x", "T y", "x", "a + b", "y = a", "0", "row_sum")
    x = cp.asarray(np.ones((4, 6), np.float32))
    out = cp.empty((4, 1), np.float32)
    with counting() as c:  # CuPy's own reduction kernel into a given out
        s(x, axis=1, keepdims=True, out=out)
    assert (c.launches, c.allocations, c.kinds) == (1, 0, {"reduction": 1})
    with counting() as c:  # the output allocated
        s(x, axis=0)
        s(x)
    assert (c.launches, c.allocations) == (2, 2)
    with counting() as c:  # 0-size output: nothing launched, the (empty) output not charged
        s(cp.empty((0, 6), np.float32), axis=1)
    assert (c.launches, c.allocations) == (0, 0)
    with counting() as c:  # an empty reduced axis still launches (it writes the identity)
        s(cp.empty((4, 0), np.float32), axis=1)
    assert (c.launches, c.allocations) == (1, 1)


def test_a_reduction_kernel_may_go_through_cub(cp):
    """_reduction.pyx ReductionKernel.__call__ passes try_use_cub=True: one input and
    output, >= 128 contiguous reduced elements go through CUB's BlockReduce (one
    kernel per segment; a full reduction is two passes and a workspace)."""
    s = cp.ReductionKernel("T x", "T y", "x", "a + b", "y = a", "0", "row_sum")
    x = cp.asarray(np.ones((4, 256), np.float32))
    out = cp.empty((4,), np.float32)
    with counting() as c:
        s(x, axis=1, out=out)
    assert (c.launches, c.allocations) == (1, 0)
    with counting() as c:
        s(x, out=cp.empty((), np.float32))
    assert (c.launches, c.allocations, c.kinds) == (2, 2, {"reduction": 2})  # out + workspace
    w = cp.asarray(np.ones((1, 256), np.float32))
    dot = cp.ReductionKernel("T x, T w", "T y", "x * w", "a + b", "y = a", "0", "dot")
    with counting() as c:  # two inputs: CuPy's own kernel, one launch, even in full
        dot(x, w, out=cp.empty((), np.float32))
    assert (c.launches, c.allocations) == (1, 1)


def test_take_into_out_is_one_launch_and_no_allocation(cp):
    x = cp.asarray(np.arange(12.0).reshape(3, 4))
    index = cp.asarray(np.array([3, 0]))
    out = cp.empty((3, 2))
    with counting() as c:
        cp.take(x, index[0:2], axis=1, out=out)
    assert (c.launches, c.allocations, c.syncs) == (1, 0, 0)
    with counting() as c:  # host indices: CuPy copies them to a new device array first
        cp.take(x, np.array([1, 2]), axis=1, out=out)
    assert (c.launches, c.allocations) == (2, 1) and c.kinds["copy_h2d"] == 1
