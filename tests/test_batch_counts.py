"""How mini-batches reach the device, counted on the CuPy stand-in (not timed).

After a warm-up epoch (buffers made for every batch width), an epoch of
batches issues, per batch, one gather launch per array (two with a dtype
conversion: take, then a cast), no pool allocation and no host
synchronization; per epoch one copy of the column indices; streamed data
adds one host-to-device copy per array per chunk.  ``stream.wait_event``
(the compute waiting for a chunk's copy) is no host synchronization; the
host asks ``Event.done`` before it would wait for one.
"""

import numpy as np
import pytest

import dlgpu
from dlgpu import batching
from dlgpu.batching import ResidentBatches, StreamedBatches, chunk_columns, epoch_plan

from .helpers import CUPY_IS_STANDIN, HAS_CUPY

pytestmark = pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN),
                                reason="counts only on the CuPy stand-in")

N_X, BATCH = 8, 256
M = 3 * 4096 + 1000  # chunks of 4096 columns (see the fixture): 4 chunks, 52 batches


@pytest.fixture
def data(monkeypatch):
    monkeypatch.setattr(batching, "CHUNK_ELEMENTS", N_X * 4096)
    dlgpu.set_backend("cupy")
    rng = np.random.RandomState(0)
    X = rng.randn(N_X, M)
    Y = (rng.rand(1, M) > 0.5).astype(np.float64)
    yield X, Y
    dlgpu.set_backend("numpy")


def _plan(seed):
    return epoch_plan(M, BATCH, np.random.default_rng(seed), chunk_columns(N_X, M, BATCH))


def _counted_epoch(source):
    """The counts of a second epoch (another shuffle), after a warm-up epoch."""
    from tests.cupy_standin import counting
    for _ in source(_plan(0)):
        pass
    plan = _plan(1)
    with counting() as counts:
        for Xb, Yb in source(plan):
            assert Xb.shape == (N_X, Yb.shape[1])
    return counts, plan


def _chunks(plan):
    return len({int(columns[0]) // 4096 for columns in plan})


@pytest.mark.parametrize("dtype,per_array", [("float32", 1), ("float64", 2)])
def test_resident_batches_gather_without_allocating_or_syncing(data, dtype, per_array):
    """float32 data: one take kernel per array; float64 data for a float32
    model: take into a scratch buffer of the data's dtype, then one cast."""
    import cupy
    X, Y = (cupy.asarray(A, dtype=dtype) for A in data)
    counts, plan = _counted_epoch(ResidentBatches(X, Y, "float32"))
    assert counts.allocations == 0, counts
    assert counts.syncs == 0, counts
    assert counts.kinds["copy_h2d"] == 1, counts  # the epoch's indices, once
    assert counts.kinds["elementwise"] == 2 * per_array * len(plan), counts
    assert counts.launches == 2 * per_array * len(plan) + 1, counts


@pytest.mark.parametrize("mapped", [False, True])
def test_streamed_batches_copy_each_chunk_once_and_gather_on_the_device(data, tmp_path, mapped):
    X, Y = data
    if mapped:
        np.save(tmp_path / "X.npy", X)
        X = np.load(tmp_path / "X.npy", mmap_mode="r")
    counts, plan = _counted_epoch(StreamedBatches(X, Y, "float32", BATCH))
    assert _chunks(plan) == 4
    assert counts.allocations == 0, counts
    assert counts.syncs == 0, counts  # the compute waits for the copies on the device
    # per chunk one copy of X's columns and one of Y's; the indices once an epoch
    assert counts.kinds["copy_h2d"] == 2 * 4 + 1, counts
    assert counts.kinds["elementwise"] == 2 * len(plan), counts  # one take per array
    assert counts.launches == 2 * len(plan) + 2 * 4 + 1, counts


def test_streamed_batches_without_overlap_wait_on_the_host_once_per_chunk(data):
    """The baseline of the benchmarks: copies on the compute stream, the host waits for each."""
    counts, plan = _counted_epoch(StreamedBatches(*data, "float32", BATCH, overlap=False))
    assert counts.allocations == 0, counts
    assert counts.sync_kinds == {"event": 4}, counts
    assert counts.kinds["elementwise"] == 2 * len(plan), counts
