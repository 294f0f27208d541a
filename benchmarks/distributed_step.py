"""Data parallelism on CPU: 1 process x 2 BLAS threads against 2 ranks x 1 thread.

``python3 benchmarks/distributed_step.py`` alternates three set-ups
``--rounds`` times (side by side, as the machine is shared): 1 process with 2
BLAS threads, 1 process with 1 thread, and 2 ranks under mpiexec with 1
thread each.  It prints the median time of one step of ``[784, 256, 128, 1]``
(float32) on m = 8192 examples per rank (16384 in a 1-process step: the same
global batch), and the share of the step the all-reduce takes (packing, the
all-reduce, the division by the count; a barrier just before it keeps the
wait for the slower rank out of that figure and in the step's).
``--worker`` is one set-up's process."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DIMS = [784, 256, 128, 1]


def worker(m_per_rank: int, steps: int, dtype: str) -> None:
    import dlgpu
    from dlgpu import distributed, training

    comm = distributed.init()
    rng = np.random.default_rng(comm.rank)
    X = dlgpu.to_device(rng.random((DIMS[0], m_per_rank)), dtype)
    T = dlgpu.to_device(rng.random((1, m_per_rank)) > 0.5, dtype)
    model = dlgpu.DeepNN(DIMS, learning_rate=0.01, dtype=dtype).initialize_parameters()
    sync = distributed.GradientSync(comm, model.parameters_, m_per_rank)
    step_times, reduce_times = [], []
    for _ in range(steps + 2):  # two warm-up steps
        comm.barrier()
        start = time.perf_counter()
        _, flat = training.gradients(model, X, T)
        if comm.size > 1:
            # Waiting for the slower rank is the step's, not the all-reduce's.
            comm.barrier()
        reduce_start = time.perf_counter()
        grads = sync.gradients(flat.grads.flat, m_per_rank)
        reduced = time.perf_counter()
        model.optimizer_.step_(flat, grads, model.learning_rate)
        step_times.append(time.perf_counter() - start)
        reduce_times.append(reduced - reduce_start)
    # The same buffer with the all-reduce alone, and as reduce-to-0 then broadcast.
    allreduce, reduce_bcast = [], []
    if comm.size > 1:
        from mpi4py import MPI
        buffer, world = sync.flat, MPI.COMM_WORLD
        for _ in range(steps):
            comm.barrier()
            start = time.perf_counter()
            world.Allreduce(MPI.IN_PLACE, buffer)
            allreduce.append(time.perf_counter() - start)
            comm.barrier()
            start = time.perf_counter()
            world.Reduce(MPI.IN_PLACE if comm.rank == 0 else buffer, buffer, root=0)
            world.Bcast(buffer, root=0)
            reduce_bcast.append(time.perf_counter() - start)
    if comm.rank == 0:
        med = lambda xs: float(np.median(xs[2:] if len(xs) > steps else xs))  # noqa: E731
        print(json.dumps({"ranks": comm.size, "m_per_rank": m_per_rank,
                          "step_s": med(step_times), "sync_s": med(reduce_times),
                          "allreduce_s": med(allreduce) if allreduce else None,
                          "reduce_bcast_s": med(reduce_bcast) if reduce_bcast else None,
                          "gradient_bytes": int(flat.grads.flat.nbytes)}))


def _launch(ranks: int, m_per_rank: int, steps: int, dtype: str, threads: int) -> dict:
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "DLGPU_BACKEND": "numpy",
           "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    command = [sys.executable, __file__, "--worker", str(m_per_rank), "--steps", str(steps),
               "--dtype", dtype]
    if ranks > 1:
        mpiexec = Path(sys.executable).with_name("mpiexec")
        command = [str(mpiexec) if mpiexec.exists() else "mpiexec", "-n", str(ranks), *command]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                         timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


def compare(rounds: int, steps: int, m_per_rank: int, dtype: str) -> None:
    one, single, two = [], [], []
    for _ in range(rounds):
        one.append(_launch(1, 2 * m_per_rank, steps, dtype, threads=2))
        single.append(_launch(1, 2 * m_per_rank, steps, dtype, threads=1))
        two.append(_launch(2, m_per_rank, steps, dtype, threads=1))
    med = lambda rows, key: float(np.median([row[key] for row in rows]))  # noqa: E731
    step1, step_single, step2 = (med(rows, "step_s") for rows in (one, single, two))
    sync = med(two, "sync_s")
    print(f"[784, 256, 128, 1] {dtype}, global batch {2 * m_per_rank}, {rounds} alternating "
          f"rounds of {steps} steps, medians")
    print("| set-up | step | examples/s | all-reduce + copies | share of step |")
    print("|---|---|---|---|---|")
    print(f"| 1 process x 2 BLAS threads, m = {2 * m_per_rank} | {1e3 * step1:.1f} ms | "
          f"{2 * m_per_rank / step1:,.0f} | - | - |")
    print(f"| 1 process x 1 BLAS thread, m = {2 * m_per_rank} | {1e3 * step_single:.1f} ms | "
          f"{2 * m_per_rank / step_single:,.0f} | - | - |")
    print(f"| 2 ranks x 1 BLAS thread, m = {m_per_rank} each | {1e3 * step2:.1f} ms | "
          f"{2 * m_per_rank / step2:,.0f} | {1e3 * sync:.2f} ms | {100 * sync / step2:.1f}% |")
    print(f"2 ranks ÷ 1 process x 2 threads, time per step: {step2 / step1:.2f}x; "
          f"÷ 1 process x 1 thread: {step2 / step_single:.2f}x")
    print(f"gradient buffer {two[0]['gradient_bytes']:,} bytes: Allreduce "
          f"{1e3 * med(two, 'allreduce_s'):.3f} ms, Reduce + Bcast "
          f"{1e3 * med(two, 'reduce_bcast_s'):.3f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", type=int, metavar="M_PER_RANK")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--m", type=int, default=8192, help="examples per rank")
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.steps, args.dtype)
    else:
        compare(args.rounds, args.steps, args.m, args.dtype)
