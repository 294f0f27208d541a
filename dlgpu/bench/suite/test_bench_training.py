"""One training step and whole training runs: dlgpu beside the course's NumPy
transcription, PyTorch and scikit-learn, on the same problem, in the same run."""

import importlib

import pytest

import dlgpu
from dlgpu.bench.counts import dlgpu_step_bytes, step_bytes, step_flops, step_launches
from dlgpu.bench.problems import make_problem
from dlgpu.bench.results import IMPLEMENTATIONS
from dlgpu.bench.runs import make_run
from dlgpu.bench.steps import Unavailable, make_step, products_step, torch_launches
from dlgpu.bench.timing import RoundRobin, median_seconds, plan_rounds

from .conftest import device_name, is_standin, measure
from .matrix import (
    CPU_RUN_MAX_FLOPS,
    CPU_TARGET,
    RUN_ITERATIONS,
    RUN_SHAPES,
    SIDE_BY_SIDE_SECONDS,
    STEP_SHAPES,
    TRAINING_DTYPES,
)

#: implementation -> (module to import, why its rows may be empty)
PEERS = {"torch": ("torch", "PyTorch is not installed (pip install torch)"),
         "sklearn": ("sklearn", "scikit-learn is not installed (pip install scikit-learn)")}


@pytest.fixture(scope="module")
def problems():
    """``get(shape, dtype)``: the problem, built once per module (large ones take seconds)."""
    cache = {}

    def get(shape, dtype):
        key = (shape, dtype)
        if key not in cache:
            cache.clear()  # one at a time: the full tier's arrays reach gigabytes
            cache[key] = make_problem(shape.layer_dims, shape.m, dtype)
        return cache[key]
    return get


def _skip_if_unavailable(implementation, shape, device):
    if implementation in PEERS:
        module, reason = PEERS[implementation]
        pytest.importorskip(module, reason=reason)
    if shape.gpu_only and device == "cpu":
        pytest.skip(f"{shape.id} is measured on a GPU only (minutes per step on a CPU)")


def _info(kind, implementation, backend_name, device, problem, **extra):
    return dict(kind=kind, impl=implementation, backend=backend_name, device=device,
                device_name=device_name(device), dtype=problem.dtype,
                layer_dims=problem.layer_dims, m=problem.m, **extra)


@pytest.mark.parametrize("dtype", TRAINING_DTYPES)
@pytest.mark.parametrize("shape", STEP_SHAPES, ids=[s.id for s in STEP_SHAPES])
@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_training_step(benchmark, backend_name, device, ceilings, problems, implementation,
                       shape, dtype):
    _skip_if_unavailable(implementation, shape, device)
    problem = problems(shape, dtype)
    try:
        step = make_step(implementation, problem, device)
    except Unavailable as exc:
        pytest.skip(str(exc))
    info = _info("step", implementation, backend_name, device, problem,
                 computed_dtype=step.dtype, flops=step_flops(shape.layer_dims, shape.m),
                 bytes=step_bytes(shape.layer_dims, shape.m, dtype), examples=shape.m,
                 **_launches(implementation, step, shape, dtype, device))
    measure(benchmark, step.run, step.synchronize, info=info, ceilings=ceilings,
            group=f"step {shape.id} {dtype} {device}")


def _launches(implementation, step, shape, dtype, device) -> dict:
    """Launches (and, for dlgpu, bytes moved) per step, for the report's step tables.

    dlgpu's from its kernel table (:func:`dlgpu.bench.counts.step_kernels`, which
    tests/bench/test_step_kernels.py checks against the CuPy stand-in's counter);
    PyTorch's from its profiler, over one step after a warm-up one.
    """
    if implementation == "dlgpu":
        return {"launches": step_launches(shape.layer_dims), "launches_unit": "kernels",
                "launches_source": "dlgpu's kernel table, counted on the CuPy stand-in",
                "moved_bytes": dlgpu_step_bytes(shape.layer_dims, shape.m, dtype)}
    if implementation == "torch":
        step.run()  # warm-up: the profile is of a steady-state step
        count, unit = torch_launches(step, device)
        return {"launches": count, "launches_unit": unit,
                "launches_source": "torch.profiler, one step after a warm-up"}
    return {}


