"""Optional tools the tests need: skipped, with the reason, on a user's machine; required on CI.

CI (``CI=true``, as ``.ci/run`` is run there) installs the ``test`` extra, so a
tool missing there is a broken environment, and a skip would hide it: the test
fails instead.  Packages outside the ``test`` extra (PyTorch, pandas) are never
required; their tests use ``pytest.importorskip``.
"""

import importlib
import os

import pytest

ON_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


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
