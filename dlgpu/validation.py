"""Checks of hyperparameters and data, with messages a user can act on.

Data checks run on the host when the data is on the host, so a mistake is
reported before any GPU work; CuPy data is checked where it lives.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .backend import get_array_module, is_device_array, to_numpy
from .backend.precision import resolve_dtype
from .errors import InvalidDataError

#: the values of ``DeepNN(dtype=...)``; "bfloat16" is mixed precision over float32 masters
DTYPES = ("float32", "float64", "bfloat16")

FLOAT16_REFUSAL = (
    "dtype='float16' is not supported: float16's 5-bit exponent flushes small gradients "
    "(below about 6e-8) to zero unless the cost is scaled up and the gradients down again "
    "(dynamic loss scaling), which dlgpu does not do; use dtype='bfloat16', which has "
    "float32's exponent range and needs no loss scaling")


def check_layer_dims(layer_dims) -> list[int]:
    """``[n_0, n_1, ..., n_L]``: at least two positive integers."""
    if isinstance(layer_dims, (str, bytes)) or not hasattr(layer_dims, "__len__"):
        raise TypeError(f"layer_dims must be a list of layer sizes like [n_x, ..., 1], "
                        f"got {layer_dims!r}")
    if len(layer_dims) < 2:
        raise ValueError(f"layer_dims needs at least an input and an output size, "
                         f"got {list(layer_dims)!r}")
    dims = []
    for l, n in enumerate(layer_dims):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"layer_dims[{l}] must be an integer, got {n!r}")
        if n < 1:
            raise ValueError(f"layer_dims[{l}] must be >= 1, got {n}")
        dims.append(int(n))
    return dims


def check_positive_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return float(value)


def check_int(value, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_seed(seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}")
    return int(seed)


def check_dtype(dtype) -> str:
    """The name in :data:`DTYPES` of ``dtype`` (a name or a NumPy dtype, ``ml_dtypes.bfloat16``
    included).

    ``"bfloat16"`` without ``ml_dtypes`` raises ImportError with the install
    hint (:func:`dlgpu.backend.precision.resolve_dtype`); float16 raises
    ValueError saying why it is not offered.
    """
    if isinstance(dtype, str) and dtype.strip().lower() == "bfloat16":
        name = "bfloat16"  # np.dtype("bfloat16") is known only once ml_dtypes is imported
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = None
    if name == "float16":
        raise ValueError(f"{FLOAT16_REFUSAL}; got {dtype!r}")
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if name == "bfloat16":
        resolve_dtype(name)  # ImportError with `pip install 'dlgpu[bf16]'` without ml_dtypes
    return name


def as_array(x, name: str, expected: str = "a 2-D array"):
    """``x`` as a NumPy array (a CuPy array stays as it is), never copied when it is one.

    None and nested lists that are not rectangular raise InvalidDataError
    naming ``name`` and what was ``expected``.
    """
    if is_device_array(x):
        return x
    if x is None:
        raise InvalidDataError(f"{name} is None; expected {expected}")
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise InvalidDataError(f"{name} cannot be read as an array ({exc}); expected "
                               f"{expected}, with rows of equal length") from None


def check_X(X, n_x: int | None = None, name: str = "X", dtype=None):
    """X : (n_x, m), numeric, finite, at least one example and one feature.

    With ``dtype`` (the model's), float values too large for it, which would
    become infinite when converted, are refused as well.  Returns X as an
    array (NumPy or CuPy, as given), not copied.
    """
    X = as_array(X, name)
    if X.ndim != 2:
        hint = (" (a single example is a column: reshape it to (n_x, 1))"
                if X.ndim == 1 else "")
        raise InvalidDataError(f"{name} must be 2-D with shape (n_x, m), one example per "
                               f"column; got {X.ndim}-D shape {X.shape}{hint}")
    if X.dtype.kind not in "biuf":
        raise InvalidDataError(f"{name} must hold real numbers (bool, int or float); "
                               f"got dtype {X.dtype}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise InvalidDataError(f"{name} is empty: shape {X.shape} (need n_x >= 1 "
                               f"features and m >= 1 examples)")
    if n_x is not None and X.shape[0] != n_x:
        raise InvalidDataError(
            f"{name} has {X.shape[0]} features (rows) but the network's input layer "
            f"has layer_dims[0] = {n_x}; {name} must be (n_x, m) with examples as columns"
            + (" (did you pass the transpose?)" if X.shape[1] == n_x else ""))
    if X.dtype.kind == "f":
        check_finite(X, name)
        if dtype is not None:
            _check_range(X, np.dtype(dtype), name)
    return X


def _check_range(X, dtype: np.dtype, name: str) -> None:
    """Refuse finite float values that ``dtype`` cannot hold (float64 data, float32 model)."""
    limit = float(np.finfo(dtype).max)  # compared as Python floats: no cast to dtype
    if float(np.finfo(X.dtype).max) <= limit:
        return
    largest = float(_largest_magnitude(X))
    if largest > limit:
        raise InvalidDataError(
            f"{name} holds values up to {largest:.3g} in magnitude, beyond the range of "
            f"{dtype.name} (+-{limit:.3g}), so they would become infinite; rescale {name} "
            f"(dlgpu.datasets.standardize) or use dtype='float64'")


def _blocks(X, block_bytes: int = 2**26):
    """X a block of rows at a time, so a memory map larger than RAM is read piecewise."""
    if X.ndim == 0:
        return (X,)
    rows = max(1, block_bytes // max(1, math.prod(X.shape[1:]) * X.itemsize))
    return (X[r:r + rows] for r in range(0, X.shape[0], rows))


def _largest_magnitude(X) -> float:
    xp = get_array_module(X)
    return max(float(xp.abs(block).max()) for block in _blocks(X))


def _count_non_finite(X) -> int:
    """How many entries of X are NaN or infinite."""
    xp = get_array_module(X)
    return sum(int(block.size - xp.isfinite(block).sum()) for block in _blocks(X))


def check_finite(A, name: str) -> None:
    """Refuse a float array ``A`` holding NaN or infinite values, saying how many."""
    n_bad = _count_non_finite(A)
    if n_bad:
        raise InvalidDataError(f"{name} contains {n_bad} NaN or infinite value(s)")


def check_example_count(Y, m: int, name: str = "Y") -> None:
    """Y : (k, m) with as many columns as X has examples."""
    if Y.shape[1] != m:
        raise InvalidDataError(f"X has m = {m} examples (columns) but {name} has "
                               f"{Y.shape[1]}; they must match")


def check_Y(Y, m: int, name: str = "Y", binary: bool = True):
    """Y : (1, m) targets for one sigmoid output.  Returns Y as an array, not copied.

    ``binary``: only the labels 0 and 1, in shape (1, m).  Otherwise any
    finite real targets (cross-entropy and dZ = A - Y are defined for all of
    them): a 1-D Y of m values is taken as (1, m), bool Y becomes float64
    (``1 - Y`` is an error on NumPy bools), and only what leaves the
    formulas undefined is refused: another shape, non-numbers, NaN, inf.
    """
    Y = as_array(Y, name, "a 2-D array of labels")
    if not binary and Y.ndim == 1 and Y.shape[0] == m:
        Y = Y.reshape(1, m)
    if Y.ndim != 2 or Y.shape[0] != 1:
        if not binary:
            raise InvalidDataError(f"{name} must have shape (1, m) or (m,); got shape "
                                   f"{Y.shape}")
        hint = f" (reshape it with {name}.reshape(1, -1))" if Y.ndim == 1 else ""
        raise InvalidDataError(f"{name} must have shape (1, m); got shape {Y.shape}{hint}")
    check_example_count(Y, m, name)
    if Y.dtype.kind not in "biuf":
        what = "labels 0 and 1" if binary else "real numbers (labels 0 and 1)"
        raise InvalidDataError(f"{name} must hold {what}; got dtype {Y.dtype}")
    if not binary:
        if Y.dtype.kind == "b":
            Y = Y.astype("float64")
        if Y.dtype.kind == "f":
            check_finite(Y, name)
        return Y
    return check_zeros_and_ones(Y, name)


def check_zeros_and_ones(Y, name: str = "Y"):
    """Y (any shape, numeric) holds only the labels 0 and 1.  Returns Y, not copied."""
    bad = ~((Y == 0) | (Y == 1))
    if bool(bad.any()):
        examples = to_numpy(Y[bad][:3]).tolist()
        raise InvalidDataError(f"{name} must hold only the labels 0 and 1; found "
                               f"{int(bad.sum())} other value(s), e.g. {examples}")
    return Y


def check_several_classes(classes, who: str, name: str = "y") -> None:
    """Refuse labels of one class: ``classes`` are the distinct labels (``np.unique``).

    One message for ``DLClassifier`` and ``dlgpu train``: a network trained
    on one class learns to say that class, and reports 100% accuracy.
    """
    classes = np.asarray(to_numpy(classes)).ravel()
    if classes.size >= 2:
        return
    if classes.size == 0:
        raise InvalidDataError(f"{who} needs at least 2 classes to learn; {name} holds none")
    label = classes.tolist()[0]
    if isinstance(label, float) and label.is_integer():
        label = int(label)  # a CSV's labels are floats: 1, not 1.0
    raise InvalidDataError(f"{who} needs at least 2 classes to learn; {name} holds 1 class "
                           f"(only the label {label!r})")


def check_nonnegative_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return float(value)


def check_probability(value, name: str) -> float:
    """A probability in (0, 1], such as dropout's ``keep_prob``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in (0, 1], got {value!r}")
    if not 0 < value <= 1:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return float(value)


def check_beta(value, name: str) -> float:
    """An exponential-average coefficient: in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


def check_choice(value, name: str, choices) -> object:
    if not any(value is c or (isinstance(c, str) and value == c) for c in choices):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                         f"got {value!r}")
    return value


def check_sample_weight(sample_weight, m: int, name: str = "sample_weight"):
    """Per-example weights as a float64 NumPy row (1, m), or None for None.

    Accepts (m,) or (1, m) real numbers, finite and >= 0.  Whether any is
    > 0 is the caller's to check (distributed, a rank may hold only zeros).
    """
    if sample_weight is None:
        return None
    w = as_array(sample_weight, name, "m non-negative weights, shape (m,) or (1, m)")
    if w.dtype.kind not in "biuf":
        raise InvalidDataError(f"{name} must hold real numbers, got dtype {w.dtype}")
    if w.ndim == 2 and w.shape[0] == 1:
        w = w.reshape(-1)
    if w.ndim != 1 or w.shape[0] != m:
        raise InvalidDataError(f"{name} must have shape ({m},) or (1, {m}): one weight per "
                               f"example of X (m = {m}); got shape {w.shape}")
    w = np.asarray(to_numpy(w), dtype=np.float64).reshape(1, m)
    if not np.isfinite(w).all():
        raise InvalidDataError(f"{name} must be finite; found {int((~np.isfinite(w)).sum())} "
                               f"NaN or infinite weight(s)")
    if (w < 0).any():
        raise InvalidDataError(f"{name} must be >= 0; found {int((w < 0).sum())} negative "
                               f"weight(s), e.g. {w[w < 0][:3].tolist()}")
    return w


def check_weight_sum(total: float, name: str = "sample_weight") -> None:
    """Refuse weights that are all zero (``total``: their sum over every rank)."""
    if not total > 0:
        raise InvalidDataError(f"{name} must hold at least one weight > 0; all weights are "
                               f"zero, which leaves nothing to train on")
