"""Each activation and its derivative against a float64 reference, on both backends."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlgpu
from dlgpu.activations import ACTIVATIONS, LeakyReLU, activation_names, get_activation

EXTREME = np.array([-1e4, -1e3, -745.0, -100.0, -20.0, -1.0, -1e-8, 0.0, 1e-8, 1.0, 20.0,
                    100.0, 745.0, 1e3, 1e4])


def _reference(name, z, slope=0.01):
    """g(z) and g'(z) in extended precision, from z (not from the output)."""
    z = np.asarray(z, dtype=np.longdouble)
    with np.errstate(over="ignore", under="ignore"):
        if name == "sigmoid":
            e = np.exp(-np.abs(z))
            a = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
            d = a * (1 - a)
        elif name == "tanh":
            a = np.tanh(z)
            d = 1 - a * a
        elif name == "relu":
            a = np.maximum(z, 0)
            d = (z > 0).astype(np.longdouble)
        elif name == "leaky_relu":
            a = np.where(z > 0, z, slope * z)
            d = np.where(z > 0, 1, slope)
        else:
            a, d = z, np.ones_like(z)
    return a.astype(np.float64), d.astype(np.float64)


def _grid():
    return np.concatenate([EXTREME, np.linspace(-30, 30, 241)]).reshape(16, -1)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_and_derivative_match_reference(xp, name, dtype):
    z = _grid().astype(dtype)
    act = get_activation(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act(xp.asarray(z))
        d = act.derivative(a)
    assert a.dtype == dtype and d.dtype == dtype  # no float64 promotion
    a_ref, d_ref = _reference(name, z.astype(np.float64))
    rtol = 1e-6 if dtype == "float32" else 1e-13
    # Below the smallest normal number only absolute accuracy is possible.
    np.testing.assert_allclose(dlgpu.to_numpy(a), a_ref, rtol=rtol, atol=np.finfo(dtype).tiny)
    # g' from the output loses relative accuracy only where g' is tiny.
    np.testing.assert_allclose(dlgpu.to_numpy(d), d_ref, rtol=rtol * 10,
                               atol=4 * np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_extremes_are_exact_and_silent(xp, dtype):
    z = xp.asarray(np.array([[-1e4, -1e3, 1e3, 1e4]], dtype=dtype))
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        a = dlgpu.to_numpy(get_activation("sigmoid")(z))
    np.testing.assert_array_equal(a, np.array([[0, 0, 1, 1]], dtype=dtype))


def test_sigmoid_keeps_relative_precision_for_negative_z():
    z = np.array([[-30.0, -100.0, -700.0]])
    a = get_activation("sigmoid")(z)
    np.testing.assert_allclose(a, np.exp(z) / (1 + np.exp(z)), rtol=1e-15)
    assert (a > 0).all()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_nan_propagates(xp, name):
    z = xp.asarray(np.array([[np.nan, 1.0]], dtype="float32"))
    a = dlgpu.to_numpy(get_activation(name)(z))
    assert np.isnan(a[0, 0]) and np.isfinite(a[0, 1])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_nan_propagates_through_the_fused_kernels(xp, name):
    """A NaN in W A_prev + b, or in dA, stays NaN on both sides of the unit, whatever z."""
    act = get_activation(name)
    A = act.forward_bias_(xp.asarray(np.array([[np.nan, -1.0, 1.0]], dtype="float32")),
                          xp.asarray(np.array([[0.5]], dtype="float32")))
    a = dlgpu.to_numpy(A)
    assert np.isnan(a[0, 0]) and np.isfinite(a[0, 1:]).all()
    dZ = act.backward_(xp.asarray(np.full((1, 3), np.nan, dtype="float32")), A)
    assert np.isnan(dlgpu.to_numpy(dZ)).all()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_fused_forward_bias_and_backward_in_place(xp, name):
    rng = np.random.RandomState(1)
    WA, b, dA = rng.randn(4, 7), rng.randn(4, 1), rng.randn(4, 7)
    act = get_activation(name)
    A = xp.asarray(WA.copy())
    out = act.forward_bias_(A, xp.asarray(b))
    assert out is A
    a_ref, d_ref = _reference(name, WA + b)
    np.testing.assert_allclose(dlgpu.to_numpy(A), a_ref, rtol=1e-13, atol=1e-15)
    buf = xp.asarray(dA.copy())
    dZ = act.backward_(buf, A)
    assert dZ is buf
    np.testing.assert_allclose(dlgpu.to_numpy(dZ), dA * d_ref, rtol=1e-12, atol=1e-15)


def test_relu_derivative_at_zero_is_zero(xp):
    a = get_activation("relu")(xp.asarray(np.zeros((1, 3))))
    np.testing.assert_array_equal(dlgpu.to_numpy(get_activation("relu").derivative(a)), 0)


def test_leaky_slope_is_settable(xp):
    act = get_activation("leaky_relu", slope=0.2)
    z = xp.asarray(np.array([[-2.0, 3.0]]))
    a = act(z)
    np.testing.assert_allclose(dlgpu.to_numpy(a), [[-0.4, 3.0]])
    np.testing.assert_allclose(dlgpu.to_numpy(act.derivative(a)), [[0.2, 1.0]])
    assert get_activation("leaky_relu").slope == 0.01


def test_input_is_not_modified(xp):
    z = xp.asarray(np.array([[-1.0, 2.0]]))
    for name in ACTIVATIONS:
        get_activation(name)(z)
    np.testing.assert_array_equal(dlgpu.to_numpy(z), [[-1.0, 2.0]])


def test_registry_names_and_aliases():
    assert {"sigmoid", "tanh", "relu", "leaky_relu", "identity"} == set(ACTIVATIONS)
    assert get_activation("logistic") == get_activation("sigmoid")
    assert get_activation("linear") == get_activation("identity")
    assert get_activation("ReLU").name == "relu"
    assert "logistic" in activation_names()


def test_registry_errors():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*leaky_relu"):
        get_activation("swish")
    with pytest.raises(TypeError, match="takes no parameter"):
        get_activation("relu", slope=0.1)
    with pytest.raises(TypeError, match="name"):
        get_activation(3)
    for bad in (-0.1, 1.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="slope"):
            LeakyReLU(bad)
    with pytest.raises(TypeError, match="slope"):
        LeakyReLU("0.1")


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(1, 6)),
                  elements=st.floats(-1e4, 1e4, width=32)))
def test_sigmoid_properties(z):
    sig = get_activation("sigmoid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, a_neg = sig(z), sig(-z)
    assert a.dtype == np.float32
    assert ((a >= 0) & (a <= 1)).all()
    np.testing.assert_allclose(a_neg, 1 - a, atol=2e-7)
    order = np.argsort(z, axis=None, kind="stable")
    assert (np.diff(a.reshape(-1)[order]) >= 0).all()
