"""Batch plans and batch sources: every column once per epoch, same bits on every path,
a memory map read about once per epoch."""

import tracemalloc

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, batching
from dlgpu.batching import ResidentBatches, chunk_columns, epoch_plan, make_batches

from .helpers import CUPY_IS_STANDIN, needs_cupy


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
@pytest.mark.parametrize("data_dtype", ["float32", "float64"])
def test_device_batches_are_kept_buffers_valid_until_the_next(data_dtype):
    """On CuPy a batch is gathered into a buffer kept per batch width: the next
    batch of that width overwrites it, so whoever keeps batches copies them."""
    import cupy
    rng = np.random.RandomState(0)
    X, Y = rng.randn(5, 40), (rng.rand(1, 40) > 0.5).astype(np.float64)
    plan = epoch_plan(40, 16, np.random.default_rng(2))  # widths 16, 16, 8
    source = ResidentBatches(cupy.asarray(X, data_dtype), cupy.asarray(Y, data_dtype), "float32")
    for epoch in range(2):
        kept, seen = [], []
        for Xb, Yb in source(plan):
            assert Xb.dtype == Yb.dtype == np.float32 and Xb.flags.c_contiguous
            kept.append((Xb.copy().get(), Yb.copy().get()))
            seen.append(Xb)
        for (a, b), columns in zip(kept, plan):
            np.testing.assert_array_equal(a, X.astype(data_dtype)[:, columns].astype(np.float32))
            np.testing.assert_array_equal(b, Y[:, columns].astype(np.float32))
        assert seen[0] is seen[1] and seen[2] is not seen[0]


def _streamed_and_resident(X, Y, plans, **kwargs):
    """Each plan's batches from one StreamedBatches and one ResidentBatches, on the host."""
    import cupy

    from dlgpu.batching import StreamedBatches
    streamed, resident = StreamedBatches(X, Y, "float32", 16, **kwargs), ResidentBatches(
        np.asarray(X), Y, "float32")
    for plan in plans:
        yield ([(cupy.asnumpy(a), cupy.asnumpy(b)) for a, b in streamed(plan)],
               list(resident(plan)))


@needs_cupy
@pytest.mark.parametrize("overlap", [True, False])
@pytest.mark.parametrize("mapped", [False, True])
def test_streamed_chunks_give_the_resident_batches(tmp_path, monkeypatch, overlap, mapped):
    """Chunks of 64 columns (5 loads, the last short), two epochs, the same bits."""
    monkeypatch.setattr(batching, "MIN_CHUNK_COLUMNS", 64)
    monkeypatch.setattr(batching, "CHUNK_ELEMENTS", 7 * 64)
    rng = np.random.RandomState(0)
    X, Y = rng.randn(7, 300), (rng.rand(1, 300) > 0.5).astype(np.float64)
    if mapped:
        np.save(tmp_path / "X.npy", X)
        X = np.load(tmp_path / "X.npy", mmap_mode="r")
    chunk = chunk_columns(7, 300, 16)
    assert chunk == 64
    plans = [epoch_plan(300, 16, np.random.default_rng(s), chunk) for s in (1, 2)]
    plans.append(epoch_plan(300, 16, None))  # consecutive, as validation data
    for streamed, resident in _streamed_and_resident(X, Y, plans, overlap=overlap):
        assert len(streamed) == len(resident) == 19
        for (a, b), (c, d) in zip(streamed, resident):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)


@needs_cupy
def test_streamed_batches_spread_wider_than_a_chunk_are_gathered_on_the_host(monkeypatch):
    """A plan not drawn by chunks (one permutation of all columns) still streams right."""
    monkeypatch.setattr(batching, "MIN_CHUNK_COLUMNS", 64)
    monkeypatch.setattr(batching, "CHUNK_ELEMENTS", 7 * 64)
    rng = np.random.RandomState(3)
    X, Y = rng.randn(7, 300), (rng.rand(1, 300) > 0.5).astype(np.float64)
    plan = epoch_plan(300, 16, np.random.default_rng(4))
    assert batching.plan_windows(plan, 7, 300).count(None) > 10
    (streamed, resident), = _streamed_and_resident(X, Y, [plan])
    for (a, b), (c, d) in zip(streamed, resident):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@needs_cupy
def test_a_streamed_epoch_left_early_leaves_the_source_usable(monkeypatch):
    import cupy

    from dlgpu.batching import StreamedBatches
    monkeypatch.setattr(batching, "MIN_CHUNK_COLUMNS", 64)
    monkeypatch.setattr(batching, "CHUNK_ELEMENTS", 7 * 64)
    rng = np.random.RandomState(5)
    X, Y = rng.randn(7, 300), (rng.rand(1, 300) > 0.5).astype(np.float64)
    plan = epoch_plan(300, 16, np.random.default_rng(6), 64)
    source = StreamedBatches(X, Y, "float32", 16)
    for k, _ in enumerate(source(plan)):
        if k == 5:  # within the second chunk
            break
    got = [cupy.asnumpy(a) for a, _ in source(plan)]
    for a, columns in zip(got, plan):
        np.testing.assert_array_equal(a, X[:, columns].astype(np.float32))


