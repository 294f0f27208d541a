"""The parts that need no MPI: sharding, the 1-process communicator, agreement, the sync."""

from __future__ import annotations

import numpy as np
import pytest

import dlgpu
from dlgpu import distributed
from dlgpu.buffers import FlatArrays
from dlgpu.distributed.faults import agree
from dlgpu.distributed.shard import shard_columns

from ..helpers import needs_cupy
from .ranks import DIMS, data


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("m, size", [(10, 3), (7, 7), (301, 2)])
def test_shards_cover_every_column_once(layout, m, size):
    columns = [np.arange(m)[shard_columns(m, rank, size, layout)] for rank in range(size)]
    assert sorted(np.concatenate(columns).tolist()) == list(range(m))
    assert max(map(len, columns)) - min(map(len, columns)) <= 1
    if layout == "contiguous":
        assert all(np.all(np.diff(c) == 1) for c in columns)


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("m, size", [(10, 3), (301, 2), (7, 7)])
def test_global_columns_give_back_each_shards_columns(layout, m, size):
    """What dropout keys its masks by: a shard's columns' indices in the whole data set."""
    from dlgpu.distributed.shard import global_columns, shard_layout
    X = np.arange(m, dtype=np.float64).reshape(1, m)
    counts = [len(range(m)[shard_columns(m, rank, size, layout)]) for rank in range(size)]
    for rank in range(size):
        comm = type("Rank", (distributed.LocalCommunicator,), {"rank": rank, "size": size})()
        X_local, _ = distributed.shard(X, X, comm, layout)
        assert shard_layout(X_local) == layout
        local = np.arange(X_local.shape[1])
        np.testing.assert_array_equal(
            global_columns(local, rank, size, counts, shard_layout(X_local)), X_local[0])
    assert shard_layout(X.copy()) == "contiguous"  # a user's shard: after the lower ranks'


def test_a_shard_without_weak_references_is_known_by_its_memory():
    from dlgpu.distributed.shard import _remember, shard_layout

    class NoWeakRef:  # an array type that takes no weak references
        __slots__ = ("shape", "strides", "__array_interface__")

    shard = NoWeakRef()
    shard.shape, shard.strides, shard.__array_interface__ = (2, 5), (8, 16), {"data": (64, 0)}
    _remember(shard, "strided")
    assert shard_layout(shard) == "strided"
    shard.__array_interface__ = {"data": (128, 0)}  # another array that took its id
    assert shard_layout(shard) == "contiguous"


def test_one_rank_trains_the_dropout_model_of_plain_fit():
    X, Y = data()
    for kwargs in ({}, {"batch_size": 43, "epochs": 2}):
        plain = dlgpu.DeepNN(DIMS, dtype="float64", num_iterations=30, keep_prob=0.6,
                             **kwargs).fit(X, Y)
        ranked = dlgpu.DeepNN(DIMS, dtype="float64", num_iterations=30, keep_prob=0.6, **kwargs)
        ranked.fit(X, Y, comm=distributed.init("local"))
        for key, value in plain.parameters_.items():
            np.testing.assert_array_equal(ranked.parameters_[key], value)


def test_shard_refuses_too_few_examples_and_bad_shapes():
    comm = distributed.LocalCommunicator()
    with pytest.raises(dlgpu.InvalidDataError, match="3 examples cannot be shared among 4"):
        shard_columns(3, 0, 4)
    with pytest.raises(dlgpu.InvalidDataError, match=r"shard takes X : \(n_x, m\)"):
        distributed.shard(np.zeros((2, 5)), np.zeros(5), comm)
    with pytest.raises(ValueError, match="layout"):
        shard_columns(5, 0, 1, "random")


def test_init_without_a_launcher_is_one_local_process(monkeypatch):
    for var in ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                "MPI_LOCALNRANKS", "SLURM_PROCID"):
        monkeypatch.delenv(var, raising=False)
    comm = distributed.init()
    assert isinstance(comm, distributed.LocalCommunicator)
    assert (comm.rank, comm.size) == (0, 1)
    with pytest.raises(ValueError, match="unknown distributed backend 'gloo'"):
        distributed.init("gloo")


def test_one_rank_trains_the_model_of_plain_fit():
    X, Y = data()
    comm = distributed.init("local")
    for kwargs in ({}, {"batch_size": 43, "epochs": 2}):  # 301 = 7 x 43: the same batches
        plain = dlgpu.DeepNN(DIMS, dtype="float64", num_iterations=30, **kwargs).fit(X, Y)
        ranked = dlgpu.DeepNN(DIMS, dtype="float64", num_iterations=30, **kwargs)
        ranked.fit(X, Y, comm=comm, validation_data=(X, Y))
        for key, value in plain.parameters_.items():
            np.testing.assert_allclose(ranked.parameters_[key], value, rtol=1e-13)
        assert ranked.costs_ == pytest.approx(plain.costs_, rel=1e-13)


class TwoRanks(distributed.LocalCommunicator):
    """Rank 0 of two whose partner holds the same data and fails as told."""

    rank, size = 0, 2

    def __init__(self, partner_problem=None):
        self.partner_problem = partner_problem

    def allreduce_(self, buffer):
        buffer *= 2
        return buffer

    def allgather(self, obj):
        # A problem report (str or None) comes back as told; anything else as ours.
        return [obj, self.partner_problem if isinstance(obj, (str, type(None))) else obj]


