"""Multi-label: k independent sigmoid outputs, Y : (k, m) of 0/1."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, InvalidDataError, gradient_check, load_model
from dlgpu.losses import binary_cross_entropy_from_logits


def multilabel_data(m=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(3, m)
    Y = np.vstack([X[0] > 0, X[1] + X[2] > 0.5, X[0] * X[1] > 0]).astype(np.int64)
    return X, Y


def test_cost_is_summed_over_labels_and_averaged_over_examples(xp):
    rng = np.random.RandomState(1)
    Z, Y = rng.randn(3, 8), (rng.rand(3, 8) > 0.5).astype(float)
    A = 1 / (1 + np.exp(-Z))
    expected = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / 8
    got = float(binary_cross_entropy_from_logits(xp.asarray(Z), xp.asarray(Y)))
    assert got == pytest.approx(expected, rel=1e-12)
    rows = sum(float(binary_cross_entropy_from_logits(xp.asarray(Z[k:k + 1]),
                                                      xp.asarray(Y[k:k + 1]))) for k in range(3))
    assert got == pytest.approx(rows, rel=1e-12)


def test_multilabel_model_learns_every_label(backend_name):
    X, Y = multilabel_data()
    model = DeepNN([3, 32, 3], learning_rate=0.5, epochs=100, batch_size=32,
                   dtype="float64").fit(X, Y, validation_data=(X, Y))
    proba = dlgpu.to_numpy(model.predict_proba(X))
    assert proba.shape == (3, 300) and ((proba >= 0) & (proba <= 1)).all()
    predicted = dlgpu.to_numpy(model.predict(X))
    assert predicted.shape == (3, 300) and predicted.dtype == np.int64
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(np.int64))
    exact = float(np.mean((predicted == Y).all(axis=0)))
    assert model.score(X, Y) == pytest.approx(exact)  # exact match, not per label
    assert exact > 0.85 and exact <= float(np.mean(predicted == Y))
    assert model.history_["val_accuracy"][-1] == pytest.approx(exact)


def test_multilabel_gradients_match_central_differences(backend_name):
    rng = np.random.RandomState(3)
    X, Y = rng.randn(4, 12), (rng.rand(3, 12) > 0.5).astype(float)
    model = DeepNN([4, 5, 3], hidden_activation="tanh", dtype="float64").initialize_parameters()
    assert gradient_check(model, X, Y) < 1e-7


def test_save_load_round_trip(tmp_path, backend_name):
    X, Y = multilabel_data(60)
    model = DeepNN([3, 6, 3], learning_rate=0.3, num_iterations=50, dtype="float64").fit(X, Y)
    model.save(tmp_path / "multi.npz")
    loaded = load_model(tmp_path / "multi.npz")
    assert loaded.output_activation == "sigmoid" and loaded.layer_dims == [3, 6, 3]
    np.testing.assert_array_equal(dlgpu.to_numpy(loaded.predict_proba(X)),
                                  dlgpu.to_numpy(model.predict_proba(X)))


@pytest.mark.parametrize("Y, match", [
    (np.zeros((1, 10)), r"shape \(3, m\).*use output_activation='softmax'"),
    (np.zeros((3, 9)), "X has m = 10 examples"),
    (np.full((3, 10), 2), "only the labels 0 and 1"),
    (np.full((3, 10), "a"), "labels 0 and 1"),
])
def test_bad_targets_are_clear_errors(Y, match):
    with pytest.raises(InvalidDataError, match=match):
        DeepNN([2, 3]).fit(np.zeros((2, 10)), Y)
