"""``dlgpu train``: train a network on a dataset, report it, save it, plot it.

Without options it trains the course's planar network ([2, 4, 1], tanh,
learning rate 1.2, 10000 iterations): the README's main command.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from .. import __version__, backend
from ..datasets import train_test_split
from ..distributed import shard
from ..errors import InvalidDataError
from ..model import DeepNN
from . import data
from .info import backend_quietly


def _sizes(text: str) -> list[int]:
    try:
        return [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"layer sizes must be comma-separated integers, got {text!r}") from None


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def add_parser(sub) -> None:
    parser = sub.add_parser("train", help="train a network (the default command)")
    data.add_arguments(parser, default="planar")
    parser.add_argument("--hidden", type=_sizes, default=[4],
                        help="hidden layer sizes, comma-separated; input and output sizes "
                             "come from the data (default: 4)")
    parser.add_argument("--activation", default="tanh", help="hidden activation (default: tanh)")
    parser.add_argument("--output", default="auto", choices=("auto", "sigmoid", "softmax"),
                        help="output layer: sigmoid for labels 0/1, softmax for more classes "
                             "(default: auto)")
    parser.add_argument("--learning-rate", type=float, default=1.2)
    parser.add_argument("--iterations", type=int, default=10000,
                        help="gradient steps (default: 10000)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="passes over the data, instead of --iterations")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="mini-batch size (default: the whole data set)")
    parser.add_argument("--init", default="small")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--backend", default=None, choices=backend.VALID_BACKENDS,
                        help="array backend (default: DLGPU_BACKEND or auto)")
    parser.add_argument("--validation-split", type=_fraction, default=None, metavar="F",
                        help="hold out this fraction of the examples for validation")
    parser.add_argument("--out", default=None, metavar="PATH",
                        help="save the trained model to PATH (.npz)")
    parser.add_argument("--plot", default=None, metavar="DIR",
                        help="write costs.png (and decision_boundary.png for 2-D data) to DIR")
    parser.add_argument("--verbose", type=int, default=None,
                        help="progress every k-th record (default: 10 for iterations, "
                             "1 for epochs); 0 is silent")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the ranks of mpiexec: every rank loads the "
                             "data and trains on its shard; rank 0 prints and writes files")


def output_layer(Y, choice: str) -> tuple[str, int]:
    """The output activation and size for targets Y : (n_y, m).

    Labels that are not class numbers are left for ``fit`` to refuse, with
    its message; only a largest label that would make more classes than there
    are examples (an ID or a measurement taken for the label) is refused here,
    before a layer of that size is allocated.
    """
    if Y.shape[0] > 1:
        return "softmax", Y.shape[0]
    n_classes = int(Y.max()) + 1 if Y.size and Y.min() >= 0 else 2
    if choice == "sigmoid" or (choice == "auto" and n_classes <= 2):
        return "sigmoid", 1
    if n_classes > max(Y.shape[1], 2):
        raise InvalidDataError(f"the labels go up to {Y.max():g}, which would make {n_classes} "
                               f"classes for {Y.shape[1]} examples; labels must be class "
                               f"numbers 0 to C-1 (is --label the right column?)")
    return "softmax", max(n_classes, 2)


def run(args) -> int:
    if args.distributed:
        from ..distributed.cli import run as run_distributed
        return run_distributed(args, _run)
    return _run(args, None)


def _run(args, comm) -> int:
    X, Y, description = data.load(args)
    if Y is None:
        raise ValueError(f"{description} has no labels (Y) to train on")
    output, n_out = output_layer(Y, args.output)
    epoch_mode = args.epochs is not None or args.batch_size is not None
    verbose = args.verbose if args.verbose is not None else (1 if epoch_mode else 10)
    model = DeepNN([X.shape[0], *args.hidden, n_out], hidden_activation=args.activation,
                   output_activation=output, learning_rate=args.learning_rate,
                   num_iterations=args.iterations, epochs=args.epochs,
                   batch_size=args.batch_size, init=args.init, seed=args.seed,
                   dtype=args.dtype, verbose=verbose)
    validation = None
    if args.validation_split:
        X, Xv, Y, Yv = train_test_split(X, Y, test_size=args.validation_split, seed=args.seed)
        validation = (Xv, Yv)
    name = backend_quietly()
    reason = backend.fallback_reason()
    print(f"dlgpu {__version__}: training {model.layer_dims} ({output} output) on "
          f"{description} (m = {X.shape[1]}) with the {name} backend, {args.dtype}"
          + (f"\n(CuPy unavailable: {reason})" if reason else ""), flush=True)

    start = time.perf_counter()
    if comm is None:
        model.fit(X, Y, validation_data=validation)
    else:  # the same split on every rank, then each trains on its shard
        model.fit(*shard(X, Y, comm), comm=comm, validation_data=validation
                  and shard(*validation, comm))
    backend.synchronize()
    elapsed = time.perf_counter() - start

    print(f"Accuracy: {100 * model.score(X, Y):.2f}%")
    if validation is not None:
        print(f"Validation accuracy: {100 * model.score(*validation):.2f}% "
              f"(m = {validation[0].shape[1]})")
    print(f"Backend: {backend.get_backend()}  Time: {elapsed:.2f} s ({model.n_iter_} iterations"
          + (f", {model.history_['epoch'][-1]} epochs)" if epoch_mode else ")"))
    if args.out:
        model.save(args.out)
        print(f"Saved the model to {args.out}")
    if args.plot and getattr(model, "rank_", 0) == 0:
        for path in _plots(model, X, Y, args.plot):
            print(f"Wrote {path}")
    return 0


def _plots(model, X, Y, folder: str) -> list[str]:
    from ..plots import plot_costs, plot_decision_boundary
    os.makedirs(folder, exist_ok=True)
    paths = [plot_costs(model, os.path.join(folder, "costs.png"),
                        learning_rate=model.learning_rate)]
    if X.shape[0] == 2:
        paths.append(plot_decision_boundary(model, np.asarray(X), Y,
                                            os.path.join(folder, "decision_boundary.png")))
    return [str(p) for p in paths]
