"""dlgpu.course: every function refuses bad inputs before it computes anything.

The course's numbers are unchanged by the checks: ``tests/course`` compares
the printed costs and the exercises' values digit for digit.  Only what
leaves the course's formulas undefined is refused: its own tests feed real
targets (``randn``, bool) and an output layer ``AL = randn(1, 2)``, which
are taken as the formulas take them.
"""

import numpy as np
import pytest

import dlgpu
from dlgpu import InvalidDataError, course
from dlgpu.initializers import initialize

from ..bad_inputs import (
    BAD_LAYER_DIMS,
    BAD_LEARNING_RATES,
    BAD_X,
    N_X,
    M,
    data,
    device_work_forbidden,
)

_SHAPE = r"must have shape \(1, m\) or \(m,\)"
#: id -> (Y, message fragment): targets of m = 4 examples that leave the formulas undefined
BAD_Y = {
    "nan": (np.array([[0, 1, np.nan, 1]]), "contains 1 NaN or infinite"),
    "inf": (np.array([[0, 1, np.inf, 1]]), "contains 1 NaN or infinite"),
    "3-D": (np.zeros((1, M, 1)), _SHAPE),
    "2 rows": (np.zeros((2, M)), _SHAPE),
    "1-D, other m": (np.array([0, 1, 1]), _SHAPE),
    "other m": (np.array([[0, 1, 1]]), "m = 4 examples .* 3"),
    "string": (np.array([["0", "1", "1", "0"]]), "real numbers .*got dtype <U1"),
    "complex": (np.zeros((1, M), dtype=complex), "got dtype complex128"),
    "object": (np.array([[0, 1, None, 1]], dtype=object), "got dtype object"),
    "ragged": ([[0, 1], [1]], "cannot be read as an array"),
    "None": (None, "is None"),
}
#: targets the course's formulas take as they are (its tests feed randn and bool Y)
REAL_TARGETS = {
    "label 2": np.array([[0, 1, 2, 1]]),
    "label -1": np.array([[0, 1, -1, 1]]),
    "label 0.5": np.array([[0, 1, 0.5, 1]]),
    "randn": np.random.RandomState(1).randn(1, M),
    "bool": np.array([[True, False, True, False]]),
    "1-D": np.array([0, 1, 1, 0]),
}


def _deep():
    """Fresh float64 parameters [3, 4, 1], drawn without the course (so no device work)."""
    return initialize([N_X, 4, 1], "course", seed=1)


def _planar():
    return initialize([N_X, 4, 1], "small", seed=2)


def _w():
    return np.full((N_X, 1), 0.1)


#: entry point -> call with X in the place of the examples (n_x = 3, m = 4)
TAKES_X = {
    "L_layer_model": lambda X: course.L_layer_model(X, data()[1], [N_X, 4, 1], num_iterations=1),
    "two_layer_model": lambda X: course.two_layer_model(X, data()[1], (N_X, 4, 1),
                                                        num_iterations=1),
    "nn_model": lambda X: course.nn_model(X, data()[1], 4, num_iterations=1),
    "L_model_forward": lambda X: course.L_model_forward(X, _deep()),
    "predict": lambda X: course.predict(X, data()[1], _deep()),
    "forward_propagation": lambda X: course.forward_propagation(X, _planar()),
    "backward_propagation": lambda X: course.backward_propagation(_planar(), {}, X, data()[1]),
    "planar_predict": lambda X: course.planar_predict(_planar(), X),
    "propagate": lambda X: course.propagate(_w(), 0.0, X, data()[1]),
    "optimize": lambda X: course.optimize(_w(), 0.0, X, data()[1], num_iterations=1),
    "predict_logistic": lambda X: course.predict_logistic(_w(), 0.0, X),
    "model (X_train)": lambda X: course.model(X, data()[1], data()[0], data()[1], 1),
    "model (X_test)": lambda X: course.model(*data(), X, data()[1], 1),
}
#: entry point -> call with Y in the place of the labels (m = 4)
TAKES_Y = {
    "L_layer_model": lambda Y: course.L_layer_model(data()[0], Y, [N_X, 4, 1], num_iterations=1),
    "two_layer_model": lambda Y: course.two_layer_model(data()[0], Y, (N_X, 4, 1),
                                                        num_iterations=1),
    "nn_model": lambda Y: course.nn_model(data()[0], Y, 4, num_iterations=1),
    "predict": lambda Y: course.predict(data()[0], Y, _deep()),
    "backward_propagation": lambda Y: course.backward_propagation(_planar(), {}, data()[0], Y),
    "propagate": lambda Y: course.propagate(_w(), 0.0, data()[0], Y),
    "optimize": lambda Y: course.optimize(_w(), 0.0, data()[0], Y, num_iterations=1),
    "model (Y_train)": lambda Y: course.model(data()[0], Y, *data(), 1),
    "model (Y_test)": lambda Y: course.model(*data(), data()[0], Y, 1),
    "compute_cost": lambda Y: course.compute_cost(np.full((1, M), 0.5), Y),
}
#: entry point -> call with a learning rate
TAKES_LEARNING_RATE = {
    "L_layer_model": lambda a: course.L_layer_model(*data(), [N_X, 1], learning_rate=a),
    "two_layer_model": lambda a: course.two_layer_model(*data(), (N_X, 2, 1), learning_rate=a),
    "nn_model": lambda a: course.nn_model(*data(), 4, learning_rate=a),
    "optimize": lambda a: course.optimize(_w(), 0.0, *data(), learning_rate=a),
    "model": lambda a: course.model(*data(), *data(), learning_rate=a),
    "update_parameters": lambda a: course.update_parameters(
        _deep(), {"dW1": np.zeros((4, N_X)), "db1": np.zeros((4, 1)), "dW2": np.zeros((1, 4)),
                  "db2": np.zeros((1, 1))}, a),
}

