"""Regression: the identity output, its squared-error cost and R², on DeepNN and DLRegressor."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, InvalidDataError, gradient_check, load_model
from dlgpu.losses import squared_error



def regression_data(m=200, seed=0, outputs=2):
    rng = np.random.RandomState(seed)
    X = rng.randn(3, m)
    Y = np.vstack([2 * X[0] + X[1] ** 2, X[2] - X[0], X[0] * X[1]])[:outputs]
    return X, Y


def test_squared_error_by_hand(xp):
    A = xp.asarray(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]]))
    Y = xp.asarray(np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))
    # (0 + 4 + 4 + 1 + 0 + 1) / (2 * 3)
    assert float(squared_error(A, Y)) == pytest.approx(10 / 6, rel=1e-15)


def test_identity_model_learns_and_scores_r2_as_scikit_learn(backend_name):
    X, Y = regression_data()
    model = DeepNN([3, 16, 2], output_activation="identity", learning_rate=0.05, epochs=100,
                   batch_size=32, dtype="float64").fit(X, Y)
    predicted = dlgpu.to_numpy(model.predict(X))
    assert predicted.shape == (2, 200) and predicted.dtype == np.float64
    np.testing.assert_array_equal(predicted, dlgpu.to_numpy(model.predict_proba(X)))
    r2 = model.score(X, Y)
    assert r2 > 0.95
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    assert r2 == pytest.approx(sklearn_metrics.r2_score(Y.T, predicted.T), rel=1e-12)
    cost = 0.5 * np.mean(np.sum((predicted - Y) ** 2, axis=0))
    assert model.cost(X, Y) == pytest.approx(cost, rel=1e-10)


def test_r2_of_a_constant_target_follows_scikit_learn():
    X = np.random.RandomState(1).randn(2, 20)
    model = DeepNN([2, 1], output_activation="identity", init="zeros",
                   dtype="float64").initialize_parameters()
    assert model.score(X, np.zeros((1, 20))) == 1.0  # predicted exactly
    assert model.score(X, np.ones((1, 20))) == 0.0


def test_linear_alias_and_validation_records_no_accuracy():
    X, Y = regression_data(outputs=1)
    model = DeepNN([3, 8, 1], output_activation="linear", learning_rate=0.01, epochs=3,
                   batch_size=50, dtype="float64", verbose=1)
    model.fit(X, Y, validation_data=(X, Y))
    assert "val_cost" in model.history_ and "val_accuracy" not in model.history_
    assert model.history_["val_cost"][-1] < model.history_["val_cost"][0]


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_identity_gradients_match_central_differences(backend_name, hidden):
    rng = np.random.RandomState(3)
    X, Y = rng.randn(4, 12), rng.randn(3, 12) * 5
    model = DeepNN([4, 5, 3], hidden_activation=hidden, output_activation="identity",
                   dtype="float64").initialize_parameters()
    for key, value in model.parameters_.items():
        if key.startswith("b"):
            value += dlgpu.to_device(rng.randn(*value.shape) * 0.1)
    assert gradient_check(model, X, Y) < 1e-7


def test_save_load_round_trip(tmp_path, backend_name):
    X, Y = regression_data()
    model = DeepNN([3, 6, 2], output_activation="identity", learning_rate=0.05, epochs=5,
                   batch_size=40, dtype="float64", preprocess="standardize").fit(X * 7 + 3, Y)
    model.save(tmp_path / "reg.npz")
    loaded = load_model(tmp_path / "reg.npz")
    assert loaded.output_activation == "identity" and loaded.layer_dims == [3, 6, 2]
    np.testing.assert_array_equal(dlgpu.to_numpy(loaded.predict(X * 7 + 3)),
                                  dlgpu.to_numpy(model.predict(X * 7 + 3)))
    assert loaded.score(X * 7 + 3, Y) == model.score(X * 7 + 3, Y)


@pytest.mark.parametrize("Y, match", [
    (np.zeros((1, 10)), r"Y must have shape \(2, m\)"),
    (np.zeros(10), r"reshape it with Y.reshape\(2, -1\)"),
    (np.zeros((2, 9)), "X has m = 10 examples"),
    (np.full((2, 10), np.nan), "NaN or infinite"),
    (np.full((2, 10), "a"), "real numbers"),
])
def test_bad_targets_are_clear_errors(Y, match):
    model = DeepNN([3, 2], output_activation="identity")
    with pytest.raises(InvalidDataError, match=match):
        model.fit(np.zeros((3, 10)), Y)


def test_unstandardize_output_folds_the_target_scale(backend_name):
    from dlgpu.outputs import target_statistics, unstandardize_output_
    X, Y = regression_data()
    Y = Y * np.array([[100.0], [0.01]]) + np.array([[50.0], [-3.0]])
    mean, std = target_statistics(Y)
    model = DeepNN([3, 16, 2], output_activation="identity", learning_rate=0.05, epochs=30,
                   batch_size=32, dtype="float64").fit(X, (Y - mean) / std)
    standardized = dlgpu.to_numpy(model.predict(X))
    unstandardize_output_(model.parameters_, mean, std)
    np.testing.assert_allclose(dlgpu.to_numpy(model.predict(X)), standardized * std + mean,
                               rtol=1e-12, atol=1e-12 * np.abs(Y).max())
    assert model.score(X, Y) > 0.9
