"""DLClassifier: bad inputs refused before training, with scikit-learn's messages.

scikit-learn's own estimator checks, run on DLClassifier in
``tests/test_sklearn.py::test_scikit_learn_estimator_checks``, already cover
NaN and inf (``check_estimators_nan_inf``, ``check_supervised_y_no_nan``),
1-D X (``check_fit1d``, ``check_fit2d_predict1d``), complex and object data
(``check_complex_data``, ``check_dtype_object``), empty data
(``check_estimators_empty_data_messages``) and the feature count at predict
time (``check_n_features_in_after_fitting``).  Here is the rest: each bad
input named with the message a user sees, and raised before any training.
"""

import numpy as np
import pytest

from .helpers import require

require("sklearn")

from dlgpu.sklearn import DLClassifier

from .bad_inputs import device_work_forbidden

RNG = np.random.RandomState(0)
X_ROWS = RNG.randn(20, 3)                       # scikit-learn's layout: (n_samples, n_features)
Y_ROWS = (X_ROWS[:, 0] > 0).astype(int)


def _with(value):
    X = X_ROWS.copy()
    X[2, 1] = value
    return X


BAD_X = {
    "nan": (_with(np.nan), "Input X contains NaN"),
    "inf": (_with(np.inf), "Input X contains infinity"),
    "1-D": (X_ROWS[:, 0], "Expected 2D array, got 1D array"),
    "3-D": (X_ROWS.reshape(20, 3, 1), "Found array with dim 3"),
    "words": (np.full((20, 3), "a"), "could not convert string to float"),
    "object words": (np.full((20, 3), "a", dtype=object), "could not convert string to float"),
    "complex": (X_ROWS + 1j, "Complex data not supported"),
    "0 samples": (X_ROWS[:0], r"0 sample\(s\)"),
    "0 features": (X_ROWS[:, :0], r"0 feature\(s\)"),
}


@pytest.fixture(scope="module")
def fitted():
    import dlgpu
    dlgpu.set_backend("numpy")
    return DLClassifier(hidden_layer_sizes=(4,), epochs=3, random_state=0).fit(X_ROWS, Y_ROWS)


@pytest.mark.parametrize("case", sorted(BAD_X))
def test_fit_refuses_bad_X_before_training(case):
    X, match = BAD_X[case]
    y = Y_ROWS[:len(X)] if len(X) else Y_ROWS[:0]
    with device_work_forbidden(), pytest.raises(ValueError, match=match):
        DLClassifier(epochs=1).fit(X, y)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
@pytest.mark.parametrize("case", sorted(BAD_X) + ["wrong features"])
def test_predict_refuses_bad_X(fitted, method, case):
    wrong_features = (X_ROWS[:, :2], "X has 2 features, but DLClassifier is expecting 3")
    X, match = BAD_X.get(case, wrong_features)
    args = (X, Y_ROWS[:len(X)]) if method == "score" else (X,)
    with device_work_forbidden(), pytest.raises(ValueError, match=match):
        getattr(fitted, method)(*args)


@pytest.mark.parametrize("y, match", [
    (Y_ROWS[:10], r"inconsistent numbers of samples: \[20, 10\]"),
    # 2-D y is a multi-label indicator of 0/1 (np.c_[Y_ROWS, Y_ROWS] trains); not this:
    (np.c_[Y_ROWS, 2 * Y_ROWS], r"2-D y only as a label indicator.*shape \(20, 2\)"),
    (np.where(Y_ROWS == 1, np.inf, 0.0), "Input y contains infinity"),
    (None, "requires y to be passed, but the target y is None"),
    (np.linspace(0, 1, 20), "Unknown label type"),
])
def test_fit_refuses_bad_y_before_training(y, match):
    with device_work_forbidden(), pytest.raises(ValueError, match=match):
        DLClassifier(epochs=1).fit(X_ROWS, y)


@pytest.mark.parametrize("params, error, match", [
    ({"learning_rate": 0}, ValueError, "learning_rate must be finite and > 0, got 0"),
    ({"learning_rate": float("nan")}, ValueError, "learning_rate must be finite and > 0, got nan"),
    ({"learning_rate": float("inf")}, ValueError, "learning_rate must be finite and > 0, got inf"),
    ({"learning_rate": "fast"}, TypeError, "learning_rate must be a number"),
    ({"hidden_layer_sizes": (2.5,)}, TypeError, r"hidden_layer_sizes\[0\] must be an integer"),
    ({"hidden_layer_sizes": (-1,)}, ValueError, r"hidden_layer_sizes\[0\] must be >= 1, got -1"),
    ({"hidden_layer_sizes": 0}, ValueError, r"hidden_layer_sizes\[0\] must be >= 1, got 0"),
    ({"hidden_layer_sizes": None}, TypeError, "hidden_layer_sizes must be an int or a tuple"),
    ({"init": "glorot"}, ValueError, "unknown init 'glorot'; valid names are"),
    ({"activation": None}, TypeError, "activation must be a name"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1, got 0"),
    ({"epochs": -1}, ValueError, "epochs must be >= 0, got -1"),
    ({"epochs": None, "num_iterations": -5}, ValueError, "num_iterations must be >= 0, got -5"),
])
def test_bad_hyperparameters_the_sklearn_tests_leave_out(params, error, match):
    with device_work_forbidden(), pytest.raises(error, match=match):
        DLClassifier(**params).fit(X_ROWS, Y_ROWS)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_values_beyond_float32_are_refused():
    with device_work_forbidden(), pytest.raises(ValueError, match="too large for dtype"):
        DLClassifier(epochs=1, dtype="float32").fit(np.full((20, 3), 1e300), Y_ROWS)


@pytest.mark.parametrize("kind", [np.int8, np.int64, bool])
def test_integer_and_bool_X_give_what_float_X_gives_and_stay_untouched(kind):
    X = (X_ROWS * 2).astype(kind)
    X0 = X.copy()
    params = {"hidden_layer_sizes": (4,), "epochs": 3, "random_state": 0, "dtype": "float64"}
    a = DLClassifier(**params).fit(X, Y_ROWS)
    b = DLClassifier(**params).fit(X.astype(np.float64), Y_ROWS)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X.astype(np.float64)))
    np.testing.assert_array_equal(X, X0)
    assert X.dtype == X0.dtype
