"""Training: full-batch and mini-batch, epochs, shuffling, streamed data, validation, history."""

import os
import signal

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN
from dlgpu.datasets import load_planar_dataset

from .helpers import CUPY_IS_STANDIN, needs_cupy
from .helpers import require

PLANAR = dict(hidden_activation="tanh", learning_rate=1.2, init="small", seed=2)


def same_parameters(a, b):
    return all(np.array_equal(dlgpu.to_numpy(a.parameters_[k]), dlgpu.to_numpy(b.parameters_[k]))
               for k in a.parameters_)


def test_mini_batch_reaches_full_batch_accuracy_on_planar(backend_name):
    X, Y = load_planar_dataset()
    full = DeepNN([2, 4, 1], num_iterations=5000, **PLANAR).fit(X, Y)
    mini = DeepNN([2, 4, 1], batch_size=64, epochs=300, **PLANAR).fit(X, Y)
    assert full.score(X, Y) > 0.88
    assert mini.score(X, Y) >= full.score(X, Y) - 0.02


def test_mini_batch_reaches_full_batch_accuracy_on_breast_cancer(backend_name):
    datasets = require("sklearn.datasets")
    data = datasets.load_breast_cancer()
    X = data.data.T
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    Y = data.target.reshape(1, -1)
    kwargs = dict(hidden_activation="relu", learning_rate=0.1, seed=0)
    full = DeepNN([30, 16, 1], num_iterations=1000, **kwargs).fit(X, Y)
    mini = DeepNN([30, 16, 1], batch_size=32, epochs=30, **kwargs).fit(X, Y)
    assert full.score(X, Y) > 0.95
    assert mini.score(X, Y) >= full.score(X, Y) - 0.02


def test_one_batch_of_everything_is_full_batch_training(binary_data):
    X, Y = binary_data
    full = DeepNN([3, 5, 1], num_iterations=250, learning_rate=0.3).fit(X, Y)
    one = DeepNN([3, 5, 1], epochs=250, batch_size=40, learning_rate=0.3).fit(X, Y)
    bigger = DeepNN([3, 5, 1], epochs=250, batch_size=1000, learning_rate=0.3).fit(X, Y)
    assert same_parameters(full, one) and same_parameters(full, bigger)


def test_epochs_count_passes_and_num_iterations_counts_steps(binary_data):
    X, Y = binary_data  # m = 40
    by_epochs = DeepNN([3, 4, 1], batch_size=16, epochs=5).fit(X, Y)
    assert by_epochs.n_iter_ == 5 * 3 and by_epochs.history_["epoch"] == [1, 2, 3, 4, 5]
    assert by_epochs.history_["iteration"] == [3, 6, 9, 12, 15]
    by_steps = DeepNN([3, 4, 1], batch_size=16, num_iterations=7).fit(X, Y)
    assert by_steps.n_iter_ == 7 and by_steps.history_["iteration"] == [3, 6, 7]
    assert len(by_steps.costs_) == 3


def test_shuffling_is_seeded(binary_data):
    X, Y = binary_data
    kwargs = dict(batch_size=8, epochs=4, learning_rate=0.3)
    a = DeepNN([3, 5, 1], seed=3, **kwargs).fit(X, Y)
    b = DeepNN([3, 5, 1], seed=3, **kwargs).fit(X, Y)
    c = DeepNN([3, 5, 1], seed=3, shuffle=False, **kwargs).fit(X, Y)
    assert same_parameters(a, b) and not same_parameters(a, c)


@needs_cupy
def test_both_backends_train_the_same_mini_batch_model(binary_data):
    X, Y = binary_data
    kwargs = dict(batch_size=8, epochs=10, learning_rate=0.3, dtype="float64", seed=4)
    dlgpu.set_backend("numpy")
    a = DeepNN([3, 5, 1], **kwargs).fit(X, Y)
    dlgpu.set_backend("cupy")
    b = DeepNN([3, 5, 1], **kwargs).fit(X, Y)
    for key in a.parameters_:
        np.testing.assert_allclose(dlgpu.to_numpy(b.parameters_[key]), a.parameters_[key],
                                   rtol=1e-10, atol=1e-12)