# The names some functions give X and Y in their messages.
X_NAMES = {"model (X_test)": "X_test", "model (X_train)": "X_train"}
Y_NAMES = {"predict": "y", "model (Y_train)": "Y_train", "model (Y_test)": "Y_test"}


def _renamed(match, name, default):
    return match.replace("is None", f"{name} is None") if name != default else match


@pytest.mark.parametrize("entry", sorted(TAKES_X))
@pytest.mark.parametrize("case", sorted(BAD_X))
def test_bad_X_is_refused_before_any_device_work(entry, case):
    X, match = BAD_X[case]
    if case in ("wrong n_x", "transposed") and entry in ("nn_model", "L_layer_model",
                                                         "two_layer_model", "propagate",
                                                         "optimize", "predict_logistic",
                                                         "model (X_train)"):
        pytest.skip("here X itself sets n_x; the labels' m is what no longer fits")
    name = X_NAMES.get(entry, "X")
    with device_work_forbidden(), pytest.raises(InvalidDataError) as info:
        TAKES_X[entry](X)
    assert name in str(info.value)
    assert info.match(match)


@pytest.mark.parametrize("entry", sorted(TAKES_Y))
@pytest.mark.parametrize("case", sorted(BAD_Y))
def test_bad_Y_is_refused_before_any_device_work(entry, case):
    Y, match = BAD_Y[case]
    with device_work_forbidden(), pytest.raises(InvalidDataError) as info:
        TAKES_Y[entry](Y)
    assert Y_NAMES.get(entry, "Y") in str(info.value)
    assert info.match(match)


@pytest.mark.parametrize("entry", sorted(TAKES_Y))
@pytest.mark.parametrize("case", sorted(REAL_TARGETS))
def test_real_and_1d_targets_are_taken_as_the_formulas_take_them(entry, case, capsys):
    Y = REAL_TARGETS[case]
    if entry == "backward_propagation":
        X = data()[0]
        course.backward_propagation(_planar(), course.forward_propagation(X, _planar())[1], X, Y)
    else:
        TAKES_Y[entry](Y)


@pytest.mark.parametrize("entry", sorted(TAKES_LEARNING_RATE))
@pytest.mark.parametrize("case", sorted(BAD_LEARNING_RATES))
def test_bad_learning_rates(entry, case):
    rate, error, match = BAD_LEARNING_RATES[case]
    with device_work_forbidden(), pytest.raises(error, match=match):
        TAKES_LEARNING_RATE[entry](rate)


@pytest.mark.parametrize("entry", ["L_layer_model", "two_layer_model", "nn_model", "optimize",
                                   "model"])
@pytest.mark.parametrize("n, error, match", [
    (-1, ValueError, "num_iterations must be >= 0, got -1"),
    (2.5, TypeError, "num_iterations must be an integer, got 2.5"),
    ("10", TypeError, "num_iterations must be an integer"),
])
def test_bad_iteration_counts(entry, n, error, match):
    call = {
        "L_layer_model": lambda: course.L_layer_model(*data(), [N_X, 1], num_iterations=n),
        "two_layer_model": lambda: course.two_layer_model(*data(), (N_X, 2, 1), num_iterations=n),
        "nn_model": lambda: course.nn_model(*data(), 4, num_iterations=n),
        "optimize": lambda: course.optimize(_w(), 0.0, *data(), num_iterations=n),
        "model": lambda: course.model(*data(), *data(), num_iterations=n),
    }[entry]
    with device_work_forbidden(), pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("case", sorted(BAD_LAYER_DIMS))
