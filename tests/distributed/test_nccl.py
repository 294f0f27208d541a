"""The NCCL communicator's calls, against a stand-in for CuPy (no GPU here).

What this cannot show: that NCCL runs, or that the streams order real work.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from dlgpu import distributed

from . import fake_cupy


@pytest.fixture
def nccl_comm(monkeypatch):
    cupy = types.ModuleType("cupy")
    cupy.ndarray, cupy.cuda = fake_cupy.ndarray, fake_cupy.cuda
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setitem(sys.modules, "cupy.cuda", fake_cupy.cuda)
    monkeypatch.setitem(sys.modules, "cupy.cuda.nccl", fake_cupy.nccl)
    fake_cupy.log.clear()
    from dlgpu.distributed.nccl import NCCLCommunicator
    return NCCLCommunicator(host=distributed.LocalCommunicator())


def test_the_all_reduce_runs_on_its_own_stream_between_two_events(nccl_comm):
    buffer = np.arange(6, dtype=np.float32).view(fake_cupy.ndarray)
    assert nccl_comm.allreduce_(buffer) is buffer
    side = nccl_comm.stream
    queued, finished = nccl_comm.queued.name, nccl_comm.finished.name
    assert fake_cupy.log == [("record", queued, "current"), ("wait", "side", queued),
                             ("allReduce", 6, 7, 0, side.ptr),
                             ("record", finished, "side"), ("wait", "current", finished)]


def test_the_broadcast_is_rank_0s_float64(nccl_comm):
    nccl_comm.bcast_(np.zeros(3).view(fake_cupy.ndarray))
    assert ("bcast", 3, 8, 0, nccl_comm.stream.ptr) in fake_cupy.log


def test_host_buffers_go_to_the_host_communicator(nccl_comm):
    nccl_comm.allreduce_(np.ones(2))
    assert fake_cupy.log == []


def test_other_dtypes_are_refused(nccl_comm):
    with pytest.raises(TypeError, match="float32 or float64, got int64"):
        nccl_comm.allreduce_(np.ones(2, dtype=np.int64).view(fake_cupy.ndarray))
