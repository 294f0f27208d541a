"""Counting what a device operation would issue on real CuPy 14: launches, pool
allocations, host synchronizations.

``tests.cupy_standin.counting()`` (defined here, in ``counter``) is a context manager; the :class:`Counts`
it yields grows while the block runs::

    with counting() as c:
        step(...)
    assert c.launches <= 10 * L + 1 and c.allocations == ... and c.syncs == 0

The rules live where the stand-in runs each operation (:mod:`.arrays`,
:mod:`.kernels`, :mod:`.cuda`, :mod:`.nccl`), each citing the CuPy source it
follows (CuPy's GitHub repository, main branch, 2026).  They count what
CuPy issues, not Python calls: a ``sum`` through CUB (the default
accelerator, cupy/_core/_accelerator.pyx ``CUPY_ACCELERATORS`` defaults to
``cub``) is a kernel plus a workspace allocation, or two kernels for a full
reduction; a ``matmul`` whose ``out`` has another dtype or overlaps an
operand goes through a temporary and a copy.  Where the stand-in cannot know
what CuPy does (CUB's single-tile shortcut, which depends on its tuning), it
counts high.

Launch kinds (:attr:`Counts.kinds`): ``elementwise`` (ufuncs, ElementwiseKernel,
fills, gathers and scatters), ``reduction`` (CuPy's own and CUB's, ReductionKernel's),
``gemm`` (cuBLAS, or CuPy's integer matmul kernel), ``copy_h2d``, ``copy_d2h``,
``copy_d2d`` (copies and casts between device arrays), ``memset``, ``nccl``.
Sync kinds (:attr:`Counts.sync_kinds`): ``get`` (a device-to-host read:
``.get()``, ``asnumpy``, ``float()``/``int()``/``bool()``/``repr`` of a device
array), ``mask`` (boolean-mask indexing reads the count of selected
elements), ``stream``, ``device``, ``event`` (``synchronize()``).
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter

LAUNCH_KINDS = ("elementwise", "reduction", "gemm", "copy_h2d", "copy_d2h", "copy_d2d",
                "memset", "nccl")
SYNC_KINDS = ("get", "mask", "stream", "device", "event")


class Counts:
    """What the operations inside a :func:`counting` block issued.

    ``launches``: kernel launches of every kind, copies and memsets included;
    ``allocations``: memory-pool allocations (each new device array, each
    temporary and workspace); ``syncs``: host synchronizations;
    ``kinds``: launch kind -> count; ``sync_kinds``: sync kind -> count;
    ``log``: with ``trace=True``, ``(what, kind, "file:line")`` for each
    event, the line being the first caller outside the stand-in.
    """

    def __init__(self, trace: bool = False):
        self.launches = self.allocations = self.syncs = 0
        self.kinds: Counter = Counter()
        self.sync_kinds: Counter = Counter()
        self.trace = trace
        self.log: list[tuple[str, str, str]] = []

    def __repr__(self):
        return (f"Counts(launches={self.launches}, allocations={self.allocations}, "
                f"syncs={self.syncs}, kinds={dict(self.kinds)}, "
                f"sync_kinds={dict(self.sync_kinds)})")

    def _note(self, what: str, kind: str) -> None:
        if self.trace:
            self.log.append((what, kind, _caller()))


_active: list[Counts] = []


def _caller() -> str:
    frame = sys._getframe(1)
    here = __name__.rpartition(".")[0]
    while frame is not None and frame.f_globals.get("__name__", "").startswith(here):
        frame = frame.f_back
    if frame is None:
        return "?"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


@contextlib.contextmanager
def counting(trace: bool = False):
    """Count launches, allocations and syncs issued inside the block (nestable)."""
    counts = Counts(trace)
    _active.append(counts)
    try:
        yield counts
    finally:
        _active.remove(counts)


def launch(kind: str, n: int = 1) -> None:
    assert kind in LAUNCH_KINDS, kind
    for counts in _active:
        counts.launches += n
        counts.kinds[kind] += n
        counts._note("launch", kind)


def allocation(kind: str = "array", n: int = 1) -> None:
    for counts in _active:
        counts.allocations += n
        counts._note("allocation", kind)


def sync(kind: str) -> None:
    assert kind in SYNC_KINDS, kind
    for counts in _active:
        counts.syncs += 1
        counts.sync_kinds[kind] += 1
        counts._note("sync", kind)
