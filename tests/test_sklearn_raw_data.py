"""DLClassifier on raw (unscaled) data: it standardizes by default, and warns when
training ended no better than ignoring X (issue 27, point 1)."""

import warnings

import numpy as np
import pytest

from .helpers import require

require("sklearn")

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from dlgpu.sklearn import NOT_MOVED, DLClassifier, constant_cost, learned_nothing


@pytest.fixture(scope="module")
def raw_split():
    X, y = load_breast_cancer(return_X_y=True)  # raw units: areas in the thousands
    return train_test_split(X, y, test_size=0.25, random_state=0)


def test_defaults_learn_raw_breast_cancer(raw_split):
    X_train, X_test, y_train, y_test = raw_split
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = DLClassifier(random_state=0).fit(X_train, y_train)
    assert clf.preprocess == "standardize"
    assert clf.model_.preprocessing_.kind == "standardize"
    assert clf.score(X_test, y_test) > 0.90


def test_without_preprocessing_raw_data_learns_nothing_and_says_so(raw_split):
    X_train, X_test, y_train, y_test = raw_split
    with pytest.warns(ConvergenceWarning, match="learned nothing from X.*preprocess="
                                                "'standardize'"):
        clf = DLClassifier(random_state=0, preprocess=None).fit(X_train, y_train)
    assert clf.model_.preprocessing_ is None
    assert len(np.unique(clf.predict(X_test))) == 1  # what the warning is about


def test_preprocess_scale_and_a_bad_value():
    X, y = load_breast_cancer(return_X_y=True)
    clf = DLClassifier(epochs=5, random_state=0, preprocess="scale").fit(X, y)
    assert clf.model_.preprocessing_.kind == "scale"
    with pytest.raises(ValueError, match="preprocess must be None or one of standardize"):
        DLClassifier(preprocess="minmax").fit(X, y)


def test_constant_cost_is_the_labels_entropy():
    assert constant_cost(np.array([0, 1, 0, 1]), 2) == pytest.approx(np.log(2))
    assert constant_cost(np.array([0, 1, 2]), 3) == pytest.approx(np.log(3))
    p = 0.25
    assert constant_cost(np.array([1, 0, 0, 0]), 2) == \
        pytest.approx(-(p * np.log(p) + (1 - p) * np.log(1 - p)))


def test_not_moved_is_within_one_percent_of_the_constant_cost_or_above():
    codes = np.array([0, 1, 0, 1])
    h = np.log(2)
    # a huge first record (a blow-up on raw data) is no progress: only the end counts
    assert learned_nothing([7e4, 0.7, h], codes, 2)
    assert learned_nothing([0.9, h * (1 - NOT_MOVED / 2)], codes, 2)
    assert learned_nothing([0.9, float("nan")], codes, 2)
    assert not learned_nothing([0.9, h * (1 - 2 * NOT_MOVED)], codes, 2)
    assert not learned_nothing([], codes, 2)


def test_a_learning_run_gives_no_warning_and_a_stalled_one_does():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 2)
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DLClassifier(hidden_layer_sizes=(4,), epochs=20, random_state=0).fit(X, y)
    # zero weights without hidden layers predict 1/2 for all: log 2, above the labels'
    # entropy, and a tiny step cannot move it
    with pytest.warns(ConvergenceWarning, match="another learning_rate"):
        DLClassifier(hidden_layer_sizes=(), epochs=1, learning_rate=1e-12, init="zeros",
                     random_state=0).fit(X, np.r_[np.zeros(150), np.ones(50)])
