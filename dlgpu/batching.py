"""Mini-batches: which columns go together, and how they reach the device.

A batch is a set of columns of X : (n_x, m) and of the targets Y.  The plan
of an epoch is drawn on the host from one seeded generator, so both backends
and every batch source see the same batches in the same order.

Shuffling is by chunks, so that data on disk is read once per epoch.  The
columns are cut into chunks of ``chunk`` consecutive columns (a multiple of
the batch size, :func:`chunk_columns`); an epoch visits the chunks in a
random order, and the batches of a chunk are a random permutation of its
columns.  When the data fits in one chunk (m up to 4096 columns, and up to
2**24 / n_x), this is one permutation of all m columns, as before chunks.
A file that is ordered (sorted by class, say) should be shuffled once on
disk.  The columns of a batch are kept in increasing order: the gradient is
a sum over the batch, so the order inside it does not matter.

Two sources deliver the batches, each as contiguous arrays in the model's
dtype (so every path multiplies the same matrices and gives the same bits):

* :class:`ResidentBatches` -- the data already sits on the model's backend
  (CuPy data on CuPy, anything on NumPy): batches are gathered in place,
  the data itself is never copied back or converted as a whole.  On CuPy
  the epoch's column indices are copied to the device once (an int64
  array; each batch's are a slice of it) and each batch is gathered into
  buffers the source keeps, one per array and batch width: one ``take``
  kernel per array (two with a dtype conversion: ``take`` does not cast),
  no allocation, no host synchronization.
* :class:`StreamedBatches` -- NumPy data and a CuPy model: each chunk of
  the shuffle is read once an epoch into pinned host memory, in the
  model's dtype, copied to a device chunk buffer on a second CUDA stream
  while the device still computes the previous chunk's batches, and its
  batches are gathered on the device from there, as resident ones: per
  chunk one host-to-device copy per array, per batch one ``take`` per
  array.  So data larger than the GPU's memory trains at the speed of the
  arithmetic when the copy is the shorter of the two.

A batch yielded on CuPy is valid until the next one is asked for: the next
batch of its width is gathered into the same buffers.  That is safe on one
stream, the kernels that read a batch being queued before the gather that
overwrites it; code that keeps batches (a list of them) copies each.

A memory map (``np.load(..., mmap_mode="r")``) is read a chunk at a time,
row by row front to back (:func:`~dlgpu.host_reads.read_columns`): into
pinned memory when streamed, into a host buffer of :class:`HostColumns`
on NumPy, where the chunk's batches are gathered; a shuffled gather
straight from the map would touch most pages of every row for each batch.
"""

from __future__ import annotations

import numpy as np

from .backend import get_array_module, is_device_array, to_numpy
from .backend.cuda import IndexUpload, PinnedUpload, free_device_bytes
from .host_reads import is_memory_map, read_columns

# A chunk buffer holds about CHUNK_ELEMENTS values of X (64 MiB of float32).
# Each row of a chunk is at least MIN_CHUNK_COLUMNS values long, so rounding
# a chunk's reads out to whole 4 KiB pages adds at most one page per row:
# 1/4 of the bytes for float32 data, 1/2 for 2-byte data.
CHUNK_ELEMENTS = 2**24
MIN_CHUNK_COLUMNS = 4096


