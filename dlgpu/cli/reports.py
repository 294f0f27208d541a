"""How the command line reports an error: one line on stderr and an exit status."""

from __future__ import annotations

from ..errors import BackendError, DivergenceError, InvalidDataError, ModelFileError, NotFittedError

#: a user's mistake (a missing file, a bad option, data of the wrong shape): exit 2
USER_ERRORS = (BackendError, InvalidDataError, ModelFileError, NotFittedError, ValueError,
               TypeError, ImportError, OSError)


def explain(exc: BaseException) -> tuple[str, int] | None:
    """The line on stderr and the exit status for ``exc``: 1 for a divergence, 2 for a
    user's mistake; None for anything else (a bug: its traceback is wanted)."""
    if isinstance(exc, DivergenceError):
        return f"dlgpu: {exc}", 1
    if isinstance(exc, USER_ERRORS):
        return f"dlgpu: error: {one_line(exc)}", 2
    return None


def one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{text}: {exc.filename}"
    return " ".join(text.split())
