"""dlgpu's kernel table (:func:`dlgpu.bench.counts.step_kernels`) against what the step
really issues, counted on the CuPy stand-in, and its bytes worked by hand.

The report's launch column comes from that table, so these tests are what keeps
it a counted number: a change to the step that adds or fuses a kernel fails here
until the table follows.
"""

from collections import Counter

import numpy as np
import pytest

import dlgpu
from dlgpu import training
from dlgpu.bench.counts import (
    bytes_over_minimum,
    dlgpu_step_bytes,
    step_bytes,
    step_kernels,
    step_launches,
)
from dlgpu.dropout import StepDropout

from ..helpers import CUPY_IS_STANDIN, HAS_CUPY

standin_only = pytest.mark.skipif(not (HAS_CUPY and CUPY_IS_STANDIN),
                                  reason="counts only on the CuPy stand-in")

DIMS = [20, 16, 8, 12, 10]
OUTPUTS = {"sigmoid": {}, "identity": {"output_activation": "identity"},
           "softmax": {"output_activation": "softmax"}}


def _model(L, n_out, output, **settings):
    dlgpu.set_backend("cupy")
    return dlgpu.DeepNN(DIMS[:L] + [n_out], **OUTPUTS[output], **settings).initialize_parameters()


def _targets(model, m, rng):
    n_out = model.layer_dims[-1]
    if model.output.name == "softmax":  # one-hot, as the gathered batches hold them
        return np.eye(n_out)[:, rng.randint(0, n_out, size=m)]
    return (rng.rand(n_out, m) > 0.5) * 1.0


def _issued(kernels) -> dict:
    return dict(Counter(k.kind for k in kernels))


def _kinds(counts) -> dict:
    return {kind: n for kind, n in counts.kinds.items() if n}


@standin_only
@pytest.mark.parametrize("config", [
    {}, {"optimizer": "momentum", "l2": 0.1}, {"optimizer": "adam", "keep_prob": 0.8},
    {"n_out": 3}, {"output": "identity"}, {"n_out": 4, "output": "softmax", "l2": 0.1},
    {"optimizer": "rmsprop", "n_out": 2, "keep_prob": 0.9}], ids=repr)
@pytest.mark.parametrize("L", [2, 3, 5])
def test_the_table_lists_what_a_full_batch_step_issues(L, config):
    from tests.cupy_standin import counting
    config = dict(config)
    n_out, output = config.pop("n_out", 1), config.pop("output", "sigmoid")
    model = _model(L, n_out, output, **config)
    m = 64
    rng = np.random.RandomState(0)
    X = model._to_model(rng.rand(DIMS[0], m))
    T = model.output.targets(model._to_model(_targets(model, m, rng)), model.dtype)
    xp = dlgpu.backend.get_backend_module()
    columns = xp.asarray(np.arange(m)).reshape(1, -1)

    def dropout(i):
        return None if model.keep_prob == 1.0 else StepDropout(model.keep_prob, 7, i, columns)
    training.step(model, X, T, dropout=dropout(0))  # warm-up: buffers, kernels
    with counting() as counts:
        training.step(model, X, T, dropout=dropout(1))
    kernels = step_kernels(model.layer_dims, m, output=output, optimizer=model.optimizer,
                           l2=bool(model.l2), dropout=model.keep_prob < 1)
    assert counts.launches == len(kernels) == step_launches(
        model.layer_dims, output=output, optimizer=model.optimizer, l2=bool(model.l2)), counts
    assert _kinds(counts) == _issued(kernels), counts


def _epoch(model, X, Y, m):
    from tests.cupy_standin import counting
    model.fit(X[:, :m], Y[:, :m])  # warm-up: the workspace for the batch width, kernels
    with counting() as counts:
        model.fit(X[:, :m], Y[:, :m])
    return counts


@standin_only
@pytest.mark.parametrize("config", [
    {}, {"optimizer": "adam", "l2": 0.1}, {"n_out": 3, "keep_prob": 0.9},
    {"n_out": 4, "output": "softmax"}], ids=repr)
