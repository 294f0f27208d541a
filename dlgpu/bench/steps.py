"""One training step (forward, backward, update) of dlgpu and of its peers.

Every implementation gets the same :class:`~dlgpu.bench.problems.Problem`:
the same network (ReLU hidden layers, a sigmoid output, the mean
cross-entropy), the same starting parameters, data, dtype and learning rate,
plain gradient descent.  Only what is timed differs by library:

``dlgpu``    :mod:`dlgpu.propagation` on the active backend, as ``DeepNN.fit``
             runs it.
``course``   the course's ``L_model_forward`` / ``L_model_backward`` /
             ``update_parameters`` transcription (:mod:`dlgpu.course`).
``torch``    PyTorch eager: ``nn.Sequential`` of ``Linear`` and ``ReLU``,
             ``BCEWithLogitsLoss``, ``optim.SGD``; TF32 as CuPy's.
``sklearn``  scikit-learn's ``MLPClassifier(solver="sgd", batch_size=m,
             momentum=0, alpha=0)``: one ``partial_fit`` on the m examples is
             exactly one step (one epoch of one batch).  It is the whole call
             a user makes, so its input checks and its loss are in the time.

:func:`products_step` is not an implementation but a floor: the step's matrix
products alone, which every implementation above computes too.

Each builder returns a :class:`Step`; a peer that cannot run here raises
:class:`Unavailable` with the reason (a missing library raises ImportError).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import backend
from .machine import cupy_tf32
from .problems import Problem
from .results import IMPLEMENTATIONS
from .timing import synchronizer


class Unavailable(RuntimeError):
    """This implementation cannot run here; the message says why."""


@dataclass
class Step:
    """``run()`` takes one step; ``synchronize()`` waits for its device work;
    ``parameters()`` returns the current parameters in the course's layout as
    NumPy arrays; ``dtype`` is the dtype the implementation really computes in."""

    run: Callable[[], None]
    synchronize: Callable[[], None]
    parameters: Callable[[], dict]
    dtype: str


def check_device(device: str) -> None:
    active = "cpu" if backend.get_backend() == "numpy" else "gpu"
    if device != active:
        raise ValueError(f"device {device!r} does not match the active dlgpu backend "
                         f"{backend.get_backend()!r}")


def _model_and_data(problem: Problem, device: str):
    """A dlgpu model of the problem's shape on the active backend (``device``'s), and X, Y there."""
    from ..model import DeepNN

    check_device(device)
    model = DeepNN(problem.layer_dims, learning_rate=problem.learning_rate,
                   dtype=problem.dtype).initialize_parameters()
    return model, backend.to_device(problem.X), backend.to_device(problem.Y)


def dlgpu_step(problem: Problem, device: str) -> Step:
    """dlgpu's own step, on the active backend (which must be ``device``'s)."""
    from .. import training

    model, X, Y = _model_and_data(problem, device)
    parameters = model.parameters_
    T = model.output.targets(Y, model.dtype)

    def run() -> None:
        with model._precision():  # as fit: the model's matmul_precision, not CUPY_TF32
            training.step(model, X, T, learning_rate=problem.learning_rate)

    return Step(run, synchronizer(device), lambda: backend.map_arrays(parameters, backend.to_numpy),
                problem.dtype)


def course_step(problem: Problem, device: str) -> Step:
    """The course's functions, in the problem's dtype, on the active backend."""
    from .. import course

    check_device(device)
    X, Y = backend.to_device(problem.X), backend.to_device(problem.Y)
    state = {"parameters": backend.map_arrays(problem.parameters, backend.to_device)}

    def run() -> None:
        AL, caches = course.L_model_forward(X, state["parameters"])
        grads = course.L_model_backward(AL, Y, caches)
        state["parameters"] = course.update_parameters(state["parameters"], grads,
                                                       problem.learning_rate)

    return Step(run, synchronizer(device),
                lambda: backend.map_arrays(state["parameters"], backend.to_numpy), problem.dtype)


def torch_network(problem: Problem, torch_device: str):
    """``nn.Sequential`` of ``Linear`` + ``ReLU`` holding the problem's parameters.

    ``Linear.weight`` is (n_l, n_{l-1}), the course's W[l], so it is copied as is.
    """
    import torch

    dtype = getattr(torch, problem.dtype)
    L = len(problem.layer_dims) - 1
    layers = []
    for l in range(1, L + 1):
        linear = torch.nn.Linear(problem.layer_dims[l - 1], problem.layer_dims[l],
                                 dtype=dtype, device=torch_device)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(problem.parameters[f"W{l}"]))
            linear.bias.copy_(torch.from_numpy(problem.parameters[f"b{l}"][:, 0]))
        layers.append(linear)
        if l < L:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_device(device: str) -> str:
    """PyTorch's name for ``device``, with TF32 as CuPy's (:func:`~dlgpu.bench.machine.cupy_tf32`:
    off unless ``CUPY_TF32`` is set), so both GPU libraries multiply float32 alike;
    Unavailable if PyTorch has no GPU."""
    import torch

    tf32 = bool(cupy_tf32(os.environ.get("CUPY_TF32")))
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    if device == "cpu":
        return "cpu"
    if not torch.cuda.is_available():
        raise Unavailable(f"PyTorch {torch.__version__} sees no CUDA GPU (a CPU-only build?)")
    return "cuda"


def _torch_parameters(network) -> dict:
    linears = [layer for layer in network if hasattr(layer, "weight")]
    parameters = {}
    for l, linear in enumerate(linears, start=1):
        parameters[f"W{l}"] = linear.weight.detach().cpu().numpy().copy()
        parameters[f"b{l}"] = linear.bias.detach().cpu().numpy()[:, None].copy()
    return parameters


def torch_synchronizer(torch_device_name: str) -> Callable[[], None]:
    import torch
    return torch.cuda.synchronize if torch_device_name == "cuda" else synchronizer("cpu")


def torch_step(problem: Problem, device: str) -> Step:
    """PyTorch eager, examples as rows: X^T (m, n_x), the problem's parameters."""
    import torch

    name = torch_device(device)
    network = torch_network(problem, name)
    rows, _ = problem.rows
    X = torch.from_numpy(rows).to(name)
    Y = torch.from_numpy(np.ascontiguousarray(problem.Y.T)).to(name)
    loss = torch.nn.BCEWithLogitsLoss()  # the mean over the m examples, as dlgpu's cost
    optimizer = torch.optim.SGD(network.parameters(), lr=problem.learning_rate)

    def run() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss(network(X), Y).backward()
        optimizer.step()

    return Step(run, torch_synchronizer(name), lambda: _torch_parameters(network),
                problem.dtype)


