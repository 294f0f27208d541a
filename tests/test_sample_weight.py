"""Sample and class weights: ``fit(X, Y, sample_weight=w)`` trains on weighted means.

In full-batch float64 training an integer weight k must train exactly as the
example repeated k times (a zero weight as the example left out): the cost,
every gradient, the L2 term's m and the learned preprocessing all follow.
"""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN
from dlgpu.distributed import LocalCommunicator
from dlgpu.errors import InvalidDataError

from .distributed.jobs import needs_mpi, run_scenario
from .distributed.ranks import DIMS, data, weights
from .helpers import require

RNG = np.random.RandomState(0)
X = RNG.randn(4, 30) * np.array([[1.0], [30.0], [0.01], [5.0]]) + np.array([[0], [100], [0], [2]])
Y = ((X[0] - 0.05 * (X[1] - 100) + RNG.randn(30) * 0.3) > 0).astype(int).reshape(1, -1)
W = RNG.randint(0, 4, 30)
W[:2] = (0, 3)  # at least one zero and one repeat
REPEATED = np.repeat(np.arange(30), W)


def _full_batch(**kwargs):
    args = dict(layer_dims=[4, 5, 1], dtype="float64", num_iterations=250, seed=1,
                learning_rate=0.1)
    args.update(kwargs)
    return DeepNN(**args)


def _max_diff(a, b):
    return max(float(np.abs(dlgpu.backend.to_numpy(a.parameters_[k])
                            - dlgpu.backend.to_numpy(b.parameters_[k])).max())
               for k in a.parameters_)


@pytest.mark.parametrize("kwargs", [
    {},
    {"l2": 0.3},
    {"preprocess": "standardize"},
    {"preprocess": "scale", "l2": 0.1, "optimizer": "adam", "learning_rate": 0.01},
    {"output_activation": "softmax", "layer_dims": [4, 5, 2]},
])
def test_integer_weights_train_as_the_examples_repeated(kwargs, xp):
    weighted = _full_batch(**kwargs).fit(xp.asarray(X), xp.asarray(Y), sample_weight=W)
    repeated = _full_batch(**kwargs).fit(xp.asarray(X[:, REPEATED]), xp.asarray(Y[:, REPEATED]))
    assert _max_diff(weighted, repeated) < 1e-10
    np.testing.assert_allclose(weighted.costs_, repeated.costs_, rtol=0, atol=1e-10)
    if "preprocess" in kwargs:
        for name in ("shift", "scale", "low", "high"):
            np.testing.assert_allclose(getattr(weighted.preprocessing_, name),
                                       getattr(repeated.preprocessing_, name),
                                       rtol=1e-12, atol=1e-12)


def test_regression_weights_train_as_the_examples_repeated(xp):
    Yr = X[:1] - 0.02 * X[1:2]
    kwargs = dict(output_activation="identity", l2=0.05, preprocess="standardize")
    weighted = _full_batch(**kwargs).fit(xp.asarray(X), xp.asarray(Yr), sample_weight=W)
    repeated = _full_batch(**kwargs).fit(xp.asarray(X[:, REPEATED]), xp.asarray(Yr[:, REPEATED]))
    assert _max_diff(weighted, repeated) < 1e-10


def test_zero_weights_leave_the_training_range_alone():
    X_far = X.copy()
    X_far[2, 0] = 1e6  # W[0] == 0: this example does not count
    model = _full_batch(preprocess="scale").fit(X_far, Y, sample_weight=W)
    assert model.preprocessing_.high[2, 0] < 1
    assert model.preprocessing_.scale[0, 0] < 1e3


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 8, "epochs": 3, "l2": 0.2}])
def test_weights_of_one_are_no_weights_to_the_bit(kwargs, xp):
    a = _full_batch(**kwargs).fit(xp.asarray(X), xp.asarray(Y), sample_weight=np.ones(30))
    b = _full_batch(**kwargs).fit(xp.asarray(X), xp.asarray(Y))
    for key in a.parameters_:
        assert (dlgpu.backend.to_numpy(a.parameters_[key])
                == dlgpu.backend.to_numpy(b.parameters_[key])).all()
    assert a.costs_ == b.costs_


