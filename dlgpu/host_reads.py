"""Reading a range of columns of a memory-mapped array with plain file reads.

Row i of a C-order X : (n_x, m) holds columns [lo, hi) in one run of bytes
of the file.  :func:`read_columns` reads each run with one ``preadv`` on a
descriptor advised ``POSIX_FADV_RANDOM``, so the kernel reads those bytes
and no more: a page fault on the map would instead read ahead around the
fault (up to ``read_ahead_kb``, megabytes on some machines), into columns
of other chunks that may be evicted again before they are used.
"""

from __future__ import annotations

import mmap
import os

import numpy as np


def is_memory_map(A) -> bool:
    """True for a NumPy array backed by a file mapping, or a view of one."""
    while isinstance(A, np.ndarray):
        if isinstance(A, np.memmap):
            return True
        A = A.base
    return isinstance(A, mmap.mmap)


def _file_position(A) -> tuple[str, int] | None:
    """(file name, byte position of A[0, 0]) for a view of an ``np.memmap`` whose
    rows are contiguous runs of the file, else None."""
    # The memmap made by np.memmap() (np.load) sits right on the mmap; its
    # first byte is at ``offset`` in the file.  Its views copy ``offset``
    # without moving it, so positions are measured from that one.
    owner = A
    while isinstance(owner, np.ndarray) and not isinstance(owner.base, mmap.mmap):
        owner = owner.base
    if not isinstance(owner, np.memmap) or not getattr(owner, "filename", None) \
            or A.ndim != 2 or A.strides[1] != A.itemsize or A.strides[0] < 0:
        return None
    start = A.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    return owner.filename, owner.offset + start


def read_columns(A, lo: int, hi: int, out) -> None:
    """``out[...] = A[:, lo:hi]`` for A : (n, m), out : (n, hi - lo), each row read once.

    A memory map is read with one plain read per row; anything else (or a
    platform without ``preadv``) is copied through the map.
    """
    where = _file_position(A) if hasattr(os, "preadv") else None
    if where is None or hi <= lo:
        out[...] = A[:, lo:hi]
        return
    name, position = where
    # Read in the file's own dtype (byte order included), then cast once.
    rows = out if out.dtype == A.dtype else np.empty(out.shape, A.dtype)
    width = (hi - lo) * A.itemsize
    fd = os.open(name, os.O_RDONLY)
    try:
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        for i in range(A.shape[0]):
            row = memoryview(rows[i]).cast("B")
            offset = position + i * A.strides[0] + lo * A.itemsize
            done = 0
            while done < width:  # a read may return fewer bytes than asked
                n = os.preadv(fd, [row[done:]], offset + done)
                if n == 0:
                    raise OSError(f"{name} ended before byte {offset + width}")
                done += n
    finally:
        os.close(fd)
    if rows is not out:
        out[...] = rows
