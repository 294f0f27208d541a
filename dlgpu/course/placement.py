"""Where the course functions compute, and what kind of arrays they return.

On the NumPy backend every function runs as written.  On the CuPy backend a
course step function takes NumPy and CuPy arrays in any mix (parameters from
``initialize_*`` on the device, data the learner loaded on the host): every
NumPy array among its arguments, also inside caches, lists and dicts, is
moved to the device and the maths runs there.  The results come back as
NumPy arrays when every array passed in was NumPy (NumPy in, NumPy out, as
the course's own code gives) and stay CuPy arrays otherwise.  The predict
functions follow their data alone: parameters trained on the device and
examples on the host give predictions on the host, which the notebooks then
compare with their NumPy labels.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from ..backend import get_backend_module, holds_device_arrays, map_arrays, to_module, to_numpy


def follows_caller(function=None, *, data: str | None = None):
    """Run ``function`` on the active backend; return the kind of arrays it was given.

    With ``data`` (an argument's name) the results take that argument's kind.
    """
    if function is None:
        return functools.partial(follows_caller, data=data)
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        xp = get_backend_module()
        if xp is np:
            return function(*args, **kwargs)
        if data is None:
            to_host = not (holds_device_arrays(args) or holds_device_arrays(kwargs))
        else:
            to_host = not holds_device_arrays(signature.bind(*args, **kwargs).arguments.get(data))

        def to_device(a):
            # Non-numeric arrays stay where they are, so the checks name them.
            return to_module(a, xp) if isinstance(a, np.ndarray) and a.dtype.kind in "biuf" else a

        result = function(*map_arrays(args, to_device), **map_arrays(kwargs, to_device))
        return map_arrays(result, to_numpy) if to_host else result
    return wrapper
