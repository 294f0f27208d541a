"""Exception and warning types raised by dlgpu."""


class BackendError(RuntimeError):
    """The requested array backend cannot run on this machine."""


class InvalidDataError(ValueError):
    """X or Y does not have the shape, dtype or values the model needs."""


class NotFittedError(ValueError, AttributeError):
    """A model method that needs trained parameters was called before ``fit``."""


class BackendFallbackWarning(UserWarning):
    """``DLGPU_BACKEND=auto`` could not use CuPy and fell back to NumPy."""
