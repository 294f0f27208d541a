"""Faults: no rank may wait forever for one that failed.

Two rules.  What can be checked before training (data, settings) is checked
on every rank and agreed on (:func:`agree`): if any rank refuses, every rank
raises the same :class:`RankError`, naming the ranks and their reasons.
Anything that fails on one rank later (a bad batch, an out-of-memory error,
a bug) cannot be agreed on, because the other ranks are already waiting in a
collective: the failing rank prints its rank and the cause and calls
``MPI_Abort``, which ends every rank (:func:`abort_on_failure`, and the
excepthook :func:`init` installs for uncaught exceptions).  Errors raised on
every rank by construction (:class:`RankError`,
:class:`~dlgpu.errors.DivergenceError`, which is decided on the global cost,
and :class:`~dlgpu.interrupt.TrainingInterrupted`, Ctrl-C agreed on over
the ranks) are left to propagate normally.
"""

from __future__ import annotations

import sys
import traceback
from contextlib import contextmanager

from ..errors import DivergenceError, InvalidDataError
from ..interrupt import TrainingInterrupted


class RankError(InvalidDataError):
    """Data or settings refused on some rank; raised on every rank, before training."""


#: raised on every rank together, so nobody is left waiting (Ctrl-C on any rank stops
#: every rank at the same step: ``GradientSync.interrupted``)
AGREED_ERRORS = (RankError, DivergenceError, TrainingInterrupted)
#: seconds a rank with an agreed error waits for the others to report theirs
AGREED_EXIT_WAIT = 10.0


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def agree(comm, check, what: str = "the data"):
    """Run ``check()`` on every rank; its result, or RankError on every rank if any failed.

    One process raises ``check``'s own error: there is nobody to agree with.
    """
    if comm.size == 1:
        return check()
    result, problem = None, None
    try:
        result = check()
    except Exception as exc:  # reported below, on every rank
        problem = describe(exc)
    problems = comm.allgather(problem)
    failed = [(rank, text) for rank, text in enumerate(problems) if text is not None]
    if failed:
        reasons = "; ".join(f"rank {rank}: {text}" for rank, text in failed)
        raise RankError(f"{what} refused on {len(failed)} of {comm.size} ranks: {reasons}")
    return result


def same_everywhere(comm, facts: dict) -> None:
    """RankError on every rank when a setting or shape in ``facts`` differs between ranks."""
    everyone = comm.allgather(facts)
    differ = [f"{key} (" + ", ".join(f"rank {rank}: {theirs[key]}"
                                     for rank, theirs in enumerate(everyone)) + ")"
              for key in facts if any(theirs[key] != facts[key] for theirs in everyone)]
    if differ:
        raise RankError(f"the ranks disagree on {'; '.join(differ)}")


def report(comm, exc: BaseException, when: str) -> None:
    """Print which rank failed, with what, and the traceback, to stderr."""
    print(f"dlgpu: rank {comm.rank} of {comm.size} failed {when}: {describe(exc)}; "
          f"aborting all ranks", file=sys.stderr)
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    sys.stderr.flush()


@contextmanager
def abort_on_failure(comm, when: str = "during training"):
    """Turn an exception on one rank into the end of the job, with a message."""
    try:
        yield
    except AGREED_ERRORS:
        raise
    except BaseException as exc:
        if comm.size == 1:
            raise
        report(comm, exc, when)
        comm.abort(1)
        raise


def install_excepthook(comm) -> None:
    """An uncaught exception on any rank prints the rank and the cause, then aborts all."""

    def hook(kind, exc, tb):
        if issubclass(kind, AGREED_ERRORS):
            # Every rank raised this error.  They print in turn, each in one
            # write, so the launcher's merged stderr does not interleave them,
            # and all print before any exits: the launcher ends the job when
            # the first rank exits.
            text = "".join(traceback.format_exception(kind, exc, tb))
            for turn in range(comm.size):
                if turn == comm.rank:
                    sys.stderr.write(text)
                    sys.stderr.flush()
                if not comm.barrier_within(AGREED_EXIT_WAIT):
                    comm.abort(1)
                    return
            return
        report(comm, exc, "with an uncaught exception")
        comm.abort(1)

    sys.excepthook = hook
