"""DLClassifier: the scikit-learn estimator around DeepNN."""

import importlib
import pickle
import sys

import numpy as np
import pytest

from .helpers import require

require("sklearn")

from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from dlgpu import DeepNN
from dlgpu.callbacks import EarlyStopping
from dlgpu.sklearn import DLClassifier

#: check name -> why DLClassifier fails it in float32.  In float64 (the
#: default for float64 data) every check passes.  Two checks skip themselves
#: on this machine: check_classifier_data_not_an_array without pandas,
#: check_array_api_input without SCIPY_ARRAY_API=1 (it passes with it).
FLOAT32_FAILED_CHECKS: dict[str, str] = {
    "check_methods_sample_order_invariance":
        "it allows 1e-9 + 1e-7 relative, under float32's resolution (6e-8 to 1.2e-7 "
        "relative); a BLAS kernel may round a sample at a block edge differently from one "
        "inside a block (up to 1.8e-7 apart measured; on an Intel Xeon the check failed "
        "with OpenBLAS's Prescott kernels and passed by luck with the others)",
    "check_sample_weight_equivalence_on_dense_data":
        "it compares a weighted fit with a fit on the examples repeated at 1e-7 relative: in "
        "float32 the two sum their gradients in different orders, 1e-7 apart a step, and "
        "training grows that (the same check passes in float64, full batch or one batch)",
}

#: check name -> why DLClassifier with dropout fails it (keep_prob < 1).
DROPOUT_FAILED_CHECKS: dict[str, str] = {
    "check_sample_weight_equivalence_on_dense_data":
        "dropout draws each example's masks from its column index, so an example repeated "
        "k times gets k other masks than the one weighted k: another run, as for any "
        "random regularizer (scikit-learn marks its SGD estimators likewise)",
}

# The defaults (float64 on these float64 checks), a small seeded float32
# mini-batch network and a full-batch float64 one; the checks' data sets are
# small, so all three take a few seconds.
CHECKED = [
    DLClassifier(),
    DLClassifier(hidden_layer_sizes=(16,), epochs=100, random_state=0, dtype="float32"),
    DLClassifier(hidden_layer_sizes=(8, 8), activation="tanh", batch_size=None, epochs=None,
                 num_iterations=300, dtype="float64"),
    DLClassifier(hidden_layer_sizes=(16,), epochs=50, keep_prob=0.8, random_state=0,
                 dtype="float64"),
]


@parametrize_with_checks(CHECKED)
def test_scikit_learn_estimator_checks(estimator, check, request):
    name = getattr(check, "func", check).__name__
    if estimator.dtype == "float32" and name in FLOAT32_FAILED_CHECKS:
        # Not strict: other kernels (Haswell, Sandybridge) happen to round alike.
        request.applymarker(pytest.mark.xfail(reason=FLOAT32_FAILED_CHECKS[name], strict=False))
    if estimator.keep_prob < 1 and name in DROPOUT_FAILED_CHECKS:
        request.applymarker(pytest.mark.xfail(reason=DROPOUT_FAILED_CHECKS[name], strict=True))
    check(estimator)


def test_float64_predictions_do_not_depend_on_a_samples_position():
    # Measured across positions, kernels Haswell/SkylakeX/Sandybridge/Prescott, 1-2
    # threads: at most 3.3e-16 apart in float64, 1.8e-7 in float32.  1e-12 is
    # 3000 times the float64 spread and 100000 times below the float32 one.
    rng = np.random.RandomState(0)
    X = rng.randn(300, 3)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 0.5)
    clf = DLClassifier(hidden_layer_sizes=(100,), epochs=20, random_state=1).fit(X, y)
    assert clf.model_.dtype == "float64"
    proba = clf.predict_proba(X)
    for seed in range(10):
        order = np.random.RandomState(seed).permutation(len(X))
        np.testing.assert_allclose(clf.predict_proba(X[order]), proba[order], rtol=0,
                                   atol=1e-12)
        np.testing.assert_allclose(clf.predict_proba(X[order[:37]]), proba[order[:37]],
                                   rtol=0, atol=1e-12)


@pytest.mark.parametrize("X_dtype, expected", [(np.float64, "float64"), (np.float32, "float32"),
                                               (np.int64, "float64"), (bool, "float64")])
