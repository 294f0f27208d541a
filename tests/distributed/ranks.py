"""The program the distributed tests launch under ``mpiexec``: ``ranks.py SCENARIO OUT_DIR``.

Each rank writes what it ended with to ``OUT_DIR/<scenario>-<rank>.npz``;
the tests compare the ranks with each other and with one process.  The
fault scenarios break one rank on purpose; the tests read the job's output.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys

import numpy as np

import dlgpu
from dlgpu import distributed, io, propagation
from dlgpu.callbacks import EarlyStopping, ModelCheckpoint

DIMS = [5, 7, 3, 1]


def data(m=301, seed=0):
    """X : (5, m), Y : (1, m) labels of a noisy linear rule."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, m))
    Y = (X[0:1] + 0.5 * X[1:2] + 0.3 * rng.normal(size=(1, m)) > 0).astype(np.int64)
    return X, Y


def unequal(X, Y, comm):
    """Rank 0 holds two thirds of the columns, rank 1 the rest."""
    cut = 2 * X.shape[1] // 3
    columns = slice(0, cut) if comm.rank == 0 else slice(cut, None)
    return X[:, columns], Y[:, columns]


def save(out, name, comm, model, **extra):
    arrays = {k: np.asarray(v) for k, v in model.parameters_.items()}
    arrays["costs"] = np.asarray(model.costs_, dtype=np.float64)
    for key in ("val_cost", "val_accuracy"):
        if key in model.history_:
            arrays[key] = np.asarray(model.history_[key])
    arrays["n_iter"] = np.asarray(model.n_iter_)
    arrays.update({k: np.asarray(v) for k, v in extra.items()})
    np.savez(os.path.join(out, f"{name}-{comm.rank}.npz"), **arrays)


#: the settings of the ``adam`` model of ``correct``
ADAM = dict(learning_rate=0.01, num_iterations=50, dtype="float64", optimizer="adam", l2=0.5,
            lr_schedule="inverse_time", decay_rate=0.05)


def correct(comm, out):
    """The scenarios that must train: each rank saves its model."""
    X, Y = data()
    for dtype in ("float64", "float32"):
        model = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype=dtype)
        model.fit(*distributed.shard(X, Y, comm), comm=comm)
        save(out, f"full-{dtype}", comm, model)
    if importlib.util.find_spec("ml_dtypes") is not None:  # mixed precision: float32 sums
        model = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="bfloat16")
        model.fit(*distributed.shard(X, Y, comm), comm=comm)
        save(out, "full-bfloat16", comm, model)
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64")
    model.fit(*unequal(X, Y, comm), comm=comm)
    save(out, "unequal", comm, model)
    # Dropout: each rank draws the masks of its columns by their global indices, as
    # shard laid them out (contiguous, strided), or after the lower ranks' (a user's shards).
    for name, layout in (("dropout", "contiguous"), ("dropout-strided", "strided")):
        model = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64",
                             keep_prob=0.7)
        model.fit(*distributed.shard(X, Y, comm, layout=layout), comm=comm)
        save(out, name, comm, model)
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64",
                         keep_prob=0.7)
    model.fit(*unequal(X, Y, comm), comm=comm)
    save(out, "dropout-unequal", comm, model)
    # Mini-batches, no shuffling: the union of the ranks' parts is a known batch.
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, epochs=3, batch_size=60, shuffle=False,
                         dtype="float64")
    model.fit(*distributed.shard(X[:, :300], Y[:, :300], comm), comm=comm)
    save(out, "minibatch", comm, model)
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, epochs=4, batch_size=64, dtype="float32")
    model.fit(*unequal(X, Y, comm), comm=comm)
    save(out, "shuffled", comm, model)
    # Adam, L2 and a schedule: the all-reduced gradient feeds the same update everywhere.
    model = dlgpu.DeepNN(DIMS, **ADAM)
    model.fit(*unequal(X, Y, comm), comm=comm)
    save(out, "adam", comm, model)
    # Validation figures, early stopping and checkpoints: global, rank 0 writes.
    writes = []
    real_save = io.save_model
    io.save_model = lambda model, path: (writes.append(path), real_save(model, path))
    Xv, Yv = data(101, seed=1)
    stopper = EarlyStopping(patience=0, min_delta=1.0)
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=1000, dtype="float64")
    model.fit(*distributed.shard(X, Y, comm), comm=comm,
              validation_data=distributed.shard(Xv, Yv, comm, layout="strided"),
              callbacks=[stopper, ModelCheckpoint(os.path.join(out, "ckpt.npz"))])
    model.save(os.path.join(out, "model.npz"))
    save(out, "callbacks", comm, model, writes=len(writes), stopped_at=stopper.stopped_at)


