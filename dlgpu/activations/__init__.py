"""Activation functions, held in one registry by name.

One module per activation (its NumPy maths beside the CUDA text of the same
maths), ``base`` (the interface) and ``kernels`` (kernel descriptions and the
CuPy kernel cache, which knows descriptions, not activations).  Imports the
backend layer only.

>>> from dlgpu.activations import get_activation
>>> get_activation("leaky_relu", slope=0.1)
LeakyReLU(slope=0.1)
"""

from __future__ import annotations

from .base import Activation
from .kernels import KINDS, render_cuda_source
from .identity import Identity
from .leaky_relu import LeakyReLU
from .relu import ReLU
from .sigmoid import Sigmoid
from .tanh import Tanh

ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Identity)
}
ALIASES = {"logistic": "sigmoid", "linear": "identity"}


def activation_names() -> list[str]:
    """All accepted names, aliases included."""
    return sorted([*ACTIVATIONS, *ALIASES])


def get_activation(name: str | Activation, **params) -> Activation:
    """Return the activation called ``name`` (``params`` e.g. ``slope=0.05``)."""
    if isinstance(name, Activation):
        if params:
            raise TypeError("parameters cannot be given with an Activation instance")
        return name
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name (str), got {type(name).__name__}")
    key = ALIASES.get(name.lower(), name.lower())
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; valid names are "
                         f"{', '.join(activation_names())}")
    cls = ACTIVATIONS[key]
    unknown = set(params) - set(cls.params)
    if unknown:
        raise TypeError(f"activation {key!r} takes no parameter(s) "
                        f"{', '.join(sorted(unknown))}"
                        + (f"; it takes {', '.join(cls.params)}" if cls.params else ""))
    return cls(**params)


def all_cuda_sources(dtypes=("float32", "float64")):
    """Yield ``(kernel name, dtype, source)`` for every kernel in the package."""
    for cls in ACTIVATIONS.values():
        for kind in KINDS:
            spec = cls.kernel_spec(kind)
            for dtype in dtypes:
                yield spec.name, dtype, render_cuda_source(spec, dtype)


__all__ = ["ACTIVATIONS", "ALIASES", "Activation", "Identity", "LeakyReLU", "ReLU",
           "Sigmoid", "Tanh", "activation_names", "all_cuda_sources", "get_activation"]
