"""Optimizers, L2, learning-rate schedules and warm starts (issue 24).

The update rules are checked against independent references: Adam, AdamW
and RMSprop against ``torch.optim`` (skipped where torch is not installed:
it is not part of the test extra), gd and momentum against a NumPy
transcription of the course's formulas; each CUDA kernel against its NumPy
reference on the CuPy stand-in.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, load_model, schedules
from dlgpu.buffers import FlatArrays
from dlgpu.optimizers import OPTIMIZERS, all_cuda_sources, make_optimizer

SHAPES = {"W1": (4, 3), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}
HYPER = dict(beta1=0.8, beta2=0.95, epsilon=1e-6)


def _problem(steps: int, seed: int = 0):
    """Parameters and a sequence of gradients for them, float64."""
    rng = np.random.default_rng(seed)
    parameters = {k: rng.normal(size=shape) for k, shape in SHAPES.items()}
    grads = [{"d" + k: rng.normal(size=shape) * 0.5 for k, shape in SHAPES.items()}
             for _ in range(steps)]
    return parameters, grads


def _run(name, parameters, grads, rates, xp=np, dtype="float64", **hyper):
    optimizer = make_optimizer(name, **{**HYPER, **hyper})
    flat = FlatArrays.packing({k: xp.asarray(v.astype(dtype)) for k, v in parameters.items()},
                              xp, dtype)
    optimizer.init_state(flat.views)
    for g, lr in zip(grads, rates):
        step = FlatArrays.packing({k: xp.asarray(g["d" + k].astype(dtype)) for k in parameters},
                                  xp, dtype)
        optimizer.step_(flat, step.flat, lr)
    assert optimizer.t == len(grads)
    return {k: dlgpu.to_numpy(v) for k, v in flat.views.items()}, optimizer


# -- the kernels against their NumPy references ----------------------------------
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_kernel_matches_the_numpy_reference(xp, name, dtype):
    parameters, grads = _problem(5)
    rates = [0.1, 0.05, 0.2, 0.1, 0.01]
    hyper = {"weight_decay": 0.3} if name == "adamw" else {}
    got, optimizer = _run(name, parameters, grads, rates, xp, dtype, **hyper)
    want, _ = _run(name, parameters, grads, rates, np, dtype, **hyper)
    tol = 1e-6 if dtype == "float32" else 1e-14
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=tol, atol=tol)
        assert got[key].dtype == np.dtype(dtype)
    for arrays in optimizer.state.values():  # the state lives on the backend, in the dtype
        assert all(isinstance(a, type(xp.zeros(1))) and a.dtype == np.dtype(dtype)
                   for a in arrays.values())


def test_every_kernel_renders_as_cuda_for_both_dtypes():
    sources = list(all_cuda_sources())
    assert len(sources) == 2 * len(OPTIMIZERS)
    for name, dtype, source in sources:
        assert name.startswith("dlgpu_") and "__global__" in source


# -- gd and momentum: the course's formulas ---------------------------------------
def test_gd_and_momentum_follow_the_course():
    parameters, grads = _problem(6)
    rates = [0.1, 0.2, 0.05, 0.1, 0.3, 0.1]
    W = {k: v.copy() for k, v in parameters.items()}
    for g, lr in zip(grads, rates):
        for k in W:
            W[k] = W[k] - lr * g["d" + k]
    got, _ = _run("gd", parameters, grads, rates)
    for k in W:
        np.testing.assert_allclose(got[k], W[k], rtol=1e-14)
    b1 = HYPER["beta1"]
    W = {k: v.copy() for k, v in parameters.items()}
    v = {k: np.zeros_like(x) for k, x in W.items()}
    for g, lr in zip(grads, rates):
        for k in W:
            v[k] = b1 * v[k] + (1 - b1) * g["d" + k]
            W[k] = W[k] - lr * v[k]
    got, optimizer = _run("momentum", parameters, grads, rates)
    for k in W:
        np.testing.assert_allclose(got[k], W[k], rtol=1e-13)
        np.testing.assert_allclose(optimizer.state["v"][k], v[k], rtol=1e-13)


# -- Adam, AdamW, RMSprop: torch.optim ------------------------------------------
def _torch_run(make, parameters, grads, rates, decay_weights_only=False, **kwargs):
    torch = pytest.importorskip("torch", reason="torch.optim is the reference; not installed")
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
               for k, v in parameters.items()}
    if decay_weights_only:
        groups = [{"params": [t for k, t in tensors.items() if k[0] == "W"]},
                  {"params": [t for k, t in tensors.items() if k[0] == "b"],
                   "weight_decay": 0.0}]
    else:
        groups = list(tensors.values())
    optimizer = make(torch.optim)(groups, lr=rates[0], **kwargs)
    for g, lr in zip(grads, rates):
        for group in optimizer.param_groups:
            group["lr"] = lr
        for k, t in tensors.items():
            t.grad = torch.tensor(g["d" + k], dtype=torch.float64)
        optimizer.step()
    return {k: t.detach().numpy() for k, t in tensors.items()}


RATES = [0.01, 0.02, 0.01, 0.005, 0.01, 0.03, 0.01, 0.01, 0.002, 0.01] * 3


def test_adam_is_torch_adam():
    parameters, grads = _problem(len(RATES))
    want = _torch_run(lambda o: o.Adam, parameters, grads, RATES,
                      betas=(HYPER["beta1"], HYPER["beta2"]), eps=HYPER["epsilon"])
    got, _ = _run("adam", parameters, grads, RATES)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-14)


def test_adamw_is_torch_adamw_decaying_the_weights_only():
    parameters, grads = _problem(len(RATES))
    want = _torch_run(lambda o: o.AdamW, parameters, grads, RATES, decay_weights_only=True,
                      betas=(HYPER["beta1"], HYPER["beta2"]), eps=HYPER["epsilon"],
                      weight_decay=0.5)
    got, _ = _run("adamw", parameters, grads, RATES, weight_decay=0.5)
    adam, _ = _run("adam", parameters, grads, RATES)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-14)
    assert not np.allclose(got["W1"], adam["W1"])  # the decay does something...
    np.testing.assert_array_equal(got["b1"], adam["b1"])  # ...to the weights only


def test_rmsprop_is_torch_rmsprop():
    parameters, grads = _problem(len(RATES))
    want = _torch_run(lambda o: o.RMSprop, parameters, grads, RATES,
                      alpha=HYPER["beta2"], eps=HYPER["epsilon"])
    got, _ = _run("rmsprop", parameters, grads, RATES)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-14)


def test_training_with_adam_is_torch_training():
    """A whole fit: the network's gradients (from torch's autograd) feed torch's Adam."""
    torch = pytest.importorskip("torch", reason="torch.optim is the reference; not installed")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3, 50))
    Y = (X[0:1] + X[1:2] > 0).astype(np.float64)
    model = DeepNN([3, 5, 1], learning_rate=0.01, num_iterations=40, dtype="float64",
                   optimizer="adam", l2=0.7)
    model.initialize_parameters()
    start = {k: dlgpu.to_numpy(v).copy() for k, v in model.parameters_.items()}
    model.fit(X, Y)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
    adam = torch.optim.Adam(list(t.values()), lr=0.01)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    for _ in range(40):
        adam.zero_grad()
        Z = t["W2"] @ torch.relu(t["W1"] @ Xt + t["b1"]) + t["b2"]
        cost = torch.nn.functional.binary_cross_entropy_with_logits(Z, Yt)
        cost = cost + 0.7 / (2 * 50) * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
        cost.backward()
        adam.step()
    for k, v in t.items():
        np.testing.assert_allclose(dlgpu.to_numpy(model.parameters_[k]), v.detach().numpy(),
                                   rtol=1e-10, atol=1e-12)


