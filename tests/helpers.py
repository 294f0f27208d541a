"""Helpers the tests share: which backends can run, optional tools, damaged files.

Imported by the tests and by ``conftest.py`` (never the other way round).
Importing this module activates the strict CuPy stand-in of
``tests/cupy_standin`` where real CuPy cannot run, so it must be imported
before any test imports CuPy: ``tests/conftest.py`` does that first.
"""

import importlib
import os

import pytest
from hypothesis import strategies as st

from dlgpu.backend import probe_cupy

from .cupy_standin import cupy_for_tests

ON_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")

# -- backends ------------------------------------------------------------------------------
_cupy, CUPY_SKIP_REASON, CUPY_IS_STANDIN = cupy_for_tests(probe_cupy)
HAS_CUPY = _cupy is not None
#: real CuPy on a real GPU (the stand-in does not count)
HAS_REAL_CUPY = HAS_CUPY and not CUPY_IS_STANDIN
if not HAS_CUPY and os.environ.get("CI"):
    raise RuntimeError(f"CI must run the CuPy cases, at least on the stand-in: {CUPY_SKIP_REASON}")

needs_cupy = pytest.mark.skipif(not HAS_CUPY, reason=f"CuPy cannot run here: {CUPY_SKIP_REASON}")
BACKENDS = ["numpy", pytest.param("cupy", marks=needs_cupy)]


# -- optional tools: skipped, with the reason, on a user's machine; required on CI ---------
# CI (``CI=true``, as ``.ci/run`` is run there) installs the ``test`` extra, so a
# tool missing there is a broken environment, and a skip would hide it: the test
# fails instead.  Packages outside the ``test`` extra (PyTorch, pandas) are never
# required; their tests use ``pytest.importorskip``.

def unavailable(reason: str):
    """Skip the calling test (or module) saying why; on CI, fail it."""
    if ON_CI:
        pytest.fail(f"{reason}; CI=true, where it must be available", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require(module: str):
    """``module`` imported, like ``pytest.importorskip``, but a failure on CI."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        unavailable(f"{module} cannot be imported ({exc}); "
                    f"python3 -m pip install -e \".[test]\" installs it")


# -- damaged files -------------------------------------------------------------------------
@st.composite
def damaged_bytes(draw, valid, magics=(b"",)):
    """Random bytes, one of ``magics`` then random bytes, or the bytes of ``valid()``
    (a valid file, built only when needed) with bytes changed, cut off or spliced."""
    how = draw(st.sampled_from(["random", "magic", "flips", "truncate", "splice"]))
    if how == "random":
        return draw(st.binary(max_size=3000))
    if how == "magic":
        return draw(st.sampled_from(magics)) + draw(st.binary(max_size=3000))
    data = bytearray(valid())
    if how == "flips":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "truncate":
        return bytes(data[:draw(st.integers(0, len(data) - 1))])
    start = draw(st.integers(0, len(data)))
    stop = draw(st.integers(start, min(len(data), start + 64)))
    return bytes(data[:start]) + draw(st.binary(max_size=64)) + bytes(data[stop:])
