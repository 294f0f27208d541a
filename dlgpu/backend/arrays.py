"""Placement: which array module an array belongs to, and moving arrays between them.

This is the one place that tells NumPy arrays from CuPy arrays; every other
module asks here.  Nothing here imports CuPy: a CuPy array can only exist
once CuPy is imported, so ``sys.modules`` is asked instead.
"""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np


def is_device_array(x: object) -> bool:
    """True for a CuPy array (GPU memory), False for anything else."""
    cupy = sys.modules.get("cupy")
    return cupy is not None and isinstance(x, getattr(cupy, "ndarray", ()))


def get_array_module(*arrays: object) -> ModuleType:
    """Return ``cupy`` if any argument is a CuPy array, else ``numpy``.

    Like ``cupy.get_array_module``, but never imports CuPy.
    """
    for x in arrays:
        if is_device_array(x):
            return sys.modules["cupy"]
    return np


def to_numpy(x: object) -> np.ndarray:
    """Return ``x`` as a NumPy array, copying it from the GPU if needed."""
    if is_device_array(x):
        return x.get()
    return np.asarray(x)


def to_module(x: object, xp: ModuleType, dtype: object = None, *, upload: bool = True):
    """``x`` as an array of ``xp`` (NumPy or CuPy) in ``dtype``; no copy when it already is.

    ``upload=False`` leaves host data on the host for a CuPy ``xp`` (data that
    is streamed to the device a batch at a time), while device data still
    comes to the host for a NumPy ``xp``.
    """
    if xp is np:
        return np.asarray(to_numpy(x), dtype=dtype)
    if not upload and not is_device_array(x):
        return np.asarray(x, dtype=dtype)
    return xp.asarray(x, dtype=dtype)


def like(result: object, reference: object):
    """``result`` as the same kind of array (NumPy or CuPy) as ``reference``."""
    if is_device_array(reference):
        return to_module(result, get_array_module(reference))
    return to_numpy(result)


def map_arrays(obj, f):
    """``obj`` with ``f`` applied to every array in it, through tuples, lists and dicts."""
    if isinstance(obj, np.ndarray) or is_device_array(obj):
        return f(obj)
    if isinstance(obj, tuple):
        return tuple(map_arrays(v, f) for v in obj)
    if isinstance(obj, list):
        return [map_arrays(v, f) for v in obj]
    if isinstance(obj, dict):
        return {k: map_arrays(v, f) for k, v in obj.items()}
    return obj


def holds_device_arrays(obj) -> bool:
    """True when a CuPy array is in ``obj``, through tuples, lists and dicts."""
    if is_device_array(obj):
        return True
    if isinstance(obj, (list, tuple)):
        return any(holds_device_arrays(v) for v in obj)
    if isinstance(obj, dict):
        return any(holds_device_arrays(v) for v in obj.values())
    return False