def four(comm, out):
    """More ranks than two: the all-reduce takes several stages (MPICH's recursive
    doubling or reduce-scatter), and every rank must still end with the same bits."""
    X, Y = data()
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64")
    model.fit(*distributed.shard(X, Y, comm, layout="strided"), comm=comm)
    save(out, "full-float64", comm, model)
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, epochs=3, batch_size=50, dtype="float32")
    model.fit(*distributed.shard(X, Y, comm), comm=comm)
    save(out, "shuffled", comm, model)


def bad_values(comm, out):
    X, Y = data()
    X, Y = distributed.shard(X, Y, comm)
    if comm.rank == 1:
        X = X.copy()
        X[2, 7] = np.nan
    dlgpu.DeepNN(DIMS, num_iterations=5).fit(X, Y, comm=comm)


def bad_shape(comm, out):
    X, Y = data()
    X, Y = distributed.shard(X, Y, comm)
    dims = DIMS if comm.rank == 0 else [4, *DIMS[1:]]
    dlgpu.DeepNN(dims, num_iterations=5).fit(X[:dims[0]], Y, comm=comm)


def _break_rank_1_at_step(comm, step, action):
    """Make rank 1's step ``step`` do ``action`` to its gradients (a dict of views of the
    flat gradient buffer, changed in place) after ``propagation.train_gradients``."""
    if comm.rank != 1:
        return
    real, calls = propagation.train_gradients, [0]

    def train_gradients(*args, **kwargs):
        calls[0] += 1
        ZL = real(*args, **kwargs)
        if calls[0] == step:
            action(args[5])  # grads
        return ZL

    propagation.train_gradients = train_gradients


def _fit_with_checkpoints(comm, out):
    X, Y = data()
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, epochs=200, batch_size=301, dtype="float64")
    model.fit(*distributed.shard(X, Y, comm), comm=comm,
              callbacks=[ModelCheckpoint(os.path.join(out, "ckpt.npz"))])
    model.save(os.path.join(out, "model.npz"))


def nan(comm, out):
    def poison(grads):
        grads["dW1"][0, 0] = np.nan
        return grads
    _break_rank_1_at_step(comm, 20, poison)
    _fit_with_checkpoints(comm, out)


def memory(comm, out):
    def fail(grads):
        raise MemoryError("out of memory (injected on rank 1)")
    _break_rank_1_at_step(comm, 20, fail)
    _fit_with_checkpoints(comm, out)


def killed(comm, out):
    def die(grads):
        os.kill(os.getpid(), signal.SIGKILL)
    _break_rank_1_at_step(comm, 20, die)
    _fit_with_checkpoints(comm, out)


def uncaught(comm, out):
    """Rank 1 fails outside fit while rank 0 waits for it in a collective."""
    if comm.rank == 1:
        raise RuntimeError("a bug in the user's script (injected on rank 1)")
    comm.barrier()


def interrupted(comm, out):
    """Ctrl-C reaches rank 1 alone, during its step 20, under ``dlgpu train --distributed``."""
    from dlgpu.cli import main

    def ctrl_c(grads):
        os.kill(os.getpid(), signal.SIGINT)
        return grads
    _break_rank_1_at_step(comm, 20, ctrl_c)
    sys.exit(main(["train", "--distributed", "--data", os.path.join(out, "train.npz"),
                   "--dtype", "float64", "--iterations", "300", "--verbose", "0",
                   "--out", os.path.join(out, "model.npz")]))


def weights(m=301):
    """Integer sample weights (zeros included) of ``data(m)``'s columns."""
    w = np.random.default_rng(7).integers(0, 4, size=m)
    w[-100:] = 0  # rank 1 of ``unequal`` holds only zero weights (but its rows still count)
    return w


def weighted(comm, out):
    """Sample weights over unequal shards: the ranks' means are weighted by weight sums."""
    X, Y = data()
    w = weights().reshape(1, -1)
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, num_iterations=50, dtype="float64", l2=0.5)
    X_local, Y_local = unequal(X, Y, comm)
    _, w_local = unequal(X, w, comm)
    model.fit(X_local, Y_local, comm=comm, sample_weight=w_local)
    save(out, "weighted", comm, model)
    w = w.copy()
    w[0, -100:] = 1 + w[0, :100]  # every rank holds weights > 0
    _, w_local = unequal(X, w, comm)
    model = dlgpu.DeepNN(DIMS, learning_rate=0.1, epochs=3, batch_size=60, dtype="float64",
                         l2=0.5)
    model.fit(X_local, Y_local, comm=comm, sample_weight=w_local)
    save(out, "weighted-minibatch", comm, model)


SCENARIOS = {f.__name__: f for f in (correct, four, bad_values, bad_shape, nan, memory, killed,
                                     uncaught, interrupted, weighted)}

if __name__ == "__main__":
    scenario, out = sys.argv[1], sys.argv[2]
    comm = distributed.init("mpi")
    SCENARIOS[scenario](comm, out)
