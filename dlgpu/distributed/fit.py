"""``DeepNN.fit(X_local, Y_local, comm=comm)``: agree, broadcast, train."""

from __future__ import annotations

from ..training import train
from .faults import RankError, abort_on_failure, agree
from .sync import GradientSync


def fit(model, X, Y, validation_data, callbacks, stream, comm) -> None:
    """Train ``model`` on this rank's X : (n_x, m_r), Y with the other ranks of ``comm``.

    Before training, every rank checks its data and the ranks agree on the
    settings and shapes (a :class:`RankError` on every rank otherwise); the
    initial parameters are rank 0's.  ``model.rank_`` is set, so that only
    rank 0 writes files (``save``, checkpoints).
    """
    def check():
        checked = model._checked_data(X, Y, validation_data)
        facts = {k: v for k, v in model.get_params().items() if k != "verbose"}
        facts.update({"rows of Y": checked[1].shape[0],
                      "validation data": checked[2] is not None})
        return checked, facts

    checked, facts = agree(comm, check)
    _same_everywhere(comm, facts)
    X, Y, validation_data = checked
    model.rank_ = comm.rank
    with abort_on_failure(comm):
        model.initialize_parameters()
        sync = GradientSync(comm, model.parameters_, X.shape[1])
        sync.broadcast_parameters_(model.parameters_)
        train(model, X, Y, validation_data, callbacks, stream, sync)


def _same_everywhere(comm, facts: dict) -> None:
    """RankError on every rank when a setting or shape differs between ranks."""
    everyone = comm.allgather(facts)
    differ = [f"{key} (" + ", ".join(f"rank {rank}: {theirs[key]}"
                                     for rank, theirs in enumerate(everyone)) + ")"
              for key in facts if any(theirs[key] != facts[key] for theirs in everyone)]
    if differ:
        raise RankError(f"the ranks disagree on {'; '.join(differ)}")
