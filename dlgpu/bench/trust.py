"""How far a benchmark run can be trusted: the flags at the top of the report.

A run is flagged when its figures are spread wide over their rounds, or when
the machine was busy with other work while it ran (measured by
:mod:`dlgpu.bench.load`).  The thresholds are :data:`THRESHOLDS`; each flag
says what was seen and what to do.  A run with no flag had every figure's
interquartile range within 10% of its median on a machine that was idle
before, during and after it.  Such a run can still differ from another one
(clock boost, thermal state, a different BLAS thread count), but not because
another job shared its cores unseen.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .results import Result, Source

THRESHOLDS = {
    # a figure whose interquartile range over rounds exceeds this fraction of its median
    "wide_spread": 0.10,
    # CPU time of other processes (and hypervisor steal) during the run, as a
    # fraction of all the usable CPUs' time
    "others_cpu": 0.10,
    # 1-minute load average per CPU of the system, before the run; after it,
    # less the CPUs the run itself kept busy
    "load_per_cpu": 0.5,
    # slowest over fastest calibration loop, before or after the run
    "calibration_spread": 1.5,
    # median calibration loop after the run over before it (or before over after)
    "calibration_drift": 1.25,
}

THRESHOLD_TEXT = (
    f"A figure is *wide* when its interquartile range (IQR) over rounds exceeds "
    f"{THRESHOLDS['wide_spread']:.0%} of its median (marked ⚠). The machine counts as "
    f"*busy* when other processes took more than {THRESHOLDS['others_cpu']:.0%} of the "
    f"usable CPUs' time during the run (from /proc/stat, less the run's own CPU time), "
    f"when the 1-minute load average exceeded {THRESHOLDS['load_per_cpu']} per CPU "
    f"before the run (or after it, less the run's own busy CPUs), or when a fixed "
    f"calibration loop timed before and after the run varied more than "
    f"{THRESHOLDS['calibration_spread']}× within either set or "
    f"{THRESHOLDS['calibration_drift']}× between them.")

LOAD_ADVICE = (
    "Rerun on an idle machine (`uptime` shows the load). If it must stay shared, give "
    "each library one thread (`OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "
    "MKL_NUM_THREADS=1 dlgpu bench ...`): a BLAS's threads spin while they wait for "
    "cores that other jobs hold. Compare implementations only in the side-by-side "
    "table, where they took turns.")
SPREAD_ADVICE = (
    "Two figures whose ranges overlap are not distinguishable. Rerun on an idle machine, "
    "without `--quick` (more rounds), or with one BLAS thread "
    "(`OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 dlgpu bench ...`).")


@dataclass(frozen=True)
class Flag:
    """One reason to doubt a run: what was seen, what to do, and a few words of it."""

    what: str
    advice: str
    short: str = ""


def quartiles(values) -> tuple[float, float, float]:
    """``(q1, median, q3)`` of ``values`` (one value: that value three times)."""
    values = [float(v) for v in values]
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def figure_spreads(results: list[Result]) -> dict[str, float]:
    """Every figure's IQR over its median, by name; the side-by-side figures
    (one per implementation that took turns) are named ``name[implementation]``."""
    spreads = {}
    for r in results:
        if r.kind != "interleaved":
            spreads[r.name] = r.relative_iqr
            continue
        for impl, entry in r.info["interleaved"].items():
            if entry.get("times_s"):
                q1, median, q3 = quartiles(entry["times_s"])
                spreads[f"{r.name}[{impl}]"] = (q3 - q1) / median
    return spreads


def load_flags(load: dict | None, blas_threads: int | None = None) -> list[Flag]:
    """The flags of a run's machine load (:func:`dlgpu.bench.load.between`)."""
    if not load:
        return [Flag("The machine's load was not recorded (a JSON file written by an "
                     "older dlgpu or without its benchmark suite's conftest).",
                     "Rerun with `dlgpu bench` to have it measured.", "load not recorded")]
    seen = []
    others = load.get("others_cpu_fraction")
    if others is not None and others > THRESHOLDS["others_cpu"]:
        seen.append(f"other processes took {others:.0%} of the {load['cpus']} usable CPUs' "
                    f"time during the run")
    system_cpus = load.get("system_cpus") or load["cpus"]
    before, after = load.get("loadavg_before"), load.get("loadavg_after")
    if before and before[0] / system_cpus > THRESHOLDS["load_per_cpu"]:
        seen.append(f"the load average was {before[0]:.2f} on {system_cpus} CPUs before it")
    if after and (after[0] - load.get("own_cpus", 0.0)) / system_cpus > THRESHOLDS["load_per_cpu"]:
        seen.append(f"the load average was {after[0]:.2f} on {system_cpus} CPUs after it "
                    f"(the run itself kept {load.get('own_cpus', 0.0):.1f} busy)")
    seen += _calibration_seen(load.get("calibration_before_s") or [],
                              load.get("calibration_after_s") or [])
    if not seen:
        return []
    advice = LOAD_ADVICE
    if blas_threads and blas_threads > 1:
        advice += f" NumPy's BLAS ran {blas_threads} threads here."
    return [Flag("The machine was busy: " + "; ".join(seen) + ".", advice, "a busy machine")]


def _calibration_seen(before: list, after: list) -> list[str]:
    seen = []
    for when, times in (("before", before), ("after", after)):
        if times and max(times) / min(times) > THRESHOLDS["calibration_spread"]:
            seen.append(f"the calibration loop {when} the run varied "
                        f"{max(times) / min(times):.1f}× (slowest over fastest)")
    if before and after:
        drift = statistics.median(after) / statistics.median(before)
        if max(drift, 1 / drift) > THRESHOLDS["calibration_drift"]:
            seen.append(f"the calibration loop took {drift:.2f}× as long after the run "
                        f"as before it")
    return seen


def spread_flags(results: list[Result]) -> list[Flag]:
    spreads = figure_spreads(results)
    wide = {name: s for name, s in spreads.items() if s > THRESHOLDS["wide_spread"]}
    if not wide:
        return []
    widest = max(wide, key=wide.get)
    return [Flag(f"{len(wide)} of {len(spreads)} figures are wide (IQR over "
                 f"{THRESHOLDS['wide_spread']:.0%} of the median); the widest, `{widest}`, "
                 f"spans {wide[widest]:.0%} of its median.", SPREAD_ADVICE,
                 f"{len(wide)} of {len(spreads)} figures wide")]


def assess(results: list[Result], sources: list[Source]) -> list[Flag]:
    """Every flag of a run: its sources' machine load, then its figures' spread."""
    flags = []
    for source in sources:
        blas = (source.machine.get("dlgpu") or {}).get("blas") or {}
        for flag in load_flags(source.load, blas.get("num_threads")):
            prefix = f"`{source.path}`: " if len(sources) > 1 else ""
            flags.append(Flag(prefix + flag.what, flag.advice, flag.short))
    return flags + spread_flags(results)


def is_wide(relative_iqr: float) -> bool:
    return relative_iqr > THRESHOLDS["wide_spread"]
