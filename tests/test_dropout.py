"""Dropout: the counter-based masks, the fused kernels, training on both backends."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, dropout, propagation
from dlgpu.activations import ACTIVATIONS, get_activation
from dlgpu.dropout import LayerDropout, StepDropout, keep_mask, layer_key, threshold
from dlgpu.gradcheck import gradient_check

from .helpers import needs_cupy

HIDDEN = sorted(ACTIVATIONS)
RTOL = {"float64": 1e-10, "float32": 1e-5}


def _data(m=300, seed=11):
    rng = np.random.RandomState(seed)
    X = rng.randn(6, m)
    Y = (X[0:1] * X[1:2] + X[2:3] > 0).astype(np.float64)
    return X, Y


# -- the generator ---------------------------------------------------------------------
def test_the_host_hash_is_splitmix64():
    # splitmix64's first output for state 0 (Vigna's reference: next() adds GOLDEN, then mixes)
    assert dropout.mix64(dropout.GOLDEN) == 0xE220A8397B1DCDAF
    assert dropout.absorb(0, 0) == 0xE220A8397B1DCDAF


def test_keep_mask_matches_the_scalar_hash():
    key, thresh = layer_key(7, 3, 2), threshold(0.6)
    columns = np.array([0, 5, 2**40 + 3, 299])
    mask = keep_mask(key, 4, columns, thresh)
    for u in range(4):
        for k, j in enumerate(columns):
            h = dropout.absorb(dropout.absorb(key, u), int(j))
            assert mask[u, k] == ((h >> 32) < thresh)


@pytest.mark.parametrize("keep_prob", [0.2, 0.5, 0.8, 0.95])
def test_masks_keep_about_keep_prob_of_the_units(keep_prob):
    mask = keep_mask(layer_key(1, 0, 1), 200, np.arange(1000), threshold(keep_prob))
    # 2e5 Bernoulli draws: the standard error is below 0.0012
    assert abs(mask.mean() - keep_prob) < 0.006
    # neither rows nor columns are degenerate
    assert 0 < mask.mean(axis=0).min() and mask.mean(axis=0).max() < 1 or keep_prob > 0.9
    assert abs(mask.mean(axis=1) - keep_prob).max() < 0.2


def test_masks_differ_by_every_counter():
    base = dict(seed=1, step=0, layer=1)
    columns = np.arange(500)

    def mask(**change):
        k = {**base, **change}
        return keep_mask(layer_key(k["seed"], k["step"], k["layer"]), 20, columns, threshold(0.5))

    reference = mask()
    for change in ({"seed": 2}, {"step": 1}, {"layer": 2}):
        agree = (mask(**change) == reference).mean()
        assert 0.45 < agree < 0.55, change  # independent halves agree about half the time
    # units and columns: a column's mask is its own, wherever it sits among the others
    shuffled = np.random.default_rng(0).permutation(columns)
    np.testing.assert_array_equal(
        keep_mask(layer_key(1, 0, 1), 20, shuffled, threshold(0.5)), reference[:, shuffled])
    assert (reference[0] == reference[1]).mean() < 0.6


def test_keep_prob_one_keeps_everything():
    assert threshold(1.0) == 2**32
    assert keep_mask(layer_key(0, 0, 1), 5, np.arange(100), threshold(1.0)).all()


@needs_cupy
def test_the_cuda_text_draws_the_numpy_masks():
    """The preamble the kernels use, compiled and run on the stand-in, gives the
    NumPy reference's bits, over the whole range of the counters."""
    import cupy
    kernel = cupy.ElementwiseKernel(
        "I key, I unit, I col, I thr", "I keep",
        "keep = dlgpu_dropout_keep(key, unit, col, thr) ? 1 : 0;",
        "dlgpu_test_dropout_keep", preamble=dropout.CUDA_PREAMBLE)
    rng = np.random.default_rng(5)
    columns = np.concatenate([np.arange(300), rng.integers(0, 2**62, 100)])
    for seed, step, layer, keep_prob in ((0, 0, 1, 0.5), (2**63 - 1, 10**9, 7, 0.8),
                                         (12345, 3, 2, 0.1)):
        key, thresh = layer_key(seed, step, layer), threshold(keep_prob)
        want = keep_mask(key, 9, columns, thresh)
        got = kernel(dropout.as_signed(key), cupy.arange(9, dtype=np.int64).reshape(-1, 1),
                     cupy.asarray(columns.reshape(1, -1)), np.int64(thresh))
        np.testing.assert_array_equal(got.get().astype(bool), want)


# -- the fused kernels ----------------------------------------------------------------------
def _layer(xp, keep_prob, m, seed=3, step=4, l=2, offset=1000):
    columns = xp.asarray(np.arange(offset, offset + m, dtype=np.int64).reshape(1, -1))
    return StepDropout(keep_prob, seed, step, columns).layer(l)


