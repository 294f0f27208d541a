"""``dlgpu train --distributed``: the command on every rank, files and output from rank 0."""

from __future__ import annotations

import contextlib
import os
import sys

from .faults import AGREED_ERRORS, AGREED_EXIT_WAIT, RankError, abort_on_failure, describe
from .launch import init, launched


def run(args, command, prepare=None, explain=None) -> int:
    """``command(args, comm, prepare(args))`` on this rank; a failure on one rank aborts all.

    Ranks other than 0 print nothing on stdout (their errors still reach stderr).
    Without a launcher it trains as one process, and says so on stderr.

    ``prepare`` (loading the data, building the model) runs on every rank and
    its failures are agreed on, as are the errors training raises on every
    rank together (a refusal of the data, a divergence).  ``explain(exc)``
    gives such an error's ``(line, exit status)``, or None where it is not the
    user's mistake: then rank 0 alone prints the line, as one process would,
    and every rank exits with that status.
    """
    if not launched():
        print("dlgpu: --distributed without a launcher (mpiexec, srun): training as one "
              "process; start it with e.g. mpiexec -n 2 dlgpu train --distributed ...",
              file=sys.stderr, flush=True)
    comm = init()
    if comm.size == 1:
        return command(args, comm, None if prepare is None else prepare(args))
    with contextlib.ExitStack() as stack:
        if comm.rank != 0:
            devnull = stack.enter_context(open(os.devnull, "w"))
            stack.enter_context(contextlib.redirect_stdout(devnull))
        try:
            prepared = None if prepare is None else _prepare_everywhere(comm, prepare, args)
            with abort_on_failure(comm, "in dlgpu train"):
                return command(args, comm, prepared)
        except AGREED_ERRORS as exc:
            return _agreed_exit(comm, exc, explain)


def _prepare_everywhere(comm, prepare, args):
    """``prepare(args)`` on every rank; when any fails, every rank raises RankError
    (rank 0's carries rank 0's own error, so its message is one process's)."""
    result, own = None, None
    try:
        result = prepare(args)
    except Exception as exc:  # reported below, on every rank
        own = exc
    problems = comm.allgather(None if own is None else describe(own))
    failed = [(rank, text) for rank, text in enumerate(problems) if text is not None]
    if not failed:
        return result
    reasons = "; ".join(f"rank {rank}: {text}" for rank, text in failed)
    error = RankError(f"the data refused on {len(failed)} of {comm.size} ranks: {reasons}")
    error.own = own
    raise error


def _agreed_exit(comm, exc, explain) -> int:
    """An error raised on every rank: one line from rank 0, the same exit status everywhere."""
    shown = getattr(exc, "own", None) if comm.rank == 0 else None
    shown = shown if shown is not None else exc
    explained = None if explain is None else explain(shown)
    if explained is None:
        own = getattr(exc, "own", None)
        raise own if own is not None else exc  # not a user's mistake: the excepthook reports
    line, status = explained
    if comm.rank == 0:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    # Nobody exits before rank 0 has written: the launcher may end the job at the first exit.
    comm.barrier_within(AGREED_EXIT_WAIT)
    return status
