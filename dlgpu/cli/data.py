"""``--data``: a built-in dataset by name, or a file (.npz, .csv, .h5)."""

from __future__ import annotations

from .. import datasets

BUILT_IN = ("planar", "breast_cancer", "digits")


def add_arguments(parser, default=None) -> None:
    parser.add_argument("--data", default=default, required=default is None,
                        help=f"a built-in dataset ({', '.join(BUILT_IN)}) or a file: .npz "
                             f"with arrays X (n_x, m) and Y (1, m), .csv with one example per "
                             f"line, or .h5" + (f" (default: {default})" if default else ""))
    parser.add_argument("--label", default="-1",
                        help="CSV: the label column, by index or name, or 'none' (default: -1)")
    parser.add_argument("--layout", default="columns", choices=("columns", "rows"),
                        help=".npz/.h5: X stored as (n_x, m) columns (the course's) or "
                             "(m, n_x) rows (default: columns)")


def load(args, labels: bool = True):
    """``(X, Y, description)`` for the ``--data`` option.

    With ``labels=False`` (predictions) a file's labels are not read and Y
    is None.
    """
    name = args.data
    if name == "planar":
        X, Y = datasets.load_planar_dataset()
        return X, Y, "the planar data"
    if name == "breast_cancer":
        # Standardized by its own statistics, the same every time, so that
        # `predict --data breast_cancer` sees what `train` saw.
        X, Y = datasets.load_breast_cancer()
        return datasets.standardize(X)[0], Y, "the breast-cancer data (standardized)"
    if name == "digits":
        X, Y = datasets.load_digits()
        return X / 16.0, Y, "the digits data (pixels / 16)"
    if name.lower().endswith(".csv"):
        label = None if args.label.lower() == "none" else _index_or_name(args.label)
        X, Y = datasets.load_csv(name, label=label)
    else:
        X, Y = datasets.load_file(name, layout=args.layout,
                                  **({} if labels else {"y_key": None}))
    return X, (Y if labels else None), name


def _index_or_name(text: str):
    try:
        return int(text)
    except ValueError:
        return text
