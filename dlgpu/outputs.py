"""Output layers: the last activation, its cost and how targets and labels look.

``sigmoid`` is the course's binary classifier: n_L = 1, Y : (1, m) of 0/1,
binary cross-entropy; with n_L = k > 1 it is k independent binary labels
(multi-label), Y : (k, m) of 0/1, the cross-entropies summed over the k
outputs.  ``softmax`` goes beyond the course: n_L = C >= 2 classes, Y
one-hot (C, m) or integer labels (1, m), categorical cross-entropy.
``identity`` is regression: A[L] = Z[L], Y : (n_L, m) real values, cost
(1/(2m)) * sum of squared errors.  Every pair gives the same output
gradient, dZ[L] = A[L] - Y (with Y one-hot), so backpropagation does not
change.  Each ``cost(Z, T, weights, weight_sum)`` takes optional per-example weights
(1, m), normalized to sum 1, for a weighted mean over the examples.

Each head says how good predictions are with ``score(A, T)``: accuracy
(exact match of all k labels, for multi-label) for the classifiers, R²
for regression.

In training, ``gradient_(Z, b, T, dZ, weights, weight_sum)`` is the head's
fused step: Z[L] += b[L] and dZ[L] = (A[L] - Y)/m (or times w_i / sum w)
in one pass; on CUDA one elementwise kernel for the sigmoid and identity
heads (their text below), so A[L] is never stored.
"""

from __future__ import annotations

import functools

import numpy as np

from .activations import Sigmoid
from .activations.kernels import KernelSpec, get_kernel
from .backend import get_array_module, is_device_array, to_module, to_numpy
from .errors import InvalidDataError
from .losses import (
    binary_cross_entropy_from_logits,
    categorical_cross_entropy_from_logits,
    softmax,
    squared_error,
)
from .validation import as_array, check_example_count, check_finite, check_Y, check_zeros_and_ones

OUTPUT_NAMES = ("sigmoid", "softmax", "identity")


def _gradient_scale(m: int, weights, weight_sum):
    """The factor of dZ[L] = (A - Y) * w * factor: 1/m, 1/sum w, or 1 for weights all zero."""
    if weights is None:
        return 1.0 / m
    return 1.0 / weight_sum if weight_sum > 0 else 1.0


class _ElementwiseHead:
    """A head whose A[L] is elementwise in Z[L] (sigmoid, identity): the fused
    ``gradient_`` is one CUDA kernel.  Subclasses give ``cuda_output`` (an
    expression of ``z``), ``cuda_preamble`` and ``activate_cpu_`` (A = g(Z) in place)."""

    cuda_output = "z"
    cuda_preamble = ""

    def activate_cpu_(self, A):
        return A

    @classmethod
    @functools.cache  # built once per head and weighting, not once a step
    def gradient_spec(cls, weighted: bool) -> KernelSpec:
        weight = ", T w" if weighted else ""
        error = f"({cls.cuda_output} - y)" + (" * w" if weighted else "")
        # dz in its own type D: the compute dtype, bfloat16 under mixed precision
        return KernelSpec(name=f"dlgpu_{cls.name}_head{'_weighted' if weighted else ''}",
                          in_params=f"T b, T y{weight}, T s", out_params="T z, D dz",
                          operation=f"z = z + b; dz = D(({error}) * s);",
                          preamble=cls.cuda_preamble, scalars=("s",))

    def gradient_(self, Z, b, T, dZ, weights=None, weight_sum=None):
        """Z += b in place and dZ = (g(Z) - T) / m (weighted: * w / sum w); returns dZ.

        Z, T, dZ : (n_L, m); b : (n_L, 1); ``weights`` (1, m) summing to ``weight_sum``.
        """
        scale = Z.dtype.type(_gradient_scale(Z.shape[1], weights, weight_sum))
        if is_device_array(Z):
            kernel = get_kernel(self.gradient_spec(weights is not None))
            args = (b, T) if weights is None else (b, T, weights)
            kernel(*args, scale, Z, dZ)
            return dZ
        Z += b
        work = dZ if dZ.dtype == Z.dtype else np.empty_like(Z)  # bfloat16 dZ: round once
        work[...] = Z
        self.activate_cpu_(work)
        work -= T
        if weights is not None:
            work *= weights
        work *= scale
        if work is not dZ:
            dZ[...] = work
        return dZ


class _Classifier:
    """What the classifying heads share: accuracy from labels."""

    classifies = True

    def n_correct(self, A, T) -> int:
        """Examples whose every label is right (exact match over a column)."""
        return int((self.labels(A) == self.target_labels(T)).all(axis=0).sum())

    def score(self, A, T) -> float:
        """Accuracy in [0, 1]: the fraction of columns predicted exactly."""
        return self.n_correct(A, T) / T.shape[1]


