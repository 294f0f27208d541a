"""``dlgpu train --distributed``: the command on every rank, files and output from rank 0."""

from __future__ import annotations

import contextlib
import os
import sys

from .launch import init, launched
from .faults import abort_on_failure


def run(args, command) -> int:
    """``command(args, comm)`` on this rank; a failure on one rank aborts all of them.

    Ranks other than 0 print nothing on stdout (their errors still reach stderr).
    Without a launcher it trains as one process, and says so on stderr.
    """
    if not launched():
        print("dlgpu: --distributed without a launcher (mpiexec, srun): training as one "
              "process; start it with e.g. mpiexec -n 2 dlgpu train --distributed ...",
              file=sys.stderr, flush=True)
    comm = init()
    with contextlib.ExitStack() as stack:
        if comm.rank != 0:
            devnull = stack.enter_context(open(os.devnull, "w"))
            stack.enter_context(contextlib.redirect_stdout(devnull))
        stack.enter_context(abort_on_failure(comm, "in dlgpu train"))
        return command(args, comm)