@needs_cupy
@pytest.mark.skipif(not CUPY_IS_STANDIN, reason="the stand-in's Event keeps disable_timing")
@pytest.mark.parametrize("overlap", [True, False])
def test_streamed_batches_order_with_events_that_do_not_time(monkeypatch, overlap):
    """An event created with timing enabled costs a timestamp at every record;
    those that only order streams are made with ``disable_timing=True``."""
    import cupy

    created = []

    class Recorded(cupy.cuda.Event):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(cupy.cuda, "Event", Recorded)
    dlgpu.set_backend("cupy")
    rng = np.random.RandomState(0)
    X, Y = rng.randn(7, 50), (rng.rand(1, 50) > 0.5).astype(np.float64)
    plan = epoch_plan(50, 16, np.random.default_rng(1))
    for _ in batching.StreamedBatches(X, Y, "float32", 16, overlap)(plan):
        pass
    DeepNN([7, 3, 1], batch_size=16, epochs=2).fit(X, Y, stream=True)
    assert created and all(event.disable_timing for event in created)


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


def test_one_chunk_is_one_permutation_of_all_columns_as_before():
    # The plan drawn before chunks existed, for data that fits in one chunk.
    rng = np.random.default_rng(5)
    order = rng.permutation(50)
    before = [np.sort(order[s:s + 8]) for s in range(0, 50, 8)]
    for chunk in (None, 50):
        now = epoch_plan(50, 8, np.random.default_rng(5), chunk)
        assert all(np.array_equal(a, b) for a, b in zip(before, now)) and len(now) == len(before)


def test_a_chunked_epoch_draws_each_batch_from_one_chunk():
    m, batch_size, chunk = 1000, 16, 96
    plans = [epoch_plan(m, batch_size, np.random.default_rng(s), chunk) for s in (0, 0, 1)]
    plan = plans[0]
    assert len(plan) == -(-m // batch_size)
    assert sorted(np.concatenate(plan).tolist()) == list(range(m))
    assert all((np.diff(b) > 0).all() for b in plan)
    assert all(b[0] // chunk == b[-1] // chunk for b in plan)
    assert sorted(len(b) for b in plan)[0] == m % batch_size and sum(len(b) < 16 for b in plan) == 1
    chunk_order = [b[0] // chunk for b in plan[::chunk // batch_size]]
    assert sorted(chunk_order) == list(range(-(-m // chunk))) and chunk_order != sorted(chunk_order)
    assert all(np.array_equal(a, b) for a, b in zip(plans[0], plans[1]))
    assert not all(np.array_equal(a, b) for a, b in zip(plans[0], plans[2]))
    with pytest.raises(ValueError, match="multiple of batch_size"):
        epoch_plan(m, batch_size, np.random.default_rng(0), 100)


def test_chunks_are_a_multiple_of_the_batch_and_long_enough_to_read_whole_pages():
    assert chunk_columns(784, 10**6, 1000) % 1000 == 0
    assert chunk_columns(784, 10**6, 1000) * 784 >= batching.CHUNK_ELEMENTS
    assert chunk_columns(10**5, 10**6, 64) >= batching.MIN_CHUNK_COLUMNS
    assert chunk_columns(10, 300, 64) == 300  # small data: one chunk, the old plan


def test_gathering_from_host_data_does_not_buffer_a_second_copy():
    A = np.random.RandomState(0).rand(64, 4000)
    columns = np.sort(np.random.RandomState(1).permutation(4000)[:2000])
    out = np.empty((64, 2000))
    tracemalloc.start()
    try:
        batching._gather(out, A, columns)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(out, A[:, columns])
    assert peak < out.nbytes / 10  # np.take(..., out=) with mode="raise" allocates all of out again


class PageCounter:
    """Wraps batching's two readers of host arrays (``_gather`` and
    ``read_columns``) and adds up the 4 KiB pages of the file ``path`` that
    each read of its memory map touches.  A page read again by a later call
    counts again: the count is the bytes read when nothing stays cached."""

    def __init__(self, monkeypatch, path):
        self.offset, self.pages = np.load(path, mmap_mode="r").offset, 0
        gather, read = batching._gather, batching.read_columns

        def counted_gather(out, A, columns):
            self._count(A, columns)
            return gather(out, A, columns)

        def counted_read(A, lo, hi, out):
            self._count(A, np.arange(lo, hi))
            return read(A, lo, hi, out)

        monkeypatch.setattr(batching, "_gather", counted_gather)
        monkeypatch.setattr(batching, "read_columns", counted_read)

    def _count(self, A, columns):
        if not batching.is_memory_map(A):
            return
        rows, m = A.shape
        position = (np.arange(rows)[:, None] * m + np.asarray(columns)[None, :]) * A.itemsize
        self.pages += len(np.unique((self.offset + position) // 4096))


def test_an_epoch_from_a_memory_map_reads_the_file_about_once(tmp_path, monkeypatch, backend_name):
    monkeypatch.setattr(batching, "CHUNK_ELEMENTS", 8 * 4096)  # chunks of 4096 columns
    rng = np.random.RandomState(0)
    m, epochs = 3 * 4096 + 1000, 2
    X = rng.randn(8, m).astype(np.float32)
    Y = (X[:1] * X[1:2] > 0).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    counter = PageCounter(monkeypatch, tmp_path / "X.npy")
    kwargs = dict(batch_size=256, epochs=epochs, learning_rate=0.1, seed=3)
    mapped = DeepNN([8, 6, 1], **kwargs).fit(X_map, Y, stream=True)
    file_pages = -(-(X_map.offset + X.nbytes) // 4096)
    per_epoch = counter.pages / epochs / file_pages
    assert 0 < per_epoch <= 1.5, f"an epoch reads {per_epoch:.2f} x the file"
    # the same batches as data in memory, so the same bits
    assert len(mapped.history_["cost"]) == epochs
    in_memory = DeepNN([8, 6, 1], **kwargs).fit(dlgpu.to_device(X), dlgpu.to_device(Y))
    assert all(np.array_equal(dlgpu.to_numpy(mapped.parameters_[k]),
                              dlgpu.to_numpy(in_memory.parameters_[k])) for k in mapped.parameters_)