class SigmoidOutput(_ElementwiseHead, _Classifier):
    """A[L] = sigmoid(Z[L]) : (k, m), the probability of the label 1, one row per label.

    k = 1 is the course's binary classifier; k > 1 is multi-label: k
    independent binary labels per example.
    """

    name = "sigmoid"
    loss = "binary_cross_entropy"
    cuda_output = "dlgpu_sigmoid(z)"
    cuda_preamble = Sigmoid.cuda_preamble

    def __init__(self, n_out: int):
        self.n_out = n_out
        self._sigmoid = Sigmoid()

    def __call__(self, Z):
        return self._sigmoid(Z)

    def activate_cpu_(self, A):
        return self._sigmoid.forward_cpu(A)

    def cost(self, Z, T, weights=None, weight_sum=None):
        return binary_cross_entropy_from_logits(Z, T, weights, weight_sum)

    def check_targets(self, Y, m: int, name: str = "Y"):
        """Y : (1, m) labels 0/1, or (k, m) 0/1 indicators for k = n_L > 1 outputs."""
        k = self.n_out
        if k == 1:
            return check_Y(Y, m, name)
        Y = as_array(Y, name, f"a ({k}, m) array of labels 0 and 1")
        if Y.ndim != 2 or Y.shape[0] != k:
            hint = (f"; for {k} classes with one label each use output_activation='softmax'"
                    if Y.ndim == 2 and Y.shape[0] == 1 else "")
            raise InvalidDataError(f"{name} must have shape ({k}, m) for layer_dims[-1] = {k} "
                                   f"sigmoid outputs (one row of 0/1 per label); got shape "
                                   f"{Y.shape}{hint}")
        check_example_count(Y, m, name)
        if Y.dtype.kind not in "biuf":
            raise InvalidDataError(f"{name} must hold labels 0 and 1; got dtype {Y.dtype}")
        return check_zeros_and_ones(Y, name)

    def targets(self, Y, dtype):
        """Y : (k, m) of 0/1 -> T : (k, m) in ``dtype`` (Y's backend)."""
        return Y.astype(dtype, copy=False)

    def labels(self, A):
        """Labels 0/1 (int64), shape (k, m): 1 where P(y = 1 | x) > 0.5."""
        return (A > 0.5).astype(np.int64)

    def target_labels(self, T):
        return (T == 1).astype(np.int64)


class SoftmaxOutput(_Classifier):
    """A[L] = softmax(Z[L]) : (C, m), one probability per class and example."""

    name = "softmax"

    def __init__(self, n_out: int):
        if n_out < 2:
            raise ValueError(f"output_activation='softmax' needs layer_dims[-1] >= 2 classes, "
                             f"got {n_out}; use output_activation='sigmoid' for two classes "
                             f"with one output")
        self.n_out = n_out

    loss = "categorical_cross_entropy"

    def __call__(self, Z):
        return softmax(Z)

    def gradient_(self, Z, b, T, dZ, weights=None, weight_sum=None):
        """Z += b in place and dZ = (softmax(Z) - T) / m (weighted: * w / sum w); returns dZ.

        On CUDA one kernel, a thread per column looping over the C classes
        (the column's maximum, its sum of exponentials, then dZ).
        """
        scale = Z.dtype.type(_gradient_scale(Z.shape[1], weights, weight_sum))
        if is_device_array(Z):
            kernel = get_kernel(_softmax_head_spec(weights is not None))
            args = (b, T) if weights is None else (b, T, weights)
            kernel(*args, scale, Z, dZ, size=Z.shape[1])
            return dZ
        Z += b
        work = softmax(Z)
        work -= T
        if weights is not None:
            work *= weights
        work *= scale
        dZ[...] = work  # bfloat16 dZ: rounded once
        return dZ

    def cost(self, Z, T, weights=None, weight_sum=None):
        return categorical_cross_entropy_from_logits(Z, T, weights, weight_sum)

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


@functools.cache
def _softmax_head_spec(weighted: bool) -> KernelSpec:
    """Column i of Z : (C, m): z += b, then dz = (softmax(z) - y) (* w_i) * s."""
    weight = ", raw T w" if weighted else ""
    times_w = " * w[i]" if weighted else ""
    operation = f"""
    const ptrdiff_t C = z.shape()[0], m = z.shape()[1];
    T top = z[i] + b[0];
    for (ptrdiff_t k = 1; k < C; ++k) {{
        const T v = z[k * m + i] + b[k];
        top = v > top ? v : top;
    }}
    T sum = T(0);
    for (ptrdiff_t k = 0; k < C; ++k) {{
        const T v = z[k * m + i] + b[k];
        z[k * m + i] = v;
        sum += exp(v - top);
    }}
    for (ptrdiff_t k = 0; k < C; ++k) {{
        const T a = exp(z[k * m + i] - top) / sum;
        dz[k * m + i] = D(((a - y[k * m + i]){times_w}) * s);
    }}"""
    return KernelSpec(name=f"dlgpu_softmax_head{'_weighted' if weighted else ''}",
                      in_params=f"raw T b, raw T y{weight}, T s", out_params="raw T z, raw D dz",
                      operation=operation, preamble="", scalars=("s",))


