"""Output layers: the last activation, its cost and how targets and labels look.

``sigmoid`` is the course's binary classifier: n_L = 1, Y : (1, m) of 0/1,
binary cross-entropy.  ``softmax`` goes beyond the course: n_L = C >= 2
classes, Y one-hot (C, m) or integer labels (1, m), categorical
cross-entropy.  Both pairs give the same output gradient,
dZ[L] = A[L] - Y (with Y one-hot), so backpropagation does not change.
"""

from __future__ import annotations

import numpy as np

from .activations import Sigmoid
from .backend import get_array_module, to_numpy
from .errors import InvalidDataError
from .losses import binary_cross_entropy_from_logits, categorical_cross_entropy_from_logits, softmax
from .validation import as_array, check_Y

OUTPUT_NAMES = ("sigmoid", "softmax")


class SigmoidOutput:
    """A[L] = sigmoid(Z[L]) : (1, m), the probability of the label 1."""

    name = "sigmoid"

    def __init__(self, n_out: int):
        if n_out != 1:
            raise ValueError(f"output_activation='sigmoid' needs layer_dims[-1] = 1 "
                             f"(one probability per example), got {n_out}; use "
                             f"output_activation='softmax' for {n_out} classes")
        self.n_out = n_out
        self._sigmoid = Sigmoid()

    def __call__(self, Z):
        return self._sigmoid(Z)

    def cost(self, Z, T):
        return binary_cross_entropy_from_logits(Z, T)

    def check_targets(self, Y, m: int, name: str = "Y"):
        return check_Y(Y, m, name)

    def targets(self, Y, dtype):
        """Y : (1, m) of 0/1 -> T : (1, m) in ``dtype`` (Y's backend)."""
        return Y.astype(dtype, copy=False)

    def labels(self, A):
        """Labels 0/1 (int64), shape (1, m): 1 where P(y = 1 | x) > 0.5."""
        return (A > 0.5).astype(np.int64)

    def target_labels(self, T):
        return (T == 1).astype(np.int64)


class SoftmaxOutput:
    """A[L] = softmax(Z[L]) : (C, m), one probability per class and example."""

    name = "softmax"

    def __init__(self, n_out: int):
        if n_out < 2:
            raise ValueError(f"output_activation='softmax' needs layer_dims[-1] >= 2 classes, "
                             f"got {n_out}; use output_activation='sigmoid' for two classes "
                             f"with one output")
        self.n_out = n_out

    def __call__(self, Z):
        return softmax(Z)

    def cost(self, Z, T):
        return categorical_cross_entropy_from_logits(Z, T)

    def check_targets(self, Y, m: int, name: str = "Y"):
        """Y : one-hot (C, m) or integer labels (1, m) in [0, C)."""
        C = self.n_out
        Y = as_array(Y, name, f"integer labels (1, m) or one-hot columns ({C}, m)")
        xp = get_array_module(Y)
        if Y.ndim != 2 or Y.shape[0] not in (1, C):
            hint = " (reshape labels with Y.reshape(1, -1))" if Y.ndim == 1 else ""
            raise InvalidDataError(f"{name} must be integer labels (1, m) or one-hot ({C}, m) "
                                   f"for {C} classes; got shape {Y.shape}{hint}")
        if Y.shape[1] != m:
            raise InvalidDataError(f"X has m = {m} examples (columns) but {name} has "
                                   f"{Y.shape[1]}; they must match")
        if Y.dtype.kind not in "biuf":
            raise InvalidDataError(f"{name} must hold class labels or one-hot columns; "
                                   f"got dtype {Y.dtype}")
        if Y.shape[0] == 1:
            bad = ~((Y >= 0) & (Y < C) & (Y == xp.floor(Y)))
            if bool(bad.any()):
                examples = to_numpy(Y[bad][:3]).tolist()
                raise InvalidDataError(f"{name} must hold integer labels 0 to {C - 1}; found "
                                       f"{int(bad.sum())} other value(s), e.g. {examples}")
        else:
            one_hot = ((Y == 0) | (Y == 1)).all(axis=0) & (Y.sum(axis=0) == 1)
            if not bool(one_hot.all()):
                raise InvalidDataError(f"{name} of shape {Y.shape} must be one-hot: each column "
                                       f"holds one 1 and {C - 1} zeros; "
                                       f"{int((~one_hot).sum())} column(s) do not")
        return Y

    def targets(self, Y, dtype):
        """Y : labels (1, m) or one-hot (C, m) -> one-hot T : (C, m) in ``dtype``."""
        if Y.shape[0] == self.n_out:
            return Y.astype(dtype, copy=False)
        xp = get_array_module(Y)
        classes = xp.arange(self.n_out).reshape(-1, 1)
        return (classes == Y).astype(dtype)

    def labels(self, A):
        """The most probable class (int64), shape (1, m)."""
        return A.argmax(axis=0).reshape(1, -1).astype(np.int64)

    def target_labels(self, T):
        return T.argmax(axis=0).reshape(1, -1).astype(np.int64)


def get_output(name, n_out: int):
    """The output layer called ``name`` for ``n_out`` output units."""
    heads = {"sigmoid": SigmoidOutput, "logistic": SigmoidOutput, "softmax": SoftmaxOutput}
    key = name.lower() if isinstance(name, str) else name
    if key not in heads:
        raise ValueError(f"output_activation must be one of {', '.join(OUTPUT_NAMES)} "
                         f"(cross-entropy needs probabilities), got {name!r}")
    return heads[key](n_out)
