"""Data-parallel training: P processes, each with a shard of the examples.

::

    from dlgpu import distributed
    comm = distributed.init()            # under mpiexec; "auto" | "mpi" | "nccl" | "local"
    X_local, Y_local = distributed.shard(X, Y, comm)
    model = dlgpu.DeepNN(dims, batch_size=B)   # B is the global batch
    model.fit(X_local, Y_local, comm=comm)

The maths of a step does not learn about ranks: each rank computes its
examples' gradients into its flat gradient buffer (:mod:`dlgpu.buffers`),
and the training loop hands that buffer to a
:class:`~dlgpu.distributed.sync.GradientSync`, which sums it over the ranks
in one all-reduce.  One process is a
communicator of size 1 (:class:`LocalCommunicator`) under the same sync,
which then adds no work to a step.

This package holds the communicators (``comm``, ``nccl``, ``launch``), the
gradient sync, sharding and the fault rules.  It imports the backend layer
and :mod:`dlgpu.errors` only; the training loop and the model import it.

Semantics
---------
* The cost and the gradients of a step are those of the union of the ranks'
  examples: each rank contributes its mean gradient times its example count,
  and the sum is divided by the global count, so unequal shards are weighted
  right.  Every rank applies the same all-reduced update.
* The initial parameters are drawn on rank 0 and broadcast.
* Mini-batch: ``batch_size`` is global.  An epoch has
  ``ceil(m_global / batch_size)`` steps on every rank; each rank splits its
  own examples into that many nearly equal parts (``np.array_split``), so a
  global batch is the union of one part per rank.  Shuffling is per rank,
  from ``default_rng(seed + rank)``: examples never move between ranks.
* Records (cost, validation cost and accuracy) are means over all ranks'
  examples, so callbacks, early stopping and divergence detection decide
  the same on every rank.  ``save`` and checkpoints write from rank 0 only.
* Faults: data or settings refused on any rank raise :class:`RankError` on
  every rank before training; any other exception on one rank during
  ``fit`` (or uncaught in a script after :func:`init`) prints the rank and
  the cause and aborts the whole job (``MPI_Abort``), so no rank waits
  forever in a collective.  A killed rank ends the job through the launcher.
"""

from .comm import Communicator, LocalCommunicator, MPICommunicator
from .faults import RankError, abort_on_failure
from .launch import init
from .shard import shard
from .sync import GradientSync, global_mean

__all__ = ["Communicator", "GradientSync", "LocalCommunicator", "MPICommunicator", "RankError",
           "abort_on_failure", "global_mean", "init", "shard"]
