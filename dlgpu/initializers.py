"""Initial weights, always drawn on the host so both backends start alike.

Draws use NumPy's legacy generator, ``RandomState(seed).randn``, in the
order W1, W2, ... (biases start at zero and take no draws), exactly as the
course's ``np.random.seed(seed)`` followed by ``np.random.randn`` does.
"""

from __future__ import annotations

import math

import numpy as np

#: name -> W[l] from a standard normal draw G of shape (n_l, n_{l-1}),
#: written as the course writes it, so the values match to the last bit
_WEIGHTS = {
    "he": lambda G, n_l, n_prev: G * math.sqrt(2.0 / n_prev),
    "xavier": lambda G, n_l, n_prev: G * math.sqrt(2.0 / (n_prev + n_l)),  # Glorot normal
    "course": lambda G, n_l, n_prev: G / math.sqrt(n_prev),
    "small": lambda G, n_l, n_prev: G * 0.01,
}
INIT_NAMES = (*_WEIGHTS, "zeros")


def check_init(init, layer_dims) -> str:
    """``init`` if it is a known name that suits ``layer_dims``, else ValueError."""
    if init not in INIT_NAMES:
        raise ValueError(f"unknown init {init!r}; valid names are {', '.join(INIT_NAMES)}")
    if init == "zeros" and len(layer_dims) != 2:
        raise ValueError("init='zeros' is only for logistic regression (layer_dims=[n_x, 1]): "
                         "with hidden layers every unit would stay identical")
    return init


def initialize(layer_dims: list[int], init: str = "he", seed: int | None = 1,
               dtype: str = "float64",
               rng: np.random.RandomState | None = None) -> dict[str, np.ndarray]:
    """Return ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}`` as NumPy arrays.

    ``init`` is one of ``he`` (randn * sqrt(2/n_{l-1})), ``xavier``
    (randn * sqrt(2/(n_{l-1}+n_l))), ``course`` (randn / sqrt(n_{l-1})),
    ``small`` (randn * 0.01) or ``zeros`` (logistic regression only: with a
    hidden layer, zero weights never break the symmetry between its units).
    The draw is in float64 and then rounded to ``dtype``, so float32 and
    float64 models share their starting point.  ``rng``, when given, is
    drawn from instead of ``RandomState(seed)``.
    """
    check_init(init, layer_dims)
    if rng is None:
        rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n_l, n_prev = layer_dims[l], layer_dims[l - 1]
        if init == "zeros":
            W = np.zeros((n_l, n_prev))
        else:
            W = _WEIGHTS[init](rng.randn(n_l, n_prev), n_l, n_prev)
        parameters[f"W{l}"] = W.astype(dtype)
        parameters[f"b{l}"] = np.zeros((n_l, 1), dtype=dtype)
    return parameters
