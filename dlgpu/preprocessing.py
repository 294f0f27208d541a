"""The input transform a model learns in ``fit`` and carries: :class:`Preprocessing`.

It is model state (``DeepNN.preprocessing_``), saved with the model by
:mod:`dlgpu.io`; it imports only NumPy, the backend layer and the errors.
"""

from __future__ import annotations

import warnings

import numpy as np

from .backend import get_array_module, to_numpy
from .errors import DataRangeWarning, InvalidDataError


def mean_and_std(X, sample_weight=None):
    """Each feature's mean and standard deviation, (n_x, 1) each, of X : (n_x, m) in float.

    With ``sample_weight`` (1, m) of weights >= 0 (not all zero, on X's backend)
    they are the weighted mean and the weighted (population) standard
    deviation: those of X with each column repeated its weight's number of
    times, for integer weights.  A constant feature gets std 1, so that it
    standardizes to zeros (up to the rounding of its mean) rather than NaN.
    """
    xp = get_array_module(X)
    if sample_weight is None:
        mean = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
    else:
        w = sample_weight.astype(X.dtype, copy=False)
        total = w.sum()
        mean = (X * w).sum(axis=1, keepdims=True) / total
        std = xp.sqrt((((X - mean) ** 2) * w).sum(axis=1, keepdims=True) / total)
    # A constant row's computed mean can miss the constant by rounding,
    # which leaves a std of a few ulps instead of 0: treat that as constant.
    constant = std <= 10 * np.finfo(X.dtype).eps * xp.abs(mean)
    return mean, xp.where(constant, X.dtype.type(1), std)


PREPROCESSING = ("standardize", "scale")

#: a value is "far" outside its feature's training range [low, high] beyond
#: low - span or high + span, span = high - low (max(|low|, 1) for a constant feature) ...
FAR_SPANS = 1.0
#: ... and X is warned about when more than this share of its values are far:
#: a few rare values (a pixel seldom lit) are not a change of units.
FAR_SHARE = 0.001