@pytest.mark.parametrize("L", [2, 3])
def test_the_table_lists_what_a_resident_mini_batch_step_issues(L, config):
    """Two one-epoch fits of 10 and 30 batches differ by what 20 steps issue."""
    config = dict(config)
    n_out, output = config.pop("n_out", 1), config.pop("output", "sigmoid")
    model = _model(L, n_out, output, batch_size=32, epochs=1, warm_start=True, verbose=0,
                   **config)
    rng = np.random.RandomState(3)
    xp = dlgpu.backend.get_backend_module()
    X = xp.asarray(rng.rand(DIMS[0], 960).astype(np.float32))
    Y = xp.asarray(_targets(model, 960, rng).astype(np.float32))
    short, long = _epoch(model, X, Y, 320), _epoch(model, X, Y, 960)
    kernels = step_kernels(model.layer_dims, 32, output=output, optimizer=model.optimizer,
                           l2=bool(model.l2), dropout=model.keep_prob < 1, mini_batch=True)
    assert long.launches - short.launches == 20 * len(kernels), (short, long)
    issued = {kind: n * 20 for kind, n in _issued(kernels).items()}
    assert {k: long.kinds[k] - short.kinds[k] for k in long.kinds
            if long.kinds[k] != short.kinds[k]} == issued, (short, long)
    assert len(kernels) == step_launches(model.layer_dims, output=output,
                                         optimizer=model.optimizer, l2=bool(model.l2),
                                         mini_batch=True)


def test_launches_follow_the_documented_formula():
    for L in (2, 3, 5):
        dims = DIMS[:L] + [1]
        assert step_launches(dims) == 6 * L - 2
        assert step_launches(dims, l2=True, optimizer="adam") == 6 * L - 1
        assert step_launches(DIMS[:L] + [3]) == 6 * L - 1
        assert step_launches(dims, mini_batch=True) == 6 * L + 1
    assert step_launches([784, 256, 128, 1]) == 16
    assert step_launches([4096] * 4 + [1]) == 22


def test_dlgpu_bytes_by_hand():
    # [3, 4, 2, 1], m = 5, gd: a = [15, 20, 10, 5]; weights 12, 8, 2; P = 29
    # Z1 GEMM 12+15 | 20     A1 bias 20+4 | 20    Z2 GEMM 8+20 | 10   A2 bias 10+2 | 10
    # Z3 GEMM 2+10 | 5       head 2*5+1 | 2*5
    # dW3 5+10 | 2   db3 5 | 1   outer (n_3 = 1): 2+5+10 | 10
    # dW2 10+20 | 8  db2 10 | 2  dA1 GEMM 8+10 | 20   dZ1 2*20 | 20
    # dW1 20+15 | 12 db1 20 | 4  update 2*29 | 29
    reads = 27 + 24 + 28 + 12 + 12 + 11 + 15 + 5 + 17 + 30 + 10 + 18 + 40 + 35 + 20 + 58
    writes = 20 + 20 + 10 + 10 + 5 + 10 + 2 + 1 + 10 + 8 + 2 + 20 + 20 + 12 + 4 + 29
    kernels = step_kernels([3, 4, 2, 1], 5)
    assert [k.kind for k in kernels].count("gemm") == 3 * 3 - 2
    assert sum(k.reads for k in kernels) == 4 * reads
    assert sum(k.writes for k in kernels) == 4 * writes
    assert dlgpu_step_bytes([3, 4, 2, 1], 5, "float64") == 8 * (reads + writes)
    assert bytes_over_minimum([3, 4, 2, 1], 5, "float32") == \
        pytest.approx(4 * (reads + writes) / step_bytes([3, 4, 2, 1], 5, "float32"))
    # adam keeps two states: the update reads 2 P more and writes 2 P more
    assert dlgpu_step_bytes([3, 4, 2, 1], 5, "float32", optimizer="adam") == \
        4 * (reads + writes + 4 * 29)
    # dropout: each of the 2 hidden layers' forward and derivative kernels reads m int64 indices
    assert dlgpu_step_bytes([3, 4, 2, 1], 5, "float32", dropout=True) == \
        4 * (reads + writes) + 4 * 8 * 5


def test_dlgpu_moves_more_than_the_minimum_by_what_it_does_not_fuse():
    for dims in ([784, 256, 128, 1], [4096] * 4 + [1], [12288, 20, 7, 5, 1]):
        assert 1.0 < bytes_over_minimum(dims, 8192, "float32") < 1.6


@pytest.mark.parametrize("argument,value,message", [
    ("output", "tanh", "output must be one of sigmoid, softmax, identity"),
    ("optimizer", "sgd", "optimizer must be one of gd, momentum"),
])
def test_the_table_refuses_what_it_does_not_model(argument, value, message):
    with pytest.raises(ValueError, match=message):
        step_kernels([3, 4, 1], 5, **{argument: value})
    with pytest.raises(ValueError, match=message):
        step_launches([3, 4, 1], **{argument: value})
