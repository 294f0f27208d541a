"""Regression and multi-label outputs under mpiexec: the ranks agree, and full-batch
training (a mean over examples, so the all-reduced mean gradients apply) equals one process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .jobs import launch, needs_mpi
from .outputs_ranks import MODELS, data, model

pytestmark = needs_mpi


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    job = launch([Path(__file__).with_name("outputs_ranks.py"), out], 2)
    assert job.returncode == 0, job.stderr
    return {(path.stem.rsplit("-", 1)[0], int(path.stem.rsplit("-", 1)[1])): dict(np.load(path))
            for path in out.glob("*-?.npz")}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_ranks_hold_the_same_bits(results, name):
    rank0, rank1 = results[name, 0], results[name, 1]
    assert rank0.keys() == rank1.keys()
    for key in rank0:
        assert rank0[key].tobytes() == rank1[key].tobytes(), key


@pytest.mark.parametrize("name", ["regression-full", "multilabel-full"])
def test_full_batch_equals_one_process(results, name):
    arrays = data()
    X, Y = arrays[0], arrays[MODELS[name][1]]
    one = model(name).fit(X, Y, validation_data=(X[:, :100], Y[:, :100]))
    ranks = results[name, 0]
    for key, value in one.parameters_.items():
        np.testing.assert_allclose(ranks[key], value, rtol=1e-12, atol=1e-14)
    # the cost record is the global mean over the ranks' examples
    np.testing.assert_allclose(ranks["costs"], one.costs_, rtol=1e-12)
    np.testing.assert_allclose(ranks["val_cost"], one.history_["val_cost"], rtol=1e-12)
