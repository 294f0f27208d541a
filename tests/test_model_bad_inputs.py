"""DeepNN: every bad input refused with InvalidDataError, ValueError or TypeError.

``fit`` with bad X and Y, and the constructor's hyperparameters, are in
``tests/test_model.py`` (``test_bad_data_is_refused_with_a_clear_error``,
``test_hyperparameters_are_checked_in_the_constructor``) and
``tests/test_outputs.py`` (softmax targets); here is what they leave out:
``predict``, ``predict_proba``, ``score`` and ``cost`` with every bad X,
``score`` and ``cost`` with every bad Y, the order of the checks, and the
conversion of integer and bool data.
"""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, InvalidDataError
from dlgpu.validation import check_X

from .bad_inputs import (
    BAD_LAYER_DIMS,
    BAD_LEARNING_RATES,
    BAD_X,
    BAD_Y,
    N_X,
    data,
    device_work_forbidden,
)

INFERENCE = {
    "predict": lambda model, X: model.predict(X),
    "predict_proba": lambda model, X: model.predict_proba(X),
    "score": lambda model, X: model.score(X, np.array([[0, 1, 1, 0]])),
    "cost": lambda model, X: model.cost(X, np.array([[0, 1, 1, 0]])),
}


@pytest.fixture(scope="module")
def fitted():
    dlgpu.set_backend("numpy")  # module fixtures run before the per-test backend fixture
    return DeepNN([N_X, 5, 1], num_iterations=20, dtype="float64").fit(*data(40))


@pytest.fixture(scope="module")
def fitted_softmax():
    dlgpu.set_backend("numpy")
    X, _ = data(40)
    labels = (np.arange(40) % 3).reshape(1, -1)
    return DeepNN([N_X, 5, 3], output_activation="softmax", num_iterations=20).fit(X, labels)


@pytest.mark.parametrize("method", sorted(INFERENCE))
@pytest.mark.parametrize("case", sorted(BAD_X))
def test_inference_refuses_bad_X_before_any_maths(fitted, method, case):
    X, match = BAD_X[case]
    with device_work_forbidden(), pytest.raises(InvalidDataError, match=match):
        INFERENCE[method](fitted, X)


@pytest.mark.parametrize("method", ["score", "cost"])
@pytest.mark.parametrize("case", sorted(BAD_Y))
def test_score_and_cost_refuse_bad_Y_before_any_maths(fitted, method, case):
    Y, match = BAD_Y[case]
    X, _ = data()
    with device_work_forbidden(), pytest.raises(InvalidDataError, match=match):
        getattr(fitted, method)(X, Y)


@pytest.mark.parametrize("method", ["score", "cost"])
@pytest.mark.parametrize("Y, match", [
    (np.array([[0, 1, 3, 1]]), r"integer labels 0 to 2.*\[3\]"),
    (np.array([[0, 1, np.nan, 1]]), "integer labels 0 to 2"),
    (np.eye(3)[:, [0, 1, 2, 2]] * 2, "must be one-hot"),
    (np.zeros((4, 4)), r"integer labels \(1, m\) or one-hot \(3, m\)"),
    ([[0, 1], [2]], "cannot be read as an array"),
])
def test_softmax_score_and_cost_refuse_bad_targets(fitted_softmax, method, Y, match):
    with pytest.raises(InvalidDataError, match=match):
        getattr(fitted_softmax, method)(data()[0], Y)


@pytest.mark.parametrize("case", ["object", "0 features", "bytes", "-inf", "ragged"])
def test_fit_refuses_the_bad_X_test_model_leaves_out(case):
    X, match = BAD_X[case]
    with device_work_forbidden(), pytest.raises(InvalidDataError, match=match):
        DeepNN([N_X, 4, 1], num_iterations=1).fit(X, np.array([[0, 1, 1, 0]]))