def test_dtype_none_follows_the_data_like_mlp_classifier(X_dtype, expected):
    X, y = make_blobs(n_samples=30, centers=2, random_state=0)
    X = (X > 0) if X_dtype is bool else X.astype(X_dtype)
    clf = DLClassifier(hidden_layer_sizes=(3,), epochs=2, random_state=0).fit(X, y)
    assert clf.model_.dtype == expected and clf.predict_proba(X).dtype == expected
    forced = DLClassifier(hidden_layer_sizes=(3,), epochs=2, dtype="float32").fit(X, y)
    assert forced.model_.dtype == "float32"


def scaled(**params):
    return Pipeline([("scale", StandardScaler()), ("clf", DLClassifier(**params))])


@pytest.fixture
def iris_named():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def test_binary_labels_train_a_sigmoid_network_with_string_classes():
    X, y = load_breast_cancer(return_X_y=True)
    y = np.where(y == 1, "benign", "malignant")
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    pipe = scaled(hidden_layer_sizes=(16,), epochs=30, random_state=0).fit(X_train, y_train)
    clf = pipe.named_steps["clf"]
    assert clf.classes_.tolist() == ["benign", "malignant"]
    assert clf.model_.layer_dims == [30, 16, 1] and clf.model_.output_activation == "sigmoid"
    assert set(pipe.predict(X_test)) <= {"benign", "malignant"}
    assert pipe.score(X_test, y_test) > 0.93


def test_three_classes_train_a_softmax_network(iris_named):
    X, y = iris_named
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    pipe = scaled(hidden_layer_sizes=(10,), random_state=0).fit(X_train, y_train)
    clf = pipe.named_steps["clf"]
    assert clf.model_.layer_dims == [4, 10, 3] and clf.model_.output_activation == "softmax"
    assert pipe.score(X_test, y_test) > 0.9


def test_digits_ten_classes():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    pipe = scaled(hidden_layer_sizes=(32,), epochs=20, random_state=0).fit(X_train, y_train)
    assert pipe.named_steps["clf"].classes_.tolist() == list(range(10))
    assert pipe.score(X_test, y_test) > 0.9


