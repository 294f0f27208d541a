"""The ``dlgpu`` command line (also ``python -m dlgpu``).

One module per command, and :mod:`~dlgpu.cli.reports` (how an error becomes
one line on stderr and an exit status); they may import anything in dlgpu
(the library, ``datasets``, ``plots``, ``bench``), and nothing in the
library imports them.

``dlgpu train`` (the default) trains a network and can save it and plot it,
``dlgpu predict`` and ``dlgpu evaluate`` use a saved model on a data file,
``dlgpu export`` writes one as ONNX or PyTorch for other tools, ``dlgpu
info`` tells which backend is in use and why, and ``dlgpu bench`` writes
the benchmark report.  Exit status: 0 done; 1 training diverged
(the message says where); 2 a user's mistake (a missing file, a bad option,
data of the wrong shape), one line on stderr; 130 stopped by Ctrl-C (``train
--out`` still saves what was learned).  ``dlgpu info`` exits 0 also when the
backend asked for cannot run, and says why.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from .. import __version__, backend
from ..errors import BackendFallbackWarning, DataRangeWarning, DivergenceError
from . import data, export, info, predict, train
from .reports import USER_ERRORS, explain
from .reports import one_line as _one_line

COMMANDS = {"train": train, "predict": predict, "evaluate": predict, "info": info,
            "export": export}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlgpu", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dlgpu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    train.add_parser(sub)
    predict.add_parsers(sub)
    export.add_parser(sub)
    info.add_parser(sub)
    sub.add_parser("bench", help="run the benchmarks or read their JSON, and write the report",
                   add_help=False)
    return parser


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    known = {"train", "predict", "evaluate", "export", "info", "bench", "-h", "--help",
             "--version"}
    if not argv or argv[0] not in known:
        argv = ["train", *argv]  # train is the default command
    if argv[0] == "bench":
        from ..bench.report import main as bench_main
        return bench_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "backend", None) and args.command != "info":
            with warnings.catch_warnings():  # a fallback: each command says it in one line
                warnings.simplefilter("ignore", BackendFallbackWarning)
                backend.set_backend(args.backend)
        if args.command in ("predict", "evaluate"):
            _note_fallback()
        with warnings.catch_warnings():
            warnings.showwarning = _warning_line
            warnings.simplefilter("once", DataRangeWarning)  # score and cost both check X
            return COMMANDS[args.command].run(args)
    except BrokenPipeError:
        # The reader went away (`dlgpu predict ... | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (DivergenceError, *USER_ERRORS) as exc:
        line, status = explain(exc)
        print(line, file=sys.stderr)
        return status
    except KeyboardInterrupt:
        print("dlgpu: interrupted", file=sys.stderr)
        return 130


def _note_fallback() -> None:
    """One line on stderr, instead of the warning, when ``auto`` fell back to NumPy."""
    info.backend_quietly()
    reason = backend.fallback_reason()
    if reason:
        print(f"dlgpu: {info.fallback_note(reason)}", file=sys.stderr)


def _warning_line(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning (data far outside the training range, ...) as one line on stderr."""
    print(f"dlgpu: warning: {_one_line(message)}", file=sys.stderr)


__all__ = ["build_parser", "data", "explain", "main"]