@pytest.mark.parametrize("case", ["3-D", "string", "complex", "object", "inf", "None"])
def test_fit_refuses_the_bad_Y_test_model_leaves_out(case):
    Y, match = BAD_Y[case]
    with device_work_forbidden(), pytest.raises(InvalidDataError, match=match):
        DeepNN([N_X, 4, 1], num_iterations=1).fit(data()[0], Y)


def test_fit_refuses_ragged_Y_with_invalid_data_error():
    with pytest.raises(InvalidDataError, match="cannot be read as an array"):
        DeepNN([N_X, 4, 1], num_iterations=1).fit(data()[0], [[0, 1], [1]])


def test_validation_data_is_checked_before_training():
    X, Y = data()
    with device_work_forbidden(), pytest.raises(InvalidDataError, match="X_val contains 1 NaN"):
        DeepNN([N_X, 4, 1]).fit(X, Y, validation_data=(BAD_X["nan"][0], Y))


def test_not_fitted_comes_before_data_checks():
    with pytest.raises(dlgpu.NotFittedError, match="call fit"):
        DeepNN([N_X, 1]).predict(BAD_X["nan"][0])


# -- hyperparameters the constructor table of test_model.py leaves out --------------

@pytest.mark.parametrize("case", sorted(BAD_LAYER_DIMS))
def test_layer_dims(case):
    layer_dims, error, match = BAD_LAYER_DIMS[case]
    with pytest.raises(error, match=match):
        DeepNN(layer_dims)


@pytest.mark.parametrize("case", sorted(BAD_LEARNING_RATES))
def test_learning_rate(case):
    rate, error, match = BAD_LEARNING_RATES[case]
    with pytest.raises(error, match=match):
        DeepNN([N_X, 1], learning_rate=rate)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"hidden_activation": None}, TypeError, "activation must be a name"),
    ({"hidden_activation": "Swish"}, ValueError, "unknown activation 'Swish'; valid names"),
    ({"output_activation": None}, ValueError, "output_activation must be one of"),
    ({"init": None}, ValueError, "unknown init None; valid names are he"),
    ({"init": "HE"}, ValueError, "unknown init 'HE'"),
])
def test_unknown_names(kwargs, error, match):
    with pytest.raises(error, match=match):
        DeepNN([N_X, 4, 1], **kwargs)


def test_numpy_integer_layer_sizes_are_accepted():
    assert DeepNN(np.array([N_X, 4, 1])).layer_dims == [3, 4, 1]
    assert all(type(n) is int for n in DeepNN(np.array([N_X, 4, 1])).layer_dims)


# -- values beyond the model's dtype ---------------------------------------------------

def test_check_X_refuses_values_the_model_dtype_cannot_hold():
    X = np.full((N_X, 2), 1e300)
    with pytest.raises(InvalidDataError, match="up to 1e.300 .* beyond the range of float32"):
        check_X(X, N_X, dtype="float32")
    assert check_X(X, N_X, dtype="float64") is X
    largest32 = np.full((N_X, 2), np.finfo(np.float32).max, dtype=np.float64)
    assert check_X(largest32, N_X, dtype="float32") is largest32
    with pytest.raises(InvalidDataError, match="beyond the range of float32"):
        check_X(np.nextafter(largest32, np.inf), N_X, dtype="float32")


@pytest.mark.parametrize("method", sorted(INFERENCE))
def test_values_beyond_float32_are_refused_not_made_infinite(method):
    model = DeepNN([N_X, 5, 1], num_iterations=2, dtype="float32").fit(*data(40))
    with pytest.raises(InvalidDataError, match="beyond the range of float32"):
        INFERENCE[method](model, np.full((N_X, 4), 1e300))


# -- conversion and purity -------------------------------------------------------------

