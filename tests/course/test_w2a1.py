"""W2A1 (Python basics with NumPy): the public tests' inputs and printed values."""

import numpy as np
import pytest

from dlgpu.course import w2a1

from .harness import assert_like


@pytest.mark.parametrize("x, expected", [(1, 0.7310585786300049), (0.5, 0.6224593312018546)])
def test_basic_sigmoid(x, expected):
    s = w2a1.basic_sigmoid(x)
    assert type(s) is float
    assert s == pytest.approx(expected, rel=1e-15)


def test_basic_sigmoid_takes_numbers_only_as_math_exp_does():
    with pytest.raises(TypeError):
        w2a1.basic_sigmoid(np.array([1.0, 2.0]))


def test_sigmoid_of_an_integer_array_and_of_a_number():
    assert_like(w2a1.sigmoid(np.array([1, 2, 3])), np.array([0.73105858, 0.88079708, 0.95257413]))
    s = w2a1.sigmoid(1)
    assert isinstance(s, np.float64) and s == pytest.approx(0.7310585786300049, rel=1e-15)


def test_sigmoid_derivative():
    assert_like(w2a1.sigmoid_derivative(np.array([1, 2, 3])),
                np.array([0.19661193, 0.10499359, 0.04517666]))


def test_image2vector():
    image = np.array([[[0.67826139, 0.29380381], [0.90714982, 0.52835647], [0.4215251, 0.45017551]],
                      [[0.92814219, 0.96677647], [0.85304703, 0.52351845], [0.19981397, 0.27417313]],
                      [[0.60659855, 0.00533165], [0.10820313, 0.49978937], [0.34144279, 0.94630077]]])
    v = w2a1.image2vector(image)
    assert_like(v, image.ravel().reshape(18, 1))
    assert v[2, 0] == 0.90714982 and v[6, 0] == 0.92814219  # C order: row by row


@pytest.mark.parametrize("name", ["normalize_rows", "normalizeRows"])
@pytest.mark.parametrize("dtype", [np.int64, np.float64])  # the two versions' inputs
def test_normalize_rows(name, dtype):
    x = np.array([[0, 3, 4], [1, 6, 4]], dtype=dtype)
    assert_like(getattr(w2a1, name)(x), np.array([[0., 0.6, 0.8], [0.13736056, 0.82416338,
                                                                    0.54944226]]))


def test_softmax_is_row_wise():
    x = np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])
    assert_like(w2a1.softmax(x), np.array([
        [9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
        [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04]]))


def test_softmax_does_not_overflow():
    s = w2a1.softmax(np.array([[1000.0, 0.0]]))
    np.testing.assert_allclose(s, [[1.0, 0.0]], atol=1e-300)


@pytest.mark.parametrize("loss, expected", [("L1", 1.1), ("L2", 0.43)])
def test_losses(loss, expected):
    yhat, y = np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1])
    value = getattr(w2a1, loss)(yhat, y)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-12)


def test_star_import_gives_the_notebook():
    namespace = {}
    exec("from dlgpu.course.w2a1 import *", namespace)
    assert {"basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalize_rows",
            "normalizeRows", "softmax", "L1", "L2"} <= set(namespace)
