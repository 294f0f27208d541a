"""Inverted dropout with masks from a counter-based generator.

The mask of hidden layer l at training step ``step`` keeps unit (row) u of
column j when a hash of the five integers ``(seed, step, l, u, j)`` falls
below ``keep_prob``; j is the column's index in the whole training set.  No
generator state exists: a mask is a pure function of where it is, so the
NumPy reference below and the CUDA text (run inside the fused
bias + activation kernel) give the same bits, and a data-parallel run, where
each rank holds some of the columns, draws the masks one process would.
(JAX's threefry keys are the model; this hash is smaller, not cryptographic.)

The hash is splitmix64's finalizer (Steele, Lea and Flood 2014), a
bijection of 64-bit integers, absorbing one integer at a time:
``absorb(h, v) = mix64((h ^ v) + GOLDEN)``.  The first three integers make a
per-layer key, computed here on the host once per layer and step; the
kernel absorbs the unit and the column.  A unit is kept when the high 32
bits of the hash are below ``threshold = ceil(keep_prob * 2**32)``: an
integer comparison, so both sides agree exactly, and the keep probability
is ``threshold / 2**32``, within 2**-32 of ``keep_prob``.

Kept activations are scaled by ``1 / keep_prob`` (inverted dropout), so
prediction needs no dropout and no rescaling.  A[0] (the input) and the
output layer are never dropped.

Shapes in the course's notation: A[l] is (n_l, m); the global column
indices of a step's m columns are an int64 array of shape (1, m) on the
model's backend.
"""

from __future__ import annotations

import math

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB

#: The CUDA side of the generator (a preamble for the fused kernels).  The
#: kernels take the key, threshold and column count as ``long long`` (``I``)
#: and reinterpret them as unsigned, which C++ defines modulo 2**64.
CUDA_PREAMBLE = """
__device__ __forceinline__ unsigned long long dlgpu_mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
__device__ __forceinline__ unsigned long long dlgpu_absorb(unsigned long long h,
                                                           unsigned long long v) {
    return dlgpu_mix64((h ^ v) + 0x9E3779B97F4A7C15ULL);
}
__device__ __forceinline__ bool dlgpu_dropout_keep(long long key, long long unit,
                                                   long long column, long long threshold) {
    const unsigned long long h = dlgpu_absorb(
        dlgpu_absorb((unsigned long long)key, (unsigned long long)unit),
        (unsigned long long)column);
    return (h >> 32) < (unsigned long long)threshold;
}
"""


# -- the generator on the host and in NumPy ---------------------------------------
def mix64(z: int) -> int:
    """splitmix64's finalizer on a Python int (mod 2**64)."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * MIX1) & MASK64
    z = ((z ^ (z >> 27)) * MIX2) & MASK64
    return z ^ (z >> 31)


def absorb(h: int, v: int) -> int:
    return mix64(((h ^ (v & MASK64)) + GOLDEN) & MASK64)


def layer_key(seed: int, step: int, layer: int) -> int:
    """The key of layer ``layer``'s mask at step ``step`` (a 64-bit unsigned int)."""
    return absorb(absorb(absorb(0, seed), step), layer)


def threshold(keep_prob: float) -> int:
    """``ceil(keep_prob * 2**32)``: the high 32 bits of a hash below it keep a unit."""
    return min(1 << 32, math.ceil(keep_prob * (1 << 32)))


def _mix64_(z: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer in place on a uint64 array (NumPy wraps mod 2**64)."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(MIX1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(MIX2)
    z ^= z >> np.uint64(31)
    return z


def keep_mask(key: int, n_units: int, columns, thresh: int) -> np.ndarray:
    """The NumPy reference: bool (n_units, m), True where the unit is kept.

    ``columns``: the m global column indices (any integer array-like).
    """
    columns = np.asarray(columns, dtype=np.int64).reshape(1, -1).view(np.uint64)
    rows = np.arange(n_units, dtype=np.uint64).reshape(-1, 1)
    rows ^= np.uint64(key & MASK64)
    rows += np.uint64(GOLDEN)
    rows = _mix64_(rows)  # absorb(key, unit): (n, 1)
    h = rows ^ columns  # absorb(row, column): (n, m)
    h += np.uint64(GOLDEN)
    _mix64_(h)
    h >>= np.uint64(32)
    return h < np.uint64(thresh)


def check_keep_prob(keep_prob) -> float:
    """``keep_prob`` as a float in (0, 1], or a ValueError naming it and the range."""
    if isinstance(keep_prob, (bool, np.bool_)) or not isinstance(
            keep_prob, (int, float, np.integer, np.floating)):
        raise TypeError(f"keep_prob must be a number in (0, 1], got {keep_prob!r}")
    value = float(keep_prob)
    if not 0.0 < value <= 1.0:  # NaN fails too
        raise ValueError(f"keep_prob must be in (0, 1] (1 keeps every unit: no dropout), "
                         f"got {keep_prob!r}")
    return value


def as_signed(value: int) -> np.int64:
    """A 64-bit unsigned value as the int64 with the same bits (the kernels' ``I``)."""
    value &= MASK64
    return np.int64(value - (1 << 64) if value >= 1 << 63 else value)


# -- one training step's masks ----------------------------------------------------
class LayerDropout:
    """The mask of one hidden layer at one step, as the kernels take it.

    ``columns``: int64 (1, m) on the backend, the global column indices.
    On NumPy the boolean mask is computed once, in the forward pass, and
    kept until the backward pass of the same layer has used it (a bool
    array, smaller than the activations); the CUDA kernels recompute it
    from the counters instead, so the GPU keeps no mask at all.
    """

    def __init__(self, keep_prob: float, key: int, columns):
        self.keep_prob = keep_prob
        self.key = as_signed(key)
        self.threshold = np.int64(threshold(keep_prob))
        self.columns = columns
        self.n_columns = np.int64(columns.shape[1])
        self._mask = None

    def scale(self, dtype):
        """``1 / keep_prob`` in the activations' dtype (the same number on both backends)."""
        return np.dtype(dtype).type(1.0 / self.keep_prob)

    def keep_prob_as(self, dtype):
        return np.dtype(dtype).type(self.keep_prob)

    def mask(self, n_units: int) -> np.ndarray:
        """NumPy: the (n_units, m) bool mask, computed on first use."""
        if self._mask is None:
            self._mask = keep_mask(int(self.key), n_units, self.columns, int(self.threshold))
        return self._mask

    def release(self) -> None:
        """The backward pass is done with this layer: drop the NumPy mask."""
        self._mask = None


class StepDropout:
    """The dropout of one training step: ``keep_prob``, the masks' seed, the global
    step number and the global column indices (int64 (1, m) on the backend)."""

    def __init__(self, keep_prob: float, seed: int, step: int, columns):
        self.keep_prob, self.seed, self.step = keep_prob, seed, step
        self.columns = columns
        self._layers: dict[int, LayerDropout] = {}

    def layer(self, l: int) -> LayerDropout:
        """Hidden layer l's mask (1 <= l < L), the same object in forward and backward."""
        layer = self._layers.get(l)
        if layer is None:
            layer = self._layers[l] = LayerDropout(
                self.keep_prob, layer_key(self.seed, self.step, l), self.columns)
        return layer
