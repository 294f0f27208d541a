"""``--data``: a built-in dataset by name, or a file (.npz, .csv, .h5).

Both come as they are: the built-in data raw (breast-cancer measurements in
their units, digit pixels 0..16), since a model trained by ``dlgpu train``
carries its own preprocessing and ``predict``/``evaluate`` apply it.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

from .. import datasets
from ..backend import to_numpy
from ..errors import InvalidDataError

BUILT_IN = {
    "planar": (datasets.load_planar_dataset, "the planar data"),
    "breast_cancer": (datasets.load_breast_cancer, "the breast-cancer data"),
    "digits": (datasets.load_digits, "the digits data"),
}


def add_arguments(parser, default=None) -> None:
    parser.add_argument("--data", default=default, required=default is None,
                        help=f"a built-in dataset ({', '.join(BUILT_IN)}; any case) or a "
                             f"file: .npz with arrays X (n_x, m) and Y (1, m), .csv with one "
                             f"example per line, or .h5" + (" (default: %(default)s)"
                                                           if default else ""))
    parser.add_argument("--label", default="-1",
                        help="CSV: the label column, by index or name, or 'none' "
                             "(default: %(default)s, the last)")
    parser.add_argument("--layout", default="columns", choices=("columns", "rows"),
                        help=".npz/.h5: X stored as (n_x, m) columns (the course's) or "
                             "(m, n_x) rows (default: %(default)s)")


def load(args, labels: bool = True):
    """``(X, Y, description)`` for the ``--data`` option.

    With ``labels=False`` (predictions) a file's labels are not read and Y
    is None.
    """
    name = args.data
    if name.lower() in BUILT_IN:
        loader, description = BUILT_IN[name.lower()]
        X, Y = loader()
        return X, (Y if labels else None), description
    if not os.path.exists(name):
        raise FileNotFoundError(f"data file not found: {name}; --data takes a file or a "
                                f"built-in dataset: {', '.join(BUILT_IN)}")
    if name.lower().endswith(".csv"):
        label = None if args.label.lower() == "none" else _index_or_name(args.label)
        X, Y = datasets.load_csv(name, label=label)
        return X, (Y if labels else None), name
    try:
        X, Y = datasets.load_file(name, layout=args.layout,
                                  **({} if labels else {"y_key": None}))
    except InvalidDataError as exc:
        # The loader's advice is for Python (y_key=None); on the command line
        # unlabelled data is `dlgpu predict`'s.
        if "(pass y_key=None" not in str(exc):
            raise
        raise InvalidDataError(str(exc).split(" (pass y_key=None")[0]
                               + f"; {args.command} needs the labels in an array named 'Y' "
                                 f"(`dlgpu predict --data {name}` reads X alone)") from None
    return X, Y, name


def fingerprint(X) -> str:
    """A short hash of X's shape and values (as float64), to recognise the same data later."""
    host = np.ascontiguousarray(to_numpy(X), dtype=np.float64)
    digest = hashlib.sha256(repr(host.shape).encode())
    digest.update(host.tobytes())
    return digest.hexdigest()[:16]


def _index_or_name(text: str):
    try:
        return int(text)
    except ValueError:
        return text