# -- L2 -----------------------------------------------------------------------
def test_l2_adds_the_course_penalty_to_cost_and_weight_gradients(binary_data):
    X, Y = binary_data
    plain = DeepNN([3, 4, 1], dtype="float64").initialize_parameters()
    penalized = DeepNN([3, 4, 1], dtype="float64", l2=0.7).initialize_parameters()
    cost, grads = plain.loss_and_gradients(X, Y)
    cost_l2, grads_l2 = penalized.loss_and_gradients(X, Y)
    m = X.shape[1]
    W = {k: dlgpu.to_numpy(v) for k, v in plain.parameters_.items()}
    assert cost_l2 == pytest.approx(cost + 0.7 / (2 * m) * sum((W[k] ** 2).sum()
                                                               for k in ("W1", "W2")))
    for k in W:
        extra = 0.7 / m * W[k] if k[0] == "W" else 0.0  # biases are not penalized
        np.testing.assert_allclose(grads_l2["d" + k], grads["d" + k] + extra, rtol=1e-12)
    # The recorded cost includes the penalty (the first record: before any step).
    fitted = DeepNN([3, 4, 1], dtype="float64", l2=0.7, num_iterations=1).fit(X, Y)
    assert fitted.costs_[0] == pytest.approx(cost_l2, rel=1e-12)


