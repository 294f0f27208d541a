"""Timing that counts all of the device's work and none of its start-up.

GPU work is asynchronous: a host clock read right after a launch measures
the launch, not the work.  So every measurement here synchronizes the device
before it reads the clock, runs a warm-up first (kernel compilation, the
cuBLAS handle, the memory pool), and, for throughput, runs many steps per
synchronization so that the one wait at the end is spread over all of them.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable


def synchronizer(device: str) -> Callable[[], None]:
    """A function that waits for all queued work: CuPy's device on ``"gpu"``, nothing on ``"cpu"``."""
    if device == "cpu":
        return _nothing
    if device == "gpu":
        import cupy

        def synchronize() -> None:
            cupy.cuda.Device().synchronize()
        return synchronize
    raise ValueError(f"device must be 'cpu' or 'gpu', got {device!r}")


def _nothing() -> None:
    return None


class SyncEvery:
    """Call ``step``; every ``k``-th call, then wait for the device.

    Handed to ``benchmark.pedantic(..., iterations=k)``, each timed round runs
    k steps and ends with one synchronization, so the round's clock is read
    only after all its work is done, and pytest-benchmark's per-iteration
    statistics are times per step.
    """

    def __init__(self, step: Callable[[], object], k: int, synchronize: Callable[[], None]):
        if int(k) < 1:
            raise ValueError(f"k must be at least 1, got {k!r}")
        self.step, self.k, self.synchronize = step, int(k), synchronize
        self.calls = 0

    def __call__(self) -> None:
        self.step()
        self.calls += 1
        if self.calls % self.k == 0:
            self.synchronize()


def seconds_per_call(fn: Callable[[], object], synchronize: Callable[[], None], *,
                     repeats: int = 5, per_measurement: int = 1, warmup: int = 1) -> list[float]:
    """Seconds per call of ``fn``, one figure for each of ``repeats`` measurements.

    Each measurement runs ``fn`` ``per_measurement`` times and synchronizes
    before reading the clock; ``warmup`` calls run first, untimed.
    """
    for _ in range(warmup):
        fn()
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(per_measurement):
            fn()
        synchronize()
        times.append((time.perf_counter() - start) / per_measurement)
    return times


def median_seconds(fn: Callable[[], object], synchronize: Callable[[], None], **options) -> float:
    """The median of :func:`seconds_per_call`: the typical time of a call."""
    return statistics.median(seconds_per_call(fn, synchronize, **options))


def plan_rounds(seconds_per_step: float, *, device: str, budget_s: float,
                min_rounds: int, max_rounds: int, round_s: float = 0.02) -> tuple[int, int]:
    """``(steps_per_sync, rounds)`` for a step taking ``seconds_per_step``.

    On a GPU, enough steps per synchronization for a round of about
    ``round_s`` (so the wait at the end is a small part of it); on a CPU,
    where nothing is asynchronous, one.  Then as many rounds as fit in
    ``budget_s``, within ``[min_rounds, max_rounds]``.
    """
    seconds_per_step = max(float(seconds_per_step), 1e-7)
    k = 1 if device == "cpu" else min(1000, max(1, math.ceil(round_s / seconds_per_step)))
    rounds = int(budget_s / (k * seconds_per_step))
    return k, max(min_rounds, min(max_rounds, rounds))


class RoundRobin:
    """Time several implementations in turns: each call is one round, one block each.

    On a shared machine, timing one implementation after another lets a burst
    of someone else's work land on one of them only; taking turns spreads it
    over all.  Each block of ``k`` timed steps is preceded by one untimed step
    of the same implementation, so the cost of switching libraries (a thread
    pool waking up, another one still spinning) stays outside the timed
    region, and the order rotates every round, so no implementation always
    follows the same one.  ``times[name]`` collects seconds per step.
    """

    def __init__(self, steps: dict, k: int = 1):
        """``steps``: name -> ``(run, synchronize)``."""
        if not steps:
            raise ValueError("RoundRobin needs at least one implementation")
        self.steps, self.k = dict(steps), max(1, int(k))
        self.order = list(self.steps)
        self.times: dict[str, list[float]] = {name: [] for name in self.steps}

    def __call__(self) -> None:
        for name in self.order:
            run, synchronize = self.steps[name]
            run()
            synchronize()
            start = time.perf_counter()
            for _ in range(self.k):
                run()
            synchronize()
            self.times[name].append((time.perf_counter() - start) / self.k)
        self.order.append(self.order.pop(0))

    def reset(self) -> None:
        self.times = {name: [] for name in self.steps}

    def medians(self) -> dict[str, float]:
        return {name: statistics.median(times) for name, times in self.times.items()}