class Preprocessing:
    """An input transform a model learned from its training data and applies itself.

    ``X -> (X - shift) / scale``, feature by feature (rows of X : (n_x, m)):

    * ``"standardize"``: shift = the mean and scale = the standard deviation of
      each training feature (1 for a constant one), as :func:`dlgpu.datasets.standardize`;
    * ``"scale"``: shift = 0 and scale = one constant for every feature, the
      largest |x| of the training data (1 if it is all zeros).

    It also keeps each raw feature's training range ``low``, ``high`` : (n_x, 1)
    and warns (:class:`dlgpu.errors.DataRangeWarning`) when more than
    ``FAR_SHARE`` (0.1 %) of the values it transforms lie *far* outside it:
    below ``low - span`` or above ``high + span`` with ``span = high - low``
    (``max(|low|, 1)`` for a constant feature), the sign of data in other
    units (pixels 0..255 given to a model trained on 0..16, data already
    standardized given to a model that standardizes itself).

    All four arrays are float64 NumPy arrays, (n_x, 1), stored in the model
    file; they move to the data's backend when applied.
    """

    def __init__(self, kind: str, shift, scale, low, high):
        if kind not in PREPROCESSING:
            raise ValueError(f"preprocessing must be one of {', '.join(PREPROCESSING)}, "
                             f"got {kind!r}")
        self.kind = kind
        arrays = [np.asarray(to_numpy(a), dtype=np.float64) for a in (shift, scale, low, high)]
        n_x = arrays[0].size
        for name, a in zip(("shift", "scale", "low", "high"), arrays):
            if a.shape != (n_x, 1) or not np.isfinite(a).all():
                raise InvalidDataError(f"preprocessing {name} must be finite, shape "
                                       f"({n_x}, 1); got {a.shape}")
        if not (arrays[1] > 0).all():
            raise InvalidDataError("preprocessing scale must be > 0 for every feature")
        self.shift, self.scale, self.low, self.high = arrays

    @classmethod
    def fit(cls, kind: str, X, sample_weight=None) -> Preprocessing:
        """Learn ``kind`` from the training data X : (n_x, m) (finite, checked by the caller).

        ``sample_weight``: (1, m) weights >= 0, not all zero (checked by the
        caller): the mean and standard deviation are weighted, and the
        training range ``low``, ``high`` (and with it ``"scale"``'s largest
        |x|) is that of the examples of weight > 0 -- a zero weight is as if
        the example were not there, so fitting with integer weights learns
        what fitting on the examples repeated that many times learns.
        """
        if kind not in PREPROCESSING:
            raise ValueError(f"preprocessing must be None or one of "
                             f"{', '.join(PREPROCESSING)}, got {kind!r}")
        xp = get_array_module(X)
        w = None
        if sample_weight is not None:
            w = xp.asarray(sample_weight, dtype=np.float64).reshape(1, -1)
            kept = to_numpy(w[0] > 0)
            if not kept.all():
                index = xp.asarray(np.flatnonzero(kept))
                X, w = X[:, index], w[:, index]
        low = to_numpy(X.min(axis=1, keepdims=True)).astype(np.float64)
        high = to_numpy(X.max(axis=1, keepdims=True)).astype(np.float64)
        if kind == "standardize":
            shift, scale = mean_and_std(X.astype(np.float64, copy=False), w)
        else:
            largest = float(max(np.abs(low).max(), np.abs(high).max()))
            shift = np.zeros_like(low)
            scale = np.full_like(low, largest if largest > 0 else 1.0)
        return cls(kind, shift, scale, low, high)

    @property
    def n_x(self) -> int:
        return self.shift.shape[0]

    def __call__(self, X, dtype, check_range: bool = True):
        """``(X - shift) / scale`` : (n_x, m) in ``dtype``, on X's backend; X is not modified."""
        xp = get_array_module(X)
        if check_range:
            self.warn_if_far(X)
        dtype = np.dtype(dtype)
        shift, scale = (xp.asarray(a, dtype=dtype) for a in (self.shift, self.scale))
        return (X.astype(dtype, copy=False) - shift) / scale

    def far_outside(self, X) -> tuple[int, int | None]:
        """How many values of X : (n_x, m) are far outside the training range, and
        the feature holding the first of them (None when there is none)."""
        xp = get_array_module(X)
        span = self.high - self.low
        span = np.where(span > 0, span, np.maximum(np.abs(self.low), 1.0)) * FAR_SPANS
        lower, upper = (xp.asarray(a) for a in (self.low - span, self.high + span))
        far = (X < lower) | (X > upper)
        count = int(far.sum())
        return count, (int(xp.argmax(far.any(axis=1))) if count else None)

    def warn_if_far(self, X) -> None:
        """Warn when more than ``FAR_SHARE`` of X's values are far outside the training range."""
        count, j = self.far_outside(X)
        if count <= FAR_SHARE * X.size:
            return
        seen = to_numpy(X[j])
        value = seen[np.argmax(np.abs(seen - (self.low[j, 0] + self.high[j, 0]) / 2))]
        warnings.warn(
            f"X: {count} of {X.size} values ({100 * count / X.size:.1f}%) lie far outside "
            f"their feature's training range, e.g. feature {j}: {value:g} where the training "
            f"data held {self.low[j, 0]:g} to {self.high[j, 0]:g}; is X in the units of the "
            f"training data? This model {self.kind}s its inputs itself: give it data as "
            f"its training data was given, not already transformed",
            DataRangeWarning, stacklevel=6)  # the caller of DeepNN.predict, score, ...

    def arrays(self) -> dict:
        """The arrays to store: ``{"shift": (n_x, 1), "scale": ..., "low": ..., "high": ...}``."""
        return {"shift": self.shift, "scale": self.scale, "low": self.low, "high": self.high}

    def __repr__(self) -> str:
        return f"Preprocessing({self.kind!r}, n_x={self.n_x})"
