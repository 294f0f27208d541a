#!/usr/bin/env python3
"""What Adam and a learning-rate schedule change against plain gradient descent.

Trains the same network on scikit-learn's digits (1797 8x8 images, 10
classes; 80 % to train, 20 % held out, stratified) with each setting, the
same seed and mini-batches, and prints a Markdown table: the epoch and the
seconds at which the training cost (a record per epoch) first fell below
``--target``, the final training cost and the held-out accuracy.  The
seconds are ``history_["time"]`` (the fit's clock, records included), the
median of ``--repeats`` runs.

    python scripts/compare_optimizers.py [--epochs 60] [--target 0.05] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

import dlgpu
from dlgpu.bench.machine import cpu_model, usable_cpus
from dlgpu.datasets import load_digits, train_test_split

#: (label, DeepNN settings beyond the shared ones)
SETTINGS = [
    ("gd, lr 0.1 (the CLI's default)", dict(optimizer="gd", learning_rate=0.1)),
    ("gd, lr 0.1, inverse_time (decay 0.05)",
     dict(optimizer="gd", learning_rate=0.1, lr_schedule="inverse_time", decay_rate=0.05)),
    ("gd, lr 0.01", dict(optimizer="gd", learning_rate=0.01)),
    ("momentum 0.9, lr 0.1", dict(optimizer="momentum", learning_rate=0.1)),
    ("adam, lr 0.001", dict(optimizer="adam", learning_rate=0.001)),
    ("adam, lr 0.003, cosine, 3 warm-up epochs",
     dict(optimizer="adam", learning_rate=0.003, lr_schedule="cosine", warmup_epochs=3)),
]



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--target", type=float, default=0.05)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    args = parser.parse_args()
    X, Y = load_digits()
    X, Xt, Y, Yt = train_test_split(X, Y, test_size=0.2, seed=0, stratify=True)
    shared = dict(layer_dims=[64, 64, 10], output_activation="softmax", batch_size=32,
                  epochs=args.epochs, seed=0, dtype=args.dtype, preprocess="standardize")
    print(f"digits: m = {X.shape[1]} to train, {Xt.shape[1]} held out; "
          f"{shared['layer_dims']} relu/softmax, batches of 32, {args.epochs} epochs, "
          f"{args.dtype}, backend {dlgpu.get_backend()}, {cpu_model()}, {usable_cpus()} cores, "
          f"target cost {args.target}, median of {args.repeats}\n")
    print(f"| setting | epochs to cost < {args.target} | seconds to it | final cost "
          f"| held-out accuracy |")
    print("|---|---:|---:|---:|---:|")
    for label, settings in SETTINGS:
        reached, seconds = None, []
        for _ in range(args.repeats):
            model = dlgpu.DeepNN(**shared, **settings).fit(X, Y)
            costs = np.asarray(model.history_["cost"])
            below = np.flatnonzero(costs < args.target)
            if below.size:
                reached = int(model.history_["epoch"][below[0]])
                seconds.append(model.history_["time"][below[0]])
        accuracy = 100 * model.score(Xt, Yt)
        epochs = "not reached" if reached is None else str(reached)
        time = f"{statistics.median(seconds):.2f}" if seconds else "-"
        print(f"| {label} | {epochs} | {time} | {model.costs_[-1]:.4f} | {accuracy:.1f} % |")


if __name__ == "__main__":
    main()
