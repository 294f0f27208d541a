"""The flags of a run, from synthetic timings and loads: no clock is read here.

The issue's rule: the same run on a loaded machine is either within its
stated spread of an unloaded run, or flagged.  A model of a shared core
checks it: each round of a step is slowed ``slowdown`` times with probability
``busy`` (another job held the core), and the load record says ``busy`` of
the CPUs' time went to other processes.
"""

import numpy as np
import pytest

from dlgpu.bench.results import Result, Source
from dlgpu.bench.trust import (
    THRESHOLDS,
    assess,
    figure_spreads,
    load_flags,
    quartiles,
    spread_flags,
)

CPUS = 2


def _load(others=0.0, loadavg=0.0, own_cpus=1.0, calibration=(5e-3,) * 7, after=None):
    return {"cpus": CPUS, "system_cpus": CPUS, "wall_s": 60.0, "own_cpus": own_cpus,
            "others_cpu_fraction": others, "loadavg_before": [loadavg] * 3,
            "loadavg_after": [loadavg + own_cpus] * 3 if after is None else [after] * 3,
            "calibration_before_s": list(calibration),
            "calibration_after_s": list(calibration)}


def _result(times, name="test_training_step[numpy-dlgpu-x]"):
    q1, median, q3 = quartiles(times)
    return Result(name, median, q1, q3, len(times), {"kind": "step"})


def _source(load):
    return Source("run.json", {"dlgpu": {"blas": {"num_threads": 2}}}, {}, "", load)


def _rounds(seed, busy, slowdown, rounds=30, base=0.010):
    """A step's round times on a core another job holds ``busy`` of the time."""
    rng = np.random.default_rng(seed)
    jitter = 1 + 0.02 * rng.random(rounds)  # an idle machine's own scatter: 2%
    held = rng.random(rounds) < busy
    return base * jitter * np.where(held, slowdown, 1.0)


def test_quartiles():
    assert quartiles([3.0]) == (3.0, 3.0, 3.0)
    assert quartiles([1, 2, 3, 4, 5]) == (2.0, 3.0, 4.0)


def test_an_idle_run_with_narrow_figures_has_no_flag():
    results = [_result(_rounds(0, busy=0.0, slowdown=1.0))]
    assert assess(results, [_source(_load())]) == []


@pytest.mark.parametrize("load, seen", [
    (_load(others=0.45), "other processes took 45% of the 2 usable CPUs"),
    (_load(loadavg=3.1), "load average was 3.10 on 2 CPUs before"),
    (_load(after=4.0, own_cpus=1.0), "load average was 4.00 on 2 CPUs after"),
    (_load(calibration=(5e-3, 5e-3, 9e-3)), "varied 1.8×"),
])
def test_a_busy_machine_is_flagged_with_what_to_do(load, seen):
    (flag,) = load_flags(load, blas_threads=2)
    assert flag.what.startswith("The machine was busy") and seen in flag.what
    assert "OPENBLAS_NUM_THREADS=1" in flag.advice and "idle machine" in flag.advice
    assert "ran 2 threads" in flag.advice


def test_the_run_itself_does_not_count_as_load():
    # after the run, the load average holds the run's own busy CPUs
    assert load_flags(_load(loadavg=0.2, own_cpus=1.9, after=2.1)) == []


def test_calibration_drift_between_before_and_after_is_flagged():
    load = _load()
    load["calibration_after_s"] = [7e-3] * 7
    (flag,) = load_flags(load)
    assert "1.40× as long after the run" in flag.what


def test_an_unrecorded_load_is_flagged():
    (flag,) = load_flags(None)
    assert "not recorded" in flag.what


def test_wide_figures_are_flagged_and_the_widest_named():
    narrow = _result([1.00, 1.01, 1.02, 1.01], "narrow")
    wide = _result([1.0, 1.0, 1.5, 2.0, 2.0], "wide")
    assert spread_flags([narrow]) == []
    (flag,) = spread_flags([narrow, wide])
    assert "1 of 2 figures are wide" in flag.what and "`wide`" in flag.what


def test_interleaved_figures_count_each_implementation():
    info = {"kind": "interleaved",
            "interleaved": {"dlgpu": {"median_s": 1.0, "times_s": [1.0, 1.0, 1.0]},
                            "torch": {"median_s": 1.0, "times_s": [1.0, 2.0, 3.0]},
                            "course": {"median_s": 1.0}}}  # times not recorded
    spreads = figure_spreads([Result("side", 1.0, 1.0, 1.0, 3, info)])
    assert spreads == {"side[dlgpu]": 0.0, "side[torch]": 0.5}  # IQR 2.5 - 1.5


def _within(loaded: Result, unloaded: Result) -> bool:
    return unloaded.q1_s <= loaded.median_s <= unloaded.q3_s


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("slowdown", [1.2, 2.0, 10.0, 160.0])
@pytest.mark.parametrize("busy", [0.0, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0])
def test_a_loaded_run_is_within_the_unloaded_spread_or_flagged(seed, busy, slowdown):
    unloaded = _result(_rounds(100 + seed, busy=0.0, slowdown=1.0))
    assert assess([unloaded], [_source(_load())]) == []
    loaded = _result(_rounds(seed, busy, slowdown))
    flags = assess([loaded], [_source(_load(others=busy, loadavg=CPUS * busy))])
    assert _within(loaded, unloaded) or flags


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("slowdown", [1.2, 2.0, 10.0, 160.0])
@pytest.mark.parametrize("busy", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
def test_unseen_load_is_caught_by_the_spread(seed, busy, slowdown):
    """The load record says the machine was idle, but up to half the rounds were
    slowed: the figure's own spread must flag it.  (A run slowed in every round
    alike has a narrow spread: only the load record can catch it, tested above.)"""
    unloaded = _result(_rounds(100 + seed, busy=0.0, slowdown=1.0))
    loaded = _result(_rounds(seed, busy, slowdown))
    assert _within(loaded, unloaded) or assess([loaded], [_source(_load())])


def test_thresholds_are_the_documented_ones():
    from dlgpu.bench.trust import THRESHOLD_TEXT
    assert f"{THRESHOLDS['wide_spread']:.0%} of its median" in THRESHOLD_TEXT
    assert f"more than {THRESHOLDS['others_cpu']:.0%} of the usable CPUs" in THRESHOLD_TEXT
