"""Exception and warning types raised by dlgpu."""


class BackendError(RuntimeError):
    """The requested array backend cannot run on this machine."""


class InvalidDataError(ValueError):
    """X or Y does not have the shape, dtype or values the model needs."""


class NotFittedError(ValueError, AttributeError):
    """A model method that needs trained parameters was called before ``fit``."""


class BackendFallbackWarning(UserWarning):
    """``DLGPU_BACKEND=auto`` could not use CuPy and fell back to NumPy."""


class ModelFileError(ValueError):
    """A saved-model file is missing, damaged, or not a dlgpu model; the message names the file."""


class DivergenceError(FloatingPointError):
    """The training cost became NaN or infinite, or blew up (see ``StopOnNaN``).

    ``iteration`` and ``value`` say where; the model keeps the parameters of
    the last record point before it.
    """

    def __init__(self, message: str, iteration: int, value: float):
        super().__init__(message)
        self.iteration = iteration
        self.value = value


class DivergenceWarning(UserWarning):
    """Training stopped early because the cost became NaN or infinite, or blew up."""


class DataRangeWarning(UserWarning):
    """Data given to a model lies far outside the range it was trained on."""


class DeviceMemoryError(MemoryError):
    """The GPU ran out of memory; the message suggests a smaller batch size."""
