"""Properties that hold for every input, checked with hypothesis.

* sigmoid maps any finite z into [0, 1], is monotone, and
  sigmoid(-z) = 1 - sigmoid(z) to within 2 eps of the dtype (one rounding
  of each side: 2.4e-7 in float32, 4.4e-16 in float64);
* the costs (binary and categorical cross-entropy, from logits or from
  probabilities, DeepNN's and the course's) are finite and >= 0 for logits
  up to 1e6 in magnitude and any probabilities in [0, 1];
* predictions are (1, m) labels; permuting the columns of X permutes
  ``predict`` and ``predict_proba`` the same way (the products are taken
  column by column, so to the last bit up to the GEMM's blocking: within
  4 eps here);
* float32 stays float32 end to end, whatever the input's dtype: the
  parameters, ``predict_proba`` and the gradients are float32, and the
  recorded costs are Python floats.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlgpu
from dlgpu import DeepNN, course
from dlgpu.activations import get_activation
from dlgpu.losses import (
    binary_cross_entropy,
    binary_cross_entropy_from_logits,
    categorical_cross_entropy_from_logits,
)

PROPERTY = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
DTYPES = ["float32", "float64"]
#: the tolerance of sigmoid(-z) = 1 - sigmoid(z): one rounding of each side
SYMMETRY_ATOL = {dtype: 2 * float(np.finfo(dtype).eps) for dtype in DTYPES}


def _floats(dtype, bound):
    return st.floats(-bound, bound, allow_nan=False, width=np.dtype(dtype).itemsize * 8)


def logits(dtype, bound=1e6, rows=None):
    """(rows, m) arrays of finite values in [-bound, bound], extremes included."""
    rows = st.integers(1, 4) if rows is None else rows
    return hnp.arrays(dtype, st.tuples(rows, st.integers(1, 12)),
                      elements=_floats(dtype, bound) | st.sampled_from([bound, -bound, 0.0]))


def _sigmoid(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return get_activation("sigmoid")(z)


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(data=st.data())
def test_sigmoid_range_monotonicity_and_symmetry(xp, dtype, data):
    z = data.draw(logits(dtype, bound=float(np.finfo(dtype).max)))
    a = dlgpu.to_numpy(_sigmoid(xp.asarray(z)))
    a_neg = dlgpu.to_numpy(_sigmoid(xp.asarray(-z)))
    assert a.dtype == dtype and a.shape == z.shape
    assert ((a >= 0) & (a <= 1)).all()
    np.testing.assert_allclose(a_neg, 1 - a, rtol=0, atol=SYMMETRY_ATOL[dtype])
    order = np.argsort(z, axis=None, kind="stable")
    assert (np.diff(a.reshape(-1)[order]) >= 0).all()


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(data=st.data())
def test_course_sigmoid_is_the_same_function(dtype, data):
    z = data.draw(logits(dtype))
    A, cache = course.sigmoid(z)
    assert cache is z
    np.testing.assert_array_equal(A, _sigmoid(z))


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(data=st.data())
def test_binary_cross_entropy_is_finite_and_non_negative(xp, dtype, data):
    Z = data.draw(logits(dtype, rows=st.just(1)))
    Y = data.draw(hnp.arrays(dtype, Z.shape, elements=st.sampled_from([0.0, 1.0])))
    A = np.clip(_sigmoid(Z), 0, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        costs = [float(binary_cross_entropy_from_logits(xp.asarray(Z), xp.asarray(Y))),
                 float(binary_cross_entropy(xp.asarray(A), xp.asarray(Y))),
                 course.compute_cost(A, Y)]
    for cost in costs:
        assert np.isfinite(cost) and cost >= 0


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(data=st.data())
def test_costs_of_any_probabilities_in_0_1_are_finite_and_non_negative(dtype, data):
    AL = data.draw(hnp.arrays(dtype, st.tuples(st.just(1), st.integers(1, 12)),
                              elements=st.floats(0, 1, width=np.dtype(dtype).itemsize * 8)
                              | st.sampled_from([0.0, 1.0])))
    Y = data.draw(hnp.arrays(np.int64, AL.shape, elements=st.sampled_from([0, 1])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost = course.compute_cost(AL, Y)
    assert np.isfinite(cost) and cost >= 0


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(data=st.data())
def test_categorical_cross_entropy_is_finite_and_non_negative(xp, dtype, data):
    Z = data.draw(logits(dtype, rows=st.integers(2, 5)))
    labels = data.draw(hnp.arrays(np.int64, Z.shape[1], elements=st.integers(0, Z.shape[0] - 1)))
    T = np.eye(Z.shape[0], dtype=dtype)[:, labels]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost = float(categorical_cross_entropy_from_logits(xp.asarray(Z), xp.asarray(T)))
    assert np.isfinite(cost) and cost >= 0


# -- a trained model ---------------------------------------------------------------------

def _trained(output, dtype):
    rng = np.random.RandomState(0)
    X = rng.randn(3, 60)
    if output == "sigmoid":
        return DeepNN([3, 6, 1], learning_rate=0.3, num_iterations=200, dtype=dtype).fit(
            X, (X[0:1] * X[1:2] > 0).astype(int))
    labels = (np.arctan2(X[1], X[0]) // (2 * np.pi / 3) % 3).astype(int).reshape(1, -1)
    return DeepNN([3, 6, 3], output_activation="softmax", learning_rate=0.3, num_iterations=200,
                  dtype=dtype).fit(X, labels)


_MODELS = {}


def trained(output, dtype):
    """One trained model per output and dtype, on the active backend, built once."""
    key = (output, dtype, dlgpu.get_backend())
    if key not in _MODELS:
        _MODELS[key] = _trained(output, dtype)
    return _MODELS[key]


def examples(dtype=np.float64, max_m=30):
    return hnp.arrays(dtype, st.tuples(st.just(3), st.integers(1, max_m)),
                      elements=st.floats(-10, 10, width=64))


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(X=examples(), data=st.data())
def test_permuting_the_columns_of_X_permutes_the_predictions(backend_name, output, dtype, X,
                                                             data):
    model = trained(output, dtype)
    permutation = np.array(data.draw(st.permutations(range(X.shape[1]))), dtype=np.int64)
    proba = dlgpu.to_numpy(model.predict_proba(X))
    labels = dlgpu.to_numpy(model.predict(X))
    n_L, m = model.layer_dims[-1], X.shape[1]
    assert labels.shape == (1, m) and labels.dtype == np.int64
    assert proba.shape == (n_L, m) and proba.dtype == dtype
    assert set(np.unique(labels)) <= set(range(max(n_L, 2)))
    permuted_proba = dlgpu.to_numpy(model.predict_proba(X[:, permutation]))
    # A column's place in X changes how the BLAS blocks it, so its rounding.
    # Measured over 3000 draws: up to 8 eps (Haswell kernels, float32 sigmoid),
    # 6 eps (SkylakeX, float64 sigmoid), 0 for softmax.  Allowed: 32 eps.
    atol = 32 * float(np.finfo(dtype).eps)
    np.testing.assert_allclose(permuted_proba, proba[:, permutation], rtol=0, atol=atol)
    # Labels agree wherever the probabilities are not within that tolerance of a tie.
    permuted_labels = dlgpu.to_numpy(model.predict(X[:, permutation]))
    top2 = np.sort(proba, axis=0)[-2:] if n_L > 1 else np.vstack([proba, 1 - proba])
    clear = np.abs(top2[-1] - top2[0]) > 2 * atol
    clear = clear[permutation]
    np.testing.assert_array_equal(permuted_labels[:, clear], labels[:, permutation][:, clear])


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@PROPERTY
@given(X=examples(max_m=8), data=st.data())
def test_predictions_have_shape_1_m_and_the_cost_is_finite(output, X, data):
    model = trained(output, "float64")
    m = X.shape[1]
    assert model.predict(X).shape == (1, m)
    classes = max(model.layer_dims[-1], 2)
    Y = data.draw(hnp.arrays(np.int64, (1, m), elements=st.integers(0, classes - 1)))
    cost = model.cost(X, Y)
    assert isinstance(cost, float) and np.isfinite(cost) and cost >= 0
    assert 0 <= model.score(X, Y) <= 1


INPUT_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_]


@PROPERTY
@given(x_dtype=st.sampled_from(INPUT_DTYPES), y_dtype=st.sampled_from(INPUT_DTYPES),
       batch_size=st.sampled_from([None, 5, 64]), output=st.sampled_from(["sigmoid", "softmax"]),
       m=st.integers(2, 20))
def test_float32_stays_float32_end_to_end(backend_name, x_dtype, y_dtype, batch_size, output,
                                         m):
    rng = np.random.RandomState(m)
    X = (rng.randn(3, m) * 2).astype(x_dtype)
    n_L = 1 if output == "sigmoid" else 3
    classes = 2 if y_dtype is np.bool_ else n_L + (n_L == 1)
    Y = (np.arange(m) % classes).reshape(1, -1).astype(y_dtype)
    model = DeepNN([3, 4, n_L], output_activation=output, num_iterations=3, dtype="float32",
                   batch_size=batch_size, epochs=2 if batch_size else None)
    model.fit(X, Y, validation_data=(X, Y))
    assert all(v.dtype == np.float32 for v in model.parameters_.values())
    assert dlgpu.to_numpy(model.predict_proba(X)).dtype == np.float32
    assert all(type(c) is float for c in model.costs_)
    assert all(type(c) is float for key in ("cost", "val_cost", "val_accuracy")
               for c in model.history_[key])
    assert type(model.cost(X, Y)) is float and type(model.score(X, Y)) is float
    _, grads = model.loss_and_gradients(X, Y)
    assert all(g.dtype == np.float32 for g in grads.values())