#: what :func:`torch_launches` counts, by device
TORCH_LAUNCH_UNITS = {"cpu": "aten ops", "gpu": "CUDA kernels"}
_LAUNCH_CALLS = ("cudaLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernel", "cuLaunchKernelEx")


def torch_launches(step: Step, device: str) -> tuple[int, str]:
    """What one more call of a PyTorch ``step`` issues, from ``torch.profiler``:
    ``(count, unit)``, the unit one of :data:`TORCH_LAUNCH_UNITS`.

    On a GPU, the events the profiler saw run on the device (kernels, copies
    and memsets, as dlgpu's counter counts them), or where it recorded none
    the CUDA runtime's kernel-launch calls; on the CPU, the top-level ATen
    operators (those called from no other ATen operator: ``aten::linear``
    counts once, the ``addmm`` inside it not; views and transposes count).
    Call it after a warm-up step, outside any timed region.
    """
    import torch
    from torch.profiler import ProfilerActivity, profile

    gpu = device == "gpu"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if gpu else [])
    step.synchronize()
    with profile(activities=activities) as prof:
        step.run()
        step.synchronize()
    events = prof.events()
    if gpu:
        on_device = [e for e in events if e.device_type == torch.autograd.DeviceType.CUDA]
        count = len(on_device) or sum(e.name in _LAUNCH_CALLS for e in events)
        return count, TORCH_LAUNCH_UNITS[device]

    def nested(event) -> bool:
        parent = event.cpu_parent
        while parent is not None:
            if parent.name.startswith("aten::"):
                return True
            parent = parent.cpu_parent
        return False
    count = sum(e.name.startswith("aten::") and not nested(e) for e in events)
    return count, TORCH_LAUNCH_UNITS[device]