@pytest.mark.parametrize("name", HIDDEN)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_kernels_apply_the_reference_mask(xp, name, dtype):
    """forward_bias_dropout_ = g(Z + b) * D / keep_prob and backward_dropout_ =
    dA * D / keep_prob * g'(Z), D the NumPy reference's mask, on both backends."""
    act = get_activation(name)
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(7, 40)).astype(dtype)
    b = rng.normal(size=(7, 1)).astype(dtype)
    dA = rng.normal(size=(7, 40)).astype(dtype)
    keep_prob = 0.7
    D = keep_mask(layer_key(3, 4, 2), 7, np.arange(1000, 1040), threshold(keep_prob))
    with np.errstate(all="ignore"):
        G = act.forward_cpu(Z + b)
        want_A = np.where(D, G * np.dtype(dtype).type(1 / keep_prob), 0)
        want_dZ = np.where(D, act.backward_cpu(dA * np.dtype(dtype).type(1 / keep_prob), G), 0)
    drop = _layer(xp, keep_prob, 40)
    A = act.forward_bias_dropout_(xp.asarray(Z), xp.asarray(b), drop)
    dZ = act.backward_dropout_(xp.asarray(dA), A, drop)
    # g' comes from A * keep_prob, g(Z) to a rounding: near saturation (tanh, sigmoid)
    # 1 - a^2 loses digits, as it does from the rounded g(Z) itself, so the bound is absolute.
    atol = {"float32": 1e-6, "float64": 1e-14}[dtype]
    for got, want in ((A, want_A), (dZ, want_dZ)):
        got = dlgpu.to_numpy(got)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=atol)
        assert np.all((got == 0) | D)


@needs_cupy
@pytest.mark.parametrize("name", HIDDEN)
def test_cuda_and_numpy_kernels_give_the_same_numbers(name):
    act = get_activation(name)
    rng = np.random.default_rng(2)
    Z, b = rng.normal(size=(16, 64)), rng.normal(size=(16, 1))
    dA = rng.normal(size=(16, 64))
    results = {}
    for backend_name in ("numpy", "cupy"):
        dlgpu.set_backend(backend_name)
        xp = dlgpu.backend.get_backend_module()
        drop = _layer(xp, 0.6, 64)
        A = act.forward_bias_dropout_(xp.asarray(Z.copy()), xp.asarray(b), drop)
        dZ = act.backward_dropout_(xp.asarray(dA.copy()), A, drop)
        results[backend_name] = dlgpu.to_numpy(A), dlgpu.to_numpy(dZ)
    for got, want in zip(results["cupy"], results["numpy"]):
        np.testing.assert_array_equal(got == 0, want == 0)  # the same mask
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_the_numpy_mask_lives_from_forward_to_backward_only():
    drop = _layer(np, 0.5, 10)
    act = get_activation("relu")
    A = act.forward_bias_dropout_(np.ones((3, 10)), np.zeros((3, 1)), drop)
    assert drop._mask is not None and drop._mask.dtype == bool
    act.backward_dropout_(np.ones((3, 10)), A, drop)
    assert drop._mask is None


def test_the_gradient_of_the_dropped_network_is_exact():
    """Central differences of the cost with the same masks against backward with dropout."""
    X, Y = _data(m=20)
    model = DeepNN([6, 5, 4, 1], hidden_activation="tanh", dtype="float64").initialize_parameters()
    params = model.parameters_
    masks = StepDropout(0.6, 9, 2, np.arange(20).reshape(1, -1))

    def cost():
        _, ZL, _ = propagation.forward(params, X, model.hidden, model.output,
                                       dropout=StepDropout(0.6, 9, 2, masks.columns))
        return float(model.output.cost(ZL, Y))

    AL, _, cache = propagation.forward(params, X, model.hidden, model.output, dropout=masks)
    grads = propagation.backward(params, cache, AL, Y, model.hidden, masks)
    eps = 1e-6
    for key in ("W1", "b2", "W3"):
        W = params[key]
        for index in [(0, 0), (W.shape[0] - 1, W.shape[1] - 1)]:
            old = W[index]
            W[index] = old + eps
            plus = cost()
            W[index] = old - eps
            minus = cost()
            W[index] = old
            assert grads["d" + key][index] == pytest.approx((plus - minus) / (2 * eps),
                                                            rel=1e-6, abs=1e-9)


# -- training ------------------------------------------------------------------------
def test_dropout_changes_training_and_the_seed_decides_it():
    X, Y = _data()
    plain = DeepNN([6, 8, 4, 1], num_iterations=30, dtype="float64").fit(X, Y)
    dropped = DeepNN([6, 8, 4, 1], num_iterations=30, dtype="float64", keep_prob=0.7).fit(X, Y)
    again = DeepNN([6, 8, 4, 1], num_iterations=30, dtype="float64", keep_prob=0.7).fit(X, Y)
    other = DeepNN([6, 8, 4, 1], num_iterations=30, dtype="float64", keep_prob=0.7,
                   seed=2).fit(X, Y)
    assert not np.allclose(plain.parameters_["W1"], dropped.parameters_["W1"])
    for key in dropped.parameters_:
        np.testing.assert_array_equal(again.parameters_[key], dropped.parameters_[key])
    assert not np.allclose(other.parameters_["W2"], dropped.parameters_["W2"])