def test_l2_gradients_pass_the_gradient_check(binary_data):
    from dlgpu.gradcheck import gradient_check
    X, Y = binary_data
    model = DeepNN([3, 4, 1], dtype="float64", l2=2.0, hidden_activation="tanh")
    model.initialize_parameters()
    assert gradient_check(model, X, Y) < 1e-7


def test_l2_mini_batch_record_is_the_mean_of_penalized_batch_costs(backend_name):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3, 64))
    Y = (X[0:1] > 0).astype(float)
    m1 = DeepNN([3, 4, 1], dtype="float64", l2=0.0, batch_size=16, epochs=1,
                learning_rate=1e-12).fit(X, Y)
    m2 = DeepNN([3, 4, 1], dtype="float64", l2=3.0, batch_size=16, epochs=1,
                learning_rate=1e-12).fit(X, Y)
    W = {k: dlgpu.to_numpy(v) for k, v in m2.parameters_.items()}
    penalty = 3.0 / (2 * 16) * sum((W[k] ** 2).sum() for k in ("W1", "W2"))
    assert m2.costs_[0] == pytest.approx(m1.costs_[0] + penalty, rel=1e-9)


# -- schedules ----------------------------------------------------------------
def test_schedules_follow_their_formulas():
    lr0 = 0.5
    for e in range(30):
        assert schedules.learning_rate(lr0, None, e) == lr0
        assert schedules.learning_rate(lr0, "inverse_time", e, decay_rate=0.3) == \
            pytest.approx(lr0 / (1 + 0.3 * e))
        assert schedules.learning_rate(lr0, "stepwise", e, decay_rate=0.3,
                                       time_interval=7) == \
            pytest.approx(lr0 / (1 + 0.3 * math.floor(e / 7)))
    cosine = [schedules.learning_rate(lr0, "cosine", e, warmup_epochs=4, cycle_start=10,
                                      cycle_epochs=20) for e in range(10, 30)]
    assert cosine[:4] == pytest.approx([lr0 / 4, lr0 / 2, 3 * lr0 / 4, lr0])
    assert cosine[4:] == pytest.approx([lr0 * 0.5 * (1 + math.cos(math.pi * k / 16))
                                        for k in range(16)])
    assert all(a > b for a, b in zip(cosine[4:], cosine[5:]))


def test_history_records_the_rate_of_each_record_last_step(binary_data):
    X, Y = binary_data
    model = DeepNN([3, 4, 1], learning_rate=0.2, batch_size=16, epochs=5,
                   lr_schedule="inverse_time", decay_rate=0.5).fit(X, Y)
    assert model.history_["learning_rate"] == pytest.approx([0.2 / (1 + 0.5 * e)
                                                             for e in range(5)])
    full = DeepNN([3, 4, 1], learning_rate=0.2, num_iterations=250, lr_schedule="stepwise",
                  decay_rate=1.0, time_interval=100, warmup_epochs=50).fit(X, Y)
    assert full.history_["iteration"] == [0, 100, 200]
    assert full.history_["learning_rate"] == pytest.approx([0.2 / 50, 0.2 / 2, 0.2 / 3])


