#!/usr/bin/env python3
"""What bfloat16 mixed precision and TF32 cost in accuracy against float32.

Trains the same networks with ``dtype="float32"``, ``dtype="bfloat16"`` (mixed
precision: bfloat16 products and activations over float32 master weights) and
``matmul_precision="high"`` (TF32 tensor cores for float32 products) on two
problems, each with several seeds (the weight draw and the batch order; the
data and its split are fixed), and prints a Markdown table of the held-out
accuracy and the final training cost (the last epoch's mean), medians over
the seeds:

* digits: scikit-learn's 1797 8x8 images, 10 classes; 80 % to train, 20 %
  held out, stratified; a [64, 64, 10] ReLU/softmax network, standardized
  inputs, batches of 32, gradient descent at lr 0.1 (as
  scripts/compare_optimizers.py and docs/usage.md);
* synthetic: ``make_classification`` with 20000 examples, 100 features (20
  informative), 2 classes, 1 % of labels flipped; 80 % to train; a [100,
  256, 128, 1] ReLU/sigmoid network, standardized inputs, batches of 128,
  Adam at lr 0.001.

On NumPy the bfloat16 rows emulate the GPU's rounding points with
``ml_dtypes`` (what a GPU run does to the numbers); TF32 exists only on CUDA
GPUs of compute capability >= 8.0, so on NumPy (and on older GPUs) its rows
are float32's, which the output says.  Needs scikit-learn and ml_dtypes
(``pip install "dlgpu[sklearn,bf16]"``); a few minutes on the NumPy backend.

    python scripts/precision_accuracy.py [--seeds 3] [--digits-epochs 30] \\
        [--synthetic-epochs 5] [--backend numpy]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import dlgpu
from dlgpu.bench.machine import cpu_model, usable_cpus
from dlgpu.datasets import load_digits, train_test_split

#: (label, DeepNN settings of the precision)
SETTINGS = [
    ("float32", dict(dtype="float32")),
    ("bfloat16", dict(dtype="bfloat16")),
    ('float32, matmul_precision="high" (TF32)', dict(dtype="float32", matmul_precision="high")),
]



def digits(epochs: int):
    X, Y = load_digits()
    X, Xt, Y, Yt = train_test_split(X, Y, test_size=0.2, seed=0, stratify=True)
    shared = dict(layer_dims=[64, 64, 10], output_activation="softmax", batch_size=32,
                  epochs=epochs, learning_rate=0.1, preprocess="standardize")
    return "digits", (X, Y, Xt, Yt), shared


def synthetic(epochs: int):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=20000, n_features=100, n_informative=20,
                               n_redundant=10, flip_y=0.01, random_state=0)
    X, Xt, Y, Yt = train_test_split(X.T, y.reshape(1, -1), test_size=0.2, seed=0,
                                    stratify=True)
    shared = dict(layer_dims=[100, 256, 128, 1], output_activation="sigmoid", batch_size=128,
                  epochs=epochs, optimizer="adam", learning_rate=0.001, preprocess="standardize")
    return "synthetic", (X, Y, Xt, Yt), shared


def run(problem, seeds: int):
    """One row per setting: medians over the seeds, and seed 0's parameters."""
    name, (X, Y, Xt, Yt), shared = problem
    rows = []
    for label, settings in SETTINGS:
        accuracy, cost, seconds, first = [], [], [], None
        for seed in range(seeds):
            start = time.perf_counter()
            model = dlgpu.DeepNN(**shared, **settings, seed=seed).fit(X, Y)
            seconds.append(time.perf_counter() - start)
            accuracy.append(100 * model.score(Xt, Yt))
            cost.append(float(model.costs_[-1]))
            if first is None:
                first = {k: dlgpu.backend.to_numpy(v) for k, v in model.parameters_.items()}
        rows.append((name, label, accuracy, cost, seconds, first))
    return rows


def _same(a: dict, b: dict) -> bool:
    return all(np.array_equal(a[k], b[k]) for k in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--digits-epochs", type=int, default=30)
    parser.add_argument("--synthetic-epochs", type=int, default=5)
    parser.add_argument("--problems", default="digits,synthetic",
                        help="comma-separated: digits, synthetic (default: %(default)s)")
    parser.add_argument("--backend", default=None, choices=("numpy", "cupy"),
                        help="array backend (default: DLGPU_BACKEND or auto)")
    args = parser.parse_args()
    if args.backend:
        dlgpu.set_backend(args.backend)
    makers = {"digits": lambda: digits(args.digits_epochs),
              "synthetic": lambda: synthetic(args.synthetic_epochs)}
    chosen = [p.strip() for p in args.problems.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in makers]
    if unknown:
        parser.error(f"unknown problem(s) {unknown}; choose from {', '.join(makers)}")
    backend = dlgpu.get_backend()
    print(f"dlgpu {dlgpu.__version__}, backend {backend}, {cpu_model()}, "
          f"{usable_cpus()} cores; median of {args.seeds} seeds; digits: {args.digits_epochs} epochs, synthetic: "
          f"{args.synthetic_epochs} epochs\n")
    print("| problem | setting | held-out accuracy (median) | min - max | accuracy - float32's "
          "| final training cost (median) | seconds per fit |")
    print("|---|---|---:|---:|---:|---:|---:|")
    notes = []
    for problem in chosen:
        rows = run(makers[problem](), args.seeds)
        reference = statistics.median(rows[0][2])
        for name, label, accuracy, cost, seconds, _ in rows:
            median = statistics.median(accuracy)
            print(f"| {name} | {label} | {median:.2f} % | {min(accuracy):.2f} - "
                  f"{max(accuracy):.2f} % | {median - reference:+.2f} | "
                  f"{statistics.median(cost):.4f} | {statistics.median(seconds):.2f} |")
        float32, bf16, tf32 = (row[5] for row in rows)
        if _same(float32, bf16):
            notes.append(f"{problem}: the bfloat16 run's parameters equal float32's bit for bit: "
                         f"this dlgpu's training step does not compute in bfloat16 yet, so its "
                         f"rows show float32.")
        if _same(float32, tf32):
            notes.append(f"{problem}: TF32 changed nothing"
                         + (" (the NumPy backend has no TF32: matmul_precision=\"high\" applies "
                            "only to CuPy on GPUs of compute capability >= 8.0)."
                            if backend == "numpy" else
                            " (this GPU computes float32 products exactly: compute capability "
                            "below 8.0?)."))
    if notes:
        print()
        for note in notes:
            print(f"Note: {note}")


if __name__ == "__main__":
    main()
