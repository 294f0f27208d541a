"""The NCCL and host-staged MPI paths on CuPy arrays, 1 rank, on the CuPy stand-in.

The stand-in's ``cupy.cuda.nccl`` (tests/cupy_standin/nccl.py) checks the
pointers, counts, datatypes and streams dlgpu hands it and queues the
collective on its stream.  What this cannot show: that NCCL runs on GPUs,
with more than one rank, or that the side stream overlaps real work.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlgpu
from dlgpu import distributed

from ..helpers import CUPY_IS_STANDIN, ON_CI, needs_cupy
from .jobs import MPI_IMPORT_PROBLEM
from .ranks import DIMS, data

# No mpiexec needed: MPI.COMM_WORLD of a process started without one is a world of 1.
# On CI these must run, not skip: mpi4py is a test dependency.
pytestmark = [needs_cupy, pytest.mark.skipif(
    MPI_IMPORT_PROBLEM is not None and not ON_CI,
    reason=f"MPI unavailable: {MPI_IMPORT_PROBLEM}")]
standin_only = pytest.mark.skipif(not CUPY_IS_STANDIN, reason="checks the stand-in's queues")


@pytest.fixture
def cupy():
    dlgpu.set_backend("cupy")
    return dlgpu.backend.get_backend_module()


@pytest.fixture
def nccl_comm(cupy, monkeypatch):
    """``init("nccl")`` without a launcher: MPI's singleton world, one NCCL rank."""
    for var in distributed.launch._LAUNCHER_VARS:
        monkeypatch.delenv(var, raising=False)
    comm = distributed.init("nccl")
    assert type(comm).__name__ == "NCCLCommunicator" and (comm.rank, comm.size) == (0, 1)
    return comm


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_rank_sums_and_broadcasts_leave_the_buffer(nccl_comm, cupy, dtype):
    buffer = cupy.arange(7, dtype=dtype)
    assert nccl_comm.allreduce_(buffer) is buffer
    assert nccl_comm.bcast_(buffer) is buffer
    np.testing.assert_array_equal(buffer.get(), np.arange(7, dtype=dtype))
    view = cupy.arange(8.0)[2:6]  # a view: its pointer is inside the allocation
    nccl_comm.allreduce_(view)
    np.testing.assert_array_equal(view.get(), [2.0, 3.0, 4.0, 5.0])


def test_host_buffers_go_over_mpi_and_other_dtypes_are_refused(nccl_comm, cupy):
    host = np.arange(3.0)
    assert nccl_comm.allreduce_(host) is host
    np.testing.assert_array_equal(host, [0.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="float32 or float64, got int64"):
        nccl_comm.allreduce_(cupy.arange(2, dtype="int64"))


@standin_only
def test_the_all_reduce_runs_on_its_own_stream_after_the_gradients(nccl_comm, cupy):
    buffer = cupy.zeros(4)
    current = cupy.cuda.get_current_stream()
    buffer.set(np.full(4, 2.0))  # the gradients' last write, queued on the current stream
    nccl_comm.allreduce_(buffer)
    assert nccl_comm.stream is not current and not nccl_comm.stream.done  # queued, not run
    nccl_comm.stream.synchronize()  # runs what it waits for, then the all-reduce
    assert current.done and nccl_comm.finished.done
    np.testing.assert_array_equal(buffer.get(), np.full(4, 2.0))


@standin_only
def test_the_current_stream_waits_for_the_all_reduce(nccl_comm, cupy):
    buffer = cupy.arange(3.0)
    nccl_comm.allreduce_(buffer)
    assert not nccl_comm.finished.done
    buffer *= 2  # the next operation on the current stream
    assert nccl_comm.finished.done


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 43, "epochs": 2}])
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-13), ("float32", 1e-5)])
@pytest.mark.parametrize("host_staged", [False, True], ids=["nccl", "mpi"])
def test_fit_on_one_rank_gives_plain_fits_parameters(cupy, nccl_comm, kwargs, dtype, rtol,
                                                     host_staged):
    """To rounding: the sync scales gradients by the example count and back."""
    comm = distributed.MPICommunicator() if host_staged else nccl_comm
    X, Y = data()
    plain = dlgpu.DeepNN(DIMS, dtype=dtype, num_iterations=30, **kwargs).fit(X, Y)
    ranked = dlgpu.DeepNN(DIMS, dtype=dtype, num_iterations=30, **kwargs)
    ranked.fit(X, Y, comm=comm, validation_data=(X, Y))
    for key, value in plain.parameters_.items():
        assert isinstance(ranked.parameters_[key], cupy.ndarray)
        np.testing.assert_allclose(ranked.parameters_[key].get(), value.get(), rtol=rtol,
                                   atol=rtol * float(abs(value).max()))
    assert ranked.costs_ == pytest.approx(plain.costs_, rel=rtol)