@pytest.mark.parametrize("labels", [
    np.array([-1, 1]), np.array([False, True]), np.array([3, 7, 10]),
    np.array(["b", "a", "c"], dtype=object), np.array([2.0, 5.0]),
])
def test_any_label_kind_round_trips_through_classes(labels):
    X, codes = make_blobs(n_samples=60, centers=len(labels), cluster_std=0.5, random_state=0)
    y = labels[codes]
    clf = DLClassifier(hidden_layer_sizes=(8,), epochs=50, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    predicted = clf.predict(X)
    assert predicted.shape == (60,) and predicted.dtype == clf.classes_.dtype
    assert np.mean(predicted == y) > 0.9


def test_predict_proba_rows_sum_to_one_and_argmax_is_predict(iris_named):
    X, y = iris_named
    for y_problem in (y, y == "setosa"):  # three classes, two classes
        clf = scaled(hidden_layer_sizes=(8,), epochs=20, random_state=1).fit(X, y_problem)
        proba = clf.predict_proba(X)
        classes = clf.named_steps["clf"].classes_
        assert proba.shape == (150, len(classes)) and isinstance(proba, np.ndarray)
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
        np.testing.assert_array_equal(classes[proba.argmax(axis=1)], clf.predict(X))


def test_binary_columns_are_one_minus_p_and_p():
    X, y = make_blobs(n_samples=40, centers=2, random_state=0)
    clf = DLClassifier(hidden_layer_sizes=(4,), epochs=5, random_state=0).fit(X, y)
    p = clf.model_.predict_proba(X.T)[0]  # the course's layout: X.T is (n_x, m)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(proba[:, 1], p)
    np.testing.assert_array_equal(proba[:, 0], 1 - p)


def test_network_uses_the_course_layout():
    X, y = make_blobs(n_samples=30, n_features=5, centers=3, random_state=0)
    clf = DLClassifier(hidden_layer_sizes=(6, 4), epochs=3, random_state=0).fit(X, y)
    shapes = {k: v.shape for k, v in clf.model_.parameters_.items()}
    assert shapes == {"W1": (6, 5), "b1": (6, 1), "W2": (4, 6), "b2": (4, 1),
                      "W3": (3, 4), "b3": (3, 1)}
    assert isinstance(clf.model_, DeepNN) and clf.n_features_in_ == 5


def test_fit_attributes_follow_epochs_and_batches():
    X, y = make_blobs(n_samples=50, centers=2, random_state=0)
    clf = DLClassifier(hidden_layer_sizes=(5,), batch_size=16, epochs=7, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ == 7 * 4  # ceil(50 / 16) = 4 steps per epoch
    assert len(clf.loss_curve_) == 7 and clf.loss_curve_[-1] < clf.loss_curve_[0]
    full = DLClassifier(hidden_layer_sizes=(), batch_size=None, epochs=None,
                        num_iterations=250).fit(X, y)
    assert full.n_iter_ == 250 and len(full.loss_curve_) == 3  # iterations 0, 100, 200
    assert full.model_.layer_dims == [2, 1]


def test_random_state_int_and_instance_are_reproducible():
    X, y = make_blobs(n_samples=40, centers=3, random_state=0)

    def proba(random_state):
        clf = DLClassifier(hidden_layer_sizes=(5,), epochs=5, random_state=random_state)
        return clf.fit(X, y).predict_proba(X)

    np.testing.assert_array_equal(proba(3), proba(3))
    assert not np.array_equal(proba(3), proba(4))
    np.testing.assert_array_equal(proba(np.random.RandomState(9)),
                                  proba(np.random.RandomState(9)))
    assert proba(None).shape == (40, 3)


def test_clone_get_params_set_params_round_trip():
    clf = DLClassifier(hidden_layer_sizes=(7, 3), learning_rate=0.05, random_state=2)
    params = clf.get_params()
    assert params == {**DLClassifier().get_params(), "hidden_layer_sizes": (7, 3),
                      "learning_rate": 0.05, "random_state": 2}
    twin = clone(clf)
    assert twin is not clf and twin.get_params() == params
    assert twin.set_params(epochs=3, activation="tanh") is twin
    assert twin.get_params() == {**params, "epochs": 3, "activation": "tanh"}
    assert clf.get_params() == params
    X, y = make_blobs(n_samples=30, centers=2, random_state=0)
    assert not hasattr(clone(twin.fit(X, y)), "model_")


def test_cross_val_score_in_a_pipeline(iris_named):
    scores = cross_val_score(scaled(hidden_layer_sizes=(8,), epochs=50, random_state=0),
                             *iris_named, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85


def test_grid_search_over_learning_rate_and_hidden_sizes(iris_named):
    grid = GridSearchCV(scaled(epochs=20, random_state=0),
                        {"clf__learning_rate": [1e-6, 0.1],
                         "clf__hidden_layer_sizes": [(4,), (16, 8)]}, cv=3)
    grid.fit(*iris_named)
    # 20 epochs at 1e-6 leave the network near its random start.
    assert grid.best_params_["clf__learning_rate"] == 0.1
    assert grid.best_score_ > 0.85 and len(grid.cv_results_["params"]) == 4
    assert grid.predict(iris_named[0][:5]).shape == (5,)


def test_pickled_classifier_predicts_the_same():
    X, y = make_blobs(n_samples=40, centers=3, random_state=0)
    clf = DLClassifier(hidden_layer_sizes=(5,), epochs=5, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_outputs_are_numpy_on_every_backend(backend_name):
    X, y = make_blobs(n_samples=40, centers=3, random_state=0)
    clf = DLClassifier(hidden_layer_sizes=(5,), epochs=5, random_state=0).fit(X, y)
    assert clf.model_.backend_ == backend_name
    assert isinstance(clf.predict_proba(X), np.ndarray) and isinstance(clf.predict(X), np.ndarray)


def test_validation_data_and_callbacks_reach_deep_nn(iris_named):
    X, y = iris_named
    X = StandardScaler().fit_transform(X)
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0, stratify=y)
    stopper = EarlyStopping(monitor="val_cost", patience=0, min_delta=10.0)
    clf = DLClassifier(hidden_layer_sizes=(8,), epochs=50, random_state=0)
    clf.fit(X_train, y_train, validation_data=(X_val, y_val), callbacks=[stopper])
    history = clf.model_.history_
    assert len(history["val_accuracy"]) == 2  # the first record, then no gain of 10
    assert stopper.stopped_at == clf.n_iter_ < 50 * 4
    with pytest.raises(ValueError, match="not seen in y"):
        clf.fit(X_train, y_train, validation_data=(X_val, np.full(len(y_val), "rose")))


def test_one_class_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 classes.*1 class"):
        DLClassifier().fit(np.ones((5, 2)), np.zeros(5))


def test_continuous_targets_are_rejected():
    with pytest.raises(ValueError, match="Unknown label type"):
        DLClassifier().fit(np.ones((5, 2)), np.linspace(0, 1, 5))


def test_wrong_feature_count_and_unfitted_use_are_errors():
    X, y = make_blobs(n_samples=20, centers=2, random_state=0)
    with pytest.raises(NotFittedError):
        DLClassifier().predict(X)
    clf = DLClassifier(hidden_layer_sizes=(3,), epochs=2).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(np.ones((4, 3)))


@pytest.mark.parametrize("params, error, match", [
    ({"learning_rate": -1.0}, ValueError, "learning_rate"),
    ({"hidden_layer_sizes": (4, 0)}, ValueError, r"hidden_layer_sizes\[1\]"),
    ({"hidden_layer_sizes": "wide"}, TypeError, "hidden_layer_sizes"),
    ({"activation": "softsign"}, ValueError, "softsign"),
    ({"dtype": "float16"}, ValueError, "dtype"),
    ({"random_state": -1}, ValueError, "[Ss]eed"),
    ({"keep_prob": 0.0}, ValueError, r"keep_prob must be in \(0, 1\]"),
])
def test_bad_hyperparameters_are_stored_then_rejected_by_fit(params, error, match):
    clf = DLClassifier(**params)  # scikit-learn's rule: __init__ only stores
    assert all(clf.get_params()[name] == value for name, value in params.items())
    with pytest.raises(error, match=match):
        clf.fit(np.eye(4), [0, 1, 0, 1])


def test_keep_prob_reaches_the_network():
    X, y = make_blobs(n_samples=50, centers=2, random_state=0)
    clf = DLClassifier(hidden_layer_sizes=(5,), epochs=3, keep_prob=0.5, random_state=0)
    plain = DLClassifier(hidden_layer_sizes=(5,), epochs=3, random_state=0)
    assert clf.fit(X, y).model_.keep_prob == 0.5
    assert clf.loss_curve_ != plain.fit(X, y).loss_curve_
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))


def test_feature_names_are_kept_from_a_data_frame():
    pd = pytest.importorskip("pandas")
    X, y = make_blobs(n_samples=20, centers=2, random_state=0)
    frame = pd.DataFrame(X, columns=["height", "width"])
    clf = DLClassifier(hidden_layer_sizes=(3,), epochs=2).fit(frame, y)
    assert clf.feature_names_in_.tolist() == ["height", "width"]


def test_import_without_scikit_learn_says_how_to_install(monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] == "sklearn"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.delitem(sys.modules, "dlgpu.sklearn")
    with pytest.raises(ImportError, match=r"pip install 'dlgpu\[sklearn\]'"):
        importlib.import_module("dlgpu.sklearn")


def test_optimizer_settings_reach_deep_nn_and_warm_start_continues(iris_named):
    X, y = iris_named
    settings = dict(hidden_layer_sizes=(8,), batch_size=16, random_state=0, dtype="float64",
                    optimizer="adamw", weight_decay=0.01, learning_rate=0.01, l2=0.1,
                    lr_schedule="stepwise", decay_rate=0.5, time_interval=2, warmup_epochs=1)
    once = DLClassifier(epochs=6, **settings).fit(X, y)
    assert once.model_.optimizer == "adamw" and once.model_.l2 == 0.1
    twice = DLClassifier(epochs=3, warm_start=True, **settings).fit(X, y)
    first = twice.model_.parameters_["W1"].copy()
    twice.fit(X, y)
    assert not np.array_equal(first, twice.model_.parameters_["W1"])
    np.testing.assert_allclose(twice.model_.parameters_["W1"], once.model_.parameters_["W1"],
                               rtol=1e-12, atol=1e-14)
    assert twice.n_iter_ == once.n_iter_ and len(twice.loss_curve_) == 6


@pytest.mark.parametrize("params, match", [
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"beta2": 1.0}, r"beta2 must be in \[0, 1\)"),
    ({"l2": -0.5}, "l2 must be finite and >= 0"),
])
def test_bad_optimizer_settings_are_rejected_by_fit(params, match):
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    with pytest.raises(ValueError, match=match):
        DLClassifier(epochs=1, **params).fit(X, y)
