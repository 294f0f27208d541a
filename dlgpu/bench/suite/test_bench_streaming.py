"""Host data streamed to the GPU: is the copy hidden behind the compute?

One epoch of mini-batch training, side by side:

* ``resident``  -- X already on the model's backend (the reference);
* ``streamed``  -- X in host memory, batches copied through pinned memory on
  a second CUDA stream while the previous batch computes (CuPy only);
* ``serial``    -- the same copies, made on the compute stream and waited
  for: nothing overlaps (CuPy only);
* ``copy_only`` -- the streamed copies alone, with no compute (CuPy only);
* ``memmap``    -- X in a ``np.load(..., mmap_mode="r")`` memory map.

The transfer is hidden when ``streamed`` is close to
``max(resident, copy_only)`` and below ``serial``.  ``extra_info`` carries
the bytes copied per epoch.  ``DLGPU_BENCH_FULL=1`` uses a GPU-sized problem.
"""

import os

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN
from dlgpu.batching import StreamedBatches, chunk_columns, epoch_plan, make_batches
from dlgpu.training import step

from .conftest import cupy_for, skip_without_cupy

FULL = os.environ.get("DLGPU_BENCH_FULL") == "1"
N_X, M, BATCH, HIDDEN = (2048, 2**17, 8192, [1024, 1024]) if FULL else (64, 2048, 256, [32])
MODES = ["resident", "memmap", "streamed", "serial", "copy_only"]
CUPY_ONLY = ("streamed", "serial", "copy_only")


@pytest.fixture(scope="module")
def host_data(tmp_path_factory):
    rng = np.random.RandomState(0)
    X = rng.randn(N_X, M).astype(np.float32)
    Y = (rng.rand(1, M) > 0.5).astype(np.float32)
    path = tmp_path_factory.mktemp("stream") / "X.npy"
    np.save(path, X)
    return X, Y, path


@pytest.mark.parametrize("mode", MODES)
def test_epoch_from_host_data(request, benchmark, host_data, mode):
    X, Y, path = host_data
    if mode in CUPY_ONLY:
        skip_without_cupy(request.config)
    cupy, _ = cupy_for(request.config)
    dlgpu.set_backend("cupy" if cupy is not None else "numpy")  # the GPU whenever there is one
    xp = dlgpu.backend.get_backend_module()
    model = DeepNN([N_X, *HIDDEN, 1], learning_rate=1e-3).initialize_parameters()
    if mode == "resident":  # uploaded once, as fit does
        source = make_batches(X, Y, "float32", xp, BATCH, stream=False)
    elif mode == "memmap":  # read in place on NumPy, streamed to a GPU, as fit does
        source = make_batches(np.load(path, mmap_mode="r"), Y, "float32", xp, BATCH, stream=True)
    else:
        source = StreamedBatches(X, Y, "float32", BATCH, overlap=mode != "serial")
    plan = epoch_plan(M, BATCH, np.random.default_rng(0), chunk_columns(N_X, M, BATCH))  # as fit

    def epoch():
        for Xb, Yb in source(plan):
            if mode != "copy_only":
                step(model, Xb, Yb)
        dlgpu.synchronize()

    epoch()  # warm-up outside the timed region: kernels, cuBLAS handle, pinned buffers
    benchmark.pedantic(epoch, rounds=5 if FULL else 2, iterations=1)
    benchmark.extra_info.update(backend=dlgpu.get_backend(), mode=mode, layer_dims=model.layer_dims,
                                m=M, batch_size=BATCH, bytes_copied=X.nbytes + Y.nbytes)
    dlgpu.set_backend("numpy")
