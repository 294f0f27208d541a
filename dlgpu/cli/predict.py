"""``dlgpu predict`` and ``dlgpu evaluate``: a saved model applied to a data file.

The model applies its own preprocessing (saved by ``dlgpu train``), so the
data is given raw, as it was for training.  ``evaluate`` says when the data
is, or holds, the model's training data (recognised by the fingerprints
``dlgpu train`` saves in ``notes_``): that accuracy is no test of new data.
"""

from __future__ import annotations

import sys

import numpy as np

from .. import backend
from ..errors import InvalidDataError
from ..model import load_model
from . import data


def add_parsers(sub) -> None:
    for name, text in (("predict", "print or save a saved model's predictions for a data set"),
                       ("evaluate", "a saved model's accuracy (RMSE and R^2 for regression) "
                                    "and cost on labelled data")):
        parser = sub.add_parser(name, help=text)
        parser.add_argument("--model", required=True, metavar="PATH",
                            help="a model saved by `dlgpu train --out` or model.save()")
        data.add_arguments(parser)
        parser.add_argument("--backend", default=None, choices=backend.VALID_BACKENDS)
        if name == "predict":
            parser.add_argument("--out", default=None, metavar="PATH",
                                help="write the predictions to PATH (.csv or .npy) instead "
                                     "of printing them, one example per line")
            parser.add_argument("--proba", action="store_true",
                                help="probabilities instead of labels")


def run(args) -> int:
    model = load_model(args.model)
    X, Y, description = data.load(args, labels=args.command == "evaluate")
    _check_label_column(args, X, model.layer_dims[0], description)
    if model.interrupted_:
        print(f"dlgpu: note: this model's training was interrupted (Ctrl-C) after "
              f"{getattr(model, 'n_iter_', '?')} steps", file=sys.stderr)
    if args.command == "evaluate":
        if Y is None:
            raise ValueError(f"{description} has no labels (Y): evaluate needs them; "
                             f"use `dlgpu predict` for unlabelled data")
        inputs = f", {model.preprocessing_.kind}s its inputs" if model.preprocessing_ else ""
        print(f"model: {args.model} {model.layer_dims}{inputs}")
        print(f"data: {description} (m = {X.shape[1]})")
        label, note = _what_accuracy(model, X)
        if model.output.name == "identity":  # regression: no accuracy
            from .train import regression_figures
            Y = np.asarray(backend.to_numpy(Y), dtype=np.float64)
            print(f"{label.replace('accuracy', 'fit')}: "
                  f"{regression_figures(model, X, Y)}{note}")
        else:
            print(f"{label}: {100 * model.score(X, Y):.2f}%{note}")
        print(f"cost: {model.cost(X, Y):.6f}")
        return 0
    result = model.predict_proba(X) if args.proba else model.predict(X)
    rows = np.asarray(backend.to_numpy(result)).T  # one example per line
    values = args.proba or model.output.name == "identity"  # regression: real values
    if args.out and args.out.endswith(".npy"):
        np.save(args.out, rows)
    else:
        np.savetxt(args.out or sys.stdout, rows, fmt="%.6g" if values else "%d",
                   delimiter=",")
    if args.out:
        print(f"Wrote {rows.shape[0]} predictions to {args.out}")
    return 0


def _check_label_column(args, X, n_x: int, description: str) -> None:
    """A CSV with one column more or fewer than the model takes: the label column is probably
    present (read as a feature) or absent (a feature read as the label); say which flag fixes
    it, rather than the model's advice about (n_x, m) layout, which is for arrays."""
    if not args.data.lower().endswith(".csv") or X.shape[0] not in (n_x - 1, n_x + 1):
        return
    if args.label.lower() == "none" and X.shape[0] == n_x + 1:
        raise InvalidDataError(
            f"{description} has {X.shape[0]} columns, all read as features (--label none), "
            f"but the model takes {n_x} features: a label column is probably present; "
            f"name it with --label COLUMN (its index or name; -1 is the last)")
    if args.label.lower() != "none" and X.shape[0] == n_x - 1:
        fix = ("pass --label none" if args.command == "predict" else
               "evaluate needs labels: add the label column, or use `dlgpu predict --label none`")
        raise InvalidDataError(
            f"{description} has {X.shape[0]} feature columns besides the label column "
            f"(--label {args.label}) but the model takes {n_x} features: the file probably "
            f"has no label column; {fix}")


def _what_accuracy(model, X) -> tuple[str, str]:
    """The name of the accuracy on X, and a note, from what the model knows of its training data."""
    notes = model.notes_ or {}
    if "training_fingerprint" not in notes:
        return "accuracy", ""
    seen = data.fingerprint(X)
    if seen == notes["training_fingerprint"]:
        return "training accuracy", " (this is the data the model was trained on)"
    if seen == notes.get("data_fingerprint"):
        return "accuracy", (f" (this data holds the {notes.get('m_train')} examples the model "
                            f"was trained on: not a test accuracy)")
    return "accuracy", ""
