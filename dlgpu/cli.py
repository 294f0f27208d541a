"""The ``dlgpu`` command line (also ``python -m dlgpu``).

``dlgpu train`` (the default) trains a network on the built-in planar data;
``dlgpu info`` tells which backend is in use and why.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from . import __version__, backend
from .errors import BackendError, BackendFallbackWarning


def _layers(text: str) -> list[int]:
    try:
        return [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"layers must be comma-separated integers, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlgpu", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dlgpu {__version__}")
    sub = parser.add_subparsers(dest="command")
    train = sub.add_parser("train", help="train on the built-in planar 'flower' data")
    train.add_argument("--hidden", type=_layers, default=[4],
                       help="hidden layer sizes, comma-separated (default: 4)")
    train.add_argument("--activation", default="tanh", help="hidden activation (default: tanh)")
    train.add_argument("--learning-rate", type=float, default=1.2)
    train.add_argument("--iterations", type=int, default=10000)
    train.add_argument("--init", default="small")
    train.add_argument("--seed", type=int, default=2)
    train.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    train.add_argument("--backend", default=None, choices=backend.VALID_BACKENDS,
                       help="array backend (default: DLGPU_BACKEND or auto)")
    sub.add_parser("info", help="show the backend in use and why")
    return parser


def _backend_quietly() -> str:
    """The active backend; a fallback is reported by the caller, in one line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BackendFallbackWarning)
        return backend.get_backend()


def _train(args) -> int:
    from .datasets import load_planar_dataset
    from .model import DeepNN

    X, Y = load_planar_dataset()
    model = DeepNN([X.shape[0], *args.hidden, 1], hidden_activation=args.activation,
                   learning_rate=args.learning_rate, num_iterations=args.iterations,
                   init=args.init, seed=args.seed, dtype=args.dtype, verbose=10)
    name = _backend_quietly()
    reason = backend.fallback_reason()
    print(f"dlgpu {__version__}: training {model.layer_dims} on the planar data "
          f"(m = {X.shape[1]}) with the {name} backend, {args.dtype}"
          + (f"\n(CuPy unavailable: {reason})" if reason else ""))
    start = time.perf_counter()
    model.fit(X, Y)
    backend.synchronize()
    elapsed = time.perf_counter() - start
    print(f"Accuracy: {100 * model.score(X, Y):.2f}%")
    print(f"Backend: {backend.get_backend()}  Time: {elapsed:.2f} s "
          f"({args.iterations} iterations)")
    return 0


def _info(args) -> int:
    import numpy as np
    name = _backend_quietly()
    print(f"dlgpu {__version__}")
    print(f"backend: {name} (requested: {backend.requested_backend()})")
    print(f"numpy: {np.__version__}")
    reason = backend.fallback_reason()
    if reason:
        print(f"fallback: {reason}")
    if name == "cupy":
        cupy = backend.get_backend_module()
        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        print(f"cupy: {cupy.__version__}, CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}")
        print(f"device: {props['name'].decode()}, {props['totalGlobalMem'] / 2**30:.1f} GiB")
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("train", "info", "-h", "--help", "--version"):
        argv = ["train", *argv]  # train is the default command
    args = parser.parse_args(argv)
    command = args.command
    try:
        if getattr(args, "backend", None):
            backend.set_backend(args.backend)
        return _train(args) if command == "train" else _info(args)
    except (BackendError, ValueError, TypeError) as exc:
        print(f"dlgpu: error: {exc}", file=sys.stderr)
        return 2
