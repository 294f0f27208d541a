"""``DeepNN.fit(X_local, Y_local, comm=comm)``: agree, broadcast, train."""

from __future__ import annotations

from ..training import train
from .faults import abort_on_failure, agree
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
        Y_checked, validation = checked[1], checked[2]
        settings = {k: v for k, v in model.get_params().items() if k != "verbose"}
        return checked, {"settings": settings, "Y rows": Y_checked.shape[0],
                         "validation data": validation is not None}

    checked, facts = agree(comm, check)
    agree(comm, lambda: _same_everywhere(comm, facts), "the ranks' settings")
    X, Y, validation_data = checked
    model.rank_ = comm.rank
    with abort_on_failure(comm):
        model.initialize_parameters()
        sync = GradientSync(comm, model.parameters_, X.shape[1])
        sync.broadcast_parameters_(model.parameters_)
        train(model, X, Y, validation_data, callbacks, stream, sync)


def _same_everywhere(comm, facts: dict) -> None:
    everyone = comm.allgather(facts)
    for key, mine in facts.items():
        theirs = [rank_facts[key] for rank_facts in everyone]
        if any(value != theirs[0] for value in theirs):
            listing = ", ".join(f"rank {rank}: {value}" for rank, value in enumerate(theirs))
            raise ValueError(f"{key} differ across ranks ({listing})")
