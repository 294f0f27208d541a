"""How busy the machine was around a benchmark run.

A benchmark on a shared machine also measures the other jobs: a thread of
someone else's work on one of two cores can stretch a step several times,
more when a BLAS's threads spin waiting for a core that is taken.  So a run
records, at its start and at its end (:func:`snapshot`):

* the load average (1, 5 and 15 minutes), as the kernel counts it;
* the CPU time spent busy on the CPUs this process may use (``/proc/stat``,
  hypervisor steal included), and this process's own CPU time (children
  included): their difference over the run is what other processes took;
* a calibration loop, the same fixed single-threaded work timed a few
  times: it takes longer, and varies, when it has to share a core.

:func:`between` turns the two snapshots into the JSON-ready record that
:mod:`dlgpu.bench.trust` judges.  Where ``/proc/stat`` does not exist (not
Linux) the CPU share of others is None and only the load average and the
calibration remain.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass

from .machine import usable_cpus

#: loops per calibration: about 5 ms of pure Python on a current CPU core
CALIBRATION_LOOPS = 50_000
CALIBRATION_REPEATS = 7
_BUSY_FIELDS = (0, 1, 2, 5, 6, 7)  # user nice system irq softirq steal (guest is in user)


@dataclass(frozen=True)
class Snapshot:
    """The machine at one moment: see the module's docstring."""

    wall_s: float
    loadavg: tuple | None
    busy_s: float | None  # busy CPU seconds on this process's CPUs, since boot
    own_s: float  # CPU seconds of this process and its waited-for children
    calibration_s: tuple  # seconds of each calibration loop


def busy_cpu_seconds(cpus=None, stat_path: str = "/proc/stat") -> float | None:
    """Busy CPU seconds since boot on ``cpus`` (default: this process's affinity), or None."""
    if cpus is None:
        try:
            cpus = os.sched_getaffinity(0)
        except (AttributeError, OSError):
            cpus = None
    wanted = None if cpus is None else {f"cpu{c}" for c in cpus}
    try:
        with open(stat_path, encoding="ascii") as stat:
            lines = [line.split() for line in stat if line.startswith("cpu")]
    except OSError:
        return None
    per_cpu = [f for f in lines if f[0] != "cpu" and (wanted is None or f[0] in wanted)]
    if not per_cpu:
        return None
    ticks = sum(int(f[1 + i]) for f in per_cpu for i in _BUSY_FIELDS if 1 + i < len(f))
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def calibrate(repeats: int = CALIBRATION_REPEATS, loops: int = CALIBRATION_LOOPS) -> tuple:
    """Seconds of each of ``repeats`` runs of the same fixed loop (one thread, no BLAS)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(loops):
            total += i * i
        times.append(time.perf_counter() - start)
    return tuple(times)


def snapshot(calibration: bool = True) -> Snapshot:
    try:
        loadavg = tuple(os.getloadavg())
    except (AttributeError, OSError):
        loadavg = None
    calibration_s = calibrate() if calibration else ()
    return Snapshot(time.monotonic(), loadavg, busy_cpu_seconds(), own_cpu_seconds(),
                    calibration_s)


def between(before: Snapshot, after: Snapshot, cpus: int | None = None) -> dict:
    """What happened on the machine from ``before`` to ``after``, JSON-ready.

    ``others_cpu_fraction``: the CPU time other processes (and the
    hypervisor) took, over the wall time times the usable CPUs; 0 is an idle
    machine, 1 is every usable CPU busy with other work all along.
    ``own_cpus``: how many CPUs the run itself kept busy on average.
    """
    cpus = cpus or usable_cpus()
    wall = max(after.wall_s - before.wall_s, 1e-9)
    own = max(after.own_s - before.own_s, 0.0)
    others = None
    if before.busy_s is not None and after.busy_s is not None:
        others = max(0.0, after.busy_s - before.busy_s - own) / (wall * cpus)
    return {
        "cpus": cpus,
        "system_cpus": os.cpu_count() or cpus,
        "wall_s": wall,
        "own_cpus": own / wall,
        "others_cpu_fraction": others,
        "loadavg_before": list(before.loadavg) if before.loadavg else None,
        "loadavg_after": list(after.loadavg) if after.loadavg else None,
        "calibration_before_s": list(before.calibration_s),
        "calibration_after_s": list(after.calibration_s),
    }
