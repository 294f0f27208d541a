"""DeepNN: training, prediction, array kinds, dtypes and hyperparameter checks."""

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN, InvalidDataError, NotFittedError
from dlgpu.datasets import load_planar_dataset


def test_fit_learns_the_planar_data(backend_name):
    X, Y = load_planar_dataset()
    model = DeepNN([2, 4, 1], hidden_activation="tanh", learning_rate=1.2,
                   num_iterations=2000, init="small", seed=2)
    assert model.fit(X, Y) is model
    assert model.score(X, Y) > 0.85
    assert len(model.costs_) == 20 and model.costs_[0] > model.costs_[-1]
    assert all(isinstance(c, float) for c in model.costs_)
    assert model.backend_ == backend_name


@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "tanh", "sigmoid", "identity"])
def test_every_hidden_activation_trains(binary_data, hidden):
    X, Y = binary_data
    model = DeepNN([3, 6, 4, 1], hidden_activation=hidden, learning_rate=0.5,
                   num_iterations=300, dtype="float64").fit(X, Y)
    assert model.costs_[-1] < model.costs_[0]


def test_predict_shapes_kinds_and_dtypes(binary_data, xp):
    X, Y = binary_data
    model = DeepNN([3, 5, 1], num_iterations=10, dtype="float32").fit(X, Y)
    proba = model.predict_proba(X)
    assert isinstance(proba, np.ndarray) and proba.shape == (1, 40) and proba.dtype == np.float32
    labels = model.predict(X)
    assert isinstance(labels, np.ndarray) and labels.shape == (1, 40)
    assert set(np.unique(labels)) <= {0, 1}
    np.testing.assert_array_equal(labels, (proba > 0.5).astype(int))
    X_dev = xp.asarray(X)
    assert type(model.predict(X_dev)) is type(X_dev)  # CuPy in, CuPy out
    np.testing.assert_array_equal(dlgpu.to_numpy(model.predict(X_dev)), labels)


def test_score_is_accuracy(binary_data):
    X, Y = binary_data
    model = DeepNN([3, 5, 1], num_iterations=50).fit(X, Y)
    assert model.score(X, Y) == pytest.approx(float((model.predict(X) == Y).mean()))


def test_float32_stays_float32(binary_data, xp):
    X, Y = binary_data
    model = DeepNN([3, 5, 1], num_iterations=3, dtype="float32").fit(X, Y)
    assert all(v.dtype == np.float32 for v in model.parameters_.values())
    cost, grads = model.loss_and_gradients(X, Y)
    assert isinstance(cost, float)
    assert all(isinstance(g, np.ndarray) and g.dtype == np.float32 for g in grads.values())
    assert set(grads) == {"dW1", "db1", "dW2", "db2"}
    assert grads["dW1"].shape == (5, 3) and grads["db1"].shape == (5, 1)


def test_inputs_are_not_modified(binary_data):
    X, Y = binary_data
    X0, Y0 = X.copy(), Y.copy()
    DeepNN([3, 5, 1], num_iterations=5, dtype="float64").fit(X, Y).predict(X)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_integer_and_bool_inputs_are_converted():
    X = np.array([[0, 1, 2, 3], [1, 0, 1, 0]])
    Y = np.array([[False, True, True, True]])
    model = DeepNN([2, 3, 1], num_iterations=20).fit(X, Y)
    assert model.predict(X).shape == (1, 4)


def test_same_seed_same_start_and_result(binary_data):
    X, Y = binary_data
    a = DeepNN([3, 5, 1], num_iterations=20, seed=7).fit(X, Y)
    b = DeepNN([3, 5, 1], num_iterations=20, seed=7).fit(X, Y)
    for k in a.parameters_:
        np.testing.assert_array_equal(a.parameters_[k], b.parameters_[k])


@pytest.mark.parametrize("init", ["he", "xavier", "course", "small"])
def test_init_scales(init):
    model = DeepNN([400, 300, 1], init=init, dtype="float64").initialize_parameters()
    W = model.parameters_["W1"]
    expected = {"he": np.sqrt(2 / 400), "xavier": np.sqrt(2 / 700),
                "course": 1 / np.sqrt(400), "small": 0.01}[init]
    assert W.std() == pytest.approx(expected, rel=0.02)
    assert not model.parameters_["b1"].any()


def test_course_init_matches_the_course_draw():
    model = DeepNN([5, 4, 3], init="course", dtype="float64",
                   output_activation="softmax").initialize_parameters()
    rng = np.random.RandomState(1)
    np.testing.assert_array_equal(model.parameters_["W1"], rng.randn(4, 5) / np.sqrt(5))
    np.testing.assert_array_equal(model.parameters_["W2"], rng.randn(3, 4) / np.sqrt(4))


