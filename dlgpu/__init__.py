"""dlgpu: fully-connected deep networks on NVIDIA GPUs (CuPy) or CPUs (NumPy).

The maths follows the notation of the deep-learning course: examples are
columns, X is (n_x, m), Y is (1, m), W[l] is (n_l, n_{l-1}).
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