def test_cosine_decays_over_the_run_and_restarts_on_a_warm_start(binary_data):
    X, Y = binary_data
    model = DeepNN([3, 4, 1], learning_rate=0.2, batch_size=8, epochs=6, lr_schedule="cosine",
                   warmup_epochs=2).fit(X, Y)
    rates = model.history_["learning_rate"]
    assert rates[:2] == pytest.approx([0.1, 0.2])
    assert rates[-1] == pytest.approx(0.2 * 0.5 * (1 + math.cos(math.pi * 3 / 4)))
    model.warm_start = True
    model.fit(X, Y)
    assert model.history_["learning_rate"][6:] == pytest.approx(rates)


# -- warm start and resume --------------------------------------------------------
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("schedule", [None, "inverse_time", "stepwise"])
@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
def test_fit_save_load_fit_equals_one_long_fit(tmp_path, name, schedule, keep_prob):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(4, 90))
    Y = (X[0:1] * X[1:2] > 0).astype(float)
    settings = dict(layer_dims=[4, 6, 1], learning_rate=0.02, dtype="float64", batch_size=16,
                    optimizer=name, l2=0.1, lr_schedule=schedule, decay_rate=0.4,
                    time_interval=2, warmup_epochs=1, keep_prob=keep_prob)
    if name == "adamw":
        settings["weight_decay"] = 0.05
    once = DeepNN(epochs=6, **settings).fit(X, Y)
    first = DeepNN(epochs=3, **settings).fit(X, Y)
    first.save(tmp_path / "m.npz")
    resumed = load_model(tmp_path / "m.npz", backend="numpy")
    resumed.warm_start = True
    resumed.fit(X, Y)
    for k, v in once.parameters_.items():
        np.testing.assert_allclose(resumed.parameters_[k], v, rtol=1e-12, atol=1e-12)
    assert resumed.costs_ == pytest.approx(once.costs_, rel=1e-12)
    assert resumed.history_["learning_rate"] == pytest.approx(once.history_["learning_rate"])
    assert (resumed.n_iter_, resumed.epochs_trained_) == (once.n_iter_, 6)
    assert resumed.optimizer_.t == once.optimizer_.t == 6 * 6


@pytest.mark.parametrize("keep_prob", [1.0, 0.8])
def test_warm_start_full_batch_continues_the_iterations(binary_data, keep_prob):
    X, Y = binary_data
    settings = dict(layer_dims=[3, 4, 1], dtype="float64", optimizer="momentum",
                    lr_schedule="inverse_time", decay_rate=0.01, keep_prob=keep_prob)
    once = DeepNN(num_iterations=300, **settings).fit(X, Y)
    twice = DeepNN(num_iterations=150, **settings).fit(X, Y)
    twice.warm_start = True
    twice.fit(X, Y)
    for k, v in once.parameters_.items():
        np.testing.assert_allclose(twice.parameters_[k], v, rtol=1e-12)
    assert twice.history_["iteration"] == once.history_["iteration"] == [0, 100, 200]
    assert twice.n_iter_ == 300


def test_warm_start_without_parameters_is_a_fresh_fit(binary_data):
    X, Y = binary_data
    fresh = DeepNN([3, 4, 1], num_iterations=20).fit(X, Y)
    warm = DeepNN([3, 4, 1], num_iterations=20, warm_start=True).fit(X, Y)
    for k, v in fresh.parameters_.items():
        np.testing.assert_array_equal(warm.parameters_[k], v)


