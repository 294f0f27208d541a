"""dlgpu and its peers compute the same thing, so their times can be compared."""

import types

import numpy as np
import pytest

from dlgpu.bench.problems import make_problem
from dlgpu.bench.runs import make_run
from dlgpu.bench.steps import Unavailable, make_step

from ..helpers import require

PEERS = {"torch": "torch", "sklearn": "sklearn"}
TOLERANCE = {"float32": 1e-5, "float64": 1e-12}


def _needs(implementation):
    if implementation == "torch":  # a peer when installed, never required
        pytest.importorskip("torch", reason="PyTorch is not installed")
    elif implementation in PEERS:
        require(PEERS[implementation])


def test_problem_is_reproducible_and_starts_where_deepnn_starts():
    from dlgpu import DeepNN
    a, b = make_problem([6, 4, 1], 10, "float32"), make_problem([6, 4, 1], 10, "float32")
    assert a.X.dtype == np.float32 and a.X.shape == (6, 10) and a.Y.shape == (1, 10)
    assert np.array_equal(a.X, b.X) and set(np.unique(a.Y)) <= {0.0, 1.0}
    start = DeepNN([6, 4, 1], dtype="float32").initialize_parameters().parameters_
    for key, value in start.items():
        assert np.array_equal(a.parameters[key], value)
    rows, labels = a.rows
    assert rows.shape == (10, 6) and rows.flags.c_contiguous and labels.dtype == np.int64


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("implementation", ["course", "torch", "sklearn"])
def test_every_peer_takes_dlgpus_two_steps(implementation, dtype):
    _needs(implementation)
    problem = make_problem([20, 8, 5, 1], 64, dtype, learning_rate=0.5)
    ours, theirs = make_step("dlgpu", problem, "cpu"), make_step(implementation, problem, "cpu")
    for step in (ours, theirs):
        step.run()
        step.run()
        step.synchronize()
    assert theirs.dtype == dtype  # scikit-learn and PyTorch keep float32 as float32
    expected, got = ours.parameters(), theirs.parameters()
    assert set(got) == set(expected) == set(problem.parameters)
    moved = max(np.abs(expected[k] - problem.parameters[k]).max() for k in expected)
    assert moved > 1e-3  # the steps really changed the parameters
    for key in expected:
        assert got[key].dtype == np.dtype(dtype), key
        scale = np.abs(expected[key]).max()
        assert np.abs(got[key] - expected[key]).max() <= TOLERANCE[dtype] * scale, key


@pytest.mark.parametrize("implementation", ["dlgpu", "torch", "sklearn"])
def test_a_whole_run_trains_a_model(implementation):
    _needs(implementation)
    problem = make_problem([5, 4, 1], 32, "float32")
    run = make_run(implementation, problem, "cpu", iterations=3)
    assert run.run() is not None
    run.synchronize()


def test_peers_that_cannot_run_say_why():
    problem = make_problem([5, 4, 1], 8, "float32")
    with pytest.raises(Unavailable, match="float64 only"):
        make_run("course", problem, "cpu", iterations=1)
    require("sklearn")
    with pytest.raises(Unavailable, match="CPU only"):
        make_step("sklearn", problem, "gpu")
    with pytest.raises(ValueError, match="unknown implementation"):
        make_step("keras", problem, "cpu")
    with pytest.raises(ValueError, match="does not match"):
        make_step("dlgpu", problem, "gpu")  # the active backend here is NumPy


