"""DLRegressor and DLClassifier's multi-label y: the scikit-learn side of points 8 and 9."""

import numpy as np
import pytest

from .helpers import require

require("sklearn")

from sklearn.datasets import load_diabetes, make_multilabel_classification, make_regression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from dlgpu import load_model
from dlgpu.sklearn import DLClassifier, DLRegressor


@parametrize_with_checks([DLRegressor(), DLRegressor(hidden_layer_sizes=(8, 8),
                                                     activation="tanh", preprocess=None,
                                                     random_state=0)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_raw_targets_are_standardized_inside_and_predicted_in_their_units(backend_name):
    X, y = make_regression(n_samples=300, n_features=5, noise=1.0, random_state=0)
    X, y = X * 50 + 1000, y * 1000 + 1e5  # raw units on both sides
    reg = DLRegressor(random_state=0).fit(X, y)
    assert reg.model_.backend_ == backend_name
    assert reg.y_mean_ == pytest.approx([y.mean()]) and reg.y_scale_ == pytest.approx([y.std()])
    predicted = reg.predict(X)
    assert predicted.shape == (300,) and isinstance(predicted, np.ndarray)
    assert reg.score(X, y) == pytest.approx(r2_score(y, predicted)) and reg.score(X, y) > 0.95
    # model_ alone predicts in y's units (the standardization is folded into W[L], b[L])
    np.testing.assert_allclose(reg.model_.predict(X.T).ravel(), predicted)


def test_multi_output_targets_and_model_file(tmp_path):
    X, y = make_regression(n_samples=200, n_features=4, n_targets=3, random_state=1)
    reg = DLRegressor(random_state=0).fit(X, y)
    assert reg.predict(X).shape == (200, 3) and reg.n_outputs_ == 3
    assert reg.score(X, y) == pytest.approx(r2_score(y, reg.predict(X)))
    reg.model_.save(tmp_path / "reg.npz")
    np.testing.assert_array_equal(load_model(tmp_path / "reg.npz").predict(X.T).T,
                                  reg.predict(X))


def test_pipeline_and_grid_search():
    X, y = make_regression(n_samples=150, n_features=3, noise=5.0, random_state=2)
    grid = GridSearchCV(make_pipeline(StandardScaler(), DLRegressor(random_state=0)),
                        {"dlregressor__learning_rate": [1e-7, 0.01]}, cv=3).fit(X, y)
    # 20 epochs at 1e-7 leave the network near its random start.
    assert grid.best_params_["dlregressor__learning_rate"] == 0.01 and grid.best_score_ > 0.7
    assert grid.predict(X[:5]).shape == (5,)


def test_diabetes_defaults_reach_mlp_regressor():
    """The issue's goal: DLRegressor() within 0.03 R² of StandardScaler + MLPRegressor(max_iter=
    2000), mean over the splits random_state 0..4.  Fitting the MLPs takes 20-25 s, so their
    figure is the measured one (scikit-learn 1.9.1: 0.382 with random_state None, 0.385 with
    random_state = the split's); DLRegressor measured 0.412 seeded, 0.41-0.44 unseeded."""
    X, y = load_diabetes(return_X_y=True)
    scores = []
    for seed in range(5):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2,
                                                            random_state=seed)
        scores.append(DLRegressor(random_state=seed).fit(X_train, y_train).score(X_test, y_test))
    assert np.mean(scores) >= 0.382 - 0.03


def test_bad_regression_input_is_a_clear_error():
    with pytest.raises(ValueError, match="preprocess must be None or one of"):
        DLRegressor(preprocess="minmax").fit(np.ones((5, 2)), np.arange(5.0))
    with pytest.raises(ValueError, match="y_val has 2 target"):
        DLRegressor(epochs=1).fit(np.ones((5, 2)), np.arange(5.0),
                                  validation_data=(np.ones((3, 2)), np.ones((3, 2))))


def test_classifier_takes_a_label_indicator_as_mlp_classifier(backend_name):
    X, Y = make_multilabel_classification(n_samples=100, n_features=6, n_classes=4,
                                          random_state=0)
    clf = DLClassifier(hidden_layer_sizes=(8,), epochs=5, random_state=0)
    clf.fit(X, Y, validation_data=(X[:50], Y[:50]))
    assert clf.model_.layer_dims == [6, 8, 4] and clf.model_.output_activation == "sigmoid"
    assert clf.model_.backend_ == backend_name
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    proba, predicted = clf.predict_proba(X), clf.predict(X)
    assert isinstance(proba, np.ndarray) and isinstance(predicted, np.ndarray)
    assert proba.shape == predicted.shape == (100, 4) and predicted.dtype == Y.dtype
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(Y.dtype))
    assert clf.score(X, Y) == accuracy_score(Y, predicted)  # exact match
    assert "val_accuracy" in clf.model_.history_


def test_multilabel_defaults_beat_mlp_classifier_on_held_out_data():
    """Measured (scikit-learn 1.9.1): MLPClassifier(random_state=0) 0.480 (0.464 with
    max_iter=2000), DLClassifier(random_state=0) 0.560 exact-match accuracy."""
    X, Y = make_multilabel_classification(n_samples=500, n_features=6, n_classes=4,
                                          random_state=0)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
    clf = DLClassifier(random_state=0).fit(X_train, Y_train)
    per_label = np.mean(clf.predict(X_test) == Y_test)
    assert clf.score(X_test, Y_test) > 0.5 and per_label > clf.score(X_test, Y_test)


def test_classifier_refuses_other_2d_targets():
    with pytest.raises(ValueError, match="label indicator.*multiclass-multioutput"):
        DLClassifier().fit(np.ones((4, 2)), np.array([[0, 1], [2, 0], [1, 1], [0, 2]]))
