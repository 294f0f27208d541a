"""NumPy's global random state, drawn from as the course's code draws from it."""

from __future__ import annotations

import contextlib

import numpy as np


@contextlib.contextmanager
def global_random_state(seed=None):
    """A ``RandomState`` that continues NumPy's global one (seeded first when ``seed``
    is given, as the course's ``np.random.seed(seed)``), written back on exit.

    Draws from it are the ones ``np.random.randn`` would give, and the global
    state is left advanced past them, so a notebook's later draws continue as
    they do with the course's own code.
    """
    if seed is not None:
        np.random.seed(seed)
    rng = np.random.RandomState()
    rng.set_state(np.random.get_state())
    yield rng
    np.random.set_state(rng.get_state())
