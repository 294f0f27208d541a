"""Bytes read from a memory-mapped X per epoch of mini-batches, with and without chunks.

    PYTHONPATH=$PWD python3 scripts/measure_memmap_reads.py [--n-x 256] [--m 262144]
                                                            [--batch 1024] [--dir DIR]

Writes a float32 X : (n_x, m) as .npy in DIR (a temporary folder by default;
put it on a disk, not tmpfs), then runs the batches of one epoch through
``ResidentBatches`` on the NumPy backend, in two ways: as before chunks (one
permutation of all m columns, each batch gathered straight from the map) and
as now (the chunked plan of ``epoch_plan(..., chunk_columns(...))``, read a
chunk at a time).  Three counts, each as a multiple
of the file's size:

* ``pages``: 4 KiB pages of the file touched by each read, added up over the
  reads (what an epoch costs when nothing stays cached between two reads);
* ``disk, cache dropped per batch``: ``read_bytes`` of /proc/self/io when the
  file's pages are dropped from the page cache before every batch (madvise
  and posix_fadvise DONTNEED), once with the kernel's readahead and once with
  ``MADV_RANDOM`` (no readahead: the pages the reads fault in);
* ``disk, cache dropped per epoch``: the same, dropped once before the epoch.

Then, with the file in the page cache, the batches of the chunked plan from
the map and from X in memory take ``--turns`` turns; the medians and their
ratio are printed (the batches only: the steps are the same work on both).

Linux only.  With the cache dropped per batch, the way before chunks is
measured on its first ``--sample`` batches and scaled to the epoch (it reads
the same amount per batch).
"""

from __future__ import annotations

import argparse
import mmap
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dlgpu import batching
from dlgpu.batching import ResidentBatches, chunk_columns, epoch_plan


def read_bytes() -> int:
    with open("/proc/self/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("read_bytes"))


def drop(A, path) -> None:
    """Evict the file's pages: unmap them from this process, then drop them from the cache."""
    A._mmap.madvise(mmap.MADV_DONTNEED)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def count_pages(A, offset):
    """Wrap batching's readers of host arrays (a batch gathered straight from its array,
    a window of columns read into a buffer) so that they add up the pages of A they
    touch; returns the tally."""
    tally = {"pages": 0}
    gather, read = batching.HostColumns.gather, batching.read_columns

    def pages(B, columns):
        if B.base is not None and np.shares_memory(B, A):
            rows, m = B.shape
            position = (np.arange(rows)[:, None] * m + np.asarray(columns)[None, :]) * B.itemsize
            tally["pages"] += len(np.unique((offset + position) // 4096))

    def counted_gather(host, out, columns, window):
        if window is None or not host.mapped:  # gathered from the array, not a buffer
            pages(host.A, columns)
        return gather(host, out, columns, window)

    def counted_read(B, lo, hi, out):
        pages(B, np.arange(lo, hi))
        return read(B, lo, hi, out)

    batching.HostColumns.gather, batching.read_columns = counted_gather, counted_read
    return tally, (gather, read)


def epoch(A, Y, plan, path, drop_every_batch, windows):
    plan_windows = batching.plan_windows
    if not windows:  # as before chunks: every batch gathered from the map
        batching.plan_windows = lambda plan, n_x, m: [None] * len(plan)
    try:
        for k, _ in enumerate(ResidentBatches(A, Y, "float32")(plan)):
            if drop_every_batch and k + 1 < len(plan):
                drop(A, path)
    finally:
        batching.plan_windows = plan_windows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-x", type=int, default=256)
    parser.add_argument("--m", type=int, default=2**18)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--sample", type=int, default=16)
    parser.add_argument("--turns", type=int, default=9)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = Path(args.dir or tempfile.mkdtemp())
    path = folder / "X.npy"
    rng = np.random.default_rng(0)
    np.save(path, rng.standard_normal((args.n_x, args.m), dtype=np.float32))
    Y = np.zeros((1, args.m), np.float32)
    size = path.stat().st_size
    chunk = chunk_columns(args.n_x, args.m, args.batch)
    print(f"X: ({args.n_x}, {args.m}) float32, {size / 2**20:.0f} MiB; batch {args.batch}; "
          f"chunk {chunk} columns; readahead {_readahead(path)}")
    plans = {"before: one permutation, gathered from the map": epoch_plan(args.m, args.batch, rng),
             "now: chunks, read a chunk at a time": epoch_plan(args.m, args.batch, rng, chunk)}
    print("| plan | pages | disk, cache dropped per batch | same, MADV_RANDOM "
          "| disk, cache dropped per epoch |")
    print("|---|---|---|---|---|")
    for name, plan in plans.items():
        full, n = plan, len(plan)
        if "before" in name:
            plan = plan[:args.sample]
        scale = n / len(plan)
        row = []
        A = np.load(path, mmap_mode="r")
        tally, originals = count_pages(A, A.offset)
        try:
            epoch(A, Y, plan, path, False, "now" in name)
        finally:
            batching.HostColumns.gather, batching.read_columns = originals
        row.append(tally["pages"] * 4096 * scale / size)
        for advice, every_batch in ((mmap.MADV_NORMAL, True), (mmap.MADV_RANDOM, True),
                                    (mmap.MADV_NORMAL, False)):
            A = np.load(path, mmap_mode="r")
            A._mmap.madvise(advice)
            drop(A, path)
            before = read_bytes()
            epoch(A, Y, plan if every_batch else full, path, every_batch, "now" in name)
            row.append((read_bytes() - before) * (scale if every_batch else 1) / size)
            del A
        cells = " | ".join(f"{x:.2f}x" for x in row)
        note = f" ({len(plan)} of {n} batches, scaled)" if scale != 1 else ""
        print(f"| {name}{note} | {cells} |")
    turns(np.load(path), np.load(path, mmap_mode="r"), Y, plans["now: chunks, read a chunk at a time"],
          args.turns)
    return 0


def turns(X, X_map, Y, plan, n):
    sources = {"memory": ResidentBatches(X, Y, "float32"),
               "memory map": ResidentBatches(X_map, Y, "float32")}
    seconds = {name: [] for name in sources}
    for name, source in sources.items():  # warm-up: the page cache, the chunk buffer
        for _ in source(plan):
            pass
    for _ in range(n):
        for name, source in sources.items():
            start = time.perf_counter()
            for _ in source(plan):
                pass
            seconds[name].append(time.perf_counter() - start)
    median = {name: statistics.median(s) for name, s in seconds.items()}
    print(f"batches of one epoch, {n} turns, medians: memory {median['memory']:.3f} s, "
          f"memory map {median['memory map']:.3f} s, ratio "
          f"{median['memory map'] / median['memory']:.2f}")


def _readahead(path) -> str:
    try:
        device = os.stat(path).st_dev
        name = os.path.basename(os.path.realpath(f"/sys/dev/block/{os.major(device)}:"
                                                 f"{os.minor(device)}"))
        with open(f"/sys/block/{name}/queue/read_ahead_kb") as f:
            return f"{f.read().strip()} KiB"
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
