"""Ctrl-C during training: stop at the end of the current step, not inside one.

``fit`` runs inside :func:`after_step`: the first SIGINT only sets
``requested``, which the training loop reads after each gradient step and
answers by raising ``KeyboardInterrupt`` there, between two steps, so the
parameters are those of a complete step.  A second Ctrl-C interrupts at
once (the parameters may then hold part of a step).  Outside the main
thread, or where the program has its own SIGINT handler, nothing is
installed and a ``KeyboardInterrupt`` arrives wherever it arrives.
"""

from __future__ import annotations

import contextlib
import signal
import threading


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training after a whole step; with several ranks, every rank
    raises it at the same step (the request is agreed on over the ranks)."""


class StepInterrupt:
    """Whether Ctrl-C asked training to stop after the current step."""

    def __init__(self):
        self.requested = False


@contextlib.contextmanager
def after_step(flag: StepInterrupt):
    """Defer SIGINT to ``flag.requested`` for the duration of the block."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield flag
        return

    def on_sigint(signum, frame):
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
