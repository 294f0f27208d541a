"""``outputs_ranks.py OUT_DIR`` under ``mpiexec``: regression and multi-label networks
trained data-parallel; each rank writes its parameters and costs to
``OUT_DIR/<name>-<rank>.npz``."""

from __future__ import annotations

import os
import sys

import numpy as np

import dlgpu
from dlgpu import distributed


def data(m=301, seed=0):
    """X : (5, m), real targets (2, m) and 0/1 labels (3, m)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, m))
    real = np.vstack([X[0] + 0.5 * X[1] ** 2, X[2] - X[3]])
    labels = np.vstack([X[0] > 0, X[1] + X[2] > 0, X[3] * X[4] > 0]).astype(np.int64)
    return X, real, labels


MODELS = {
    # name: (output, which targets, DeepNN settings)
    "regression-full": ("identity", 1, dict(num_iterations=50, learning_rate=0.05)),
    "regression-minibatch": ("identity", 1, dict(epochs=3, batch_size=50, learning_rate=0.05)),
    "multilabel-full": ("sigmoid", 2, dict(num_iterations=50, learning_rate=0.3)),
}


def model(name):
    output, _, settings = MODELS[name]
    n_out = 2 if output == "identity" else 3
    return dlgpu.DeepNN([5, 7, n_out], output_activation=output, dtype="float64", **settings)


if __name__ == "__main__":
    out = sys.argv[1]
    comm = distributed.init("mpi")
    arrays = data()
    X = arrays[0]
    for name, (_, which, _) in MODELS.items():
        net = model(name).fit(*distributed.shard(X, arrays[which], comm), comm=comm,
                              validation_data=distributed.shard(X[:, :100],
                                                                arrays[which][:, :100], comm))
        saved = {k: np.asarray(v) for k, v in net.parameters_.items()}
        saved["costs"] = np.asarray(net.costs_)
        saved["val_cost"] = np.asarray(net.history_["val_cost"])
        np.savez(os.path.join(out, f"{name}-{comm.rank}.npz"), **saved)
