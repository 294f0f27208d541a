"""A rank that fails ends every rank, with a message naming it; nothing hangs.

Each test launches 2 ranks with one broken on purpose (``ranks.py``); the
launch's hang guard (a subprocess timeout) is what "quickly" means here.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlgpu

from .jobs import needs_mpi, run_scenario
from .ranks import data

pytestmark = needs_mpi


def _stderr_of_each_rank_has(job, text: str) -> None:
    assert job.stderr.count(text) == 2, job.stderr


def test_bad_values_on_one_rank_are_refused_on_every_rank(tmp_path):
    job = run_scenario("bad_values", tmp_path)
    assert job.returncode != 0
    _stderr_of_each_rank_has(job, "RankError: the data refused on 1 of 2 ranks: rank 1: "
                                  "InvalidDataError: X contains 1 NaN")


def test_shapes_that_disagree_are_refused_before_training(tmp_path):
    job = run_scenario("bad_shape", tmp_path)
    assert job.returncode != 0
    _stderr_of_each_rank_has(job, "RankError: the ranks disagree on layer_dims (rank 0: "
                                  "[5, 7, 3, 1], rank 1: [4, 7, 3, 1])\n")


def test_nan_on_one_rank_stops_every_rank(tmp_path):
    job = run_scenario("nan", tmp_path)
    assert job.returncode != 0
    _stderr_of_each_rank_has(job, "DivergenceError: training diverged")
    # rank 1's gradients went bad at step 20; every rank's were NaN from step 21 on
    _stderr_of_each_rank_has(job, "Non-finite gradients appeared first on rank(s) 1 of 2")
    assert not (tmp_path / "model.npz").exists()
    dlgpu.load_model(tmp_path / "ckpt.npz")  # the last checkpoint, finite and whole


@pytest.mark.parametrize("scenario, cause", [
    ("memory", "rank 1 of 2 failed during training: MemoryError: out of memory (injected"),
    ("uncaught", "rank 1 of 2 failed with an uncaught exception: RuntimeError: a bug"),
])
def test_an_exception_on_one_rank_aborts_every_rank(tmp_path, scenario, cause):
    job = run_scenario(scenario, tmp_path)
    assert job.returncode != 0
    assert cause in job.stderr
    assert not (tmp_path / "model.npz").exists()


def test_a_killed_rank_ends_the_job(tmp_path):
    job = run_scenario("killed", tmp_path)
    assert job.returncode != 0
    assert "signal 9" in job.stdout + job.stderr
    assert not (tmp_path / "model.npz").exists()
    dlgpu.load_model(tmp_path / "ckpt.npz")


def test_ctrl_c_on_one_rank_stops_every_rank_at_the_same_step(tmp_path):
    """As in one process: exit 130, rank 0 saves the model marked interrupted, one line
    (the ranks stop at the same step, or the other would wait in the all-reduce)."""
    X, Y = data()
    np.savez(tmp_path / "train.npz", X=X, Y=Y)
    job = run_scenario("interrupted", tmp_path)
    assert job.returncode == 130, job.stderr
    assert "Traceback" not in job.stderr and "failed" not in job.stderr, job.stderr
    interrupted = [line for line in job.stdout.splitlines() if "interrupted" in line]
    # SIGINT during step 20 of rank 1; the flag goes out after step 20, is read after 21
    assert interrupted[0] == ("Training interrupted (Ctrl-C) after 21 steps; the model keeps "
                              "what it learned so far"), job.stdout
    model = dlgpu.load_model(tmp_path / "model.npz")
    assert model.interrupted_ and model.n_iter_ == 21
