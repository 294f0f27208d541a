"""Learning-rate schedules: the rate alpha of each step, from the epoch it belongs to.

Epochs count from 0 (completed passes over the data); in full-batch
training an epoch is one step.  alpha0 is ``learning_rate``.

``None``            alpha = alpha0
``"inverse_time"``  alpha = alpha0 / (1 + decay_rate epoch)   (the course's ``update_lr``)
``"stepwise"``      alpha = alpha0 / (1 + decay_rate floor(epoch / time_interval))
                    (the course's ``schedule_lr_decay``)
``"cosine"``        alpha = alpha0 (1 + cos(pi e / E)) / 2 over the fit's epochs after
                    the warm-up (e counted from its end, E epochs left): to 0 at the end
                    of the run

``warmup_epochs`` = k > 0 ramps the rate linearly first: alpha0 (e + 1) / k
in epoch e < k (from alpha0 / k up to alpha0), then the schedule.  The
schedules other than cosine depend on the epoch alone, so a warm-started fit
continues them; cosine (with its warm-up) runs over each fit's own epochs,
so a warm start begins a new cycle (a warm restart, as SGDR).
"""

from __future__ import annotations

import math

SCHEDULES = (None, "inverse_time", "stepwise", "cosine")


def learning_rate(alpha0: float, schedule, epoch: int, *, decay_rate: float = 1.0,
                  time_interval: int = 1000, warmup_epochs: int = 0, cycle_start: int = 0,
                  cycle_epochs: int = 1) -> float:
    """The rate of a step of ``epoch`` (counted from 0 over every fit of the model).

    ``cycle_start``: the epoch this fit began at; ``cycle_epochs``: its epochs
    (cosine's cycle).
    """
    e = epoch - cycle_start if schedule == "cosine" else epoch
    if e < warmup_epochs:
        return alpha0 * (e + 1) / warmup_epochs
    if schedule is None:
        return alpha0
    if schedule == "inverse_time":
        return alpha0 / (1.0 + decay_rate * epoch)
    if schedule == "stepwise":
        return alpha0 / (1.0 + decay_rate * math.floor(epoch / time_interval))
    if schedule == "cosine":
        left = max(cycle_epochs - warmup_epochs, 1)
        return alpha0 * 0.5 * (1.0 + math.cos(math.pi * (e - warmup_epochs) / left))
    raise ValueError(f"lr_schedule must be one of {', '.join(map(repr, SCHEDULES))}, "
                     f"got {schedule!r}")