def chunk_columns(n_x: int, m: int, batch_size: int) -> int:
    """The number of consecutive columns of X : (n_x, m) in one shuffling chunk.

    A multiple of ``batch_size`` (so no batch straddles two chunks), about
    ``CHUNK_ELEMENTS / n_x`` and at least ``MIN_CHUNK_COLUMNS``; m when that
    is fewer.
    """
    want = max(MIN_CHUNK_COLUMNS, CHUNK_ELEMENTS // max(n_x, 1))
    return min(m, -(-want // batch_size) * batch_size)


def epoch_plan(m: int, batch_size: int, rng: np.random.Generator | None,
               chunk: int | None = None) -> list[np.ndarray]:
    """The batches of one epoch: sorted column indices, ``ceil(m / batch_size)`` of them.

    Without ``rng`` the batches are consecutive, the last one holding the
    remaining ``m mod batch_size`` columns.  With ``rng``, the chunks of
    ``chunk`` consecutive columns (default: all m in one, a multiple of
    ``batch_size`` otherwise) come in a random order and each chunk's columns
    are permuted before they are cut into batches; the one short batch is
    the last of the last chunk of columns, wherever that chunk falls.
    """
    if rng is None:
        return [np.arange(start, min(start + batch_size, m)) for start in range(0, m, batch_size)]
    chunk = m if chunk is None else chunk
    if chunk < m and chunk % batch_size:
        raise ValueError(f"chunk={chunk} is not a multiple of batch_size={batch_size}")
    starts = np.arange(0, m, chunk)
    if len(starts) > 1:
        starts = starts[rng.permutation(len(starts))]
    batches = []
    for lo in starts:
        order = lo + rng.permutation(min(chunk, m - lo))
        batches += [np.sort(order[start:start + batch_size])
                    for start in range(0, len(order), batch_size)]
    return batches


def plan_windows(plan, n_x: int, m: int) -> list[tuple[int, int] | None]:
    """For each batch of ``plan``, the columns [lo, hi) of a memory map read for it.

    Consecutive batches share a window while all their columns lie within
    ``chunk_columns(n_x, m, batch_size)`` consecutive columns: a plan drawn
    with that chunk reads each chunk once.  A batch spread wider gets None
    and is gathered straight from the map.
    """
    if not plan:
        return []
    capacity = chunk_columns(n_x, m, max(len(columns) for columns in plan))
    groups = []  # [lo, hi, number of batches]
    for columns in plan:
        first, last = int(columns.min()), int(columns.max()) + 1
        if groups:
            lo, hi, n = groups[-1]
            if max(hi, last) - min(lo, first) <= capacity:
                groups[-1] = [min(lo, first), max(hi, last), n + 1]
                continue
        groups.append([first, last, 1])
    windows = []
    for lo, hi, n in groups:
        window = (lo, hi) if hi - lo <= capacity else None
        windows += [window] * n
    return windows


def _gather(out, A, columns):
    """``out[...] = A[:, columns]`` cast to ``out``'s dtype, without a full copy of A."""
    if A.dtype != out.dtype:
        out[...] = A[:, columns]
    elif get_array_module(A) is np:
        # mode="raise" (the default) gathers into a temporary and copies that to out.
        np.take(A, columns, axis=1, out=out, mode="clip")
    else:
        A.take(columns, axis=1, out=out)  # cupy.take has no mode; it never buffers
    return out


class HostColumns:
    """Gathers batches of columns of a host array A : (n, m) into ``dtype``.

    A memory map is read a window at a time (see :func:`plan_windows`):
    columns [lo, hi) of every row go into a host buffer with one
    :func:`~dlgpu.host_reads.read_columns`, and the window's batches are
    gathered from there.
    Other arrays, and batches without a window, are gathered from A itself.
    """

    def __init__(self, A, dtype):
        self.A, self.dtype = A, np.dtype(dtype)
        self.mapped = is_memory_map(A)
        self.window, self.buffer = None, None

    def gather(self, out, columns, window):
        if window is None or not self.mapped:
            return _gather(out, self.A, columns)
        lo, hi = window
        rows = self.A.shape[0]
        if self.buffer is None or self.buffer.size < rows * (hi - lo):
            self.buffer, self.window = np.empty(rows * (hi - lo), self.dtype), None
        held = self.buffer[:rows * (hi - lo)].reshape(rows, hi - lo)
        if self.window != window:
            read_columns(self.A, lo, hi, held)
            self.window = window
        return _gather(out, held, columns - lo)


class _BatchBuffers:
    """The device batches of a source: one buffer per array and batch width, reused.

    ``gather(i, A, index)`` is ``A[:, index]`` in the source's dtype, written
    into the buffer of array ``i`` (0: X, 1: Y) for ``len(index)`` columns:
    one take kernel (cupy/_core/_routines_indexing.pyx ``_take``: with
    ``out`` it checks dtype and shape and launches ``cupy_take`` into it, no
    allocation).  ``take`` does not cast (its ``out`` must have A's dtype),
    so data of another dtype is taken into a scratch buffer of A's dtype and
    cast into the batch buffer with one elementwise copy (``out[...] = scratch``:
    ``_scatter_op`` -> ``elementwise_copy``, no allocation): two launches.
    """

    def __init__(self, xp, dtype):
        self.xp, self.dtype = xp, np.dtype(dtype)
        self.kept = {}  # (i, n) -> (batch buffer, scratch buffer or None)

    def gather(self, i, A, index):
        xp, n = self.xp, index.shape[0]
        buffers = self.kept.get((i, n))
        if buffers is None or buffers[0].shape[0] != A.shape[0] or (
                (buffers[1] is None) != (A.dtype == self.dtype)):
            scratch = None if A.dtype == self.dtype else xp.empty((A.shape[0], n), A.dtype)
            buffers = self.kept[(i, n)] = (xp.empty((A.shape[0], n), self.dtype), scratch)
        out, scratch = buffers
        if scratch is None:
            xp.take(A, index, axis=1, out=out)
        else:
            xp.take(A, index, axis=1, out=scratch)
            out[...] = scratch  # the cast: one elementwise copy
        return out


class ResidentBatches:
    """Batches of data that already live on the model's backend.

    X : (n_x, m), Y : (n_y, m); either may be a NumPy memory map on the
    NumPy backend.  Each batch is a contiguous array in ``dtype``.

    On CuPy the epoch's column indices go to the device in one copy
    (:class:`~dlgpu.backend.cuda.IndexUpload`), each batch's are a slice of
    them, and each batch is gathered into buffers the source keeps, one per
    batch width (:class:`_BatchBuffers`): no allocation once every width has
    been seen, one launch per array (two when X or Y is not in ``dtype``).
    A batch is valid until the next one is asked for: it is overwritten
    then.  The kernels that read it were queued before, on the same stream,
    so they see it whole; a caller who keeps batches copies them.
    """

    def __init__(self, X, Y, dtype):
        self.X, self.Y, self.dtype = X, Y, np.dtype(dtype)
        self.xp = get_array_module(X)
        if self.xp is np:  # a chunk buffer kept from one epoch to the next
            self.host = (HostColumns(X, dtype), HostColumns(Y, dtype))
        else:
            self.indices, self.buffers = None, _BatchBuffers(self.xp, dtype)

    def __call__(self, plan):
        if not plan:
            return
        if self.xp is np:
            yield from self._host(plan)
            return
        if self.indices is None:
            self.indices = IndexUpload()
        # One upload of the epoch's indices, then a slice per batch.
        index = self.indices(np.concatenate(plan).astype(np.int64, copy=False))
        start = 0
        for columns in plan:
            batch = index[start:start + len(columns)]
            start += len(columns)
            yield self.buffers.gather(0, self.X, batch), self.buffers.gather(1, self.Y, batch)

    def _host(self, plan):
        X, Y = self.host
        for columns, window in zip(plan, plan_windows(plan, *self.X.shape)):
            n = len(columns)
            yield (X.gather(np.empty((self.X.shape[0], n), self.dtype), columns, window),
                   Y.gather(np.empty((self.Y.shape[0], n), self.dtype), columns, window))


def _loads(plan, n_x: int, m: int) -> list[tuple[object, int]]:
    """What a streamed epoch uploads: ``(where, count)`` for each load.

    ``where`` is a window ``(lo, hi)`` of :func:`plan_windows`, read whole,
    or the columns of one batch spread wider than a window (gathered on the
    host); ``count`` consecutive batches of ``plan`` are gathered from it.
    """
    loads = []
    for columns, window in zip(plan, plan_windows(plan, n_x, m)):
        if window is not None and loads and loads[-1][0] == window:
            loads[-1][1] += 1
        else:
            loads.append([columns if window is None else window, 1])
    return [tuple(load) for load in loads]


def _width(where) -> int:
    return where[1] - where[0] if isinstance(where, tuple) else len(where)


class StreamedBatches:
    """Host data streamed to a CuPy model a chunk at a time, the batches gathered on the device.

    X : (n_x, m), Y : (n_y, m) NumPy arrays (memory maps welcome).  The
    batches of a shuffling chunk (:func:`plan_windows`) lie within one
    window of columns [lo, hi); each window is read once an epoch, row by
    row, into pinned host memory in ``dtype``
    (:func:`~dlgpu.host_reads.read_columns`), copied to a device chunk
    buffer on a copy stream (:class:`~dlgpu.backend.cuda.PinnedUpload`),
    and its batches are gathered from there on the device, as
    :class:`ResidentBatches` gathers them (indices relative to the window,
    uploaded once an epoch).  Two chunk buffers: the next chunk is read and
    copied while the device still computes on the batches of this one
    (the host reads it once this chunk's batches are queued).  A plan of
    one window keeps one chunk buffer.  Yielded batches are valid until the
    next one is asked for, as :class:`ResidentBatches`'.

    ``overlap=False`` copies on the compute stream instead, and the host
    waits for each copy: the same results, no overlap; the benchmarks use
    it as the baseline.
    """

    def __init__(self, X, Y, dtype, max_batch: int, overlap: bool = True):
        self.X, self.Y, self.dtype = X, Y, np.dtype(dtype)
        self.max_batch, self.overlap = max_batch, overlap
        # Made at the first plan, for its widest load; kept while plans fit.
        self.upload = self.indices = self.buffers = None
        self.width = 0

    def _prepare(self, loads) -> None:
        width, slots = max(_width(where) for where, _ in loads), min(len(loads), 2)
        if self.upload is None or width > self.width or slots > self.upload.slots:
            import cupy

            self.upload = None  # the old buffers go before the new ones are made
            self.width = max(width, self.width)
            rows = (self.X.shape[0], self.Y.shape[0])
            self.upload = PinnedUpload([r * self.width for r in rows], self.dtype,
                                       self.overlap, slots)
            self.indices = IndexUpload()
            self.buffers = _BatchBuffers(cupy, self.dtype)

    def _load(self, slot, where):
        """Read ``where`` into slot ``slot``'s pinned buffers and start its copy."""
        n = _width(where)
        shapes = ((self.X.shape[0], n), (self.Y.shape[0], n))
        for A, buffer in zip((self.X, self.Y), self.upload.host_buffers(slot, shapes)):
            if isinstance(where, tuple):
                read_columns(A, *where, buffer)
            else:
                _gather(buffer, A, where)
        return tuple(self.upload.copy(slot, shapes))

    def __call__(self, plan):
        if not plan:
            return
        loads = _loads(plan, *self.X.shape)
        self._prepare(loads)
        relative, k = [], 0
        for where, count in loads:
            for columns in plan[k:k + count]:
                relative.append(columns - where[0] if isinstance(where, tuple)
                                else np.arange(len(columns)))
            k += count
        finished = False
        try:
            index = self.indices(np.concatenate(relative).astype(np.int64, copy=False))
            chunk = self._load(0, loads[0][0])
            k = start = 0
            for j, (where, count) in enumerate(loads):
                slot = j % self.upload.slots
                self.upload.wait(slot)
                for b in range(count):
                    n = len(plan[k])
                    batch = index[start:start + n]
                    k, start = k + 1, start + n
                    batches = tuple(self.buffers.gather(i, A, batch) for i, A in enumerate(chunk))
                    if b == count - 1:  # the chunk's last gather is queued
                        self.upload.release(slot)
                    yield batches
                if j + 1 < len(loads):
                    # Read while the device works on the batches queued from this chunk.
                    chunk = self._load((j + 1) % self.upload.slots, loads[j + 1][0])
            finished = True
        finally:
            if finished:
                self.upload.settle()  # the pinned buffers are free (mostly, no wait)
            else:
                # An early exit: no copy may still be writing a buffer when the
                # model moves on or the buffers are freed.
                self.upload.drain()


def make_batches(X, Y, dtype, xp, batch_size: int, stream: bool | None = None):
    """The batch source for data X, Y and a model on array module ``xp``.

    ``stream=None`` streams NumPy data to a CuPy model only when it would take
    more than half of the free device memory (:func:`free_device_bytes`:
    CuPy's cached blocks count as free, within the pool's limit); ``True`` always streams it and
    ``False`` uploads it once.  The arrays a source reads are its ``X`` and ``Y``.

    X decides where the batches are gathered; Y (n_y rows, small beside X)
    joins it there, so CuPy X may come with NumPy Y and NumPy X with CuPy Y.
    """
    if xp is np:
        return ResidentBatches(to_numpy(X), to_numpy(Y), dtype)
    if is_device_array(X):
        return ResidentBatches(X, xp.asarray(Y), dtype)
    Y = to_numpy(Y)
    if stream is None:
        free = free_device_bytes(xp)
        needed = (X.shape[0] + Y.shape[0]) * X.shape[1] * np.dtype(dtype).itemsize
        stream = needed > free // 2
    if stream:
        return StreamedBatches(X, Y, dtype, batch_size)
    return ResidentBatches(xp.asarray(X, dtype=dtype), xp.asarray(Y, dtype=dtype), dtype)
