"""The activation interface: a NumPy path and a CUDA path for the same maths.

Each activation ``g`` gives

* ``forward_cpu(Z)``: ``A = g(Z)`` on NumPy, written over ``Z``;
* ``backward_cpu(dA, A)``: ``dZ = dA * g'(Z)`` on NumPy, written over ``dA``;
* ``cuda_forward``: a CUDA C++ expression of ``z`` giving ``g(z)``;
* ``cuda_backward``: a CUDA C++ expression of ``dz`` (holding dA) and ``a``
  giving ``dA * g'(z)``;

both in the compute type ``C`` (the arrays' type, or float for bfloat16
arrays: :mod:`dlgpu.activations.kernels`), its constants written ``C(1)``.

The derivative is taken from the *output* ``A`` (as Chainer does), which is
possible for every activation here, so the forward pass need not keep ``Z``.
The public methods dispatch on the array kind: NumPy arrays use the
``*_cpu`` methods, CuPy arrays use the fused kernels of
:mod:`dlgpu.activations.kernels`.
"""

from __future__ import annotations

import functools

import numpy as np

from ..backend import get_array_module, is_device_array
from .kernels import KernelSpec, get_kernel, kernel_spec


def compute_dtype(dtype) -> np.dtype:
    """The dtype arithmetic on arrays of ``dtype`` runs in: float64 for float64, float32
    for float32 and for bfloat16 (whose values are stored, not computed in)."""
    return np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)


def _work(A: np.ndarray) -> np.ndarray:
    """NumPy: A itself where its dtype computes; a float32 copy of bfloat16 storage."""
    return A if A.dtype == compute_dtype(A.dtype) else A.astype(compute_dtype(A.dtype))


def _stored(work: np.ndarray, A: np.ndarray) -> np.ndarray:
    """NumPy: the result ``work`` written to A (rounded once, to nearest even, where
    A is bfloat16); returns A."""
    if work is not A:
        A[...] = work
    return A


def zeros_row(Z: np.ndarray) -> np.ndarray:
    """Zeros of Z's dtype along its last axis, to compare Z with in ``np.maximum``/``np.minimum``.

    Against a Python scalar those ufuncs take a slow loop (NumPy 2.4: about 5x
    slower than ``Z + 1`` on a (256, 8192) float32 Z); against a row that
    broadcasts over Z, each inner loop runs over two contiguous arrays.
    """
    return np.zeros(Z.shape[-1:], dtype=Z.dtype)