def test_no_dropout_outside_training():
    X, Y = _data()
    model = DeepNN([6, 8, 4, 1], num_iterations=20, keep_prob=0.5).fit(X, Y)
    twin = DeepNN([6, 8, 4, 1], keep_prob=1.0)
    twin.parameters_ = model.parameters_
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(model.predict_proba(X), twin.predict_proba(X))
    assert model.cost(X, Y) == twin.cost(X, Y) == model.cost(X, Y)
    assert model.score(X, Y) == twin.score(X, Y)
    cost, grads = model.loss_and_gradients(X, Y)
    twin_cost, twin_grads = twin.loss_and_gradients(X, Y)
    assert cost == twin_cost
    for key in grads:
        np.testing.assert_array_equal(grads[key], twin_grads[key])


def test_gradient_check_passes_on_a_dropout_model():
    """The check (dropout off, as in every method but fit) passes on a model trained with it."""
    X, Y = _data(m=30)
    model = DeepNN([6, 5, 3, 1], hidden_activation="tanh", num_iterations=10,
                   keep_prob=0.8, dtype="float64").fit(X, Y)
    assert gradient_check(model, X, Y) < 1e-7


@needs_cupy
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batches", [{}, {"batch_size": 64, "epochs": 3}])
def test_numpy_and_cupy_train_the_same_dropout_model(hidden, dtype, batches):
    X, Y = _data()
    runs = {}
    for backend_name in ("numpy", "cupy"):
        dlgpu.set_backend(backend_name)
        model = DeepNN([6, 16, 8, 1], hidden_activation=hidden, learning_rate=0.1,
                       num_iterations=40, keep_prob=0.75, dtype=dtype, **batches).fit(X, Y)
        runs[backend_name] = model
    tolerance = 10 * RTOL[dtype]
    for key, value in runs["numpy"].parameters_.items():
        np.testing.assert_allclose(dlgpu.to_numpy(runs["cupy"].parameters_[key]), value,
                                   rtol=tolerance, atol=tolerance * 1e-2)
    assert runs["cupy"].costs_ == pytest.approx(runs["numpy"].costs_, rel=tolerance)


def test_mini_batch_masks_follow_the_columns_not_their_positions():
    """Unshuffled batches of a permuted data set: each column meets its own masks, so the
    first step's gradient is that of the same columns in another order."""
    X, Y = _data(m=40)
    order = np.random.default_rng(3).permutation(40)
    model = DeepNN([6, 5, 1], dtype="float64").initialize_parameters()
    params = model.parameters_
    grads = []
    for columns in (np.arange(40), order):
        masks = StepDropout(0.5, 1, 0, columns.reshape(1, -1))
        AL, _, cache = propagation.forward(params, X[:, columns], model.hidden, model.output,
                                           dropout=masks)
        grads.append(propagation.backward(params, cache, AL, Y[:, columns], model.hidden, masks))
    for key in grads[0]:
        np.testing.assert_allclose(grads[1][key], grads[0][key], rtol=1e-12, atol=1e-15)


# -- the parameter ---------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, 0.0, -0.1, 1.5, float("nan"), float("inf")])
def test_bad_keep_prob_is_refused(bad):
    with pytest.raises(ValueError, match=r"keep_prob must be in \(0, 1\]"):
        DeepNN([2, 3, 1], keep_prob=bad)


@pytest.mark.parametrize("bad", ["0.5", None, True])
def test_keep_prob_must_be_a_number(bad):
    with pytest.raises(TypeError, match=r"keep_prob must be a number in \(0, 1\]"):
        DeepNN([2, 3, 1], keep_prob=bad)


def test_keep_prob_round_trips_through_params_repr_and_files(tmp_path):
    X, Y = _data()
    model = DeepNN([6, 4, 1], num_iterations=5, keep_prob=0.9).fit(X, Y)
    assert model.get_params()["keep_prob"] == 0.9
    assert "keep_prob=0.9" in repr(model)
    assert "keep_prob" not in repr(DeepNN([6, 4, 1]))
    model.save(tmp_path / "m.npz")
    loaded = dlgpu.load_model(tmp_path / "m.npz")
    assert loaded.keep_prob == 0.9
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    DeepNN([6, 4, 1], num_iterations=5).fit(X, Y).save(tmp_path / "plain.npz")
    assert dlgpu.load_model(tmp_path / "plain.npz").keep_prob == 1.0
    # no dropout: the settings as before keep_prob, so older readers still take the file
    assert "keep_prob" not in dlgpu.io._metadata(DeepNN([6, 4, 1]), {}, "m.npz")["params"]
    assert dlgpu.io._metadata(model, {}, "m.npz")["params"]["keep_prob"] == 0.9


def test_layer_dropout_takes_its_scalars_in_the_kernel_types():
    drop = LayerDropout(0.3, 2**64 - 1, np.zeros((1, 5), dtype=np.int64))
    assert drop.key == np.int64(-1) and drop.key.dtype == np.int64
    assert drop.threshold.dtype == np.int64 and drop.n_columns == 5
    assert drop.scale("float32") == np.float32(1 / 0.3)