@pytest.mark.parametrize("dtype", TRAINING_DTYPES)
@pytest.mark.parametrize("shape", RUN_SHAPES, ids=[s.id for s in RUN_SHAPES])
@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_training_run(benchmark, backend_name, device, ceilings, problems, implementation,
                      shape, dtype):
    _skip_if_unavailable(implementation, shape, device)
    flops = step_flops(shape.layer_dims, shape.m)
    if device == "cpu" and flops > CPU_RUN_MAX_FLOPS:
        pytest.skip(f"a run of {shape.id} takes minutes on a CPU; its step is measured")
    problem = problems(shape, dtype)
    try:
        run = make_run(implementation, problem, device, RUN_ITERATIONS)
    except Unavailable as exc:
        pytest.skip(str(exc))
    info = _info("run", implementation, backend_name, device, problem,
                 iterations=RUN_ITERATIONS, flops=RUN_ITERATIONS * flops,
                 bytes=RUN_ITERATIONS * step_bytes(shape.layer_dims, shape.m, dtype),
                 examples=RUN_ITERATIONS * shape.m)
    measure(benchmark, run.run, run.synchronize, info=info, ceilings=ceilings,
            group=f"run {shape.id} {dtype} {device}")


@pytest.mark.parametrize("shape", [CPU_TARGET], ids=[CPU_TARGET.id])
def test_side_by_side(benchmark, backend_name, device, ceilings, problems, shape):
    """Every implementation on the CPU target, taking turns round after round.

    The headline comparison of the issue: the medians of each implementation's
    interleaved steps go to ``extra_info["interleaved"]`` (with each step's
    time, round by round, in ``times_s``), with those of the
    step's matrix products alone (``products``, the floor no implementation on
    this BLAS can beat); the benchmark's own statistics time whole rounds and
    are not read.
    """
    if backend_name == "cupy" and is_standin(dlgpu.backend.get_backend_module()):
        pytest.skip("on a CuPy stand-in this is the NumPy case's arithmetic again, at the "
                    "CPU target's size (seconds); test_training_step covers each peer's step")
    problem = problems(shape, "float32")
    steps, skipped = {}, {}
    for implementation in IMPLEMENTATIONS:
        try:
            if implementation in PEERS:
                importlib.import_module(PEERS[implementation][0])
            step = make_step(implementation, problem, device)
        except ImportError as exc:
            skipped[implementation] = PEERS.get(implementation, (None, str(exc)))[1]
            continue
        except Unavailable as exc:
            skipped[implementation] = str(exc)
            continue
        steps[implementation] = (step.run, step.synchronize)
    floor = products_step(problem, device)  # the step's matrix products alone
    steps["products"] = (floor.run, floor.synchronize)
    run, synchronize = steps["dlgpu"]
    run()
    synchronize()
    k, _ = plan_rounds(median_seconds(run, synchronize, repeats=1, warmup=0), device=device,
                       budget_s=1.0, min_rounds=1, max_rounds=1)
    turns = RoundRobin(steps, k)
    benchmark.group = f"side by side {shape.id} float32 {device}"
    turns()  # warm-up round: every library's first steps, outside the figures
    turns.reset()
    if benchmark.disabled:
        benchmark.pedantic(turns)
        return
    # each turn is one untimed step and k timed ones
    seconds_per_round = (k + 1) * sum(median_seconds(r, s, repeats=1) for r, s in steps.values())
    rounds = max(3, int(SIDE_BY_SIDE_SECONDS / seconds_per_round))
    benchmark.pedantic(turns, rounds=rounds)
    medians = turns.medians()
    info = _info("interleaved", "dlgpu", backend_name, device, problem,
                 flops=step_flops(shape.layer_dims, shape.m),
                 bytes=step_bytes(shape.layer_dims, shape.m, "float32"), examples=shape.m,
                 steps_per_sync=k, skipped=skipped, median_s=medians["dlgpu"],
                 interleaved={name: {"median_s": medians[name], "steps": len(times),
                                     "times_s": times}
                              for name, times in turns.times.items()})
    benchmark.extra_info.update(info)
    ceilings.record(benchmark.extra_info)
