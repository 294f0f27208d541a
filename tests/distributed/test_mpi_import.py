"""mpi4py without an MPI runtime (as on a lent GPU machine): the distributed tests skip,
saying why, rather than erroring; on CI they still fail (tests/helpers.py's rule)."""

import sys

from . import jobs

BROKEN_MPI = "raise ImportError('libmpi.so.12: cannot open shared object file')\n"


def test_a_failing_mpi_import_is_the_reason_to_skip(tmp_path, monkeypatch):
    (tmp_path / "mpi4py").mkdir()
    (tmp_path / "mpi4py" / "__init__.py").write_text("")
    (tmp_path / "mpi4py" / "MPI.py").write_text(BROKEN_MPI)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])  # for find_spec
    problem = jobs._mpi_import_problem()
    assert problem == ("`from mpi4py import MPI` fails (no MPI runtime?): "
                       "ImportError: libmpi.so.12: cannot open shared object file")