def test_logistic_regression_with_zeros(binary_data):
    X, Y = binary_data
    model = DeepNN([3, 1], init="zeros", learning_rate=0.5, num_iterations=200).fit(X, Y)
    assert model.costs_[0] == pytest.approx(np.log(2), rel=1e-6)
    assert model.score(X, Y) > 0.7


def test_verbose_prints_course_lines_on_stderr(binary_data, capsys):
    X, Y = binary_data
    model = DeepNN([3, 2, 1], num_iterations=201, verbose=1).fit(X, Y)
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert [l.split(":")[0] for l in lines] == [f"Cost after iteration {i}" for i in (0, 100, 200)]
    assert [float(l.split(":")[1].split(",")[0]) for l in lines] == pytest.approx(model.costs_)


def test_not_fitted():
    model = DeepNN([2, 1])
    with pytest.raises(NotFittedError, match="call fit"):
        model.predict(np.zeros((2, 3)))


@pytest.mark.parametrize("kwargs,error,match", [
    ({"layer_dims": [3]}, ValueError, "at least an input and an output"),
    ({"layer_dims": []}, ValueError, "at least"),
    ({"layer_dims": [3, 0, 1]}, ValueError, r"layer_dims\[1\] must be >= 1"),
    ({"layer_dims": [3, -2, 1]}, ValueError, r"layer_dims\[1\]"),
    ({"layer_dims": [3, 2.5, 1]}, TypeError, r"layer_dims\[1\] must be an integer"),
    ({"layer_dims": [3, True, 1]}, TypeError, "integer"),
    ({"layer_dims": "3,1"}, TypeError, "list of layer sizes"),
    ({"hidden_activation": "swish"}, ValueError, "unknown activation 'swish'"),
    ({"output_activation": "relu"}, ValueError, "output_activation must be one of sigmoid, softmax"),
    ({"output_activation": "softmax"}, ValueError, r"softmax' needs layer_dims\[-1\] >= 2"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
    ({"epochs": -1}, ValueError, "epochs must be >= 0"),
    ({"learning_rate": 0}, ValueError, "learning_rate must be finite and > 0"),
    ({"learning_rate": -0.1}, ValueError, "learning_rate"),
    ({"learning_rate": float("nan")}, ValueError, "learning_rate"),
    ({"learning_rate": "0.1"}, TypeError, "learning_rate must be a number"),
    ({"num_iterations": -1}, ValueError, "num_iterations must be >= 0"),
    ({"num_iterations": 10.5}, TypeError, "num_iterations must be an integer"),
    ({"init": "glorot"}, ValueError, "unknown init 'glorot'.*he, xavier"),
    ({"init": "zeros"}, ValueError, "only for logistic regression"),
    ({"dtype": "float16"}, ValueError, "dtype=.float16. is not supported"),
    ({"dtype": "float8"}, ValueError, "dtype must be one of float32, float64, bfloat16"),
    ({"dtype": "int32"}, ValueError, "dtype"),
    ({"seed": -1}, ValueError, "seed"),
    ({"leaky_relu_slope": -1, "hidden_activation": "leaky_relu"}, ValueError, "slope"),
    ({"verbose": -1}, ValueError, "verbose"),
])
def test_hyperparameters_are_checked_in_the_constructor(kwargs, error, match):
    kwargs = {"layer_dims": [3, 4, 1], **kwargs}
    with pytest.raises(error, match=match):
        DeepNN(**kwargs)


def test_numpy_dtype_objects_are_accepted():
    assert DeepNN([2, 1], dtype=np.float64).dtype == "float64"


@pytest.mark.parametrize("X,Y,match", [
    (np.zeros(3), np.zeros((1, 3)), "must be 2-D.*reshape it to \\(n_x, 1\\)"),
    (np.zeros((3, 2, 2)), np.zeros((1, 2)), "must be 2-D"),
    (np.full((3, 4), np.nan), np.zeros((1, 4)), "NaN or infinite"),
    (np.array([[1.0, np.inf, 0, 0]] * 3), np.zeros((1, 4)), "3 NaN or infinite"),
    (np.zeros((3, 0)), np.zeros((1, 0)), "empty"),
    (np.zeros((4, 5)), np.zeros((1, 5)), "4 features.*layer_dims\\[0\\] = 3"),
    (np.zeros((5, 3)), np.zeros((1, 5)), "did you pass the transpose"),
    (np.array([["a"] * 4] * 3), np.zeros((1, 4)), "real numbers"),
    (np.zeros((3, 4), dtype=complex), np.zeros((1, 4)), "real numbers"),
    (np.zeros((3, 4)), np.zeros(4), "shape \\(1, m\\).*reshape"),
    (np.zeros((3, 4)), np.zeros((2, 4)), "shape \\(1, m\\)"),
    (np.zeros((3, 4)), np.zeros((1, 5)), "m = 4 examples.*5"),
    (np.zeros((3, 4)), np.array([[0, 1, 2, 1]]), "only the labels 0 and 1.*\\[2\\]"),
    (np.zeros((3, 4)), np.array([[0, 1, np.nan, 1]]), "only the labels 0 and 1"),
    (None, np.zeros((1, 4)), "X is None"),
])
def test_bad_data_is_refused_with_a_clear_error(X, Y, match):
    with pytest.raises(InvalidDataError, match=match):
        DeepNN([3, 4, 1], num_iterations=1).fit(X, Y)


def test_predict_checks_feature_count(binary_data):
    X, Y = binary_data
    model = DeepNN([3, 4, 1], num_iterations=1).fit(X, Y)
    with pytest.raises(InvalidDataError, match="2 features"):
        model.predict(X[:2])


def test_invalid_data_error_is_a_value_error():
    assert issubclass(InvalidDataError, ValueError)


def test_repr_shows_the_output_and_how_long_training_runs():
    text = repr(DeepNN([3, 4, 2], output_activation="softmax", batch_size=32, epochs=10,
                       preprocess="standardize"))
    assert "output_activation='softmax'" in text and "batch_size=32, epochs=10" in text
    assert "preprocess='standardize'" in text
    text = repr(DeepNN([3, 1], num_iterations=500))
    assert "num_iterations=500, batch_size=None" in text and "preprocess" not in text


def test_a_model_with_preprocess_takes_raw_data_everywhere(binary_data):
    X, Y = binary_data
    raw = X * [[100.0], [0.01], [5.0]] + [[1e3], [0.0], [-40.0]]
    model = DeepNN([3, 5, 1], learning_rate=0.3, num_iterations=300, preprocess="standardize")
    model.fit(raw, Y, validation_data=(raw, Y))
    np.testing.assert_array_equal(model.preprocessing_.shift, raw.mean(axis=1, keepdims=True))
    # The same arithmetic as training on the transformed data: equal bit for bit.
    Xs = model.preprocessing_(raw, "float32")
    plain = DeepNN([3, 5, 1], learning_rate=0.3, num_iterations=300)
    plain.fit(Xs, Y, validation_data=(Xs, Y))
    for key, value in plain.parameters_.items():
        np.testing.assert_array_equal(model.parameters_[key], value)
    assert model.score(raw, Y) == plain.score(Xs, Y) > 0.9
    assert model.history_["val_cost"] == plain.history_["val_cost"]
    np.testing.assert_array_equal(model.predict_proba(raw), plain.predict_proba(Xs))
    assert model.cost(raw, Y) == plain.cost(Xs, Y)


def test_preprocess_must_be_a_known_name():
    with pytest.raises(ValueError, match="preprocess must be None or one of standardize, scale"):
        DeepNN([3, 1], preprocess="minmax")


def test_preprocess_with_several_ranks_needs_the_whole_data_sets_statistics(binary_data):
    from dlgpu import distributed
    two_ranks = type("TwoRanks", (distributed.LocalCommunicator,), {"size": 2})()
    with pytest.raises(ValueError, match="pass fit\\(..., preprocessing=...\\)"):
        DeepNN([3, 1], preprocess="scale").fit(*binary_data, comm=two_ranks)


def test_one_rank_learns_its_preprocessing_as_one_process(binary_data):
    from dlgpu import distributed
    ranked = DeepNN([3, 1], preprocess="scale").fit(*binary_data, comm=distributed.init("local"))
    plain = DeepNN([3, 1], preprocess="scale").fit(*binary_data)
    np.testing.assert_array_equal(ranked.parameters_["W1"], plain.parameters_["W1"])


def test_a_preprocessing_learned_elsewhere_is_applied_not_relearned(binary_data):
    from dlgpu.preprocessing import Preprocessing
    X, Y = binary_data
    whole = Preprocessing.fit("standardize", X)
    model = DeepNN([3, 1], preprocess="standardize").fit(X[:, :20], Y[:, :20],
                                                          preprocessing=whole)
    assert model.preprocessing_ is whole
    with pytest.raises(ValueError, match="'standardize' preprocessing but the model has "
                                         "preprocess='scale'"):
        DeepNN([3, 1], preprocess="scale").fit(X, Y, preprocessing=whole)