def test_memory_mapped_data_trains_like_data_in_memory(tmp_path, backend_name):
    rng = np.random.RandomState(0)
    X = rng.randn(6, 500)
    Y = (X[0] * X[1] > 0).astype(np.float64).reshape(1, -1)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", Y)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    Y_map = np.load(tmp_path / "Y.npy", mmap_mode="r")
    kwargs = dict(batch_size=64, epochs=3, learning_rate=0.2)
    mapped = DeepNN([6, 8, 1], **kwargs).fit(X_map, Y_map, stream=True)
    in_memory = DeepNN([6, 8, 1], **kwargs).fit(dlgpu.to_device(X), dlgpu.to_device(Y))
    assert same_parameters(mapped, in_memory)


@needs_cupy
def test_device_data_is_used_in_place(binary_data):
    import cupy
    dlgpu.set_backend("cupy")
    X, Y = (cupy.asarray(a, dtype="float32") for a in binary_data)
    X0 = X.copy()
    model = DeepNN([3, 5, 1], batch_size=8, epochs=2).fit(X, Y)
    assert isinstance(model.parameters_["W1"], cupy.ndarray)
    assert bool((X == X0).all())


@needs_cupy
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("stream", [None, True, False])
@pytest.mark.parametrize("on_device", ["X", "Y"])
def test_mixed_placement_trains_like_numpy(binary_data, on_device, stream, dtype):
    """fit allows X and Y on different sides; mini-batches and validation batches then
    gather across them without converting a device array implicitly."""
    import cupy
    X, Y = binary_data
    kwargs = dict(batch_size=8, epochs=3, learning_rate=0.3, dtype=dtype, seed=4)
    dlgpu.set_backend("numpy")
    reference = DeepNN([3, 5, 1], **kwargs).fit(X, Y, validation_data=(X, Y))
    dlgpu.set_backend("cupy")
    Xm, Ym = (cupy.asarray(X), Y) if on_device == "X" else (X, cupy.asarray(Y))
    model = DeepNN([3, 5, 1], **kwargs).fit(Xm, Ym, validation_data=(Xm, Ym), stream=stream)
    rtol = 1e-10 if dtype == "float64" else 1e-4
    for key in reference.parameters_:
        np.testing.assert_allclose(dlgpu.to_numpy(model.parameters_[key]),
                                   reference.parameters_[key], rtol=rtol, atol=rtol)
    np.testing.assert_allclose(model.history_["val_cost"], reference.history_["val_cost"],
                               rtol=rtol)


def test_validation_metrics_are_recorded(binary_data):
    X, Y = binary_data
    Xv, Yv = X[:, :15], Y[:, :15]
    model = DeepNN([3, 6, 1], batch_size=10, epochs=6, learning_rate=0.3).fit(
        X, Y, validation_data=(Xv, Yv))
    history = model.history_
    assert len(history["val_cost"]) == len(history["val_accuracy"]) == 6
    # The last record is taken after the last step: it is the final model's.
    assert history["val_cost"][-1] == pytest.approx(model.cost(Xv, Yv), rel=1e-5)
    assert history["val_accuracy"][-1] == model.score(Xv, Yv)
    assert all(t > 0 for t in history["epoch_time"])
    assert history["time"] == sorted(history["time"])


def test_full_batch_history_keeps_the_course_records(binary_data):
    X, Y = binary_data
    model = DeepNN([3, 4, 1], num_iterations=250).fit(X, Y, validation_data=binary_data)
    assert model.history_["iteration"] == [0, 100, 200]
    assert model.costs_ == model.history_["cost"]
    assert model.history_["epoch_time"][0] is None
    assert model.history_["val_cost"][0] == pytest.approx(model.history_["cost"][0], rel=1e-6)