@pytest.mark.parametrize("entry", ["initialize_parameters_deep", "L_layer_model"])
def test_bad_layer_dims(entry, case):
    dims, error, match = BAD_LAYER_DIMS[case]
    call = {"initialize_parameters_deep": lambda: course.initialize_parameters_deep(dims),
            "L_layer_model": lambda: course.L_layer_model(*data(), dims)}[entry]
    with device_work_forbidden(), pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call, error, match", [
    (lambda: course.initialize_parameters(N_X, 0, 1), ValueError, "n_h must be >= 1, got 0"),
    (lambda: course.initialize_parameters(N_X, -4, 1), ValueError, "n_h must be >= 1, got -4"),
    (lambda: course.initialize_parameters(2.5, 4, 1), TypeError, "n_x must be an integer"),
    (lambda: course.initialize_parameters(N_X, 4, None), TypeError, "n_y must be an integer"),
    (lambda: course.initialize_with_zeros(0), ValueError, "dim must be >= 1, got 0"),
    (lambda: course.initialize_with_zeros(2.0), TypeError, "dim must be an integer"),
    (lambda: course.nn_model(*data(), 0), ValueError, "n_h must be >= 1, got 0"),
    (lambda: course.nn_model(*data(), 1.5), TypeError, "n_h must be an integer"),
    (lambda: course.layer_sizes(np.zeros(3), np.zeros((1, 3))), InvalidDataError,
     r"X must be \(n_x, m\) and Y \(n_y, m\)"),
    (lambda: course.L_layer_model(*data(), [N_X, 4, 2]), ValueError,
     r"one sigmoid unit: layers_dims\[-1\] must be 1, got 2"),
    (lambda: course.two_layer_model(*data(), (N_X, 4, 4, 1)), ValueError,
     r"layers_dims must be \(n_x, n_h, n_y\)"),
    (lambda: course.linear_activation_forward(np.ones((3, 2)), np.ones((1, 3)), np.ones((1, 1)),
                                              "swish"), ValueError, "unknown activation 'swish'"),
    (lambda: course.linear_activation_backward(np.ones((1, 2)), ((np.ones((3, 2)), np.ones((1, 3)),
                                                                  np.ones((1, 1))), np.ones((1, 2))),
                                               "Relu"), ValueError, "unknown activation 'Relu'"),
])
def test_bad_sizes_and_names(call, error, match):
    with device_work_forbidden(), pytest.raises(error, match=match):
        call()


# -- parameters, probabilities and caches ------------------------------------------

def _without(key):
    parameters = _deep()
    del parameters[key]
    return parameters


def _with(key, value):
    parameters = _deep()
    parameters[key] = value
    return parameters


@pytest.mark.parametrize("entry", ["L_model_forward", "predict", "planar_predict",
                                   "forward_propagation"])
@pytest.mark.parametrize("parameters, error, match", [
    ([1, 2], TypeError, "parameters must be a dict"),
    ({}, InvalidDataError, r"must hold W1, b1, ..., WL, bL; got the keys \[\]"),
    (_without("b2"), InvalidDataError, r"got the keys \['W1', 'W2', 'b1'\]"),
    (_with("W2", np.ones((1, 5))), InvalidDataError, r"W2'\] has shape \(1, 5\), but W1 gives 4"),
    (_with("b1", np.ones(4)), InvalidDataError, r"b1'\] must be \(4, 1\)"),
    (_with("W1", np.full((4, N_X), np.nan)), InvalidDataError,
     r"W1'\] contains NaN or inf \(did training diverge"),
    (_with("b2", np.array([[np.inf]])), InvalidDataError, r"b2'\] contains NaN or inf"),
    (_with("W1", np.zeros((4, N_X), dtype=complex)), InvalidDataError, "2-D array of numbers"),
])
def test_bad_parameters(entry, parameters, error, match):
    X, Y = data()
    call = {"L_model_forward": lambda: course.L_model_forward(X, parameters),
            "predict": lambda: course.predict(X, Y, parameters),
            "planar_predict": lambda: course.planar_predict(parameters, X),
            "forward_propagation": lambda: course.forward_propagation(X, parameters)}[entry]
    with device_work_forbidden(), pytest.raises(error, match=match):
        call()


def test_planar_functions_need_two_layers():
    three = course.initialize_parameters_deep([N_X, 4, 2, 1])
    with pytest.raises(InvalidDataError, match=r"2 layers \(W1, b1, W2, b2\); got 3"):
        course.planar_predict(three, data()[0])


