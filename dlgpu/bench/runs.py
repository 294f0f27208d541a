"""Whole training runs: what a user's one call costs, start to finish.

A run starts from the problem's host (NumPy) arrays, as a user holds them,
and includes everything the library does for a ``fit``: input checks, the
move to the device, initialisation, ``iterations`` full-batch steps, and the
costs it records.  Each library starts from its own initialisation here, as
a user's call would.

``dlgpu``    ``DeepNN(...).fit(X, Y)``
``course``   ``course.L_layer_model(X, Y, layer_dims, ...)``: float64 only
             (the course's function converts its inputs to float64).
``torch``    building the network and optimizer, moving X^T and Y to the
             device, then ``iterations`` steps.
``sklearn``  ``MLPClassifier(..., max_iter=iterations).fit(X^T, y)``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .problems import Problem
from .steps import (
    Unavailable,
    check_device,
    sklearn_classifier,
    torch_device,
    torch_network,
    torch_synchronizer,
)
from .timing import synchronizer


@dataclass
class Run:
    """``run()`` trains once from scratch; ``synchronize()`` waits for the device."""

    run: Callable[[], object]
    synchronize: Callable[[], None]


def dlgpu_run(problem: Problem, device: str, iterations: int) -> Run:
    from ..model import DeepNN

    check_device(device)

    def run():
        return DeepNN(problem.layer_dims, learning_rate=problem.learning_rate,
                      num_iterations=iterations, dtype=problem.dtype).fit(problem.X, problem.Y)

    return Run(run, synchronizer(device))


def course_run(problem: Problem, device: str, iterations: int) -> Run:
    from .. import course

    check_device(device)
    if problem.dtype != "float64":
        raise Unavailable("course.L_layer_model trains in float64 only")

    def run():
        with contextlib.redirect_stdout(io.StringIO()):
            return course.L_layer_model(problem.X, problem.Y, problem.layer_dims,
                                        learning_rate=problem.learning_rate,
                                        num_iterations=iterations)

    return Run(run, synchronizer(device))


def torch_run(problem: Problem, device: str, iterations: int) -> Run:
    import torch

    name = torch_device(device)
    rows, _ = problem.rows
    targets = np.ascontiguousarray(problem.Y.T)

    def run():
        network = torch_network(problem, name)
        X, Y = torch.from_numpy(rows).to(name), torch.from_numpy(targets).to(name)
        loss = torch.nn.BCEWithLogitsLoss()
        optimizer = torch.optim.SGD(network.parameters(), lr=problem.learning_rate)
        for _ in range(iterations):
            optimizer.zero_grad(set_to_none=True)
            loss(network(X), Y).backward()
            optimizer.step()
        return network

    return Run(run, torch_synchronizer(name))


def sklearn_run(problem: Problem, device: str, iterations: int) -> Run:
    from sklearn.exceptions import ConvergenceWarning

    if device != "cpu":
        raise Unavailable("scikit-learn runs on the CPU only")
    rows, labels = problem.rows

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is reached by design
            return sklearn_classifier(problem, max_iter=iterations).fit(rows, labels)

    return Run(run, synchronizer("cpu"))


BUILDERS = {"dlgpu": dlgpu_run, "course": course_run, "torch": torch_run,
            "sklearn": sklearn_run}


def make_run(implementation: str, problem: Problem, device: str, iterations: int) -> Run:
    """The :class:`Run` of ``implementation`` for ``iterations`` steps."""
    if implementation not in BUILDERS:
        raise ValueError(f"unknown implementation {implementation!r}; "
                         f"valid names are {', '.join(BUILDERS)}")
    if int(iterations) < 1:
        raise ValueError(f"iterations must be at least 1, got {iterations!r}")
    return BUILDERS[implementation](problem, device, int(iterations))
