"""Budgets of one training step on the CuPy stand-in, counted, not timed (issue 25).

For an L-layer network (L weight matrices) with one sigmoid output unit, any
optimizer, with or without dropout, a full-batch step after a warm-up issues
6L - 2 launches (the table in docs/backends.md): per layer a GEMM and a fused
bias + activation forward; the output head's fused gradient; per layer a dW
GEMM and a db row sum; a dA GEMM (l < L) and a derivative kernel (the last
one fused with the outer product W[L]^T dZ[L]); one update kernel for every
parameter.  It allocates nothing from the pool and reads nothing back.
The issue's budgets are 6L - 1 (full batch) and 6L + 1 (a mini-batch step
with resident data: two gathers and the running cost added).
"""

import numpy as np
import pytest

import dlgpu
from dlgpu import training
from dlgpu.dropout import StepDropout

from .helpers import CUPY_IS_STANDIN, HAS_CUPY

pytestmark = pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN),
                                reason="counts only on the CuPy stand-in")

M = 64
DIMS = [20, 16, 8, 12, 10]


def full_batch_budget(L):
    return 6 * L - 1


def mini_batch_budget(L):
    return 6 * L + 1


def _model(L, n_out=1, **settings):
    dlgpu.set_backend("cupy")
    return dlgpu.DeepNN(DIMS[:L] + [n_out], **settings).initialize_parameters()


def _data(model, m=M, seed=0):
    rng = np.random.RandomState(seed)
    X = model._to_model(rng.rand(model.layer_dims[0], m))
    n_out = model.layer_dims[-1]
    labels = rng.randint(0, max(n_out, 2), size=(1, m)).astype(float)
    Y = labels if model.output.name == "softmax" else (rng.rand(n_out, m) > 0.5) * 1.0
    return X, model.output.targets(model._to_model(Y), model.dtype)


def _counted_step(model, keep_prob=1.0, m=M, **step_args):
    from tests.cupy_standin import counting
    X, T = _data(model, m)
    xp = dlgpu.backend.get_backend_module()
    columns = xp.asarray(np.arange(m)).reshape(1, -1)

    def dropout(i):
        return None if keep_prob == 1.0 else StepDropout(keep_prob, 7, i, columns)
    training.step(model, X, T, dropout=dropout(0), **step_args)  # warm-up: buffers, kernels
    with counting() as counts:
        training.step(model, X, T, dropout=dropout(1), **step_args)
    return counts


# m = 300: each db row sum is long enough (>= 128) for CuPy to take CUB's path
@pytest.mark.parametrize("m", [M, 300])
@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("L", [2, 3, 5])
def test_a_full_batch_step_stays_within_its_budget(L, optimizer, keep_prob, m):
    model = _model(L, optimizer=optimizer, keep_prob=keep_prob)
    counts = _counted_step(model, keep_prob, m)
    assert counts.launches <= full_batch_budget(L), counts
    assert counts.allocations == 0, counts
    assert counts.syncs == 0, counts  # no host read between record points
    # every GEMM of the step: Z[l] forward, dW[l] and dA[l-1] (1 < l < L) backward; W[L]^T dZ[L]
    # is an outer product, made in the derivative's kernel
    assert counts.kinds["gemm"] == 3 * L - 2, counts
    assert counts.kinds["reduction"] == L, counts  # the db row sums
    assert counts.launches == 6 * L - 2, counts


@pytest.mark.parametrize("L", [2, 3])
def test_weights_l2_and_wider_outputs_add_what_the_docs_say(L):
    weighted = _model(L)
    w = weighted._to_model(np.linspace(0, 2, M).reshape(1, -1))
    counts = _counted_step(weighted, weights=w, n=float(M))
    assert (counts.launches, counts.allocations, counts.syncs) == (6 * L - 2, 0, 0), counts
    l2 = _counted_step(_model(L, l2=0.1))  # dW += lambda/m W: one kernel over all weights
    assert (l2.launches, l2.allocations, l2.syncs) == (6 * L - 1, 0, 0), l2
    # Several sigmoid outputs: W[L]^T dZ[L] is a GEMM of its own (+1).
    wide = _counted_step(_model(L, n_out=3))
    assert (wide.launches, wide.allocations, wide.syncs) == (6 * L - 1, 0, 0), wide
    regression = _counted_step(_model(L, output_activation="identity"))
    assert (regression.launches, regression.allocations) == (6 * L - 2, 0), regression


@pytest.mark.parametrize("L", [2, 3])
def test_a_softmax_step_adds_at_most_two(L):
    counts = _counted_step(_model(L, n_out=4, output_activation="softmax"))
    assert counts.launches <= full_batch_budget(L) + 2, counts
    assert counts.allocations == 0 and counts.syncs == 0, counts


def test_the_step_keeps_parameters_as_views_of_one_buffer():
    model = _model(3)
    X, T = _data(model)
    before = {k: dlgpu.to_numpy(v) for k, v in model.parameters_.items()}
    mine = model.parameters_
    training.step(model, X, T)
    assert model.parameters_ is mine  # the same dict: references held by users stay current
    assert model._flat.holds(mine)
    assert any(not np.array_equal(dlgpu.to_numpy(v), before[k]) for k, v in mine.items())
    # Replaced by hand: repacked at the next step, with the new values.
    model.parameters_ = {k: v.copy() for k, v in model.parameters_.items()}
    model.parameters_["b1"][...] = 0.0
    training.step(model, X, T)
    assert model._flat.holds(model.parameters_)


def _epoch_counts(model, X, Y, m):
    """What one more epoch of ``model.fit`` on the first m columns issues, after a warm-up."""
    from tests.cupy_standin import counting
    model.fit(X[:, :m], Y[:, :m])  # warm-up: the workspace for the batch width, kernels
    with counting() as counts:
        model.fit(X[:, :m], Y[:, :m])
    return counts


@pytest.mark.parametrize("settings", [{"optimizer": "gd"}, {"optimizer": "adam"},
                                      {"optimizer": "momentum", "keep_prob": 0.9}])
@pytest.mark.parametrize("L", [2, 3, 5])
def test_a_mini_batch_step_with_resident_data_stays_within_its_budget(L, settings):
    """Twenty more steps an epoch cost twenty steps: gathers, the step, the running cost.

    Two fits of one epoch that differ only in their number of batches (10 or
    30 of 32 examples) differ by exactly what 20 mini-batch steps issue: the
    fit's checks, the epoch's index upload and its record are the same in both.
    """
    model = _model(L, batch_size=32, epochs=1, warm_start=True, verbose=0, **settings)
    rng = np.random.RandomState(3)
    xp = dlgpu.backend.get_backend_module()
    # in the model's dtype (float64 data would add a cast a gather, docs/backends.md)
    X = xp.asarray(rng.rand(DIMS[0], 960).astype(np.float32))
    Y = xp.asarray(((rng.rand(1, 960) > 0.5) * 1.0).astype(np.float32))
    short, long = _epoch_counts(model, X, Y, 320), _epoch_counts(model, X, Y, 960)
    steps = 20
    launches = long.launches - short.launches
    assert launches <= steps * mini_batch_budget(L), (short, long)
    assert launches == steps * (6 * L + 1), (short, long)  # 6L - 2, two gathers, the cost
    assert long.allocations == short.allocations, (short, long)
    assert long.syncs == short.syncs, (short, long)