class Activation:
    """An activation ``g`` and its derivative, on NumPy and CUDA."""

    name: str = ""
    #: names of scalar parameters, passed to the CUDA kernels in this order
    params: tuple[str, ...] = ()
    #: CUDA C++ expression of ``z`` (of the compute type ``C``) giving ``g(z)``
    cuda_forward: str = ""
    #: CUDA C++ expression of ``dz`` (dA) and ``a`` (g(z)) giving ``dA * g'(z)``
    cuda_backward: str = ""
    #: device functions used by the expressions above
    cuda_preamble: str = ""

    # -- NumPy ---------------------------------------------------------------
    def forward_cpu(self, Z: np.ndarray) -> np.ndarray:
        """Overwrite ``Z`` with ``g(Z)`` and return it."""
        raise NotImplementedError

    def backward_cpu(self, dA: np.ndarray, A: np.ndarray) -> np.ndarray:
        """Overwrite ``dA`` with ``dA * g'(Z)``, computed from ``A = g(Z)``."""
        raise NotImplementedError

    # -- CUDA ----------------------------------------------------------------
    @classmethod
    def kernel_spec(cls, kind: str) -> KernelSpec:
        """The description of this activation's CUDA kernel of ``kind``
        (``forward_bias``, ``forward`` or ``backward``)."""
        return kernel_spec(cls.name, kind, cls.params, cls.cuda_forward, cls.cuda_backward,
                           cls.cuda_preamble)

    # -- dispatch ------------------------------------------------------------
    def param_values(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, p)) for p in self.params)

    def __call__(self, Z):
        """Return ``g(Z)`` as a new array of Z's kind and dtype."""
        if is_device_array(Z):
            return _kernel(type(self), "forward")(Z, *self.param_values())
        work = self.forward_cpu(np.array(Z, dtype=compute_dtype(Z.dtype), copy=True))
        return work if work.dtype == Z.dtype else _stored(work, np.empty_like(Z))

    def forward_bias_(self, A, b):
        """Fused ``A <- g(A + b)`` in place.

        A : (n_l, m), holding ``W A_prev`` on entry; b : (n_l, 1).
        """
        if is_device_array(A):
            _kernel(type(self), "forward_bias")(b, *self.param_values(), A)
            return A
        work = _work(A)
        work += b
        return _stored(self.forward_cpu(work), A)

    def forward_bias_dropout_(self, A, b, dropout):
        """Fused ``A <- g(A + b) * D / keep_prob`` in place (inverted dropout).

        A : (n_l, m), holding ``W A_prev`` on entry; b : (n_l, 1); ``dropout``:
        the layer's :class:`dlgpu.dropout.LayerDropout`, whose mask D (n_l, m)
        the CUDA kernel draws per element and NumPy computes (and keeps for
        the backward pass).  Both multiply ``g(Z)`` by ``1/keep_prob`` or 0,
        so the two backends give the same numbers.
        """
        scale = dropout.scale(compute_dtype(A.dtype))
        if is_device_array(A):
            _kernel(type(self), "forward_bias_dropout")(
                b, dropout.columns, *self.param_values(), dropout.key, dropout.threshold,
                dropout.n_columns, scale, A)
            return A
        work = _work(A)
        work += b
        self.forward_cpu(work)
        work *= dropout.mask(A.shape[0])  # x * 1 and x * 0: the kernel's (keep ? scale : 0)
        work *= scale
        return _stored(work, A)

    def backward_dropout_(self, dA, A, dropout):
        """Fused ``dA <- dA * D / keep_prob * g'(Z)`` in place; returns dZ.

        ``A = g(Z) * D / keep_prob`` is the dropped output the forward pass
        kept; ``g'`` is taken from ``A * keep_prob`` (g(Z) where kept, to
        rounding; the dropped units' gradient is 0 whatever it is).
        """
        work_dtype = compute_dtype(dA.dtype)
        scale, keep_prob = dropout.scale(work_dtype), dropout.keep_prob_as(work_dtype)
        if is_device_array(dA):
            _kernel(type(self), "backward_dropout")(
                A, dropout.columns, *self.param_values(), dropout.key, dropout.threshold,
                dropout.n_columns, keep_prob, scale, dA)
            return dA
        work = _work(dA)
        work *= dropout.mask(dA.shape[0])
        work *= scale
        dropout.release()
        kept = A.astype(work_dtype)
        kept *= keep_prob
        return _stored(self.backward_cpu(work, kept), dA)

    def backward_(self, dA, A):
        """Fused ``dA <- dA * g'(Z)`` in place, from the output ``A``; returns dZ."""
        if is_device_array(dA):
            _kernel(type(self), "backward")(A, *self.param_values(), dA)
            return dA
        work = _work(dA)
        return _stored(self.backward_cpu(work, A.astype(work.dtype, copy=False)), dA)

    def backward_outer_(self, wt, dZ, A, out, dropout=None):
        """Fused ``out <- (wt dZ) * g'(Z)`` (masked and scaled as the forward pass
        was, with ``dropout``): dZ[l] from the next layer's dZ[l+1] : (1, m) when
        W[l+1] is a single row, ``wt`` = W[l+1]^T : (n_l, 1).  A : (n_l, m), the
        layer's (dropped) output; ``out`` : (n_l, m).  Returns ``out``."""
        if is_device_array(A):
            if dropout is None:
                _kernel(type(self), "backward_outer")(wt, dZ, A, *self.param_values(), out)
            else:
                work_dtype = compute_dtype(A.dtype)
                _kernel(type(self), "backward_outer_dropout")(
                    wt, dZ, A, dropout.columns, *self.param_values(), dropout.key,
                    dropout.threshold, dropout.n_columns, dropout.keep_prob_as(work_dtype),
                    dropout.scale(work_dtype), out)
            return out
        work = _work(out)
        np.multiply(wt, dZ, out=work, dtype=work.dtype)
        if dropout is None:
            self.backward_cpu(work, A.astype(work.dtype, copy=False))
        else:
            self.backward_dropout_(work, A, dropout)
        return _stored(work, out)

    def derivative(self, A):
        """Return ``g'(Z)`` computed from ``A = g(Z)``, as a new array."""
        return self.backward_(get_array_module(A).ones_like(A), A)

    def __repr__(self) -> str:
        args = ", ".join(f"{p}={getattr(self, p)!r}" for p in self.params)
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other)
                and self.param_values() == other.param_values())

    def __hash__(self) -> int:
        return hash((type(self), self.param_values()))


@functools.cache
def _kernel(cls: type[Activation], kind: str):
    """The kernel of ``kind`` for an activation class: one lookup per call in the step."""
    return get_kernel(cls.kernel_spec(kind))
