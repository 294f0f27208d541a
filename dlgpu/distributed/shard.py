"""This rank's share of the examples (columns)."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidDataError

LAYOUTS = ("contiguous", "strided")


def shard_columns(m: int, rank: int, size: int, layout: str = "contiguous"):
    """The columns of m that rank ``rank`` of ``size`` holds: a slice.

    ``contiguous``: one block, the first ``m mod size`` ranks one column
    longer (``np.array_split``'s rule); host data and memory maps are read
    front to back.  ``strided``: columns rank, rank + size, ...; use it when
    the file is sorted (by label, by time) and blocks would be unbalanced.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if m < size:
        raise InvalidDataError(f"{m} examples cannot be shared among {size} ranks "
                               f"(each needs at least one)")
    if layout == "strided":
        return slice(rank, None, size)
    base, extra = divmod(m, size)
    start = rank * base + min(rank, extra)
    return slice(start, start + base + (rank < extra))


def shard(X, Y, comm, layout: str = "contiguous"):
    """``(X[:, cols], Y[:, cols])``, this rank's columns of X : (n_x, m) and Y : (n_y, m).

    Views, not copies (memory maps stay memory maps).  Every rank must call
    it with the same m; ``fit`` checks the shards agree in everything else.
    """
    if np.ndim(X) != 2 or np.ndim(Y) != 2:
        raise InvalidDataError(f"shard takes X : (n_x, m) and Y : (n_y, m), got shapes "
                               f"{np.shape(X)} and {np.shape(Y)}")
    m = np.shape(X)[1]
    if np.shape(Y)[1] != m:
        raise InvalidDataError(f"X has {m} examples (columns) but Y has {np.shape(Y)[1]}")
    columns = shard_columns(m, comm.rank, comm.size, layout)
    return X[:, columns], Y[:, columns]
