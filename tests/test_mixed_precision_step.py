"""The bfloat16 training step (issue 26): where it rounds, what it issues, what it keeps.

``dtype="bfloat16"``: the products read bfloat16 copies of W, b and X and
of the activations A and dZ, accumulate in float32 (``matmul_into``), and
store Z, A and dA in bfloat16; Z[L], the output head, the cost, dW, db, the
parameters and the optimizer state are float32.  The NumPy backend rounds at
the same points, so a hand-written NumPy emulation of those points gives
its gradients to float32 rounding, and the stand-in's CuPy path gives them
to the last bfloat16 bit.
"""

import numpy as np
import pytest

import dlgpu
from dlgpu import training
from dlgpu.backend.precision import bfloat16_dtype

from .helpers import CUPY_IS_STANDIN, HAS_CUPY

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)
DIMS = [12, 9, 1]
M = 200


def _problem(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(DIMS[0], M).astype(np.float32)
    Y = (rng.rand(1, M) > 0.5).astype(np.float32)
    return X, Y


def _model(backend_name="numpy", **settings):
    dlgpu.set_backend(backend_name)
    return dlgpu.DeepNN(DIMS, dtype="bfloat16", seed=3, **settings).initialize_parameters()


def _gradients(model, X, Y):
    X, T = model._to_model(X), model._to_model(Y)
    _, flat = training.gradients(model, X, T)
    return {k: dlgpu.to_numpy(v) for k, v in flat.grad_views.items()}


def _emulated(parameters, X, Y):
    """The rounding points of docs/usage.md, by hand, for a ReLU net with one hidden layer."""
    def bf(a):  # store in bfloat16
        return np.asarray(a, dtype=np.float32).astype(BF16)

    def f(a):  # read as float32
        return np.asarray(a).astype(np.float32)
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Xb = bf(X)
    Z1 = bf(f(bf(W1)) @ f(Xb))
    A1 = bf(np.maximum(f(Z1) + f(bf(b1)), 0))
    ZL = f(bf(W2)) @ f(A1) + b2  # float32
    AL = 1 / (1 + np.exp(-ZL.astype(np.float64)))
    dZL = bf((AL - Y) / M)
    dW2 = f(dZL) @ f(A1).T
    db2 = f(dZL).sum(axis=1, keepdims=True)
    dZ1 = bf(f(bf(W2)).T * f(dZL) * (f(A1) > 0))
    dW1 = f(dZ1) @ f(Xb).T
    db1 = f(dZ1).sum(axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def test_the_numpy_step_rounds_where_the_docs_say():
    model = _model()
    X, Y = _problem()
    got = _gradients(model, X, Y)
    want = _emulated({k: dlgpu.to_numpy(v) for k, v in model.parameters_.items()}, X, Y)
    for key in want:
        assert got[key].dtype == np.float32, key  # dW, db in float32
        np.testing.assert_allclose(got[key], want[key], rtol=2e-5, atol=1e-7, err_msg=key)
    # and it is not the float32 step: bfloat16 rounding shows at that tolerance
    plain = dlgpu.DeepNN(DIMS, dtype="float32", seed=3).initialize_parameters()
    exact = _gradients(plain, X, Y)
    assert any(not np.allclose(got[k], exact[k], rtol=2e-5, atol=1e-7) for k in got)
    assert all(np.allclose(got[k], exact[k], rtol=0.05, atol=1e-3) for k in got)


def test_master_weights_and_state_stay_float32(backend_name):
    model = _model(backend_name, optimizer="adam", num_iterations=3)
    X, Y = _problem()
    model.fit(X, Y)
    assert {v.dtype for v in model.parameters_.values()} == {np.dtype(np.float32)}
    assert {a.dtype for state in model.optimizer_.state.values() for a in state.values()} \
        == {np.dtype(np.float32)}
    assert model._flat.compute.flat.dtype == BF16  # the copy the products read
    space = next(iter(model._workspaces.values()))
    assert space.A[1].dtype == BF16 and space.dZL.dtype == BF16
    assert space.ZL.dtype == np.float32


@pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN), reason="the CuPy stand-in")
def test_cupy_computes_what_numpy_computes():
    X, Y = _problem(1)
    got = _gradients(_model("cupy"), X, Y)
    want = _gradients(_model("numpy"), X, Y)
    for key in want:
        # the same rounding points; float32 sums in another order may move a value
        # across a bfloat16 rounding boundary: one bfloat16 unit (2^-8 relative)
        np.testing.assert_allclose(got[key], want[key], rtol=2**-7, atol=1e-6, err_msg=key)


@pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN), reason="counts only on the stand-in")
@pytest.mark.parametrize("L", [2, 3])
def test_a_bfloat16_step_adds_one_cast_and_runs_every_product_in_bfloat16(L):
    from tests.cupy_standin import counting, recording
    dlgpu.set_backend("cupy")
    dims = [20, 16, 8][:L] + [1]
    model = dlgpu.DeepNN(dims, dtype="bfloat16").initialize_parameters()
    rng = np.random.RandomState(0)
    X = model._xp().asarray(rng.rand(dims[0], 300).astype(np.float32)).astype(bfloat16_dtype())
    T = model._to_model((rng.rand(1, 300) > 0.5).astype(np.float32))
    training.step(model, X, T)
    with counting() as counts, recording() as products:
        training.step(model, X, T)
    # 6L - 2 and the cast of the float32 parameters to their bfloat16 copy
    assert (counts.launches, counts.allocations, counts.syncs) == (6 * L - 1, 0, 0), counts
    assert len(products) == 3 * L - 2
    assert {compute for _, compute in products} == {"CUBLAS_COMPUTE_32F"}