BAD_AL = {
    "above 1": (np.array([[0.2, 1.5, 0.5, 0.5]]), r"probabilities in \[0, 1\].*\[1.5\]"),
    "negative": (np.array([[0.2, -0.1, 0.5, 0.5]]), r"probabilities in \[0, 1\].*\[-0.1\]"),
    "nan": (np.array([[0.2, np.nan, 0.5, 0.5]]), r"probabilities in \[0, 1\].*\[nan\]"),
    "inf": (np.array([[0.2, np.inf, 0.5, 0.5]]), r"found 1 other value"),
    "1-D": (np.full(M, 0.5), r"shape \(1, m\) with m >= 1; got shape \(4,\)"),
    "2 rows": (np.full((2, M), 0.5), r"got shape \(2, 4\)"),
    "empty": (np.zeros((1, 0)), r"got shape \(1, 0\)"),
    "string": (np.array([["0.5"] * M]), "got dtype <U3"),
    "None": (None, "AL is None"),
}


@pytest.mark.parametrize("case", sorted(BAD_AL))
def test_bad_probabilities(case):
    AL, match = BAD_AL[case]
    with device_work_forbidden(), pytest.raises(InvalidDataError, match=match):
        course.compute_cost(AL, data()[1])


#: L_model_backward's formula is defined for any finite AL (the course's test feeds randn)
BAD_OUTPUT = {**{k: v for k, v in BAD_AL.items() if k not in ("above 1", "negative")},
              "nan": (np.array([[0.2, np.nan, 0.5, 0.5]]), "AL contains 1 NaN or infinite"),
              "inf": (np.array([[0.2, np.inf, 0.5, 0.5]]), "AL contains 1 NaN or infinite")}


@pytest.mark.parametrize("case", sorted(BAD_OUTPUT))
def test_bad_output_layer(case):
    AL, match = BAD_OUTPUT[case]
    with device_work_forbidden(), pytest.raises(InvalidDataError, match=match):
        course.L_model_backward(AL, data()[1], [None])


@pytest.mark.parametrize("Y, match", [
    (np.array([[0, np.nan, 1, 1]]), "Y contains 1 NaN or infinite"),
    (np.array([0, 1, 1]), r"shape \(1, m\) or \(m,\)"),
])
def test_L_model_backward_bad_labels(Y, match):
    with pytest.raises(InvalidDataError, match=match):
        course.L_model_backward(np.full((1, M), 0.5), Y, [None])


def test_L_model_backward_takes_labels_of_shape_m_as_the_course_does():
    X, Y = data()
    AL, caches = course.L_model_forward(X, _deep())
    expected = course.L_model_backward(AL, Y, caches)
    got = course.L_model_backward(AL, Y.ravel(), caches)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
    with pytest.raises(TypeError, match="caches must be the non-empty list"):
        course.L_model_backward(AL, Y, [])


@pytest.mark.parametrize("call, match", [
    (lambda: course.propagate(np.ones((N_X + 1, 1)), 0.0, *data()),
     r"w must be a \(3, 1\) column .* got float64 \(4, 1\)"),
    (lambda: course.propagate(np.ones(N_X), 0.0, *data()), r"w must be a \(3, 1\) column"),
    (lambda: course.propagate(np.full((N_X, 1), np.nan), 0.0, *data()), "w contains NaN or inf"),
    (lambda: course.propagate(_w(), float("nan"), *data()), "b must be finite, got nan"),
    (lambda: course.propagate(_w(), "0", *data()), "b must be a real number"),
    (lambda: course.propagate(_w(), None, *data()), "b must be a real number"),
    (lambda: course.propagate(_w(), np.zeros(2), *data()), "b must be a real number"),
    (lambda: course.predict_logistic(np.ones(N_X + 1), 0.0, data()[0]), r"w must be a \(3, 1\)"),
    (lambda: course.update_parameters(_deep(), {"dW1": np.zeros((4, N_X))}, 0.1),
     "grads lacks db1, dW2, db2"),
    (lambda: course.update_parameters(_deep(), {"dW1": np.zeros((N_X, 4)), "db1": np.zeros((4, 1)),
                                                "dW2": np.zeros((1, 4)), "db2": np.zeros((1, 1))},
                                      0.1), r"grads\['dW1'\] must have W1's shape \(4, 3\)"),
    (lambda: course.linear_forward(np.ones((N_X, 2)), np.ones((1, N_X + 1)), np.ones((1, 1))),
     r"A_prev \(3, 2\) and W \(1, 4\) do not fit"),
    (lambda: course.linear_forward(np.ones((N_X, 2)), np.ones((1, N_X)), np.ones((2, 1))),
     r"b must be \(1, 1\)"),
    (lambda: course.linear_backward(np.ones((2, 2)), (np.ones((N_X, 2)), np.ones((1, N_X)),
                                                      np.ones((1, 1)))),
     r"dZ must be \(n_l, m\) = \(1, 2\)"),
    (lambda: course.backward_propagation(_planar(), {"A1": None}, *data()), "lacks A2"),
])
def test_bad_weights_biases_gradients_and_caches(call, match):
    with device_work_forbidden(), pytest.raises(InvalidDataError, match=match):
        call()


