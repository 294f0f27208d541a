"""Batch plans and batch sources: every column once per epoch, same bits on every path."""

import numpy as np
import pytest

import dlgpu
from dlgpu.batching import ResidentBatches, epoch_plan, make_batches

from .conftest import needs_cupy


@pytest.mark.parametrize("m,batch_size", [(10, 3), (12, 4), (5, 8), (1, 1)])
def test_an_epoch_covers_every_column_once(m, batch_size):
    plan = epoch_plan(m, batch_size, np.random.default_rng(0))
    assert len(plan) == -(-m // batch_size)
    assert [len(b) for b in plan[:-1]] == [batch_size] * (len(plan) - 1)
    assert sorted(np.concatenate(plan).tolist()) == list(range(m))
    assert all((np.diff(b) > 0).all() for b in plan)  # sorted inside a batch


def test_plans_are_seeded_and_change_every_epoch():
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    first = [epoch_plan(20, 6, a) for _ in range(2)]
    again = [epoch_plan(20, 6, b) for _ in range(2)]
    for x, y in zip(first, again):
        assert all(np.array_equal(p, q) for p, q in zip(x, y))
    assert not all(np.array_equal(p, q) for p, q in zip(*first))


def test_without_shuffle_batches_are_consecutive():
    assert [b.tolist() for b in epoch_plan(5, 2, None)] == [[0, 1], [2, 3], [4]]


def test_resident_batches_gather_cast_and_are_contiguous():
    X = np.arange(12, dtype=np.int64).reshape(2, 6)
    Y = np.array([[0, 1, 0, 1, 1, 0]])
    plan = [np.array([1, 4]), np.array([0, 2, 5])]
    batches = list(ResidentBatches(X, Y, "float32")(plan))
    np.testing.assert_array_equal(batches[0][0], [[1, 4], [7, 10]])
    np.testing.assert_array_equal(batches[1][1], [[0, 0, 0]])
    assert all(b.dtype == np.float32 and b.flags.c_contiguous for pair in batches for b in pair)


@needs_cupy
@pytest.mark.parametrize("overlap", [True, False])
def test_streamed_batches_equal_resident_ones(overlap):
    import cupy

    from dlgpu.batching import StreamedBatches
    rng = np.random.RandomState(0)
    X, Y = rng.randn(7, 50), (rng.rand(1, 50) > 0.5).astype(np.float64)
    plan = epoch_plan(50, 16, np.random.default_rng(1))
    streamed = [(cupy.asnumpy(a), cupy.asnumpy(b))
                for a, b in StreamedBatches(X, Y, "float32", 16, overlap)(plan)]
    resident = list(ResidentBatches(X, Y, "float32")(plan))
    for (a, b), (c, d) in zip(streamed, resident):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@needs_cupy
def test_make_batches_streams_host_data_only_to_a_cupy_model():
    import cupy
    X, Y = np.zeros((3, 10)), np.zeros((1, 10))
    source = make_batches(X, Y, "float32", cupy, 4, stream=True)
    assert type(source).__name__ == "StreamedBatches"
    source = make_batches(cupy.asarray(X), cupy.asarray(Y), "float32", cupy, 4)
    assert type(source).__name__ == "ResidentBatches"
    source = make_batches(X, Y, "float32", cupy, 4, stream=False)
    assert isinstance(source.X, cupy.ndarray)


def test_numpy_data_stays_where_it_is():
    X, Y = np.zeros((3, 10)), np.zeros((1, 10))
    source = make_batches(X, Y, "float32", np, 4)
    assert source.X is X and isinstance(source, ResidentBatches)
    assert dlgpu.get_backend() == "numpy"
