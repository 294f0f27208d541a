"""Budgets of one full-batch training step on the CuPy stand-in, counted, not timed.

Today's counts (tests.cupy_standin.counting; docs/backends.md): 8L + 1 launches,
5L + 1 pool allocations, 0 syncs for an L-layer network with one sigmoid
output unit, any optimizer, with or without dropout.  Issue 25's fused step
is to bring them to 6L - 1 launches and 0 allocations; lower the budgets then.
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


def launch_budget(L):
    return 8 * L + 1


def allocation_budget(L):
    return 5 * L + 1


def _counted_step(L, optimizer, keep_prob):
    from tests.cupy_standin import counting
    dlgpu.set_backend("cupy")
    model = dlgpu.DeepNN(DIMS[:L] + [1], optimizer=optimizer,
                         keep_prob=keep_prob).initialize_parameters()
    rng = np.random.RandomState(0)
    X = model._to_model(rng.rand(DIMS[0], M))
    T = model.output.targets(model._to_model((rng.rand(1, M) > 0.5).astype(float)), model.dtype)
    xp = dlgpu.backend.get_backend_module()
    columns = xp.asarray(np.arange(M)).reshape(1, -1)

    def dropout(i):
        return None if keep_prob == 1.0 else StepDropout(keep_prob, 7, i, columns)
    training.step(model, X, T, dropout=dropout(0))  # warm-up: optimizer state, kernels
    with counting() as counts:
        training.step(model, X, T, dropout=dropout(1))
    return counts


@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("L", [2, 3, 5])
def test_a_full_batch_step_stays_within_todays_budget(L, optimizer, keep_prob):
    counts = _counted_step(L, optimizer, keep_prob)
    assert counts.launches <= launch_budget(L), counts
    assert counts.allocations <= allocation_budget(L), counts
    assert counts.syncs == 0, counts  # no host read between record points
    # every GEMM of the step: Z[l] forward, dW[l] and dA[l-1] (l > 1) backward
    assert counts.kinds["gemm"] == 3 * L - 2, counts