@pytest.mark.parametrize("layer_dims", [[20, 8, 5, 1], [6, 4, 3]])
def test_the_products_floor_multiplies_what_the_step_multiplies(layer_dims):
    """The floor's products are the step's: its dW are backward's bit for bit, and
    with the outer product of one output unit they make the step's FLOPs."""
    from dlgpu import DeepNN, propagation
    from dlgpu.bench.counts import step_flops
    from dlgpu.bench.steps import products_step, step_products

    rng = np.random.default_rng(1)
    output = "sigmoid" if layer_dims[-1] == 1 else "softmax"
    model = DeepNN(layer_dims, output_activation=output, dtype="float64").initialize_parameters()
    parameters, m = model.parameters_, 30
    X = rng.standard_normal((layer_dims[0], m))
    Y = (rng.random((layer_dims[-1], m)) < 0.5).astype(float)
    if layer_dims[-1] > 1:
        Y = np.eye(layer_dims[-1])[:, rng.integers(0, layer_dims[-1], m)]
    products = step_products(parameters, X, Y, model.hidden, model.output)
    AL, _, cache = propagation.forward(parameters, X, model.hidden, model.output)
    grads = propagation.backward(parameters, cache, AL, Y, model.hidden)
    L = len(layer_dims) - 1
    for l in range(1, L + 1):
        assert np.array_equal(np.matmul(*products[L + l - 1]), grads[f"dW{l}"]), l
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in products)
    outer = 2 * m * layer_dims[-2] if layer_dims[-1] == 1 else 0
    assert flops + outer == step_flops(layer_dims, m)

    if layer_dims[-1] == 1:
        problem = make_problem(layer_dims, m, "float32")
        step = products_step(problem, "cpu")
        step.run()
        for key, value in step.parameters().items():
            assert np.array_equal(value, problem.parameters[key]), key


def test_torch_launches_count_the_top_level_aten_ops_of_one_step():
    pytest.importorskip("torch", reason="PyTorch is not installed")
    from dlgpu.bench.steps import torch_launches

    counts = []
    for dims in ([6, 4, 1], [6, 4, 4, 1], [6, 4, 4, 4, 1]):
        problem = make_problem(dims, 16, "float32", learning_rate=0.5)
        step = make_step("torch", problem, "cpu")
        step.run()
        before = step.parameters()
        count, unit = torch_launches(step, "cpu")
        assert unit == "aten ops"
        assert torch_launches(step, "cpu") == (count, unit)  # the same step, the same ops
        # the profiled call was a real step
        assert not np.array_equal(step.parameters()["W1"], before["W1"])
        # at least the forward pass's linear and ReLU calls, and the loss
        assert count >= 2 * (len(dims) - 1)
        counts.append(count)
    # a layer more adds the same ops each time (forward, backward, update)
    assert counts[2] - counts[1] == counts[1] - counts[0] > 0


def test_torch_launches_on_a_gpu_count_the_device_events_or_the_launch_calls(monkeypatch):
    """Without a GPU here, the profiler's events are made up: what is counted from them."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    profiler = pytest.importorskip("torch.profiler")
    from dlgpu.bench.steps import Step, torch_launches

    CUDA, CPU = torch.autograd.DeviceType.CUDA, torch.autograd.DeviceType.CPU

    def event(name, device_type):
        return types.SimpleNamespace(name=name, device_type=device_type, cpu_parent=None)

    def fake_profile(events):
        class Profile:
            def __init__(self, activities):
                assert profiler.ProfilerActivity.CUDA in activities

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def events(self):
                return events
        return Profile

    ran = []
    step = Step(lambda: ran.append(1), lambda: None, dict, "float32")
    on_device = [event("aten::mm", CPU), event("cudaLaunchKernel", CPU),
                 event("cudaLaunchKernel", CPU), event("ampere_sgemm_64x64_nn", CUDA),
                 event("Memset (Device)", CUDA), event("void elementwise_kernel", CUDA)]
    monkeypatch.setattr(profiler, "profile", fake_profile(on_device))
    assert torch_launches(step, "gpu") == (3, "CUDA kernels") and ran == [1]
    # no device events recorded: the runtime's launch calls instead
    calls = [event("aten::mm", CPU), event("cudaLaunchKernel", CPU),
             event("cuLaunchKernel", CPU), event("cudaMemcpyAsync", CPU)]
    monkeypatch.setattr(profiler, "profile", fake_profile(calls))
    assert torch_launches(step, "gpu") == (2, "CUDA kernels")