# -- conversion and purity -------------------------------------------------------------

def _int_data():
    X = (np.arange(N_X * 8).reshape(N_X, 8) % 5 - 2).astype(np.int64)
    Y = (X[0:1] > 0).astype(np.int64)
    return X, Y


RUNS = {
    "L_layer_model": lambda X, Y: course.L_layer_model(X, Y, [N_X, 4, 1], num_iterations=3)[0],
    "two_layer_model": lambda X, Y: course.two_layer_model(X, Y, (N_X, 4, 1),
                                                           num_iterations=3)[0],
    "nn_model": lambda X, Y: course.nn_model(X, Y, 4, num_iterations=3),
    "model": lambda X, Y: {k: v for k, v in course.model(X, Y, X, Y, 3).items()
                           if k in ("w", "Y_prediction_test")},
    "optimize": lambda X, Y: course.optimize(np.zeros((N_X, 1)), 0.0, X, Y, 3)[0],
    "propagate": lambda X, Y: course.propagate(np.full((N_X, 1), 0.1), 0.0, X, Y)[0],
    "predict_logistic": lambda X, Y: {"p": course.predict_logistic(np.full((N_X, 1), 0.1), 0.0,
                                                                   X)},
    "L_model_forward": lambda X, Y: {"AL": course.L_model_forward(X, _deep())[0]},
    "predict": lambda X, Y: {"p": course.predict(X, Y, _deep())},
    "forward_propagation": lambda X, Y: course.forward_propagation(X, _planar())[1],
    "planar_predict": lambda X, Y: {"p": course.planar_predict(_planar(), X)},
    "backward_propagation": lambda X, Y: course.backward_propagation(
        _planar(), course.forward_propagation(X.astype(float), _planar())[1], X, Y),
}


@pytest.mark.parametrize("entry", sorted(RUNS))
@pytest.mark.parametrize("kind", ["int", "bool"])
def test_integer_and_bool_inputs_give_what_float64_gives_and_stay_untouched(entry, kind,
                                                                            capsys):
    X, Y = _int_data()
    if kind == "bool":
        X, Y = X > 0, Y.astype(bool)
    X0, Y0 = X.copy(), Y.copy()
    got = RUNS[entry](X, Y)
    expected = RUNS[entry](X.astype(np.float64), Y.astype(np.float64))
    assert set(got) == set(expected)
    for key in expected:
        np.testing.assert_array_equal(dlgpu.to_numpy(got[key]), dlgpu.to_numpy(expected[key]))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    assert X.dtype == X0.dtype and Y.dtype == Y0.dtype


def test_float_inputs_and_parameters_stay_untouched(capsys):
    X, Y = data(8)
    parameters = _deep()
    copies = [X.copy(), Y.copy()] + [v.copy() for v in parameters.values()]
    AL, caches = course.L_model_forward(X, parameters)
    AL0 = AL.copy()
    grads = course.L_model_backward(AL, Y, caches)
    course.compute_cost(AL, Y)
    course.update_parameters(parameters, grads, 0.1)
    course.predict(X, Y, parameters)
    course.L_layer_model(X, Y, [N_X, 4, 1], num_iterations=2)
    course.nn_model(X, Y, 2, num_iterations=2)
    course.model(X, Y, X, Y, num_iterations=2)
    for array, copy in zip([X, Y, *parameters.values()], copies):
        np.testing.assert_array_equal(array, copy)
    np.testing.assert_array_equal(AL, AL0)


def test_bad_data_on_the_device_is_refused_where_it_lies(xp):
    parameters = _deep()
    with pytest.raises(InvalidDataError, match="1 NaN or infinite"):
        course.L_model_forward(xp.asarray(BAD_X["nan"][0]), parameters)
    with pytest.raises(InvalidDataError, match="Y contains 1 NaN or infinite"):
        course.L_layer_model(xp.asarray(data()[0]), xp.asarray(BAD_Y["nan"][0]), [N_X, 1])
