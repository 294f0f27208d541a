"""The course's own argument checks, made before any array work.

Only what :mod:`dlgpu.validation` has no counterpart for is here: the
course's parameter dicts (with the planar network's two layers), its output
rows ``AL``, logistic regression's ``w`` and ``b``, its ``layers_dims`` and
the shapes in its cache tuples.  X, targets, hyperparameters and layer sizes
are checked by :mod:`dlgpu.validation`.

The checks only read their arguments (shapes first, values once), so every
number the course functions compute is unchanged.  Data and parameters that
do not fit raise :class:`~dlgpu.errors.InvalidDataError`; hyperparameters
raise ``ValueError`` or ``TypeError``.  The training loops check their
inputs once and then call the unchecked steps.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

from ..backend import get_array_module, to_numpy
from ..errors import InvalidDataError
from ..validation import as_array, check_finite, check_layer_dims


def check_parameters(parameters, n_layers: int | None = None, finite: bool = False) -> int:
    """The number of layers L of ``{"W1": (n_1, n_0), "b1": (n_1, 1), ..., "bL"}``.

    Each W[l] must be 2-D with as many columns as W[l-1] has rows, each b[l]
    must be (n_l, 1); ``n_layers`` demands that many layers (2 for the planar
    network), ``finite`` that no value is NaN or infinite (the parameters of
    a diverged run).
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a dict {{'W1': W1, 'b1': b1, ...}}, "
                        f"got {type(parameters).__name__}")
    L = len(parameters) // 2
    expected = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    if L < 1 or sorted(map(str, parameters)) != sorted(expected):
        raise InvalidDataError(f"parameters must hold W1, b1, ..., WL, bL; got the keys "
                               f"{sorted(map(str, parameters))}")
    if n_layers is not None and L != n_layers:
        names = ", ".join(f"{p}{l}" for l in range(1, n_layers + 1) for p in "Wb")
        raise InvalidDataError(f"parameters must describe {n_layers} layers ({names}); "
                               f"got {L}")
    n_prev = None
    for l in range(1, L + 1):
        W, b = (as_array(parameters[f"{p}{l}"], f"parameters['{p}{l}']") for p in "Wb")
        if W.ndim != 2 or W.dtype.kind not in "biuf" or 0 in W.shape:
            raise InvalidDataError(f"parameters['W{l}'] must be a non-empty 2-D array of "
                                   f"numbers (n_{l}, n_{l - 1}); got {W.dtype} {W.shape}")
        if n_prev is not None and W.shape[1] != n_prev:
            raise InvalidDataError(f"parameters['W{l}'] has shape {W.shape}, but "
                                   f"W{l - 1} gives {n_prev} units: W{l} must be "
                                   f"({W.shape[0]}, {n_prev})")
        if b.shape != (W.shape[0], 1) or b.dtype.kind not in "biuf":
            raise InvalidDataError(f"parameters['b{l}'] must be ({W.shape[0]}, 1) numbers, "
                                   f"as W{l} has {W.shape[0]} rows; got {b.dtype} {b.shape}")
        if finite:
            _refuse_diverged(W, f"parameters['W{l}']")
            _refuse_diverged(b, f"parameters['b{l}']")
        n_prev = W.shape[0]
    return L


def _refuse_diverged(value, name: str) -> None:
    """Weights holding NaN or inf: those of a run that diverged."""
    if not bool(get_array_module(value).isfinite(value).all()):
        raise InvalidDataError(f"{name} contains NaN or inf (did training diverge? try a "
                               f"smaller learning_rate)")


def input_size(parameters) -> int:
    """n_x, the number of columns of W1 (parameters already checked)."""
    return parameters["W1"].shape[1]


def _output_row(AL, name: str, what: str):
    """AL : (1, m) of numbers, as floats (integer and bool AL become float64)."""
    AL = as_array(AL, name, f"{what} of shape (1, m)")
    if AL.ndim != 2 or AL.shape[0] != 1 or AL.shape[1] == 0:
        raise InvalidDataError(f"{name} must be the output layer's {what}, shape "
                               f"(1, m) with m >= 1; got shape {AL.shape}")
    if AL.dtype.kind not in "biuf":
        raise InvalidDataError(f"{name} must hold {what}; got dtype {AL.dtype}")
    return AL if AL.dtype.kind == "f" else AL.astype("float64")


