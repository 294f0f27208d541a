#!/usr/bin/env python3
"""`dlgpu train` with its defaults against scikit-learn's MLPClassifier(), on held-out data.

    python3 scripts/compare_cli_defaults.py [--seeds 0 1 2 3 4]

For each dataset and seed: split the examples 80/20 with
``dlgpu.datasets.train_test_split(seed=seed)``, write both parts as files of
raw data, run ``dlgpu train --data train.npz --out model.npz`` (no other
option) and ``dlgpu evaluate --model model.npz --data test.npz``, and fit
``MLPClassifier(random_state=seed)`` (its defaults) on the same rows, raw and
behind a ``StandardScaler``.  Prints a Markdown table of test accuracies and
exits 1 when dlgpu is more than 1 point below the raw MLP's mean on a dataset.

Datasets: breast_cancer and digits (built in), planar, and a file: two
moons (scikit-learn's ``make_moons``, 1000 points) in shifted, scaled units
(x * 50 + 100), written as CSV.  Needs scikit-learn.
"""

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's dlgpu

from sklearn.datasets import make_moons  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from dlgpu import datasets  # noqa: E402
from dlgpu.cli import main as dlgpu_main  # noqa: E402


def _moons():
    X, y = make_moons(1000, noise=0.25, random_state=0)
    return X.T * 50 + 100, y.reshape(1, -1)


DATASETS = {"breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits,
            "planar": datasets.load_planar_dataset, "moons (CSV file)": _moons}


def _write(folder: str, name: str, X, Y, csv: bool) -> str:
    path = os.path.join(folder, name + (".csv" if csv else ".npz"))
    if csv:
        np.savetxt(path, np.c_[X.T, Y.T], delimiter=",")
    else:
        np.savez(path, X=X, Y=Y)
    return path


def _run(*argv) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = dlgpu_main(list(argv))
    if code != 0:
        raise SystemExit(f"dlgpu {' '.join(argv)} exited {code}")
    return out.getvalue()


def dlgpu_accuracy(X_train, Y_train, X_test, Y_test, csv: bool) -> float:
    with tempfile.TemporaryDirectory() as folder:
        train = _write(folder, "train", X_train, Y_train, csv)
        test = _write(folder, "test", X_test, Y_test, csv)
        model = os.path.join(folder, "model.npz")
        _run("train", "--data", train, "--out", model, "--verbose", "0")
        text = _run("evaluate", "--model", model, "--data", test)
    line = next(l for l in text.splitlines() if l.startswith("accuracy:"))
    return float(line.split()[1].rstrip("%"))


def mlp_accuracy(X_train, Y_train, X_test, Y_test, seed: int, scaled: bool) -> float:
    model = MLPClassifier(random_state=seed)
    if scaled:
        model = make_pipeline(StandardScaler(), model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train.T, Y_train.ravel())
    return 100 * model.score(X_test.T, Y_test.ravel())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    args = parser.parse_args()
    print("| dataset | split seed | dlgpu train (defaults) | MLPClassifier() | "
          "StandardScaler + MLPClassifier() |")
    print("|---|---|---|---|---|")
    failed = False
    for name in args.datasets:
        X, Y = DATASETS[name]()
        rows = []
        for seed in args.seeds:
            X_train, X_test, Y_train, Y_test = datasets.train_test_split(X, Y, 0.2, seed=seed)
            split = (X_train, Y_train, X_test, Y_test)
            row = (dlgpu_accuracy(*split, csv="CSV" in name),
                   mlp_accuracy(*split, seed, scaled=False), mlp_accuracy(*split, seed, True))
            rows.append(row)
            print(f"| {name} | {seed} | " + " | ".join(f"{v:.2f}%" for v in row) + " |",
                  flush=True)
        means = [statistics.mean(column) for column in zip(*rows)]
        print(f"| **{name}** | mean | " + " | ".join(f"**{v:.2f}%**" for v in means) + " |",
              flush=True)
        failed |= means[0] < means[1] - 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
