"""``dlgpu predict`` and ``dlgpu evaluate``: a saved model applied to a data file."""

from __future__ import annotations

import sys

import numpy as np

from .. import backend
from ..io import load_model
from . import data


def add_parsers(sub) -> None:
    for name, text in (("predict", "print or save a saved model's predictions for a data set"),
                       ("evaluate", "a saved model's accuracy and cost on labelled data")):
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
    if args.command == "evaluate":
        if Y is None:
            raise ValueError(f"{description} has no labels (Y): evaluate needs them; "
                             f"use `dlgpu predict` for unlabelled data")
        print(f"model: {args.model} {model.layer_dims}")
        print(f"data: {description} (m = {X.shape[1]})")
        print(f"accuracy: {100 * model.score(X, Y):.2f}%")
        print(f"cost: {model.cost(X, Y):.6f}")
        return 0
    result = model.predict_proba(X) if args.proba else model.predict(X)
    rows = np.asarray(backend.to_numpy(result)).T  # one example per line
    if args.out and args.out.endswith(".npy"):
        np.save(args.out, rows)
    else:
        np.savetxt(args.out or sys.stdout, rows, fmt="%.6g" if args.proba else "%d",
                   delimiter=",")
    if args.out:
        print(f"Wrote {rows.shape[0]} predictions to {args.out}")
    return 0
