"""The streaming benchmarks: see :mod:`dlgpu.bench.suite.test_bench_streaming`.

Here also: ``test_memmap_and_resident_take_turns``, the batches of an epoch
from a memory-mapped file and from memory in turns, with the bytes an epoch
reads from the file.
"""

import os
import statistics
import time

import numpy as np

import dlgpu
from dlgpu import batching
from dlgpu.batching import chunk_columns, epoch_plan, make_batches
from dlgpu.bench.suite.conftest import cupy_for
from dlgpu.bench.suite.test_bench_streaming import *  # noqa: F403
from dlgpu.bench.suite.test_bench_streaming import BATCH, FULL, M, N_X


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


def test_memmap_and_resident_take_turns(request, benchmark, host_data, monkeypatch):
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
    cupy, _ = cupy_for(request.config)
    dlgpu.set_backend("cupy" if cupy is not None else "numpy")  # the GPU whenever there is one
    xp = dlgpu.backend.get_backend_module()
    X_map = np.load(path, mmap_mode="r")
    # As fit gathers them: X uploaded once, and the map read in place on NumPy, streamed to a GPU
    sources = {"resident": make_batches(X, Y, "float32", xp, BATCH, stream=False),
               "memmap": make_batches(X_map, Y, "float32", xp, BATCH, stream=True)}
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