def test_agreement_names_the_rank_that_refused():
    assert agree(TwoRanks(), lambda: 42) == 42
    with pytest.raises(distributed.RankError,
                       match="refused on 1 of 2 ranks: rank 1: InvalidDataError: X is empty"):
        agree(TwoRanks("InvalidDataError: X is empty"), lambda: 42)


def test_gradients_are_weighted_by_example_counts():
    parameters = {"W1": np.ones((2, 3)), "b1": np.ones((2, 1))}
    sync = distributed.GradientSync(TwoRanks(), parameters, m_local=5)
    assert sync.m == 10
    grads = FlatArrays.packing({"W1": np.full((2, 3), 0.5), "b1": np.full((2, 1), -1.0)},
                               np, np.float64)
    synced = sync.gradients(grads.flat, 5)
    np.testing.assert_array_equal(synced, grads.flat)  # the mean of two equal means
    assert synced is not grads.flat  # the sync's own buffer, of the same layout
    assert sync.means([0.25, 1.0], 5) == [0.25, 1.0]


@pytest.mark.parametrize("xp_name", ["numpy", pytest.param("cupy", marks=needs_cupy)])
def test_the_sync_remembers_which_rank_first_had_non_finite_gradients(xp_name):
    """Rank 0 of two; one flag per rank rides in the all-reduce, on the device."""
    dlgpu.set_backend(xp_name)
    xp = dlgpu.backend.get_backend_module()
    parameters = {"W1": xp.asarray(np.ones((2, 3))), "b1": xp.asarray(np.ones((2, 1)))}
    sync = distributed.GradientSync(TwoRanks(), parameters, m_local=5)
    def flat(db):
        return FlatArrays.packing({"W1": xp.asarray(np.full((2, 3), 0.5)),
                                   "b1": xp.asarray(np.full((2, 1), db))}, xp, np.float64)
    good = flat(-1.0)
    sync.gradients(good.flat, 5)
    assert sync.divergent_ranks() == []
    bad = flat(np.nan)
    synced = sync.gradients(bad.flat, 5)
    assert synced.shape == (8,)  # the flags and the count are not gradients
    assert float(bad.layout.views(synced)["W1"][0, 0]) == 0.5
    assert sync.divergent_ranks() == [0]
    sync.gradients(good.flat, 5)
    assert sync.divergent_ranks() == [0]  # the first bad step's, kept
    error = dlgpu.errors.DivergenceError("training diverged: the cost is nan.", 3, float("nan"))
    sync.name_ranks(error)
    assert str(error).endswith("Non-finite gradients appeared first on rank(s) 0 of 2: "
                               "look at their data.") and error.iteration == 3


def test_every_rank_needs_an_example_for_each_step():
    sync = distributed.GradientSync(distributed.init("local"), {"W1": np.ones((1, 1))}, 10)
    assert sync.steps_per_epoch(3) == 4
    # One rank is one process: its batches are one process's (batching.epoch_plan).
    assert [len(part) for part in sync.epoch_plan(None)] == [3, 3, 3, 1]
    two_parts = distributed.GradientSync(TwoRanks(), {"W1": np.ones((1, 1))}, 10)
    assert two_parts.steps_per_epoch(6) == 4
    assert [len(part) for part in two_parts.epoch_plan(None)] == [3, 3, 2, 2]
    # Two ranks of 10 examples and a global batch of 1: 20 steps an epoch.
    two = distributed.GradientSync(TwoRanks(), {"W1": np.ones((1, 1))}, 10)
    with pytest.raises(distributed.RankError,
                       match="rank 0 holds 10 examples, fewer than the 20 steps"):
        two.steps_per_epoch(1)


def test_a_communicator_missing_a_collective_cannot_be_built():
    class NoBarrierWithin(distributed.Communicator):
        def allreduce_(self, buffer):
            return buffer

        def bcast_(self, buffer):
            return buffer

        def allgather(self, obj):
            return [obj]

        def barrier(self):
            pass

        def abort(self, code=1):
            pass

    with pytest.raises(TypeError, match="barrier_within"):
        NoBarrierWithin()


def test_one_process_adds_nothing_to_a_step():
    """A communicator of size 1: the gradients pass through, no buffer, no collective."""
    calls = []

    class Counting(distributed.LocalCommunicator):
        def allreduce_(self, buffer):
            calls.append("allreduce_")
            return buffer

        def bcast_(self, buffer):
            calls.append("bcast_")
            return buffer

    parameters = FlatArrays.packing({"W1": np.ones((2, 3)), "b1": np.ones((2, 1))}, np,
                                    np.float64)
    sync = distributed.GradientSync(Counting(), parameters.views, m_local=5)
    sync.broadcast_parameters_(parameters)
    grads = np.full(8, 0.5)
    assert sync.gradients(grads, 5) is grads
    assert sync.means([0.1], 5) == [0.1] and sync.total(0.3) == 0.3
    assert calls == [] and not hasattr(sync, "flat")


def test_the_writer_is_rank_0():
    assert distributed.LocalCommunicator().is_writer
    assert not type("Rank1", (distributed.LocalCommunicator,), {"rank": 1, "size": 2})().is_writer
