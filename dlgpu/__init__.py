"""dlgpu: fully-connected deep networks on NVIDIA GPUs (CuPy) or CPUs (NumPy).

The maths follows the notation of the deep-learning course: examples are
columns, X is (n_x, m), Y is (1, m), W[l] is (n_l, n_{l-1}).

The library, floor by floor (a module imports only from the floors below it):

1. ``errors``; ``backend`` (selection, placement, CuPy machinery);
2. ``activations``, ``losses``, ``outputs``, ``initializers``, ``validation``,
   ``preprocessing``, ``npz``; ``propagation`` (the network's maths);
3. ``batching``, ``distributed`` (communicators, the gradient sync, faults),
   ``callbacks``, ``progress``, ``interrupt``; ``training`` (the loop);
4. ``io`` (the model file), then ``model`` (``DeepNN``) and ``gradcheck``.

Above the library, imported by nobody in it: ``dlgpu.course`` (the course's
functions), ``dlgpu.datasets``, ``dlgpu.sklearn``, ``dlgpu.plots``,
``dlgpu.cli`` and ``dlgpu.bench``.  ``import dlgpu`` loads the library only.
"""

from ._version import __version__
from .activations import get_activation
from .backend import get_array_module, get_backend, set_backend, synchronize, to_device, to_numpy
from .errors import (BackendError, BackendFallbackWarning, DeviceMemoryError, DivergenceError,
                     DivergenceWarning, InvalidDataError, ModelFileError, NotFittedError)
from .gradcheck import gradient_check
from .io import save_model
from .model import DeepNN, load_model

__all__ = [
    "BackendError", "BackendFallbackWarning", "DeepNN", "DeviceMemoryError", "DivergenceError",
    "DivergenceWarning", "InvalidDataError", "ModelFileError", "NotFittedError", "__version__",
    "get_activation", "get_array_module", "get_backend", "gradient_check", "load_model",
    "save_model", "set_backend", "synchronize", "to_device", "to_numpy",
]