def test_mini_batch_weights_scale_the_gradient_not_the_step():
    """A constant weight c is no weight at all (weighted means), mini-batch too."""
    kwargs = dict(batch_size=7, epochs=4)
    a = _full_batch(**kwargs).fit(X, Y, sample_weight=np.full(30, 2.0))
    b = _full_batch(**kwargs).fit(X, Y)
    assert _max_diff(a, b) < 1e-12
    np.testing.assert_allclose(a.costs_, b.costs_, rtol=1e-12)


def test_mini_batch_zero_weights_are_examples_left_out():
    """Each batch's weighted mean: a batch of zero weights takes a zero step."""
    w = np.ones(30)
    w[10:] = 0
    a = _full_batch(batch_size=10, epochs=3, shuffle=False).fit(X, Y, sample_weight=w)
    b = _full_batch(num_iterations=3).fit(X[:, :10], Y[:, :10])  # the 3 batches of weight
    assert _max_diff(a, b) < 1e-12


def test_loss_and_gradients_take_weights():
    model = _full_batch(l2=0.2).initialize_parameters()
    cost, grads = model.loss_and_gradients(X, Y, sample_weight=W)
    cost_r, grads_r = model.loss_and_gradients(X[:, REPEATED], Y[:, REPEATED])
    assert abs(cost - cost_r) < 1e-12
    for key in grads:
        np.testing.assert_allclose(grads[key], grads_r[key], rtol=0, atol=1e-12)


def test_one_rank_distributed_fit_with_weights_equals_plain_fit():
    for kwargs in ({"l2": 0.1}, {"batch_size": 8, "epochs": 3, "l2": 0.1}):
        a = _full_batch(**kwargs).fit(X, Y, sample_weight=W, comm=LocalCommunicator())
        b = _full_batch(**kwargs).fit(X, Y, sample_weight=W)
        assert _max_diff(a, b) == 0
        assert a.costs_ == b.costs_


@needs_mpi
def test_two_ranks_weight_their_means_by_their_weight_sums(tmp_path):
    """Unequal shards, one holding only zero weights: the repeated data's run (full
    batch); mini-batches: every rank ends with the same bits."""
    job = run_scenario("weighted", tmp_path)
    assert job.returncode == 0, job.stderr
    Xd, Yd = data()
    w = weights()
    one = DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64", l2=0.5)
    repeated = np.repeat(np.arange(Xd.shape[1]), w)
    one.fit(Xd[:, repeated], Yd[:, repeated])
    ranks = [dict(np.load(tmp_path / f"weighted-{rank}.npz")) for rank in range(2)]
    for key in one.parameters_:
        np.testing.assert_allclose(ranks[0][key], one.parameters_[key], rtol=0, atol=1e-10)
        assert ranks[0][key].tobytes() == ranks[1][key].tobytes()
    np.testing.assert_allclose(ranks[0]["costs"], one.costs_, rtol=0, atol=1e-10)
    mini = [dict(np.load(tmp_path / f"weighted-minibatch-{rank}.npz")) for rank in range(2)]
    for key in mini[0]:
        assert mini[0][key].tobytes() == mini[1][key].tobytes(), key


@pytest.mark.parametrize("w, match", [
    (-np.ones(30), r"sample_weight must be >= 0"),
    (np.r_[np.nan, np.ones(29)], r"sample_weight must be finite"),
    (np.ones(29), r"sample_weight must have shape \(30,\) or \(1, 30\)"),
    (np.ones((2, 30)), r"sample_weight must have shape"),
    (np.zeros(30), r"sample_weight must hold at least one weight > 0"),
    (np.array(["a"] * 30), r"sample_weight must hold real numbers"),
])
def test_bad_weights_are_refused(w, match):
    with pytest.raises(InvalidDataError, match=match):
        _full_batch().fit(X, Y, sample_weight=w)


