"""The training step's memory: flat buffers and a workspace per batch width.

**Flat buffers.**  A model's parameters W[1], ..., W[L], b[1], ..., b[L] lie
in one contiguous 1-d buffer, the weights first, then the biases
(:class:`FlatLayout`); ``model.parameters_`` holds views of it, shaped
W[l] : (n_l, n_{l-1}), b[l] : (n_l, 1).  The gradients dW[l], db[l] and each
optimizer state (v, s) have the same layout.  So the whole update, any
optimizer with its weight decay, is one kernel over one buffer, the L2 term
one kernel over the weights' part, and a data-parallel all-reduce one call.
The weights-first order is what lets the update tell a weight (decayed) from
a bias (not) by its index alone.

**Workspace.**  The activations A[l] : (n_l, m), the output's Z[L] and dZ[L]
: (n_L, m) and two scratch buffers for dA/dZ are allocated once per batch
width m (:class:`Workspace`) and written by every step through ``out=``, so
a steady-state step allocates nothing from the memory pool.

Arrays are of the model's backend (``xp``) and dtype.
"""

from __future__ import annotations

import numpy as np

from .backend import get_array_module
from .backend.precision import resolve_dtype


class FlatLayout:
    """Where each parameter lies in a flat buffer.

    ``shapes``: key -> shape for W1, b1, W2, b2, ... (the order of
    ``parameters_``).  ``n_weights``: the elements of W[1..L], which come
    first; ``size``: all elements.
    """

    def __init__(self, shapes: dict[str, tuple[int, ...]]):
        self.keys = list(shapes)
        self.shapes = {key: tuple(int(n) for n in shape) for key, shape in shapes.items()}
        order = [k for k in self.keys if k.startswith("W")] + [
            k for k in self.keys if not k.startswith("W")]
        self.offsets: dict[str, int] = {}
        offset = 0
        for key in order:
            self.offsets[key] = offset
            offset += int(np.prod(self.shapes[key]))
        self.size = offset
        self.n_weights = sum(int(np.prod(self.shapes[k])) for k in order if k.startswith("W"))

    @classmethod
    def of(cls, arrays: dict) -> FlatLayout:
        return cls({key: value.shape for key, value in arrays.items()})

    def fits(self, arrays: dict) -> bool:
        return list(arrays) == self.keys and all(
            tuple(arrays[k].shape) == self.shapes[k] for k in self.keys)

    def views(self, flat) -> dict:
        """key -> the view of ``flat`` holding that parameter, in ``keys`` order."""
        views = {}
        for key in self.keys:
            start = self.offsets[key]
            shape = self.shapes[key]
            views[key] = flat[start:start + int(np.prod(shape))].reshape(shape)
        return views

    def weights(self, flat):
        """The weights' part of ``flat`` (1-d, contiguous)."""
        return flat[:self.n_weights]


class FlatArrays:
    """One flat buffer and its views by key, e.g. the parameters or one optimizer state."""

    def __init__(self, layout: FlatLayout, flat):
        self.layout, self.flat = layout, flat
        self.views = layout.views(flat)

    @classmethod
    def zeros(cls, layout: FlatLayout, xp, dtype) -> FlatArrays:
        return cls(layout, xp.zeros(layout.size, dtype=dtype))

    @classmethod
    def packing(cls, arrays: dict, xp, dtype) -> FlatArrays:
        """A new flat buffer holding a copy of ``arrays`` (key -> array)."""
        packed = cls(FlatLayout.of(arrays), xp.empty(FlatLayout.of(arrays).size, dtype=dtype))
        for key, value in arrays.items():
            packed.views[key][...] = value
        return packed

    def holds(self, arrays: dict) -> bool:
        """Whether ``arrays`` are exactly this buffer's views (not copies, not replaced)."""
        return list(arrays) == self.layout.keys and all(
            arrays[key] is self.views[key] for key in self.layout.keys)


