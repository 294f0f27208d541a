"""Output layers: sigmoid + binary cross-entropy, softmax + categorical cross-entropy."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, InvalidDataError
from dlgpu.losses import categorical_cross_entropy_from_logits, softmax
from dlgpu.outputs import get_output


def three_classes(m=300, seed=0):
    """Points around the origin, labelled by which third of the circle they fall in."""
    rng = np.random.RandomState(seed)
    X = rng.randn(2, m)
    labels = (np.arctan2(X[1], X[0]) // (2 * np.pi / 3) % 3).astype(np.int64).reshape(1, -1)
    return X, labels


def test_softmax_columns_sum_to_one_and_do_not_overflow(xp):
    Z = xp.asarray([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [-1e4, 1e4, 3.0]], dtype="float32")
    A = dlgpu.to_numpy(softmax(Z))
    assert np.isfinite(A).all()
    np.testing.assert_allclose(A.sum(axis=0), 1, rtol=1e-6)
    np.testing.assert_allclose(A[:, 0], [1, 0, 0], atol=1e-7)


def test_categorical_cross_entropy_by_hand(xp):
    Z = np.array([[2.0, 0.0], [1.0, 0.0], [0.0, 5.0]])
    Y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    P = np.exp(Z) / np.exp(Z).sum(axis=0)
    expected = -(np.log(P[0, 0]) + np.log(P[2, 1])) / 2
    got = float(categorical_cross_entropy_from_logits(xp.asarray(Z), xp.asarray(Y)))
    assert got == pytest.approx(expected, rel=1e-12)


def test_categorical_cross_entropy_stays_finite_for_huge_logits():
    Z = np.array([[1e4], [-1e4]], dtype=np.float32)
    assert float(categorical_cross_entropy_from_logits(Z, np.array([[0.0], [1.0]]))) == \
        pytest.approx(2e4)


def test_softmax_model_learns_three_classes(backend_name):
    X, labels = three_classes()
    model = DeepNN([2, 16, 3], output_activation="softmax", learning_rate=0.5, epochs=60,
                   batch_size=32, dtype="float64").fit(X, labels)
    assert model.score(X, labels) > 0.9
    proba = dlgpu.to_numpy(model.predict_proba(X))
    assert proba.shape == (3, 300)
    np.testing.assert_allclose(proba.sum(axis=0), 1, rtol=1e-12)
    predicted = model.predict(X)
    assert predicted.shape == (1, 300) and predicted.dtype == np.int64
    np.testing.assert_array_equal(predicted, proba.argmax(axis=0).reshape(1, -1))


def test_labels_and_one_hot_train_the_same_model():
    X, labels = three_classes(90)
    one_hot = np.eye(3)[labels[0]].T
    kwargs = dict(output_activation="softmax", learning_rate=0.3, num_iterations=50,
                  dtype="float64")
    a = DeepNN([2, 8, 3], **kwargs).fit(X, labels)
    b = DeepNN([2, 8, 3], **kwargs).fit(X, one_hot)
    for key in a.parameters_:
        np.testing.assert_array_equal(a.parameters_[key], b.parameters_[key])
    assert a.score(X, one_hot) == a.score(X, labels)
    assert a.cost(X, one_hot) == a.cost(X, labels)


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
def test_softmax_gradients_pass_the_gradient_check(hidden):
    X, labels = three_classes(12)
    model = DeepNN([2, 5, 4, 3], hidden_activation=hidden, output_activation="softmax",
                   learning_rate=0.1, num_iterations=5, dtype="float64").fit(X, labels)
    for key in ("b1", "b2"):
        # Away from ReLU's kink: a dead column feeding a zero bias gives Z exactly 0.
        model.parameters_[key] += 0.05
    assert dlgpu.gradient_check(model, X, labels) < 1e-7


@pytest.mark.parametrize("Y,match", [
    (np.array([[0, 1, 3, 1]]), "integer labels 0 to 2.*\\[3\\]"),
    (np.array([[0, 1, -1, 1]]), "integer labels 0 to 2"),
    (np.array([[0, 1, 0.5, 1]]), "integer labels 0 to 2.*0.5"),
    (np.array([0, 1, 2, 1]), "labels \\(1, m\\) or one-hot \\(3, m\\).*reshape"),
    (np.zeros((2, 4)), "one-hot \\(3, m\\)"),
    (np.zeros((3, 4)), "must be one-hot.*4 column"),
    (np.array([[0, 1, 2]]), "m = 4 examples"),
    (np.array([["a", "b", "c", "a"]]), "dtype"),
])
def test_bad_softmax_targets_are_refused(Y, match):
    model = DeepNN([2, 4, 3], output_activation="softmax", num_iterations=1)
    with pytest.raises(InvalidDataError, match=match):
        model.fit(np.zeros((2, 4)), Y)


def test_output_names():
    assert get_output("logistic", 1).name == "sigmoid"
    with pytest.raises(ValueError, match="one of sigmoid, softmax"):
        get_output("tanh", 1)