@pytest.mark.parametrize("method", sorted(INFERENCE))
@pytest.mark.parametrize("kind", [np.int8, np.int64, np.uint16, bool])
def test_integer_and_bool_X_give_what_the_float_X_gives(fitted, method, kind):
    X = (np.arange(N_X * 4).reshape(N_X, 4) % 3 - (0 if kind in (bool, np.uint16) else 1))
    X = X.astype(kind)
    expected = INFERENCE[method](fitted, X.astype(fitted.dtype))
    got = INFERENCE[method](fitted, X)
    np.testing.assert_array_equal(got, expected)
    if method == "predict_proba":
        assert got.dtype == fitted.dtype


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_integer_and_bool_data_train_the_model_its_float_copy_trains(dtype):
    X, Y = data(30)
    X_int = np.rint(X * 3).astype(np.int32)
    a = DeepNN([N_X, 4, 1], num_iterations=30, dtype=dtype).fit(X_int, Y.astype(bool))
    b = DeepNN([N_X, 4, 1], num_iterations=30, dtype=dtype).fit(X_int.astype(dtype), Y)
    for key in a.parameters_:
        assert a.parameters_[key].dtype == dtype
        np.testing.assert_array_equal(a.parameters_[key], b.parameters_[key])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_size", [None, 7])
def test_no_entry_point_writes_to_its_inputs(dtype, batch_size):
    X, Y = data(20)
    # Data already in the model's dtype is used without a copy: the easiest to overwrite.
    X, Y = X.astype(dtype), Y.astype(dtype)
    Xv, Yv = X[:, :5].copy(), Y[:, :5].copy()
    before = [a.copy() for a in (X, Y, Xv, Yv)]
    model = DeepNN([N_X, 4, 1], num_iterations=5, epochs=2 if batch_size else None,
                   batch_size=batch_size, dtype=dtype)
    model.fit(X, Y, validation_data=(Xv, Yv))
    model.predict(X), model.predict_proba(X), model.score(X, Y), model.cost(X, Y)
    model.loss_and_gradients(X, Y)
    dlgpu.gradient_check(model, X[:, :3], Y[:, :3])
    for array, copy in zip((X, Y, Xv, Yv), before):
        np.testing.assert_array_equal(array, copy)


def test_bad_data_on_the_device_is_refused_where_it_lies(xp):
    X, Y = data(40)
    model = DeepNN([N_X, 4, 1], num_iterations=2).fit(xp.asarray(X), xp.asarray(Y))
    with pytest.raises(InvalidDataError, match="1 NaN or infinite"):
        model.predict(xp.asarray(BAD_X["nan"][0]))
    with pytest.raises(InvalidDataError, match="only the labels 0 and 1"):
        model.score(xp.asarray(X[:, :4]), xp.asarray(BAD_Y["label 2"][0]))


# -- gradient_check ---------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    ({"epsilon": 0}, ValueError, "epsilon must be finite and > 0, got 0"),
    ({"epsilon": float("nan")}, ValueError, "epsilon must be finite and > 0"),
    ({"epsilon": "1e-7"}, TypeError, "epsilon must be a number"),
    ({"dtype": "float16"}, ValueError, "dtype=.float16. is not supported"),
    ({"dtype": "int8"}, ValueError, "dtype must be one of float32, float64"),
    ({"dtype": "bfloat16"}, ValueError, "gradient_check.s dtype must be float32 or float64"),
    ({"X": BAD_X["nan"][0]}, InvalidDataError, "1 NaN or infinite"),
    ({"X": BAD_X["wrong n_x"][0]}, InvalidDataError, r"layer_dims\[0\] = 3"),
    ({"Y": BAD_Y["label 2"][0]}, InvalidDataError, "only the labels 0 and 1"),
    ({"Y": BAD_Y["ragged"][0]}, InvalidDataError, "cannot be read as an array"),
])
def test_gradient_check_refuses_bad_arguments(fitted, kwargs, error, match):
    X, Y = data()
    arguments = {"X": X, "Y": Y, **kwargs}
    with device_work_forbidden(), pytest.raises(error, match=match):
        dlgpu.gradient_check(fitted, **arguments)


def test_gradient_check_takes_softmax_labels_as_lists(fitted_softmax):
    X, _ = data()
    assert dlgpu.gradient_check(fitted_softmax, X, [[0, 1, 2, 1]], dtype="float64") < 1e-5