def sklearn_classifier(problem: Problem, max_iter: int):
    """An ``MLPClassifier`` doing plain full-batch gradient descent on the problem."""
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=tuple(problem.layer_dims[1:-1]), activation="relu", solver="sgd",
        batch_size=problem.m, learning_rate="constant",
        learning_rate_init=problem.learning_rate, momentum=0.0, nesterovs_momentum=False,
        alpha=0.0, shuffle=False, max_iter=max_iter, n_iter_no_change=max_iter + 1,
        random_state=0)


def sklearn_step(problem: Problem, device: str) -> Step:
    """scikit-learn on the CPU: one ``partial_fit`` of a model set to the problem's start."""
    from sklearn.exceptions import ConvergenceWarning

    if device != "cpu":
        raise Unavailable("scikit-learn runs on the CPU only")
    classifier = sklearn_classifier(problem, max_iter=1)
    rows, labels = problem.rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.partial_fit(rows, labels, classes=np.array([0, 1]))
    # That first call built the model (and took a step): restart it from the
    # problem's parameters, in place, where its optimizer holds them.
    for l in range(1, len(problem.layer_dims)):
        classifier.coefs_[l - 1][...] = problem.parameters[f"W{l}"].T
        classifier.intercepts_[l - 1][...] = problem.parameters[f"b{l}"][:, 0]

    def run() -> None:
        classifier.partial_fit(rows, labels)

    def parameters() -> dict:
        out = {}
        for l, (W, b) in enumerate(zip(classifier.coefs_, classifier.intercepts_), start=1):
            out[f"W{l}"], out[f"b{l}"] = W.T.copy(), b[:, None].copy()
        return out

    return Step(run, synchronizer("cpu"), parameters, classifier.coefs_[0].dtype.name)


def step_products(parameters: dict, X, Y, hidden, output) -> list[tuple]:
    """The pairs ``(a, b)`` whose products ``a @ b`` a step of dlgpu computes.

    Z[l] = W[l] A[l-1] and dW[l] = dZ[l] A[l-1]^T for every layer, and
    dA[l-1] = W[l]^T dZ[l] for l >= 2 where n_l > 1 (with one output unit
    dlgpu forms that outer product elementwise, so it is left out).  The
    operands are those of one real step from ``parameters``, ReLU zeros
    included, so the products see the data the step sees.
    """
    from .. import propagation

    xp = backend.get_array_module(X)
    L = len(parameters) // 2
    AL, _, cache = propagation.forward(parameters, X, hidden, output)
    dZ = {L: (AL - Y) * AL.dtype.type(1.0 / X.shape[1])}
    for l in range(L, 1, -1):
        dZ[l - 1] = hidden.backward_(xp.matmul(parameters[f"W{l}"].T, dZ[l]), cache[l - 1])
    W = {l: parameters[f"W{l}"] for l in range(1, L + 1)}
    return ([(W[l], cache[l - 1]) for l in range(1, L + 1)]
            + [(dZ[l], cache[l - 1].T) for l in range(1, L + 1)]
            + [(W[l].T, dZ[l]) for l in range(2, L + 1) if W[l].shape[0] > 1])


def products_step(problem: Problem, device: str) -> Step:
    """The matrix products of dlgpu's step alone (:func:`step_products`), on the active backend.

    Every implementation multiplies the same matrices, so with the same BLAS
    no step can take less time: what a step takes beyond this is its
    elementwise work and overheads.  ``run`` changes no parameter.
    """
    model, X, Y = _model_and_data(problem, device)
    products = step_products(model.parameters_, X, Y, model.hidden, model.output)
    xp = backend.get_array_module(X)

    def run() -> None:
        with model._precision():
            for a, b in products:
                xp.matmul(a, b)  # a fresh output, as in the step

    return Step(run, synchronizer(device),
                lambda: backend.map_arrays(model.parameters_, backend.to_numpy), problem.dtype)


BUILDERS = {"dlgpu": dlgpu_step, "course": course_step, "torch": torch_step,
            "sklearn": sklearn_step}


def make_step(implementation: str, problem: Problem, device: str) -> Step:
    """The :class:`Step` of ``implementation`` (one of :data:`IMPLEMENTATIONS`)."""
    if implementation not in BUILDERS:
        raise ValueError(f"unknown implementation {implementation!r}; "
                         f"valid names are {', '.join(IMPLEMENTATIONS)}")
    return BUILDERS[implementation](problem, device)
