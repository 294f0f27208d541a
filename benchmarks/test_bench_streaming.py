"""Host data streamed to the GPU: is the copy hidden behind the compute?

One epoch of mini-batch training, side by side:

* ``resident``  -- X already on the model's backend (the reference);
* ``streamed``  -- X in host memory, batches copied through pinned memory on
  a second CUDA stream while the previous batch computes (CuPy only);
* ``serial``    -- the same copies, made on the compute stream and waited
  for: nothing overlaps (CuPy only);
* ``copy_only`` -- the streamed copies alone, with no compute (CuPy only);
* ``memmap``    -- X in a ``np.load(..., mmap_mode="r")`` memory map, read a
  chunk at a time (``dlgpu.host_reads``).

The transfer is hidden when ``streamed`` is close to
``max(resident, copy_only)`` and below ``serial``.  ``extra_info`` carries
the bytes copied per epoch.  ``test_memmap_and_resident_take_turns`` times a
memmap epoch (file in the page cache) and a resident one in turns, and
counts the bytes an epoch reads from the file (see its docstring).
``DLGPU_BENCH_FULL=1`` uses a GPU-sized problem, or a 256 MiB file on a
CPU-only machine.
"""

import os
import statistics
import time

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, batching
from dlgpu.batching import ResidentBatches, StreamedBatches, chunk_columns, epoch_plan
from dlgpu.training import _step

from .conftest import CUPY, skip_without_cupy

FULL = os.environ.get("DLGPU_BENCH_FULL") == "1"
if FULL and CUPY.module is not None and not CUPY.standin:
    N_X, M, BATCH, HIDDEN = 2048, 2**17, 8192, [1024, 1024]
elif FULL:
    N_X, M, BATCH, HIDDEN = 256, 2**18, 1024, [64]  # 256 MiB, 4 chunks of 65536 columns
else:
    N_X, M, BATCH, HIDDEN = 64, 2048, 256, [32]
MODES = ["resident", "memmap", "streamed", "serial", "copy_only"]
CUPY_ONLY = ("streamed", "serial", "copy_only")


@pytest.fixture(scope="module")
def host_data(tmp_path_factory):
    rng = np.random.RandomState(0)
    X = rng.randn(N_X, M).astype(np.float32)
    Y = (rng.rand(1, M) > 0.5).astype(np.float32)
    path = tmp_path_factory.mktemp("stream") / "X.npy"
    np.save(path, X)
    return X, Y, path


@pytest.mark.parametrize("mode", MODES)
def test_epoch_from_host_data(benchmark, host_data, mode):
    X, Y, path = host_data
    if mode in CUPY_ONLY:
        skip_without_cupy()
    dlgpu.set_backend("cupy" if CUPY.module is not None else "numpy")  # the GPU whenever there is one
    xp = dlgpu.backend.get_backend_module()
    model = DeepNN([N_X, *HIDDEN, 1], learning_rate=1e-3).initialize_parameters()
    if mode == "resident":
        source = ResidentBatches(xp.asarray(X), xp.asarray(Y), "float32")
    elif mode == "memmap":
        source = ResidentBatches(np.load(path, mmap_mode="r"), Y, "float32") if xp is np \
            else StreamedBatches(np.load(path, mmap_mode="r"), Y, "float32", BATCH)
    else:
        source = StreamedBatches(X, Y, "float32", BATCH, overlap=mode != "serial")
    plan = epoch_plan(M, BATCH, np.random.default_rng(0), chunk_columns(N_X, M, BATCH))

    def epoch():
        for Xb, Yb in source(plan):
            if mode != "copy_only":
                _step(model, Xb, Yb)
        dlgpu.synchronize()

    epoch()  # warm-up outside the timed region: kernels, cuBLAS handle, pinned buffers
    benchmark.pedantic(epoch, rounds=5 if FULL else 2, iterations=1)
    benchmark.extra_info.update(backend=dlgpu.get_backend(), mode=mode, layer_dims=model.layer_dims,
                                m=M, batch_size=BATCH, bytes_copied=X.nbytes + Y.nbytes)
    dlgpu.set_backend("numpy")


def _read_bytes():
    """This process's bytes read from storage so far (Linux), or None."""
    try:
        with open("/proc/self/io") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("read_bytes"))
    except (OSError, StopIteration):
        return None


def _drop_from_page_cache(path):
    if hasattr(os, "posix_fadvise"):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def test_memmap_and_resident_take_turns(benchmark, host_data, monkeypatch):
    """The batches of one epoch from a memory map and from data in memory, in
    turns, on NumPy or the GPU, without the steps (the steps are the same
    work on both paths; ``test_epoch_from_host_data`` times them too); the
    benchmark times one turn of both.

    ``extra_info``: the medians of both and their ratio, with the file in the
    page cache; ``requested_file_reads`` (bytes that ``read_columns`` asked
    for in one epoch, over the file's size: deterministic) and
    ``cold_file_reads`` (/proc/self/io read_bytes of one epoch after the
    file was dropped from the page cache, over the file's size; None where
    that cannot be measured, 0 where the file lives in memory, tmpfs).
    """
    X, Y, path = host_data
    dlgpu.set_backend("cupy" if CUPY.module is not None else "numpy")
    xp = dlgpu.backend.get_backend_module()
    X_map = np.load(path, mmap_mode="r")
    if xp is np:
        sources = {"resident": ResidentBatches(X, Y, "float32"),
                   "memmap": ResidentBatches(X_map, Y, "float32")}
    else:
        sources = {"resident": ResidentBatches(xp.asarray(X), xp.asarray(Y), "float32"),
                   "memmap": StreamedBatches(X_map, Y, "float32", BATCH)}
    plan = epoch_plan(M, BATCH, np.random.default_rng(0), chunk_columns(N_X, M, BATCH))
    requested = []
    read = batching.read_columns

    def counted(A, lo, hi, out):
        requested.append(A.shape[0] * (hi - lo) * A.itemsize)
        read(A, lo, hi, out)

    monkeypatch.setattr(batching, "read_columns", counted)

    def epoch(name):
        start = time.perf_counter()
        for _ in sources[name](plan):
            pass
        dlgpu.synchronize()
        return time.perf_counter() - start

    _drop_from_page_cache(path)
    before = _read_bytes()
    epoch("memmap")  # also the warm-up
    after = _read_bytes()
    cold = None if before is None else (after - before) / X.nbytes
    file_reads = sum(requested) / X.nbytes
    epoch("resident")
    times = {"resident": [], "memmap": []}

    def turns():
        for name in times:
            times[name].append(epoch(name))

    benchmark.pedantic(turns, rounds=9 if FULL else 2, iterations=1)
    medians = {name: statistics.median(t) for name, t in times.items()}
    benchmark.extra_info.update(
        backend=dlgpu.get_backend(), n_x=N_X, m=M, batch_size=BATCH,
        chunk=chunk_columns(N_X, M, BATCH), file_bytes=X.nbytes,
        requested_file_reads=file_reads, cold_file_reads=cold,
        resident_median_s=medians["resident"], memmap_median_s=medians["memmap"],
        memmap_over_resident=medians["memmap"] / medians["resident"])
    assert file_reads <= 1.5
    dlgpu.set_backend("numpy")
