"""Callbacks: early stopping, stopping on a non-finite cost, checkpoints."""

import warnings

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN
from dlgpu.callbacks import Callback, EarlyStopping, ModelCheckpoint, StopOnNaN
from dlgpu.errors import DivergenceError, DivergenceWarning


def diverging_model(**kwargs):
    return DeepNN([3, 8, 1], learning_rate=1e6, **kwargs)


def big_data(binary_data):
    X, Y = binary_data
    return X * 1e3, Y


class Recorder(Callback):
    def on_train_begin(self, model):
        self.records = []

    def on_record(self, model, record):
        self.records.append(record)


def test_divergence_raises_naming_the_iteration_and_value(binary_data, backend_name):
    X, Y = big_data(binary_data)
    model = diverging_model(num_iterations=1000)
    with pytest.raises(DivergenceError, match=r"cost is (nan|inf) at iteration 100\b") as info:
        model.fit(X, Y)
    assert info.value.iteration == 100 and not np.isfinite(info.value.value)
    # The parameters are those of the last finite record: the initial ones.
    start = DeepNN([3, 8, 1]).initialize_parameters()
    for key, value in model.parameters_.items():
        np.testing.assert_array_equal(dlgpu.to_numpy(value), dlgpu.to_numpy(start.parameters_[key]))


def test_divergence_in_mini_batches_names_the_epoch(binary_data):
    X, Y = big_data(binary_data)
    with pytest.raises(DivergenceError, match=r"at iteration \d+ \(epoch 1\)"):
        diverging_model(batch_size=8, epochs=5).fit(X, Y)


def test_stop_on_nan_can_warn_instead(binary_data):
    X, Y = big_data(binary_data)
    model = diverging_model(batch_size=8, epochs=5)
    with pytest.warns(DivergenceWarning, match="training diverged"):
        model.fit(X, Y, callbacks=[StopOnNaN("warn")])
    assert all(np.isfinite(v).all() for v in model.parameters_.values())
    assert len(model.costs_) == 1 and not np.isfinite(model.costs_[0])


def test_no_callback_sees_a_non_finite_model(binary_data):
    X, Y = big_data(binary_data)
    seen = Recorder()
    with pytest.raises(DivergenceError):
        diverging_model(num_iterations=500).fit(X, Y, callbacks=[seen])
    assert [r["iteration"] for r in seen.records] == [0]


def test_early_stopping_stops_and_restores_the_best(binary_data):
    X, Y = binary_data
    Xv, Yv = X[:, :10], 1 - Y[:, :10]  # validation labels flipped: val_cost rises
    stopper = EarlyStopping(patience=2)
    seen = Recorder()
    model = DeepNN([3, 6, 1], batch_size=10, epochs=50, learning_rate=0.5).fit(
        X, Y, validation_data=(Xv, Yv), callbacks=[seen, stopper])
    val = [r["val_cost"] for r in seen.records]
    best = int(np.argmin(val))
    assert len(val) == best + 4 < 50  # best, then patience + 1 worse records
    assert stopper.stopped_at == model.n_iter_
    assert model.cost(Xv, Yv) == pytest.approx(val[best], rel=1e-5)


def test_early_stopping_with_min_delta_on_training_cost(binary_data):
    X, Y = binary_data
    stopper = EarlyStopping(monitor="cost", patience=0, min_delta=10.0)
    model = DeepNN([3, 4, 1], batch_size=10, epochs=20).fit(X, Y, callbacks=[stopper])
    assert len(model.costs_) == 2


def test_early_stopping_needs_what_it_monitors(binary_data):
    with pytest.raises(ValueError, match="'val_accuracy'.*pass validation_data"):
        DeepNN([3, 4, 1], batch_size=10, epochs=2).fit(
            *binary_data, callbacks=[EarlyStopping(monitor="val_accuracy")])


def test_checkpoints_are_written(tmp_path, binary_data):
    from dlgpu import load_model
    X, Y = binary_data
    every = ModelCheckpoint(tmp_path / "ckpt-{epoch}.npz", every=2)
    last = ModelCheckpoint(tmp_path / "last.npz")
    model = DeepNN([3, 4, 1], batch_size=10, epochs=5).fit(X, Y, callbacks=[every, last])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-2.npz", "ckpt-4.npz", "last.npz"]
    np.testing.assert_array_equal(load_model(tmp_path / "last.npz").predict(X), model.predict(X))


@pytest.mark.parametrize("make,match", [
    (lambda: StopOnNaN("ignore"), "action"),
    (lambda: EarlyStopping(patience=-1), "patience"),
    (lambda: ModelCheckpoint("x.npz", every=0), "every"),
])
def test_callback_arguments_are_checked(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_a_long_epoch_is_checked_every_100_steps(binary_data):
    X, Y = big_data(binary_data)  # m = 40: batches of 1 make 40 steps an epoch
    X = np.tile(X, 10)
    Y = np.tile(Y, 10)  # 400 steps an epoch
    with pytest.raises(DivergenceError, match=r"at iteration 100 \(epoch 1\)"):
        diverging_model(batch_size=1, epochs=1).fit(X, Y)


class KeepsParameters(Callback):
    """Copies of the parameters at each record."""

    def on_train_begin(self, model):
        self.kept = []

    def on_record(self, model, record):
        self.kept.append({k: dlgpu.to_numpy(v).copy() for k, v in model.parameters_.items()})


def test_a_finite_blow_up_is_divergence_too(binary_data):
    # relu at learning rate 20: costs 254, 366, then 3669 at epoch 3 (finite; measured).
    X, Y = binary_data
    model = DeepNN([3, 8, 1], learning_rate=20, batch_size=8, epochs=20)
    kept = KeepsParameters()
    with pytest.raises(DivergenceError, match=r"cost rose to [\d.e+]+ at iteration 15 \(epoch 3\), "
                                              r"more than 10 times its first record") as info:
        model.fit(X, Y, callbacks=[kept])
    assert np.isfinite(info.value.value) and info.value.value > 10 * 254
    # The model keeps the parameters of the record before: epoch 2's (the callback
    # ran after StopOnNaN, so it saw epoch 2 last).
    assert len(kept.kept) == 2
    for key, value in model.parameters_.items():
        np.testing.assert_array_equal(dlgpu.to_numpy(value), kept.kept[-1][key])


def test_blow_up_rule_needs_both_the_factor_and_the_floor():
    model = DeepNN([2, 1]).initialize_parameters()

    def records(*costs, **settings):
        check = StopOnNaN("warn", **settings)
        check.on_train_begin(model)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DivergenceWarning)
            for i, cost in enumerate(costs):
                try:
                    check.on_record(model, {"iteration": i, "epoch": i, "cost": cost})
                except DivergenceWarning:
                    return i
        return None

    assert records(0.7, 0.5, 4.9) is None          # 7x the first, under the floor
    assert records(0.7, 0.5, 7.1) == 2             # over 10x and over 5
    assert records(60.0, 0.3, 590.0) is None       # a high start, then under 10x of it
    assert records(60.0, 0.3, 601.0) == 2
    assert records(0.7, 100.0, blowup_factor=None) is None
    with pytest.raises(ValueError, match="blowup_factor must be > 1"):
        StopOnNaN(blowup_factor=0.5)
