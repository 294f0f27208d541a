"""This rank's share of the examples (columns)."""

from __future__ import annotations

import weakref

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
    X_local = X[:, columns]
    _remember(X_local, layout)
    return X_local, Y[:, columns]


# The layout of the shards ``shard`` made, by the shard's id, with a weak reference
# to tell a live shard from a new array that took a freed one's id: ``fit`` reads
# it to give each column its index in the whole data set (dropout's masks).  An
# array type without weak references is told by its memory address, shape and
# strides instead (its entry is then never dropped; it is a few numbers).
_layouts: dict[int, tuple] = {}


def _signature(X):
    interface = (getattr(X, "__cuda_array_interface__", None)
                 or getattr(X, "__array_interface__", None) or {})
    return (interface.get("data", (None,))[0], tuple(X.shape), getattr(X, "strides", None))


def _remember(X_local, layout: str) -> None:
    key = id(X_local)
    try:
        ref = weakref.ref(X_local, lambda _, key=key: _layouts.pop(key, None))
    except TypeError:
        _layouts[key] = (None, layout, _signature(X_local))
        return
    _layouts[key] = (ref, layout, None)


def shard_layout(X) -> str:
    """How ``shard`` laid out X, this rank's columns: ``"strided"`` or ``"contiguous"``.

    An array ``shard`` did not make (a user's own shard) is ``"contiguous"``:
    its columns follow those of the lower ranks.
    """
    entry = _layouts.get(id(X))
    if entry is not None:
        ref, layout, signature = entry
        if (ref() is X) if ref is not None else signature == _signature(X):
            return layout
    return "contiguous"


def global_columns(local, rank: int, size: int, counts, layout: str = "contiguous"):
    """The indices in the whole data set of this rank's columns ``local`` (int64).

    ``counts``: every rank's example count.  Strided: rank + size * local;
    contiguous (``shard``'s blocks, or a user's shards): the lower ranks'
    counts + local.
    """
    local = np.asarray(local, dtype=np.int64)
    if layout == "strided":
        return rank + size * local
    return int(sum(counts[:rank])) + local