def check_probabilities(AL, name: str = "AL"):
    """AL : (1, m) of finite values in [0, 1]; integer and bool AL become float64."""
    AL = _output_row(AL, name, "probabilities in [0, 1]")
    outside = ~((AL >= 0) & (AL <= 1))  # NaN is outside too
    if bool(outside.any()):
        examples = to_numpy(AL[outside][:3]).tolist()
        raise InvalidDataError(f"{name} must hold probabilities in [0, 1] (the output of a "
                               f"sigmoid); found {int(outside.sum())} other value(s), e.g. "
                               f"{examples}")
    return AL


def check_output(AL, name: str = "AL"):
    """AL : (1, m) of finite real numbers, any values: the output gradient's formula
    is defined for all of them (the course's own test feeds ``randn(1, 2)``)."""
    AL = _output_row(AL, name, "activations (real numbers)")
    check_finite(AL, name)
    return AL


def check_w(w, n_x: int, exact_shape: bool = True):
    """w : (n_x, 1) of finite numbers; any shape of n_x values when not ``exact_shape``."""
    w = as_array(w, "w", f"a ({n_x}, 1) column of weights")
    fits = w.shape == (n_x, 1) if exact_shape else w.size == n_x
    if not fits or w.dtype.kind not in "biuf":
        raise InvalidDataError(f"w must be a ({n_x}, 1) column of weights, one per feature of "
                               f"X (n_x = {n_x}); got {w.dtype} {w.shape}")
    _refuse_diverged(w, "w")
    return w


def check_b(b):
    """b : a finite real number, or a one-element array holding one."""
    scalar = isinstance(b, numbers.Real) and not isinstance(b, bool)
    one_element = getattr(b, "size", None) == 1 and getattr(b, "dtype", None) is not None \
        and b.dtype.kind in "iuf"
    if not (scalar or one_element):
        raise InvalidDataError(f"b must be a real number (the bias), got {b!r}")
    if not math.isfinite(float(b)):
        raise InvalidDataError(f"b must be finite, got {b!r} (did training diverge? try a "
                               f"smaller learning_rate)")
    return b


def check_model_dims(layers_dims, n_layers: int | None = None) -> list[int]:
    """``layers_dims`` of a network with one sigmoid output unit."""
    dims = check_layer_dims(layers_dims)
    if n_layers is not None and len(dims) != n_layers + 1:
        raise ValueError(f"layers_dims must be (n_x, n_h, n_y) for the two-layer model, "
                         f"got {list(layers_dims)!r}")
    if dims[-1] != 1:
        raise ValueError(f"the output layer is one sigmoid unit: layers_dims[-1] must be 1, "
                         f"got {dims[-1]} (for more classes use DeepNN with "
                         f"output_activation='softmax')")
    return dims


def check_cache_shapes(dZ, A_prev, W, b) -> None:
    """Shapes of one layer: A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), dZ (n_l, m)."""
    if A_prev.ndim != 2 or W.ndim != 2 or W.shape[1] != A_prev.shape[0]:
        raise InvalidDataError(f"A_prev {A_prev.shape} and W {W.shape} do not fit: W must be "
                               f"(n_l, n_{{l-1}}) and A_prev (n_{{l-1}}, m)")
    if b.shape != (W.shape[0], 1):
        raise InvalidDataError(f"b must be ({W.shape[0]}, 1) for W of shape {W.shape}, "
                               f"got {b.shape}")
    if dZ is not None and dZ.shape != (W.shape[0], A_prev.shape[1]):
        raise InvalidDataError(f"dZ must be (n_l, m) = ({W.shape[0]}, {A_prev.shape[1]}), "
                               f"got {dZ.shape}")


def check_cache_tuple(cache, length: int, producer: str) -> tuple:
    """The course's flat cache tuples (Course 2): ``length`` entries, as ``producer`` returns."""
    if not isinstance(cache, (tuple, list)) or len(cache) != length:
        got = f"{len(cache)} entries" if isinstance(cache, (tuple, list)) else \
            type(cache).__name__
        raise InvalidDataError(f"cache must be the {length}-tuple {producer} returns; got {got}")
    return tuple(cache)


def check_non_negative(value, name: str) -> float:
    """A finite real number >= 0 (the L2 strength lambd, a decay rate)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return float(value)
