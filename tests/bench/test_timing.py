"""Timing helpers: synchronization placement and round planning (no clock assertions)."""

import pytest

from dlgpu.bench.timing import RoundRobin, SyncEvery, plan_rounds, seconds_per_call, synchronizer


def test_sync_every_waits_after_each_kth_step_only():
    events = []
    target = SyncEvery(lambda: events.append("step"), 3, lambda: events.append("sync"))
    for _ in range(6):
        target()
    assert events == ["step"] * 3 + ["sync"] + ["step"] * 3 + ["sync"]


def test_seconds_per_call_synchronizes_before_every_clock_read():
    events = []
    times = seconds_per_call(lambda: events.append("call"), lambda: events.append("sync"),
                             repeats=2, per_measurement=3, warmup=1)
    assert len(times) == 2 and all(t >= 0 for t in times)
    assert events == ["call", "sync"] + (["call"] * 3 + ["sync"]) * 2


def test_plan_rounds_runs_one_step_per_round_on_a_cpu():
    assert plan_rounds(0.001, device="cpu", budget_s=1.0, min_rounds=3, max_rounds=50) == (1, 50)
    assert plan_rounds(0.5, device="cpu", budget_s=1.0, min_rounds=3, max_rounds=50) == (1, 3)


def test_plan_rounds_batches_short_gpu_steps_between_synchronizations():
    k, rounds = plan_rounds(1e-4, device="gpu", budget_s=1.0, min_rounds=3, max_rounds=50,
                            round_s=0.02)
    assert k == 200 and rounds == 50
    assert plan_rounds(0.1, device="gpu", budget_s=1.0, min_rounds=3, max_rounds=50)[0] == 1


def test_synchronizer_is_a_no_op_on_the_cpu_and_refuses_unknown_devices():
    assert synchronizer("cpu")() is None
    with pytest.raises(ValueError, match="device"):
        synchronizer("tpu")
    with pytest.raises(ValueError, match="k must"):
        SyncEvery(lambda: None, 0, lambda: None)


def test_round_robin_takes_turns_in_a_rotating_order_with_an_untimed_step_first():
    events = []

    def implementation(name):
        return (lambda: events.append(name), lambda: events.append(f"sync {name}"))

    turns = RoundRobin({"a": implementation("a"), "b": implementation("b")}, k=2)
    turns()
    turns()
    block = ["{0}", "sync {0}", "{0}", "{0}", "sync {0}"]
    expected = [e.format(n) for n in ("a", "b", "b", "a") for e in block]
    assert events == expected
    assert {name: len(times) for name, times in turns.times.items()} == {"a": 2, "b": 2}
    assert set(turns.medians()) == {"a", "b"}
    turns.reset()
    assert turns.times == {"a": [], "b": []}
