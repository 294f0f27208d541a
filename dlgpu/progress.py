"""Training progress on stderr: a tqdm bar on a terminal, plain lines elsewhere.

A bar is for people watching; logs and CI get one line per record point
(every ``verbose``-th), which reads well in a file.  Both show the cost and
the examples per second measured between record points, where the device
has been synchronized, so the rate is true on a GPU too.
"""

from __future__ import annotations

import sys


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _format_record(record: dict, with_cost: bool = True) -> str:
    parts = [f"cost {record['cost']:.6f}"] if with_cost else []
    if "val_cost" in record:
        parts.append(f"val_cost {record['val_cost']:.6f}")
        if "val_accuracy" in record:  # regression has none
            parts.append(f"val_accuracy {record['val_accuracy']:.4f}")
    return ", ".join(parts)


class Progress:
    """Reports training progress; ``verbose`` = k > 0 shows every k-th record.

    ``epochs`` is the number of epochs of epoch-wise training, None for the
    course's full-batch iterations (and their ``Cost after iteration`` lines).

    ``step(n)`` counts n examples; ``record(record, rate)`` shows a record
    point, ``rate`` being examples/s since the previous one.
    """

    def __init__(self, verbose: int, total_examples: int, epochs: int | None = None,
                 stream=None, bar: bool | None = None):
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stderr
        self.epochs = epochs
        self._count = 0
        self._bar = None
        if bar is None:
            bar = _is_terminal(self.stream)
        if bar:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # plain lines instead
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=total_examples, unit="ex", unit_scale=True,
                                 file=self.stream, dynamic_ncols=True, leave=True)

    def step(self, n_examples: int) -> None:
        if self._bar is not None:
            self._bar.update(n_examples)

    def record(self, record: dict, rate: float | None) -> None:
        self._count += 1
        if self._bar is not None:
            self._bar.set_postfix_str(_format_record(record), refresh=False)
            return
        if (self._count - 1) % self.verbose:
            return
        if self.epochs:
            parts = [f"Epoch {record['epoch']}/{self.epochs}: {_format_record(record)}"]
        else:  # the course's line first
            parts = [f"Cost after iteration {record['iteration']}: {record['cost']:.6f}",
                     _format_record(record, with_cost=False)]
        if rate:
            parts.append(f"{rate:,.0f} examples/s")
        print(", ".join(p for p in parts if p), file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
