"""Mini-batches: which columns go together, and how they reach the device.

A batch is a set of columns of X : (n_x, m) and of the targets Y.  The plan
of an epoch is drawn on the host from one seeded generator, so both backends
see the same batches in the same order.  The columns of a batch are kept in
increasing order: the gradient is a sum over the batch, so the order inside
it does not matter, and increasing order reads host data (a memory map, say)
front to back.

Three sources deliver the batches, each as contiguous arrays in the model's
dtype (so every path multiplies the same matrices and gives the same bits):

* :class:`ResidentBatches` — the data already sits on the model's backend
  (CuPy data on CuPy, anything on NumPy): batches are gathered in place,
  the data itself is never copied back or converted as a whole.
* :class:`StreamedBatches` — NumPy data (a ``np.load(..., mmap_mode="r")``
  memory map, for instance) and a CuPy model: each batch is gathered into
  pinned host memory and copied on a second CUDA stream while the previous
  batch computes, so data larger than the GPU's memory trains at the speed
  of the arithmetic when the copy is the shorter of the two.
"""

from __future__ import annotations

import numpy as np

from .backend import get_array_module, is_cupy_array, to_numpy


def epoch_plan(m: int, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """The batches of one epoch: sorted column indices, ``ceil(m / batch_size)`` of them.

    With ``rng`` the columns are shuffled first (one permutation of m per
    epoch); without it, the batches are consecutive.  The last batch holds
    the remaining ``m mod batch_size`` columns when that is not zero.
    """
    order = rng.permutation(m) if rng is not None else np.arange(m)
    batches = [order[start:start + batch_size] for start in range(0, m, batch_size)]
    if rng is not None:
        for batch in batches:
            batch.sort()
    return batches


def _gather(out, A, columns):
    """``out[...] = A[:, columns]`` cast to ``out``'s dtype, without a full copy of A."""
    if A.dtype == out.dtype:
        get_array_module(A).take(A, columns, axis=1, out=out)
    else:
        out[...] = A[:, columns]
    return out


class ResidentBatches:
    """Batches of data that already live on the model's backend.

    X : (n_x, m), Y : (n_y, m); either may be a NumPy memory map on the
    NumPy backend.  Each batch is a fresh contiguous array in ``dtype``.
    """

    def __init__(self, X, Y, dtype):
        self.X, self.Y, self.dtype = X, Y, np.dtype(dtype)
        self.xp = get_array_module(X)

    def __call__(self, plan):
        xp = self.xp
        if not plan:
            return
        # One upload of the epoch's indices, then a slice per batch.
        index = xp.asarray(np.concatenate(plan))
        start = 0
        for columns in plan:
            n = len(columns)
            batch = index[start:start + n]
            start += n
            Xb = _gather(xp.empty((self.X.shape[0], n), self.dtype), self.X, batch)
            Yb = _gather(xp.empty((self.Y.shape[0], n), self.dtype), self.Y, batch)
            yield Xb, Yb


class StreamedBatches:
    """Host data streamed to a CuPy model through pinned memory, two batches in flight.

    X : (n_x, m), Y : (n_y, m) NumPy arrays (memory maps welcome).  Slot k of
    two holds a pinned host buffer and a device buffer.  While batch k
    computes on the current stream, batch k + 1 is gathered on the host into
    the other pinned buffer and copied on ``copy_stream``; CUDA events order
    the two streams: a copy waits until the compute that last read its
    device buffer is done, and the compute waits for its copy.

    ``overlap=False`` copies on the compute stream instead: the same
    results, no overlap; the benchmarks use it as the baseline.
    """

    def __init__(self, X, Y, dtype, max_batch: int, overlap: bool = True):
        import cupy
        import cupyx

        self.X, self.Y, self.dtype = X, Y, np.dtype(dtype)
        self.cupy, self.overlap = cupy, overlap
        # Flat buffers, viewed as (rows, n) per batch, so a short last batch
        # is still contiguous (the same GEMM as every other path).
        size_x, size_y = X.shape[0] * max_batch, Y.shape[0] * max_batch
        self.pinned = [(cupyx.empty_pinned(size_x, self.dtype),
                        cupyx.empty_pinned(size_y, self.dtype)) for _ in range(2)]
        self.device = [(cupy.empty(size_x, self.dtype), cupy.empty(size_y, self.dtype))
                       for _ in range(2)]
        self.copy_stream = cupy.cuda.Stream(non_blocking=True) if overlap else None
        self.copied = [cupy.cuda.Event(), cupy.cuda.Event()]
        self.consumed = [cupy.cuda.Event(), cupy.cuda.Event()]

    def _views(self, buffers, n):
        (x, y) = buffers
        return (x[:self.X.shape[0] * n].reshape(self.X.shape[0], n),
                y[:self.Y.shape[0] * n].reshape(self.Y.shape[0], n))

    def _load(self, slot, columns):
        """Gather ``columns`` into pinned slot ``slot`` and start its copy to the device."""
        n = len(columns)
        self.copied[slot].synchronize()  # the last copy out of this pinned buffer is done
        host_x, host_y = self._views(self.pinned[slot], n)
        _gather(host_x, self.X, columns)
        _gather(host_y, self.Y, columns)
        dev_x, dev_y = self._views(self.device[slot], n)
        stream = self.copy_stream or self.cupy.cuda.get_current_stream()
        stream.wait_event(self.consumed[slot])  # the device buffer is free again
        dev_x.set(host_x, stream=stream)
        dev_y.set(host_y, stream=stream)
        self.copied[slot].record(stream)
        return dev_x, dev_y

    def __call__(self, plan):
        if not plan:
            return
        compute = self.cupy.cuda.get_current_stream()
        try:
            pending = self._load(0, plan[0])
            for k in range(len(plan)):
                slot = k % 2
                compute.wait_event(self.copied[slot])
                if not self.overlap:
                    self.copied[slot].synchronize()
                yield pending
                self.consumed[slot].record(compute)
                if k + 1 < len(plan):
                    # Gathered on the host while the GPU still works on batch k.
                    pending = self._load((k + 1) % 2, plan[k + 1])
        finally:
            # Also on an early exit: no copy may still be writing a buffer
            # when the model moves on or the buffers are freed.
            if self.copy_stream is not None:
                self.copy_stream.synchronize()
            compute.synchronize()


def make_batches(X, Y, dtype, xp, batch_size: int, stream: bool | None = None):
    """The batch source for data X, Y and a model on array module ``xp``.

    ``stream=None`` streams NumPy data to a CuPy model only when it would take
    more than half of the free device memory; ``True`` always streams it and
    ``False`` uploads it once.  The arrays a source reads are its ``X`` and ``Y``.

    X decides where the batches are gathered; Y (n_y rows, small beside X)
    joins it there, so CuPy X may come with NumPy Y and NumPy X with CuPy Y.
    """
    if xp is np:
        return ResidentBatches(to_numpy(X), to_numpy(Y), dtype)
    if is_cupy_array(X):
        return ResidentBatches(X, xp.asarray(Y), dtype)
    Y = to_numpy(Y)
    if stream is None:
        free, _ = xp.cuda.runtime.memGetInfo()
        needed = (X.shape[0] + Y.shape[0]) * X.shape[1] * np.dtype(dtype).itemsize
        stream = needed > free // 2
    if stream:
        return StreamedBatches(X, Y, dtype, batch_size)
    return ResidentBatches(xp.asarray(X, dtype=dtype), xp.asarray(Y, dtype=dtype), dtype)
