"""Bad inputs shared by the bad-input tests (``tests/reliability`` for DeepNN and the
scikit-learn estimator, ``tests/course`` for the course), and a guard against early
device work.

``BAD_X`` describes each kind of bad X once, for a network whose input
layer takes n_x = 3 features and data of m = 4 examples: the array and a
fragment of the message that must name the problem.
"""

import contextlib

import numpy as np
import pytest

import dlgpu
import dlgpu.course.deep
import dlgpu.course.logistic
import dlgpu.course.planar

N_X, M = 3, 4


def _with(value, where=(1, 2)):
    X = np.arange(N_X * M, dtype=np.float64).reshape(N_X, M) / 10
    X[where] = value
    return X


def _ragged():
    return [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6], [0.7, 0.8, 0.9, 1.0]]


#: id -> (X, message fragment); every one must raise InvalidDataError
BAD_X = {
    "nan": (_with(np.nan), "1 NaN or infinite"),
    "inf": (_with(np.inf), "1 NaN or infinite"),
    "-inf": (_with(-np.inf), "1 NaN or infinite"),
    "1-D": (np.zeros(N_X), r"must be 2-D .* got 1-D .*reshape it to \(n_x, 1\)"),
    "3-D": (np.zeros((N_X, M, 2)), "must be 2-D .* got 3-D"),
    "object": (np.array([[0.1, None, 0.3, 0.4]] * N_X, dtype=object), "real numbers.*object"),
    "complex": (np.zeros((N_X, M), dtype=complex), "real numbers.*complex128"),
    "string": (np.array([["0.1"] * M] * N_X), "real numbers.*<U3"),
    "bytes": (np.array([[b"1"] * M] * N_X), "real numbers.*S1"),
    "0 examples": (np.zeros((N_X, 0)), r"empty: shape \(3, 0\)"),
    "0 features": (np.zeros((0, M)), r"empty: shape \(0, 4\)"),
    "wrong n_x": (np.zeros((N_X + 1, M)), "4 features .* layer_dims\\[0\\] = 3"),
    "transposed": (np.zeros((M, N_X)), "did you pass the transpose"),
    "ragged": (_ragged(), "cannot be read as an array.*rows of equal length"),
    "None": (None, "is None"),
}

#: id -> (Y, message fragment) for labels 0/1 of m = 4 examples (a sigmoid output)
BAD_Y = {
    "label 2": (np.array([[0, 1, 2, 1]]), r"only the labels 0 and 1; found 1 .*\[2\]"),
    "label -1": (np.array([[0, 1, -1, 1]]), "only the labels 0 and 1"),
    "label 0.5": (np.array([[0, 1, 0.5, 1]]), r"only the labels 0 and 1.*\[0.5\]"),
    "nan": (np.array([[0, 1, np.nan, 1]]), "only the labels 0 and 1"),
    "inf": (np.array([[0, 1, np.inf, 1]]), "only the labels 0 and 1"),
    "1-D": (np.array([0, 1, 1, 0]), r"shape \(1, m\).*Y.reshape\(1, -1\)"),
    "3-D": (np.zeros((1, M, 1)), r"shape \(1, m\)"),
    "2 rows": (np.zeros((2, M)), r"shape \(1, m\)"),
    "other m": (np.array([[0, 1, 1]]), "m = 4 examples .* 3"),
    "string": (np.array([["0", "1", "1", "0"]]), "labels 0 and 1; got dtype <U1"),
    "complex": (np.zeros((1, M), dtype=complex), "got dtype complex128"),
    "object": (np.array([[0, 1, None, 1]], dtype=object), "got dtype object"),
    "ragged": ([[0, 1], [1]], "cannot be read as an array"),
    "None": (None, "is None"),
}

#: id -> (learning rate, exception type, message fragment)
BAD_LEARNING_RATES = {
    "zero": (0, ValueError, "learning_rate must be finite and > 0, got 0"),
    "negative": (-0.1, ValueError, "learning_rate must be finite and > 0, got -0.1"),
    "nan": (float("nan"), ValueError, "learning_rate must be finite and > 0, got nan"),
    "inf": (float("inf"), ValueError, "learning_rate must be finite and > 0, got inf"),
    "string": ("0.1", TypeError, "learning_rate must be a number"),
    "None": (None, TypeError, "learning_rate must be a number"),
}

#: id -> (layer sizes, exception type, message fragment)
BAD_LAYER_DIMS = {
    "empty": ([], ValueError, "at least an input and an output size"),
    "one size": ([3], ValueError, "at least an input and an output size"),
    "zero": ([3, 0, 1], ValueError, r"layer_dims\[1\] must be >= 1, got 0"),
    "negative": ([3, -2, 1], ValueError, r"layer_dims\[1\] must be >= 1, got -2"),
    "float": ([3, 2.5, 1], TypeError, r"layer_dims\[1\] must be an integer, got 2.5"),
    "bool": ([3, True, 1], TypeError, r"layer_dims\[1\] must be an integer, got True"),
    "string": ("3,4,1", TypeError, "list of layer sizes"),
    "None": (None, TypeError, "list of layer sizes"),
}


def data(m=M, seed=0):
    """A small float64 binary problem: X (3, m), Y (1, m)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(N_X, m)
    return X, (X[0:1] + X[1:2] > 0).astype(np.float64)


class DeviceWorkStarted(AssertionError):
    """Raised by the guard: the maths or a transfer began before the checks ended."""


@contextlib.contextmanager
def device_work_forbidden():
    """Inside, any matrix product, transfer to the backend or weight draw fails loudly.

    An InvalidDataError raised inside shows the input was refused before the
    forward pass, any copy to the device, or the parameters' allocation began.
    """
    def started(*args, **kwargs):
        raise DeviceWorkStarted("device work began before the input was checked")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(np, "matmul", started)
        patch.setattr(dlgpu.backend, "to_device", started)
        for module in (dlgpu.course.deep, dlgpu.course.logistic, dlgpu.course.planar):
            patch.setattr(module, "to_device", started)
        patch.setattr(dlgpu.DeepNN, "initialize_parameters", started)
        yield