def test_a_file_without_optimizer_state_still_loads_and_resumes(tmp_path, binary_data):
    X, Y = binary_data
    model = DeepNN([3, 4, 1], num_iterations=20, optimizer="adam").fit(X, Y)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as f:
        arrays = {k: f[k] for k in f.files}
    assert "optimizer_v_W1" in arrays
    import json
    meta = json.loads(arrays["__dlgpu_meta__"].tobytes())
    assert meta["format_version"] == 3
    # As an older version wrote it: no state, no counts, default settings.
    del meta["optimizer"], meta["epochs_trained"]
    meta["params"].pop("optimizer")
    meta["format_version"] = 1
    old = {k: v for k, v in arrays.items() if not k.startswith("optimizer_")}
    old["__dlgpu_meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(tmp_path / "old.npz", **old)
    loaded = load_model(tmp_path / "old.npz")
    assert loaded.optimizer == "gd" and not hasattr(loaded, "optimizer_")
    loaded.warm_start = True
    loaded.fit(X, Y)
    assert loaded.n_iter_ == 40


# -- bad values -------------------------------------------------------------
@pytest.mark.parametrize("kwargs, fragment", [
    ({"optimizer": "sgd"}, r"optimizer must be one of 'gd', 'momentum'"),
    ({"beta1": 1.0}, r"beta1 must be in \[0, 1\)"),
    ({"beta2": -0.1}, r"beta2 must be in \[0, 1\)"),
    ({"epsilon": 0.0}, r"epsilon must be finite and > 0"),
    ({"l2": -1.0}, r"l2 must be finite and >= 0"),
    ({"weight_decay": -1.0, "optimizer": "adamw"}, r"weight_decay must be finite and >= 0"),
    ({"weight_decay": 0.1, "optimizer": "adam"}, r"weight_decay must be 0 with optimizer='adam'"),
    ({"lr_schedule": "exponential"}, r"lr_schedule must be one of None, 'inverse_time'"),
    ({"decay_rate": -1.0}, r"decay_rate must be finite and >= 0"),
    ({"time_interval": 0}, r"time_interval must be >= 1"),
    ({"warmup_epochs": 11, "epochs": 10, "batch_size": 4}, r"warmup_epochs must be in \[0, 10\]"),
    ({"warmup_epochs": 101, "num_iterations": 100}, r"warmup_epochs must be in \[0, 100\]"),
])
def test_bad_values_name_the_parameter_and_range(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        DeepNN([3, 4, 1], **kwargs)


def test_warmup_longer_than_a_mini_batch_run_is_refused_at_fit(binary_data):
    X, Y = binary_data  # 40 examples, batches of 8: 5 steps an epoch, 10 steps: 2 epochs
    model = DeepNN([3, 4, 1], batch_size=8, num_iterations=10, warmup_epochs=3)
    with pytest.raises(ValueError, match=r"warmup_epochs must be in \[0, 2\]"):
        model.fit(X, Y)


# -- distributed: one rank ----------------------------------------------------------
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_one_rank_trains_every_optimizer_as_plain_fit(name, binary_data):
    from dlgpu import distributed
    X, Y = binary_data
    settings = dict(dtype="float64", batch_size=8, epochs=3, optimizer=name, l2=0.2,
                    learning_rate=0.01, weight_decay=0.1 if name == "adamw" else 0.0)
    plain = DeepNN([3, 4, 1], **settings).fit(X, Y)
    ranked = DeepNN([3, 4, 1], **settings).fit(X, Y, comm=distributed.init("local"))
    for k, v in plain.parameters_.items():
        np.testing.assert_allclose(ranked.parameters_[k], v, rtol=1e-13)


def test_get_params_and_repr_show_the_training_settings():
    model = DeepNN([3, 4, 1], optimizer="adam", l2=0.5, lr_schedule="cosine")
    params = model.get_params()
    assert params["optimizer"] == "adam" and params["l2"] == 0.5
    assert params["beta1"] == 0.9 and params["warm_start"] is False
    assert DeepNN(**params).get_params() == params
    assert "optimizer='adam'" in repr(model) and "l2=0.5" in repr(model)
    assert "beta1" not in repr(model)