class IdentityOutput(_ElementwiseHead):
    """A[L] = Z[L] : (n_L, m), real-valued predictions (regression), squared-error cost."""

    name = "identity"
    loss = "half_squared_error"
    classifies = False

    def __init__(self, n_out: int):
        self.n_out = n_out

    def __call__(self, Z):
        return Z

    def cost(self, Z, T, weights=None, weight_sum=None):
        return squared_error(Z, T, weights, weight_sum)

    def check_targets(self, Y, m: int, name: str = "Y"):
        """Y : (n_L, m) of finite real numbers."""
        k = self.n_out
        Y = as_array(Y, name, f"a ({k}, m) array of real targets")
        if Y.ndim != 2 or Y.shape[0] != k:
            hint = f" (reshape it with {name}.reshape({k}, -1))" if Y.ndim == 1 else ""
            raise InvalidDataError(f"{name} must have shape ({k}, m) for layer_dims[-1] = {k} "
                                   f"identity (regression) outputs; got shape {Y.shape}{hint}")
        check_example_count(Y, m, name)
        if Y.dtype.kind not in "biuf":
            raise InvalidDataError(f"{name} must hold real numbers (regression targets); "
                                   f"got dtype {Y.dtype}")
        if Y.dtype.kind == "f":
            check_finite(Y, name)
        return Y

    def targets(self, Y, dtype):
        """Y : (n_L, m) -> T : (n_L, m) in ``dtype`` (Y's backend)."""
        return Y.astype(dtype, copy=False)

    def labels(self, A):
        """The predictions themselves, (n_L, m): regression has no labels."""
        return A

    def target_labels(self, T):
        return T

    def n_correct(self, A, T):
        return None  # no accuracy for real values

    def score(self, A, T) -> float:
        """R² (scikit-learn's ``r2_score``): 1 - SS_res/SS_tot per output, averaged
        uniformly over the outputs; an output with constant targets scores 1 when
        predicted exactly, else 0."""
        xp = get_array_module(A)
        A, T = A.astype(np.float64), T.astype(np.float64)
        residual = ((T - A) ** 2).sum(axis=1)
        total = ((T - T.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
        constant = total == 0
        r2 = xp.where(constant, xp.where(residual == 0, 1.0, 0.0),
                      1 - residual / xp.where(constant, 1.0, total))
        return float(r2.mean())


def target_statistics(Y, sample_weight=None):
    """Each target's mean and standard deviation, (n_L, 1) float64 NumPy arrays, of
    Y : (n_L, m); a constant target gets 1.  Regression trains on (Y - mean) / std.
    ``sample_weight`` (m,) or (1, m), >= 0: the weighted mean and standard deviation."""
    Y = np.asarray(to_numpy(Y), dtype=np.float64)
    if sample_weight is None:
        mean = Y.mean(axis=1, keepdims=True)
        std = Y.std(axis=1, keepdims=True)
    else:
        w = np.asarray(to_numpy(sample_weight), dtype=np.float64).reshape(1, -1)
        mean = (Y * w).sum(axis=1, keepdims=True) / w.sum()
        std = np.sqrt((((Y - mean) ** 2) * w).sum(axis=1, keepdims=True) / w.sum())
    return mean, np.where(std <= 10 * np.finfo(np.float64).eps * np.abs(mean), 1.0, std)


def unstandardize_output_(parameters: dict, mean, std) -> None:
    """Fold a target standardization into an identity output layer, in place.

    A network trained on (Y - mean) / std predicts Y itself once
    W[L] <- std * W[L] and b[L] <- std * b[L] + mean (the output is linear in
    them), so the model needs nothing else to predict in Y's units.
    mean, std : (n_L, 1).
    """
    L = len(parameters) // 2
    W, b = parameters[f"W{L}"], parameters[f"b{L}"]
    xp = get_array_module(W)
    std, mean = (to_module(np.asarray(v, dtype=np.float64).reshape(-1, 1), xp, W.dtype)
                 for v in (std, mean))
    W *= std
    b *= std
    b += mean


def get_output(name, n_out: int):
    """The output layer called ``name`` for ``n_out`` output units."""
    heads = {"sigmoid": SigmoidOutput, "logistic": SigmoidOutput, "softmax": SoftmaxOutput,
             "identity": IdentityOutput, "linear": IdentityOutput}
    key = name.lower() if isinstance(name, str) else name
    if key not in heads:
        raise ValueError(f"output_activation must be one of {', '.join(OUTPUT_NAMES)} "
                         f"(sigmoid/softmax for classes, identity for regression), "
                         f"got {name!r}")
    return heads[key](n_out)


def all_cuda_sources(dtypes=("float32", "float64")):
    """Yield ``(kernel name, dtype, source)`` for every output head's fused gradient kernel."""
    from .activations.kernels import render_cuda_source

    specs = [head(2).gradient_spec(weighted) for head in (SigmoidOutput, IdentityOutput)
             for weighted in (False, True)]
    specs += [_softmax_head_spec(weighted) for weighted in (False, True)]
    for spec in specs:
        for dtype in dtypes:
            yield spec.name, dtype, render_cuda_source(spec, dtype)
