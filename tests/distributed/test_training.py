"""Two ranks under mpiexec against one process: the same model, bit-identical ranks."""

from __future__ import annotations

import numpy as np
import pytest

import dlgpu
from dlgpu.callbacks import EarlyStopping

from .jobs import needs_mpi, run_scenario
from .ranks import ADAM, DIMS, data

pytestmark = needs_mpi


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """The ``correct`` scenario, launched once: {(name, rank): arrays}."""
    out = tmp_path_factory.mktemp("ranks")
    job = run_scenario("correct", out)
    assert job.returncode == 0, job.stderr
    loaded = {}
    for path in out.glob("*-?.npz"):
        name, rank = path.stem.rsplit("-", 1)
        loaded[name, int(rank)] = dict(np.load(path))
    return out, loaded


def test_four_ranks_hold_the_same_bits(tmp_path):
    job = run_scenario("four", tmp_path, ranks=4)
    assert job.returncode == 0, job.stderr
    X, Y = data()
    one = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64").fit(X, Y)
    for name in ("full-float64", "shuffled"):
        ranks = [dict(np.load(tmp_path / f"{name}-{rank}.npz")) for rank in range(4)]
        for key in ranks[0]:
            assert all(r[key].tobytes() == ranks[0][key].tobytes() for r in ranks), key
    full = dict(np.load(tmp_path / "full-float64-0.npz"))
    assert _relative_error(_parameters(full), one.parameters_) < 1e-12


def _relative_error(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(a[k] - b[k])) / np.max(np.abs(b[k]))) for k in b)


def _parameters(arrays: dict) -> dict:
    return {k: v for k, v in arrays.items() if k[0] in "Wb"}


@pytest.mark.parametrize("name", ["full-float64", "full-float32", "unequal", "minibatch",
                                  "shuffled", "callbacks", "dropout", "dropout-strided",
                                  "dropout-unequal", "adam"])
def test_ranks_hold_the_same_bits(results, name):
    _, loaded = results
    rank0, rank1 = loaded[name, 0], loaded[name, 1]
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        if key != "writes":
            assert rank0[key].tobytes() == rank1[key].tobytes(), key


@pytest.mark.parametrize("name, dtype, tolerance", [("full-float64", "float64", 1e-12),
                                                    ("full-float32", "float32", 1e-5),
                                                    ("unequal", "float64", 1e-12)])
def test_full_batch_equals_one_process(results, name, dtype, tolerance):
    _, loaded = results
    X, Y = data()
    one = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype=dtype).fit(X, Y)
    assert _relative_error(_parameters(loaded[name, 0]), one.parameters_) < tolerance
    assert loaded[name, 0]["costs"] == pytest.approx(one.costs_, rel=tolerance)


def test_bfloat16_ranks_agree_and_train_as_one_process(results):
    """Mixed precision under mpiexec: bfloat16 products on each rank's columns, float32
    gradients all-reduced; every rank the same bits, and one process's model to within
    bfloat16 rounding (each rank rounds its dZ[L] = (A - Y)/n_rank to bfloat16, one
    process (A - Y)/m)."""
    pytest.importorskip("ml_dtypes")
    _, loaded = results
    rank0, rank1 = loaded["full-bfloat16", 0], loaded["full-bfloat16", 1]
    for key in rank0:
        assert rank0[key].tobytes() == rank1[key].tobytes(), key
    assert {rank0[k].dtype for k in _parameters(rank0)} == {np.dtype(np.float32)}
    X, Y = data()
    one = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="bfloat16").fit(X, Y)
    assert _relative_error(_parameters(rank0), one.parameters_) < 2e-2
    assert rank0["costs"] == pytest.approx(one.costs_, rel=2e-2)


@pytest.mark.parametrize("name", ["dropout", "dropout-strided", "dropout-unequal"])
def test_full_batch_dropout_equals_one_process(results, name):
    """Masks keyed by the columns' global indices: two ranks drop what one process drops."""
    _, loaded = results
    X, Y = data()
    one = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64",
                       keep_prob=0.7).fit(X, Y)
    plain = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64").fit(X, Y)
    assert _relative_error(_parameters(loaded[name, 0]), one.parameters_) < 1e-12
    assert loaded[name, 0]["costs"] == pytest.approx(one.costs_, rel=1e-12)
    assert _relative_error(one.parameters_, plain.parameters_) > 1e-3  # dropout did something


def test_adam_with_l2_and_a_schedule_equals_one_process(results):
    _, loaded = results
    X, Y = data()
    one = dlgpu.DeepNN(DIMS, **ADAM).fit(X, Y)
    assert _relative_error(_parameters(loaded["adam", 0]), one.parameters_) < 1e-10
    assert loaded["adam", 0]["costs"] == pytest.approx(one.costs_, rel=1e-12)


def test_a_global_batch_is_the_union_of_the_ranks_parts(results):
    """Unshuffled, 2 ranks x 150 columns, 5 steps an epoch: rank r's step s is its
    s-th block of 30 columns; one process sees the same batches in this order."""
    _, loaded = results
    X, Y = data()
    X, Y = X[:, :300], Y[:, :300]
    order = np.concatenate([np.r_[s * 30:(s + 1) * 30, 150 + s * 30:150 + (s + 1) * 30]
                            for s in range(5)])
    one = dlgpu.DeepNN(DIMS, learning_rate=0.1, epochs=3, batch_size=60, shuffle=False,
                       dtype="float64").fit(X[:, order], Y[:, order])
    assert _relative_error(_parameters(loaded["minibatch", 0]), one.parameters_) < 1e-12
    assert loaded["minibatch", 0]["costs"] == pytest.approx(one.costs_, rel=1e-12)
    assert int(loaded["minibatch", 0]["n_iter"]) == 15


def test_shuffled_unequal_shards_take_the_agreed_steps(results):
    _, loaded = results
    # m = 301 over a global batch of 64: 5 steps an epoch on both ranks (201 and 100 columns).
    assert int(loaded["shuffled", 0]["n_iter"]) == 4 * 5
    assert np.all(np.isfinite(loaded["shuffled", 0]["costs"]))


def test_records_and_callbacks_decide_on_global_figures(results):
    out, loaded = results
    X, Y = data()
    Xv, Yv = data(101, seed=1)
    stopper = EarlyStopping(patience=0, min_delta=1.0)
    one = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=1000, dtype="float64")
    one.fit(X, Y, validation_data=(Xv, Yv), callbacks=[stopper])
    mine = loaded["callbacks", 0]
    assert int(mine["stopped_at"]) == stopper.stopped_at == int(mine["n_iter"])
    assert mine["val_cost"] == pytest.approx(one.history_["val_cost"], rel=1e-12)
    assert mine["val_accuracy"] == pytest.approx(one.history_["val_accuracy"], rel=1e-12)
    # Only rank 0 writes: a checkpoint per record but the stopping one (the
    # callbacks after the one that stops are not asked), and the final model.
    assert int(loaded["callbacks", 0]["writes"]) == len(one.costs_) - 1 + 1
    assert int(loaded["callbacks", 1]["writes"]) == 0
    saved = dlgpu.load_model(out / "model.npz")
    for key, value in saved.parameters_.items():
        assert value.tobytes() == mine[key].tobytes()