def test_auto_under_a_launcher_picks_nccl_for_the_cupy_backend(nccl_comm, monkeypatch):
    monkeypatch.setenv("SLURM_PROCID", "0")  # MPI is already initialized: only read by init
    assert type(distributed.init("auto")).__name__ == "NCCLCommunicator"
    dlgpu.set_backend("numpy")
    assert type(distributed.init("auto")) is distributed.MPICommunicator


@pytest.fixture
def two_local_ranks(nccl_comm, monkeypatch, capsys):
    """This node runs 2 ranks; the stand-in has 1 GPU (NVIDIA/nccl#231: NCCL refuses)."""
    monkeypatch.setattr(distributed.nccl, "local_ranks", lambda comm: (0, 2))
    monkeypatch.setattr(distributed.launch, "_said", set())
    monkeypatch.setenv("SLURM_PROCID", "0")
    capsys.readouterr()


def test_auto_uses_host_staged_mpi_where_ranks_share_a_gpu_and_says_so_once(two_local_ranks,
                                                                            capsys):
    assert type(distributed.init("auto")) is distributed.MPICommunicator
    assert type(distributed.init("auto")) is distributed.MPICommunicator
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "2 ranks on 1 GPU" in lines[0] and "host-staged MPI" in lines[0]


def test_nccl_refuses_ranks_that_share_a_gpu_naming_the_counts(two_local_ranks):
    with pytest.raises(dlgpu.errors.BackendError, match=r"2 ranks on 1 GPU.*at most 1 rank"):
        distributed.init("nccl")


def test_a_node_with_a_gpu_per_rank_keeps_nccl(nccl_comm, monkeypatch, capsys):
    monkeypatch.setattr(distributed.nccl, "local_ranks", lambda comm: (0, 2))
    monkeypatch.setattr(cupy_runtime(), "getDeviceCount", lambda: 2)
    monkeypatch.setenv("SLURM_PROCID", "0")
    assert type(distributed.init("auto")).__name__ == "NCCLCommunicator"
    assert capsys.readouterr().err == ""


def cupy_runtime():
    return dlgpu.backend.get_backend_module().cuda.runtime


@pytest.mark.parametrize("backend_name", ["nccl", "auto"])
def test_a_cupy_without_the_nccl_library_is_a_backend_error(cupy, monkeypatch, backend_name):
    """cupy/cuda/nccl.py: without libnccl the module imports with ``available = False``
    and none of NCCL's functions; ``init("nccl")`` once failed with an AttributeError."""
    nccl = cupy.cuda.nccl
    monkeypatch.setattr(nccl, "available", False)
    for name in ("get_unique_id", "NcclCommunicator"):
        monkeypatch.delattr(nccl, name)
    for var in distributed.launch._LAUNCHER_VARS:
        monkeypatch.delenv(var, raising=False)
    if backend_name == "nccl":
        with pytest.raises(dlgpu.errors.BackendError, match="needs the NCCL library"):
            distributed.init("nccl")
    else:  # auto under a launcher: host-staged MPI
        monkeypatch.setenv("SLURM_PROCID", "0")
        assert type(distributed.init("auto")) is distributed.MPICommunicator


def test_host_staged_mpi_sums_cupy_arrays_in_place(cupy):
    comm = distributed.MPICommunicator()
    buffer = cupy.arange(5.0)
    assert comm.allreduce_(buffer) is buffer and comm.bcast_(buffer) is buffer
    np.testing.assert_array_equal(buffer.get(), np.arange(5.0))


def test_abort_ends_the_nccl_communicator_then_mpi(nccl_comm, cupy, monkeypatch):
    codes = []
    monkeypatch.setattr(nccl_comm.mpi, "abort", codes.append)
    nccl_comm.abort(3)
    assert codes == [3]
    with pytest.raises(cupy.cuda.nccl.NcclError, match="NCCL_ERROR_INVALID_ARGUMENT"):
        nccl_comm.allreduce_(cupy.arange(2.0))


def test_agreed_errors_wait_for_every_rank_through_nccls_mpi(nccl_comm, monkeypatch):
    """faults' excepthook calls barrier_within when every rank raises the same error;
    the NCCL communicator once lacked it and failed inside the fault handler."""
    waits = []
    monkeypatch.setattr(nccl_comm.mpi, "barrier_within", lambda s: waits.append(s) or True)
    assert nccl_comm.barrier_within(2.5) is True
    assert waits == [2.5]


def test_shard_takes_cupy_arrays(cupy):
    X, Y = (cupy.asarray(a) for a in data())
    X_local, Y_local = distributed.shard(X, Y, distributed.LocalCommunicator())
    assert isinstance(X_local, cupy.ndarray) and X_local.shape == X.shape
    np.testing.assert_array_equal(Y_local.get(), Y.get())