@pytest.mark.parametrize("validation_data,error,match", [
    ((np.zeros((2, 5)), np.zeros((1, 5))), dlgpu.InvalidDataError, "X_val has 2 features"),
    ((np.zeros((3, 5)), np.zeros((1, 4))), dlgpu.InvalidDataError, "Y_val"),
    ((np.zeros((3, 5)),), TypeError, "pair"),
])
def test_bad_validation_data_is_refused(binary_data, validation_data, error, match):
    with pytest.raises(error, match=match):
        DeepNN([3, 4, 1], batch_size=8, epochs=1).fit(*binary_data,
                                                      validation_data=validation_data)


def test_float32_training_stays_float32(binary_data):
    X, Y = binary_data  # float64 data
    model = DeepNN([3, 4, 1], batch_size=7, epochs=2, dtype="float32").fit(X, Y)
    assert all(v.dtype == np.float32 for v in model.parameters_.values())


def test_same_seed_same_bits_after_mini_batch_training(binary_data, backend_name):
    X, Y = binary_data
    kwargs = dict(batch_size=8, epochs=5, learning_rate=0.3, seed=11)
    a = DeepNN([3, 6, 4, 1], **kwargs).fit(X, Y)
    b = DeepNN([3, 6, 4, 1], **kwargs).fit(X, Y)
    assert same_parameters(a, b)
    assert a.costs_ == b.costs_


def _keeps_split_blocks(pool, monkeypatch, split=2**20):
    """CuPy's ``free_all_blocks`` frees only the cached blocks that are not split
    (cupy/cuda/memory.pyx): make the stand-in's pool keep up to ``split`` bytes
    cached through it, as a pool that served many sizes may."""
    free_all = pool.free_all_blocks

    def free_unsplit(stream=None):
        kept = min(pool.free_bytes(), split)
        free_all(stream)
        pool._cached = kept

    monkeypatch.setattr(pool, "free_all_blocks", free_unsplit)