class FlatParameters(FlatArrays):
    """A model's parameters in one flat buffer, with what the step keeps beside them.

    ``grads``: the gradients' flat buffer, of the same layout; ``grad_views``
    its views by gradient name (``dW1``, ``db1``, ...); ``compute``: the
    parameters the products read (these, or under mixed precision a copy in
    the compute dtype, :func:`dlgpu.backend.precision.resolve_dtype`);
    ``setting``: the model's ``dtype`` setting they were made for.
    """

    def __init__(self, parameters: dict, xp, setting: str):
        first = next(iter(parameters.values()))
        layout = FlatLayout.of(parameters)
        super().__init__(layout, xp.empty(layout.size, dtype=first.dtype))
        for key, value in parameters.items():
            self.views[key][...] = value
        self.grads = FlatArrays(layout, xp.empty(layout.size, dtype=first.dtype))
        self.grad_views = {"d" + key: view for key, view in self.grads.views.items()}
        compute = resolve_dtype(setting).compute
        # Mixed precision: the step's products read a copy in the compute dtype, cast
        # from the master parameters once a step (one kernel).
        self.compute_copy = (None if compute == first.dtype
                             else FlatArrays(layout, xp.empty(layout.size, dtype=compute)))
        self.setting = setting

    @property
    def compute(self) -> FlatArrays:
        """The parameters the products read: a copy in the compute dtype, or these."""
        # A property, not an attribute: ``self.compute = self`` would be a reference
        # cycle, keeping the buffers (and the gradients beside them) until a GC pass.
        return self if self.compute_copy is None else self.compute_copy


def flat_parameters(model) -> FlatParameters:
    """The model's parameters as one flat buffer, ``model.parameters_`` its views.

    Packed on first use, and again whenever ``parameters_`` no longer holds
    the buffer's views (parameters set by hand, restored by a callback,
    read from a file, unpickled) or ``dtype`` changed: the values are copied
    in and ``parameters_`` gets the views, so user code that keeps the dict
    sees the training.
    """
    params = model.parameters_
    flat = model.__dict__.get("_flat")
    if flat is not None and flat.setting == model.dtype and flat.holds(params):
        return flat
    flat = FlatParameters(params, get_array_module(next(iter(params.values()))), model.dtype)
    model.__dict__["_flat"] = flat
    params.clear()
    params.update(flat.views)  # the same dict object: references to it stay current
    return flat


class Workspace:
    """The arrays of one training step on m examples, allocated once.

    ``A[l]`` : (n_l, m) for the hidden layers l = 1 .. L-1 (A[0] is the
    batch itself, or ``X``, its copy in the compute dtype); ``ZL``, ``dZL`` :
    (n_L, m); ``row`` : (1, m); ``dA[l]`` : (n_l, m) for
    l = 1 .. L-2, views of two ping-pong scratch buffers (dA[l-1] is computed
    from dZ[l], which must stay intact meanwhile).
    """

    def __init__(self, layer_dims, m: int, xp, dtype, compute=None):
        L = len(layer_dims) - 1
        compute = dtype if compute is None else compute
        self.m = m
        # What the products read (the batch X, A, dA, dZ) is in the compute dtype; ZL,
        # the cost's input, in the master dtype.
        self.X = (None if compute == dtype
                  else xp.empty((layer_dims[0], m), dtype=compute))  # the batch, cast
        self.A = [None] + [xp.empty((layer_dims[l], m), dtype=compute) for l in range(1, L)]
        self.ZL = xp.empty((layer_dims[L], m), dtype=dtype)
        self.dZL = xp.empty((layer_dims[L], m), dtype=compute)
        self.row = xp.empty((1, m), dtype=dtype)  # a value per example (the costs' scratch)
        self.dA = [None] * L
        # dA[l] for l = L-1 (when W[L] is not an outer product) down to 1: alternate buffers.
        rows = [layer_dims[l] for l in range(1, L)]
        if rows:
            scratch = [xp.empty(max(rows) * m, dtype=compute) for _ in range(2 if L > 2 else 1)]
            for l in range(L - 1, 0, -1):
                buffer = scratch[(L - 1 - l) % len(scratch)]
                self.dA[l] = buffer[:layer_dims[l] * m].reshape(layer_dims[l], m)


def workspace(model, m: int, xp) -> Workspace:
    """The model's workspace for batches of m examples (made on first use).

    A fit with mini-batches keeps at most two: the batch size and a last,
    smaller batch.  Dropped when the layer sizes or dtype change.
    """
    key = (tuple(model.layer_dims), str(model.dtype), m, xp.__name__)
    spaces = model.__dict__.setdefault("_workspaces", {})
    space = spaces.get(key)
    if space is None:
        if len(spaces) >= 4:  # widths of an earlier fit
            spaces.clear()
        precision = resolve_dtype(model.dtype)
        space = spaces[key] = Workspace(model.layer_dims, m, xp, precision.master,
                                        precision.compute)
    return space


def release(model) -> None:
    """Drop the model's step buffers but its parameters (after running out of memory:
    the gradients and workspaces are made again by the next step)."""
    model.__dict__.pop("_flat", None)
    model.__dict__.pop("_workspaces", None)
