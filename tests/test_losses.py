"""The cost stays finite where predictions reach exactly 0 or 1."""

import warnings

import numpy as np
import pytest

from dlgpu.losses import binary_cross_entropy, binary_cross_entropy_from_logits


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_probability_form_is_finite_at_0_and_1(xp, dtype):
    AL = xp.asarray(np.array([[0.0, 1.0, 0.0, 1.0]], dtype=dtype))
    Y = xp.asarray(np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost = float(binary_cross_entropy(AL, Y))
    assert np.isfinite(cost) and cost > 0


def test_probability_form_equals_the_course_formula_inside_0_1():
    AL = np.array([[0.2, 0.9, 1e-300, 1 - 1e-12]])
    Y = np.array([[0, 1, 1, 0]])
    course = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / 4
    assert float(binary_cross_entropy(AL, Y)) == pytest.approx(course, rel=1e-15)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logit_form_matches_probabilities_and_survives_extremes(xp, dtype):
    Z = np.array([[-3.0, -0.5, 0.0, 2.0, 7.0]])
    Y = np.array([[0, 1, 1, 0, 1]], dtype=float)
    A = 1 / (1 + np.exp(-Z))
    expected = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    got = binary_cross_entropy_from_logits(xp.asarray(Z.astype(dtype)), xp.asarray(Y.astype(dtype)))
    assert got.dtype == dtype
    assert float(got) == pytest.approx(expected, rel=1e-6 if dtype == "float32" else 1e-14)
    Z = xp.asarray(np.array([[1e4, -1e4, 1e4, -1e4]], dtype=dtype))
    Y = xp.asarray(np.array([[1, 0, 0, 1]], dtype=dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost = float(binary_cross_entropy_from_logits(Z, Y))
    assert cost == pytest.approx(1e4 / 2, rel=1e-6)  # two examples wrong by 1e4 each
