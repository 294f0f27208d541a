"""``dlgpu train``: train a network on a dataset, report it, save it, plot it.

The defaults are one setting for every dataset, chosen by measurement on the
planar, breast-cancer and digits data and a file of shifted, scaled data
(see docs/cli.md): inputs standardized by the model itself, one hidden layer
of 100 ReLU units, He initialization, learning rate 0.1, 100 epochs of
mini-batches of 32.  ``--iterations N`` trains the course's way instead: N
full-batch gradient steps.  Without options it trains on the planar data,
the README's main command.  ``--task regression`` trains an identity output
on real-valued targets (the label column) and reports RMSE and R².
``--optimizer``, ``--l2``, ``--lr-schedule`` and their companions choose how
it trains (plain gradient descent by default); ``--resume MODEL`` continues
training a saved model.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from .. import __version__, backend
from ..backend.cuda import MATMUL_PRECISIONS
from ..datasets import train_test_split
from ..distributed import LocalCommunicator, shard
from ..errors import InvalidDataError
from ..model import DeepNN, load_model
from ..optimizers import OPTIMIZERS
from ..outputs import target_statistics, unstandardize_output_
from ..preprocessing import Preprocessing
from ..schedules import SCHEDULES
from ..validation import DTYPES, check_several_classes
from . import data
from .info import backend_quietly, fallback_note

#: exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it
INTERRUPTED = 130


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
    about = __doc__.split("\n\n")[1].replace("\n", " ").replace("``", "")
    parser = sub.add_parser("train", help="train a network (the default command)",
                            description=about)
    data.add_arguments(parser, default="planar")
    parser.add_argument("--hidden", type=_sizes, default=[100],
                        help="hidden layer sizes, comma-separated; input and output sizes "
                             "come from the data (default: 100)")
    parser.add_argument("--activation", default="relu",
                        help="hidden activation: relu, leaky_relu, tanh, sigmoid or identity "
                             "(default: %(default)s)")
    parser.add_argument("--task", default="classification",
                        choices=("classification", "regression"),
                        help="classification: labels are classes, accuracy is reported; "
                             "regression: the label column (or Y's rows) are real targets, "
                             "an identity output with the squared-error cost, trained on "
                             "standardized targets and saved predicting in their units; "
                             "RMSE and R^2 are reported (default: %(default)s)")
    parser.add_argument("--output", default="auto", choices=("auto", "sigmoid", "softmax"),
                        help="output layer: sigmoid for labels 0/1, softmax for more classes "
                             "(default: %(default)s)")
    parser.add_argument("--preprocess", default="standardize",
                        choices=("standardize", "scale", "none"),
                        help="what the model does to its inputs, learned from the training "
                             "data, saved with it and applied by predict and evaluate: "
                             "standardize each feature, scale all by the largest |x|, or "
                             "none (default: %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="gradient-descent step size (default: 0.1); --task regression: "
                             "0.01")
    steps = parser.add_mutually_exclusive_group()
    steps.add_argument("--epochs", type=int, default=None,
                       help="passes over the data in mini-batches (default: 100 unless "
                            "--iterations is given; 20 with --task regression)")
    steps.add_argument("--iterations", type=int, default=None,
                       help="instead of --epochs: this many gradient steps, on the whole "
                            "data set unless --batch-size is given (the course's)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="mini-batch size (default: 32 with --epochs, the whole data set "
                             "with --iterations)")
    parser.add_argument("--keep-prob", type=float, default=1.0, metavar="P",
                        help="dropout: keep each hidden unit with probability P in (0, 1] "
                             "while training (default: %(default)s, no dropout)")
    parser.add_argument("--init", default=None,
                        help="weight initialization: he, xavier, course, small or zeros "
                             "(default: he); --task regression: xavier")
    parser.add_argument("--seed", type=int, default=2,
                        help="seed of the weights, the batches and --validation-split "
                             "(default: %(default)s)")
    parser.add_argument("--dtype", default="float32", choices=DTYPES,
                        help="float32, float64, or bfloat16: mixed precision, bfloat16 "
                             "products over float32 weights, needs pip install "
                             "'dlgpu[bf16]' (default: %(default)s)")
    parser.add_argument("--matmul-precision", default="highest", choices=MATMUL_PRECISIONS,
                        help="float32 matrix products on CuPy: highest (exact float32) or "
                             "high (TF32 tensor cores, compute capability >= 8.0); no effect "
                             "on NumPy or in float64 (default: %(default)s)")
    parser.add_argument("--backend", default=None, choices=backend.VALID_BACKENDS,
                        help="array backend (default: DLGPU_BACKEND or auto)")
    parser.add_argument("--validation-split", type=_fraction, default=None, metavar="F",
                        help="hold out this fraction of the examples and report the "
                             "validation accuracy on them (default: none)")
    parser.add_argument("--out", default=None, metavar="PATH",
                        help="save the trained model to PATH (.npz), also when Ctrl-C stops "
                             "training")
    parser.add_argument("--plot", default=None, metavar="DIR",
                        help="write costs.png (and decision_boundary.png for 2-D data) to DIR")
    parser.add_argument("--verbose", type=int, default=None,
                        help="progress every k-th record (default: about 10 lines); 0 is "
                             "silent")
    parser.add_argument("--optimizer", default="gd", choices=tuple(OPTIMIZERS),
                        help="update rule: gd (plain gradient descent), momentum, rmsprop, "
                             "adam or adamw (default: %(default)s)")
    parser.add_argument("--beta1", type=float, default=0.9,
                        help="momentum's and Adam's first-moment coefficient, in [0, 1) "
                             "(default: %(default)s)")
    parser.add_argument("--beta2", type=float, default=0.999,
                        help="RMSprop's and Adam's second-moment coefficient, in [0, 1) "
                             "(default: %(default)s)")
    parser.add_argument("--epsilon", type=float, default=1e-8,
                        help="RMSprop's and Adam's epsilon, > 0 (default: %(default)s)")
    parser.add_argument("--l2", type=float, default=0.0,
                        help="L2 regularization lambda (the course's): the cost gains "
                             "lambda/(2m) sum ||W||^2 (default: %(default)s)")
    parser.add_argument("--weight-decay", type=float, default=0.0,
                        help="decoupled weight decay of --optimizer adamw (default: "
                             "%(default)s)")
    parser.add_argument("--lr-schedule", default="none",
                        choices=("none", *(s for s in SCHEDULES if s)),
                        help="learning rate per epoch (a step in full-batch training): none, "
                             "inverse_time (lr/(1 + decay_rate epoch)), stepwise (lr/(1 + "
                             "decay_rate floor(epoch/time_interval))) or cosine (to 0 over "
                             "the run) (default: %(default)s)")
    parser.add_argument("--decay-rate", type=float, default=1.0,
                        help="decay of inverse_time and stepwise (default: %(default)s)")
    parser.add_argument("--time-interval", type=int, default=1000,
                        help="epochs per step of stepwise (default: %(default)s)")
    parser.add_argument("--warmup-epochs", type=int, default=0,
                        help="epochs (full-batch: steps) of linear warm-up to the learning "
                             "rate (default: %(default)s)")
    parser.add_argument("--resume", default=None, metavar="MODEL",
                        help="continue training the model saved in MODEL (.npz) on the data: "
                             "its settings, optimizer state, schedule and shuffling go on "
                             "where they stopped, for --epochs (or --iterations) more, its "
                             "saved length by default; the model options above are ignored; "
                             "saved to --out, or back to MODEL")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the ranks of mpiexec: every rank loads the "
                             "data and trains on its shard; rank 0 prints and writes files")


def output_layer(Y, choice: str) -> tuple[str, int]:
    """The output activation and size for targets Y : (n_y, m).

    Labels that are not class numbers are left for ``fit`` to refuse, with
    its message.  Refused here: labels of one class (as ``DLClassifier``
    refuses them: the network would learn to say that class, at 100%
    training accuracy), a largest label that would make more classes
    than there are examples (an ID or a measurement taken for the label), and
    class numbers with a class that has no example (labels 1/2 would
    otherwise train three classes, one of them empty), as ``fit`` refuses
    labels 1/2 for a sigmoid output.
    """
    if Y.shape[0] > 1:
        return "softmax", Y.shape[0]
    check_several_classes(np.unique(backend.to_numpy(Y)), "dlgpu train", "Y")
    n_classes = int(Y.max()) + 1 if Y.size and Y.min() >= 0 else 2
    if n_classes > max(Y.shape[1], 2):
        raise InvalidDataError(f"the labels go up to {Y.max():g}, which would make {n_classes} "
                               f"classes for {Y.shape[1]} examples; labels must be class "
                               f"numbers 0 to C-1 (is --label the right column?)")
    _check_every_class_present(Y, n_classes)
    if choice == "sigmoid" or (choice == "auto" and n_classes <= 2):
        return "sigmoid", 1
    return "softmax", max(n_classes, 2)


def _check_every_class_present(Y, n_classes: int) -> None:
    labels = np.asarray(backend.to_numpy(Y)).ravel()
    if n_classes <= 2 or (labels != np.floor(labels)).any():
        return  # 0/1 (one class may be absent) or not class numbers: fit says which
    present = np.unique(labels)
    if present.size < n_classes:
        missing = sorted(set(range(n_classes)) - set(present.astype(np.int64).tolist()))
        shown = ", ".join(f"{v:g}" for v in present[:10]) + (", ..." if present.size > 10
                                                             else "")
        raise InvalidDataError(
            f"the labels are {shown}: class {missing[0]} has no example, so a "
            f"{n_classes}-class output would have {len(missing)} empty class(es); labels "
            f"must be the class numbers 0 to C-1, each with examples (for two classes, "
            f"0 and 1{'; subtract 1 from these' if missing == [0] else ''})")


def run(args) -> int:
    if args.distributed:
        from ..distributed.cli import run as run_distributed
        from .reports import explain
        return run_distributed(args, _run, prepare=_prepare, explain=explain)
    return _run(args, LocalCommunicator())


def _prepare(args):
    """The data, the model and the validation split: what every rank builds alike."""
    X, Y, description = data.load(args)
    if Y is None:
        raise ValueError(f"{description} has no labels (Y) to train on")
    if args.task == "regression":
        if args.output != "auto":
            raise ValueError(f"--output {args.output} is a classifier's output; --task "
                             f"regression trains an identity output (leave --output out)")
        Y = np.asarray(backend.to_numpy(Y), dtype=np.float64)
        output, n_out = "identity", Y.shape[0]
    else:
        output, n_out = output_layer(Y, args.output)
    # Regression's defaults are DLRegressor's (measured on the diabetes data): a
    # squared-error output with 100 units diverges at 0.1 and overfits with He.
    regression = args.task == "regression"
    learning_rate = ((0.01 if regression else 0.1) if args.learning_rate is None
                     else args.learning_rate)
    init = ("xavier" if regression else "he") if args.init is None else args.init
    if args.iterations is not None:
        epochs, batch_size = None, args.batch_size
    else:
        epochs = (20 if regression else 100) if args.epochs is None else args.epochs
        batch_size = 32 if args.batch_size is None else args.batch_size
    records = epochs if epochs is not None else (args.iterations or 0) // 100
    verbose = args.verbose if args.verbose is not None else max(1, records // 10)
    if args.resume:
        model = _resumed(args, verbose)
        output = model.output_activation
    else:
        model = DeepNN([X.shape[0], *args.hidden, n_out], hidden_activation=args.activation,
                       output_activation=output, learning_rate=learning_rate,
                       num_iterations=args.iterations or 0, epochs=epochs,
                       batch_size=batch_size, init=init, seed=args.seed,
                       dtype=args.dtype, verbose=verbose,
                       preprocess=None if args.preprocess == "none" else args.preprocess,
                       optimizer=args.optimizer, beta1=args.beta1, beta2=args.beta2,
                       epsilon=args.epsilon, l2=args.l2, weight_decay=args.weight_decay,
                       lr_schedule=None if args.lr_schedule == "none" else args.lr_schedule,
                       decay_rate=args.decay_rate, time_interval=args.time_interval,
                       warmup_epochs=args.warmup_epochs, keep_prob=args.keep_prob,
                       matmul_precision=args.matmul_precision)
    model.notes_ = {**(model.notes_ or {} if args.resume else {}),
                    "trained_by": f"dlgpu {__version__} train", "data": description,
                    "data_fingerprint": data.fingerprint(X), "m": X.shape[1]}
    validation = None
    if args.validation_split:
        X, Xv, Y, Yv = train_test_split(X, Y, test_size=args.validation_split, seed=args.seed)
        validation = (Xv, Yv)
    model.notes_.update(training_fingerprint=data.fingerprint(X), m_train=X.shape[1])
    return X, Y, description, output, model, validation


def _resumed(args, verbose: int) -> DeepNN:
    """The saved model of --resume, set to continue: its own settings, the run's length
    from --epochs / --iterations when given (its saved one otherwise)."""
    model = load_model(args.resume)
    if model.preprocess is not None and getattr(model, "preprocessing_", None) is None:
        raise ValueError(f"--resume {args.resume}: the model was saved before training "
                         f"(no preprocessing learned); train it without --resume")
    params = model.get_params()
    if args.iterations is not None:
        params.update(num_iterations=args.iterations, epochs=None,
                      batch_size=args.batch_size)
    elif args.epochs is not None:
        params.update(epochs=args.epochs, batch_size=args.batch_size or model.batch_size or 32)
    params.update(warm_start=True, verbose=verbose)
    resumed = DeepNN(**params)  # validates the new length (warm-up within the run, ...)
    for name in ("parameters_", "backend_", "optimizer_", "n_iter_", "epochs_trained_",
                 "history_", "costs_", "preprocessing_", "notes_"):
        if hasattr(model, name):
            setattr(resumed, name, getattr(model, name))
    return resumed


def _run(args, comm, prepared=None) -> int:
    X, Y, description, output, model, validation = prepared or _prepare(args)
    _print_start(model, output, description, X, validation, args)

    # Regression trains on standardized targets (every rank holds the whole split,
    # so the statistics agree), then folds them into the output layer.
    standardized = output == "identity"
    if standardized:
        mean, std = target_statistics(Y)
        fit_Y = (Y - mean) / std
        fit_validation = validation and (validation[0], (validation[1] - mean) / std)
    else:
        fit_Y, fit_validation = Y, validation
    start = time.perf_counter()
    try:
        if comm.size == 1:
            model.fit(X, fit_Y, validation_data=fit_validation)
        else:
            _fit_shards(model, X, fit_Y, fit_validation, comm)
    except KeyboardInterrupt:
        if not getattr(model, "interrupted_", False):
            raise  # before training began: nothing to keep
    if standardized:
        unstandardize_output_(model.parameters_, mean, std)
    backend.synchronize()
    elapsed = time.perf_counter() - start
    if model.interrupted_:
        print(f"Training interrupted (Ctrl-C) after {model.n_iter_} steps; the model keeps "
              f"what it learned so far")
    _print_results(model, X, Y, validation, args, elapsed)
    out = args.out or args.resume
    if out:
        model.save(out)
        print(f"Saved the model to {out}"
              + (" (training was interrupted: the file says so)" if model.interrupted_ else ""))
    if args.plot and comm.is_writer and output != "identity":
        for path in _plots(model, X, Y, args.plot):
            print(f"Wrote {path}")
    return INTERRUPTED if model.interrupted_ else 0


def _fit_shards(model, X, Y, validation, comm) -> None:
    """Every rank holds the whole split: the preprocessing is learned from all of X, the
    same on every rank, then each rank trains on its shard and the model carries it."""
    pre = None if model.preprocess is None else Preprocessing.fit(model.preprocess, X)
    if model.warm_start and getattr(model, "preprocessing_", None) is not None:
        pre = model.preprocessing_  # --resume: the transform the model was trained with
    model.fit(*shard(X, Y, comm), comm=comm, preprocessing=pre,
              validation_data=validation and shard(*validation, comm))


def _print_start(model, output, description, X, validation, args) -> None:
    name = backend_quietly()
    reason = backend.fallback_reason()
    how = (f"{model.epochs} epochs of batches of {model.batch_size}" if model.epochs is not None
           else f"{model.num_iterations} iterations"
           + (f" of batches of {model.batch_size}" if model.batch_size else ", full batch"))
    held = (f", {validation[0].shape[1]} held out for validation" if validation is not None
            else "")
    print(f"dlgpu {__version__}: training {model.layer_dims} ({model.hidden_activation} hidden, "
          f"{output} output) on {description} (m = {X.shape[1]}{held}) with the {name} "
          f"backend, {model.dtype}"
          + (f" (matmul precision {model.matmul_precision})"
             if model.matmul_precision != "highest" else "") + f": {how}, learning rate {model.learning_rate}"
          + (f" ({model.optimizer}" + (f", {model.lr_schedule} schedule" if model.lr_schedule
                                       else "") + (f", l2 {model.l2}" if model.l2 else "")
             + ")" if model.optimizer != "gd" or model.lr_schedule or model.l2 else "")
          + (f", resumed from {args.resume} after {model.n_iter_} steps" if args.resume
             else f", inputs: {args.preprocess}")
          + (f"\n({fallback_note(reason)})" if reason else ""), flush=True)


def regression_figures(model, X, Y) -> str:
    """``RMSE r, R^2 s`` of a regression model on X, Y (RMSE over every output and example)."""
    error = np.asarray(backend.to_numpy(model.predict(X)), dtype=np.float64) - Y
    return f"RMSE {float(np.sqrt(np.mean(error ** 2))):.6g}, R^2 {model.score(X, Y):.4f}"


def _print_results(model, X, Y, validation, args, elapsed: float) -> None:
    if model.output.name == "identity":
        print(f"Training: {regression_figures(model, X, Y)} (m = {X.shape[1]}, the examples "
              f"it was trained on)")
        if validation is not None:
            print(f"Validation: {regression_figures(model, *validation)} "
                  f"(m = {validation[0].shape[1]}, held out by --validation-split "
                  f"{args.validation_split})")
    else:
        print(f"Training accuracy: {100 * model.score(X, Y):.2f}% (m = {X.shape[1]}, the "
              f"examples it was trained on)")
        if validation is not None:
            print(f"Validation accuracy: {100 * model.score(*validation):.2f}% "
                  f"(m = {validation[0].shape[1]}, held out by --validation-split "
                  f"{args.validation_split})")
    print(f"Backend: {backend.get_backend()}  Time: {elapsed:.2f} s ({model.n_iter_} iterations"
          + (f", {model.history_['epoch'][-1]} epochs)"
             if model.epochs is not None and model.history_['epoch'] else ")"))


def _plots(model, X, Y, folder: str) -> list[str]:
    from ..plots import plot_costs, plot_decision_boundary
    os.makedirs(folder, exist_ok=True)
    paths = [plot_costs(model, os.path.join(folder, "costs.png"),
                        learning_rate=model.learning_rate)]
    if X.shape[0] == 2:
        paths.append(plot_decision_boundary(model, np.asarray(X), Y,
                                            os.path.join(folder, "decision_boundary.png")))
    return [str(p) for p in paths]