# -- scikit-learn ----------------------------------------------------------------

def test_classifier_class_weight_is_compute_sample_weight():
    require("sklearn")
    from sklearn.utils.class_weight import compute_sample_weight

    from dlgpu.sklearn import DLClassifier
    rng = np.random.RandomState(1)
    Xs = rng.randn(60, 3)
    ys = np.where(Xs[:, 0] > 0.8, "rare", "common")
    kwargs = dict(hidden_layer_sizes=(6,), epochs=5, batch_size=16, random_state=0)
    for class_weight in ("balanced", {"rare": 5.0}):
        a = DLClassifier(class_weight=class_weight, **kwargs).fit(Xs, ys)
        b = DLClassifier(**kwargs).fit(Xs, ys,
                                       sample_weight=compute_sample_weight(class_weight, ys))
        np.testing.assert_array_equal(a.predict_proba(Xs), b.predict_proba(Xs))
    w = rng.rand(60)
    a = DLClassifier(class_weight="balanced", **kwargs).fit(Xs, ys, sample_weight=w)
    b = DLClassifier(**kwargs).fit(Xs, ys, sample_weight=w * compute_sample_weight("balanced", ys))
    np.testing.assert_array_equal(a.predict_proba(Xs), b.predict_proba(Xs))
    with pytest.raises(ValueError, match="class_weight must be None, 'balanced' or a dict"):
        DLClassifier(class_weight="often", **kwargs).fit(Xs, ys)


def test_balanced_weights_move_the_decision_towards_the_rare_class():
    require("sklearn")
    from dlgpu.sklearn import DLClassifier
    rng = np.random.RandomState(2)
    Xs = rng.randn(400, 2)
    ys = (Xs[:, 0] + 0.8 * rng.randn(400) > 1.6).astype(int)  # about 10% positives
    kwargs = dict(hidden_layer_sizes=(), epochs=30, random_state=0)
    plain = DLClassifier(**kwargs).fit(Xs, ys).predict(Xs).sum()
    balanced = DLClassifier(class_weight="balanced", **kwargs).fit(Xs, ys).predict(Xs).sum()
    assert balanced > plain


def test_regressor_integer_weights_are_repetitions():
    require("sklearn")
    from dlgpu.sklearn import DLRegressor
    Xs, ys = X.T, X[0] - 0.02 * X[1] + 3.0
    kwargs = dict(hidden_layer_sizes=(5,), batch_size=None, epochs=None, num_iterations=200,
                  random_state=0)
    a = DLRegressor(**kwargs).fit(Xs, ys, sample_weight=W)
    b = DLRegressor(**kwargs).fit(Xs[REPEATED], ys[REPEATED])
    np.testing.assert_allclose(a.y_mean_, b.y_mean_, rtol=1e-12)
    np.testing.assert_allclose(a.y_scale_, b.y_scale_, rtol=1e-12)
    np.testing.assert_allclose(a.predict(Xs), b.predict(Xs), rtol=0, atol=1e-9)


def test_estimators_refuse_bad_weights_naming_sample_weight():
    require("sklearn")
    from dlgpu.sklearn import DLClassifier, DLRegressor
    for estimator, y in ((DLClassifier(epochs=1), Y.ravel()), (DLRegressor(epochs=1), X[0])):
        with pytest.raises(ValueError, match="sample_weight must be >= 0"):
            estimator.fit(X.T, y, sample_weight=-np.ones(30))
        with pytest.raises(ValueError, match="sample_weight must hold at least one weight > 0"):
            estimator.fit(X.T, y, sample_weight=np.zeros(30))
        with pytest.raises(ValueError, match="sample_weight"):
            estimator.fit(X.T, y, sample_weight=np.ones(3))