@needs_cupy
def test_out_of_device_memory_suggests_a_smaller_batch(monkeypatch):
    import cupy

    from dlgpu.errors import DeviceMemoryError
    dlgpu.set_backend("cupy")
    rng = np.random.RandomState(0)
    X = rng.randn(1000, 20000).astype(np.float32)
    Y = (rng.rand(1, 20000) > 0.5).astype(np.float32)
    model = DeepNN([1000, 512, 1], batch_size=20000, epochs=1)
    pool = cupy.get_default_memory_pool()
    if CUPY_IS_STANDIN:
        _keeps_split_blocks(pool, monkeypatch)
    pool.free_all_blocks()
    used = pool.used_bytes()
    pool.set_limit(size=used + 48 * 2**20)  # room for the model, not the batch
    try:
        with pytest.raises(DeviceMemoryError, match=r"batch_size=20000.*batch_size=5000"):
            model.fit(X, Y, stream=True)
        # The batch buffers and the failed step's arrays are not held: only the
        # parameters are.  Their blocks went back to the device as far as CuPy's pool
        # can give them back: it keeps split blocks cached, so the pool need not be
        # empty, but a second free_all_blocks finds nothing more to free.
        parameters = sum(-(-v.nbytes // 512) * 512 for v in model.parameters_.values())
        assert pool.used_bytes() <= used + parameters
        total = pool.total_bytes()
        pool.free_all_blocks()
        assert pool.total_bytes() == total
    finally:
        pool.set_limit(size=0)
    assert model.predict(X[:, :10]).shape == (1, 10)  # still usable
    # and a smaller batch then trains
    DeepNN([1000, 512, 1], batch_size=2000, epochs=1).fit(X, Y, stream=True)


@needs_cupy
def test_out_of_memory_while_uploading_validation_data_is_a_device_memory_error():
    import cupy

    from dlgpu.errors import DeviceMemoryError
    dlgpu.set_backend("cupy")
    rng = np.random.RandomState(1)
    X, Y = rng.randn(20, 100), (rng.rand(1, 100) > 0.5).astype(float)
    Xv, Yv = rng.randn(20, 100000), (rng.rand(1, 100000) > 0.5).astype(float)  # 8.4 MB float32
    pool = cupy.get_default_memory_pool()
    pool.free_all_blocks()
    pool.set_limit(size=pool.used_bytes() + 2 * 2**20)
    try:
        with pytest.raises(DeviceMemoryError, match="out of GPU memory.*OutOfMemoryError"):
            DeepNN([20, 8, 1], batch_size=50, epochs=1).fit(X, Y, validation_data=(Xv, Yv),
                                                             stream=False)
    finally:
        pool.set_limit(size=0)


@pytest.mark.skipif(not CUPY_IS_STANDIN, reason="the failure is arranged in the CuPy stand-in")
@pytest.mark.parametrize("fault,where,match", [
    ("pinned_limit", "training", "page-locked.*CUDARuntimeError: cudaErrorMemoryAllocation"),
    ("pinned_limit", "validation", "page-locked.*CUDARuntimeError: cudaErrorMemoryAllocation"),
    ("cublas_alloc_fails", "training", "cuBLAS.*CUBLAS_STATUS_ALLOC_FAILED"),
])
def test_pinned_and_cublas_allocation_failures_are_device_memory_errors(monkeypatch, binary_data,
                                                                       fault, where, match):
    from dlgpu.errors import DeviceMemoryError

    from .cupy_standin.cuda import Faults
    dlgpu.set_backend("cupy")
    X, Y = binary_data
    if where == "validation":  # only the validation data is streamed
        X, Y = dlgpu.to_device(X), dlgpu.to_device(Y)
    monkeypatch.setattr(Faults, fault, 0 if fault == "pinned_limit" else True)
    with pytest.raises(DeviceMemoryError, match=match):
        DeepNN([3, 4, 1], batch_size=10, epochs=1).fit(X, Y, validation_data=binary_data,
                                                       stream=True)


class _InterruptAt(dlgpu.callbacks.Callback):
    """At the record of ``iteration``: raise KeyboardInterrupt, or send this process SIGINT."""

    def __init__(self, iteration, how):
        self.iteration, self.how = iteration, how

    def on_record(self, model, record):
        if record["iteration"] == self.iteration:
            if self.how == "raise":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGINT)


def test_keyboard_interrupt_from_a_callback_keeps_what_was_learned(binary_data):
    X, Y = binary_data
    model = DeepNN([3, 5, 1], learning_rate=0.3, batch_size=8, epochs=50)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, callbacks=[_InterruptAt(15, "raise")])
    assert model.interrupted_ and model.n_iter_ == 15
    assert model.history_["epoch"] == [1, 2, 3] and len(model.costs_) == 3
    done = DeepNN([3, 5, 1], learning_rate=0.3, batch_size=8, epochs=3).fit(X, Y)
    assert same_parameters(model, done) and not done.interrupted_


@pytest.fixture
def sigint_from_a_terminal():
    """SIGINT handled as in a program started from a terminal: a shell's
    background job (CI, `cmd &`) starts with it ignored, and Python leaves it so."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix",
                    reason="sends SIGINT to its own process")
def test_ctrl_c_stops_at_the_end_of_the_current_step(binary_data, sigint_from_a_terminal):
    X, Y = binary_data
    model = DeepNN([3, 5, 1], learning_rate=0.3, num_iterations=1000)
    with pytest.raises(KeyboardInterrupt, match="interrupted after 101 steps"):
        model.fit(X, Y, callbacks=[_InterruptAt(100, "signal")])
    # SIGINT came at the record before step 100; that step was finished, then it stopped.
    assert model.interrupted_ and model.n_iter_ == 101 and model.history_["iteration"] == [0, 100]
    assert same_parameters(model, DeepNN([3, 5, 1], learning_rate=0.3,
                                         num_iterations=101).fit(X, Y))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
