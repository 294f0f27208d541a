"""The training loop's side of data parallelism: one all-reduce per step.

:class:`GradientSync` is what ``dlgpu.training.train`` receives as ``sync``,
for one process as for many.  With several ranks it scales the step's flat
gradient buffer (:mod:`dlgpu.buffers`) into its own, which has room for
one flag per rank and the example count, sums that over the ranks in one
all-reduce, and hands back the global gradients, of the same layout.
With one rank (a
:class:`~dlgpu.distributed.comm.LocalCommunicator`) every figure is already
global: the gradients pass through untouched, no buffer is allocated, and
the batches are the chunked shuffle of :func:`dlgpu.batching.epoch_plan`.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..batching import chunk_columns, epoch_plan
from .faults import RankError
from .shard import global_columns


class GradientSync:
    """Gradients, costs and batch plans made global over the ranks of ``comm``.

    ``parameters`` fixes the layout of the flat buffer (``dW1, db1, ...`` in
    the order of ``parameters``); ``m_local`` is this rank's example count;
    ``layout`` is how this rank's columns lie in the whole data set
    (:func:`~dlgpu.distributed.shard.shard_layout`).
    """

    def __init__(self, comm, parameters: dict, m_local: int, layout: str = "contiguous"):
        self.comm, self.rank, self.size = comm, comm.rank, comm.size
        self.layout = layout
        self.pending = None  # the OR of the Ctrl-C flags in flight (see interrupted)
        self.counts = comm.allgather(int(m_local))
        self.m = sum(self.counts)
        self.n_x = parameters["W1"].shape[1]
        if self.size == 1:
            return
        first = next(iter(parameters.values()))
        xp = backend.get_array_module(first)
        end = sum(value.size for value in parameters.values())
        # The gradients, then one flag per rank (1 where that rank's gradients were not
        # finite), and, last, this rank's example count (summed: the global count;
        # exact in float32 up to 2^24 examples a step).
        self.flat = xp.empty(end + self.size + 1, dtype=first.dtype)
        self.grads = self.flat[:end]
        self.flags = self.flat[end:end + self.size]
        # The flags of the first step where any rank's gradients were not finite
        # (zeros until then): kept on the device, read only to name the ranks
        # in a divergence error.
        self.first_bad = xp.zeros(self.size, dtype=first.dtype)

    # -- parameters and gradients ------------------------------------------------
    def broadcast_parameters_(self, parameters) -> None:
        """Every rank takes rank 0's parameters: one broadcast of the flat buffer
        (:func:`dlgpu.buffers.flat_parameters`)."""
        if self.size == 1:
            return
        self.comm.bcast_(parameters.flat)

    def gradients(self, grads, n_local: float):
        """The gradients of the union of this step's batches, from this rank's.

        ``grads``: this rank's flat gradient buffer, means over its ``n_local``
        examples (with sample weights: weighted means, and ``n_local`` the
        local sum of the weights, so the result is the weighted mean over all
        ranks); scaled to a sum as it is copied, the sums and counts are
        all-reduced, and the result divided by the global count.  Returns a
        flat buffer of the same layout (valid until the next call).  One
        rank: ``grads`` as it is.
        """
        if self.size == 1:
            return grads
        n = self.flat.dtype.type(n_local)
        xp = backend.get_array_module(self.flat)
        xp.multiply(grads, n, out=self.grads)
        self.flags.fill(0)
        # On the device, like everything here: no synchronization.
        self.flags[self.rank:self.rank + 1] = ~xp.isfinite(self.grads).all()
        self.flat[-1] = n
        self.comm.allreduce_(self.flat)
        total = self.flat[-1:]  # stays on the device: no synchronization here
        self.grads /= total
        xp.copyto(self.first_bad, self.flags, where=~self.first_bad.any())
        return self.grads

    def divergent_ranks(self) -> list[int]:
        """The ranks whose gradients were not finite at the first step where any were
        (reads the device: for error messages only)."""
        if self.size == 1:
            return []
        return [rank for rank, flag in enumerate(backend.to_numpy(self.first_bad)) if flag]

    def name_ranks(self, exc: BaseException) -> None:
        """Add to a divergence error's message the ranks whose gradients went bad first."""
        ranks = self.divergent_ranks()
        if ranks and exc.args:
            names = ", ".join(map(str, ranks))
            message = (f"{exc.args[0]} Non-finite gradients appeared first on rank(s) "
                       f"{names} of {self.size}: look at their data.")
            exc.args = (message, *exc.args[1:])

    def global_columns(self, local) -> np.ndarray:
        """The indices in the whole data set of this rank's columns ``local`` (int64)."""
        return global_columns(local, self.rank, self.size, self.counts, self.layout)

    def agreed_seed(self, seed) -> int:
        """``seed``, or where it is None a fresh one from rank 0, the same on every rank."""
        if seed is None:
            seed = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        return int(self.comm.allgather(int(seed))[0]) if self.size > 1 else int(seed)

    # -- Ctrl-C ---------------------------------------------------------------
    def interrupted(self, requested: bool) -> bool:
        """After each step: True on every rank at the same step once Ctrl-C reached any.

        Each call starts a non-blocking OR of ``requested`` over the ranks
        (on the host) and returns the OR started by the call before: a
        request is acted on one step later, on every rank alike, without a
        per-step device synchronization.  One rank: ``requested`` itself.
        """
        if self.size == 1:
            return requested
        pending, self.pending = self.pending, None
        stop = pending.wait() if pending is not None else False
        if not stop:
            self.pending = self.comm.start_any(requested)
        return stop

    def settle(self) -> None:
        """Wait for the OR still in flight, if any (every rank, at the end of training)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.wait()

    # -- figures for the records ----------------------------------------------
    def means(self, values, n_local: float) -> list[float]:
        """Means over all ranks' examples of per-rank means ``values`` over ``n_local`` each
        (with sample weights, ``n_local`` is this rank's weight sum)."""
        if self.size == 1:
            return [float(value) for value in values]
        return global_mean(self.comm, values, n_local)

    def total(self, value) -> float:
        """The sum over the ranks of a number (a running total of costs, say)."""
        if self.size == 1:
            return float(value)
        buffer = np.array([float(value)])
        self.comm.allreduce_(buffer)
        return float(buffer[0])

    # -- batches --------------------------------------------------------------
    def steps_per_epoch(self, batch_size: int) -> int:
        """``ceil(m_global / batch_size)``; every rank needs a column for each step."""
        self.steps = steps = math.ceil(self.m / batch_size)
        self.batch_size = batch_size
        if min(self.counts) < steps:
            rank = self.counts.index(min(self.counts))
            raise RankError(
                f"rank {rank} holds {min(self.counts)} examples, fewer than the {steps} steps "
                f"of an epoch (m = {self.m} over {self.size} ranks, batch_size = "
                f"{batch_size}); every rank needs one example per step: use a larger "
                f"batch_size or shard the data evenly")
        return steps

    def rng(self, seed, epoch: int):
        """This rank's shuffling generator of ``epoch``: ``default_rng([seed, rank, epoch])``
        (fresh entropy when ``seed`` is None), so a warm start needs no generator state."""
        return np.random.default_rng(None if seed is None else [seed, self.rank, epoch])

    def epoch_plan(self, rng) -> list[np.ndarray]:
        """This rank's part of each of an epoch's global batches: sorted columns."""
        if self.size == 1:
            return epoch_plan(self.m, self.batch_size, rng,
                              chunk_columns(self.n_x, self.m, self.batch_size))
        m = self.counts[self.rank]
        order = rng.permutation(m) if rng is not None else np.arange(m)
        parts = np.array_split(order, self.steps)
        if rng is not None:
            for part in parts:
                part.sort()
        return parts


def global_mean(comm, values, n_local: float) -> list[float]:
    """Weighted means over the ranks: sum_r values_r * n_r / sum_r n_r, in float64."""
    buffer = np.array([*(float(v) * n_local for v in values), float(n_local)])
    comm.allreduce_(buffer)
    return [float(v / buffer[-1]) for v in buffer[:-1]]

