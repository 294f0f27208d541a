"""Callbacks: code that runs at the record points of ``DeepNN.fit``.

A record point comes every 100 iterations of full-batch training (the
course's cost printouts) or at the end of every epoch.  There the cost is
read back from the device (the only host synchronization of training) and
each callback sees the record::

    {"iteration": i, "epoch": e, "cost": c, "time": seconds since fit began,
     "epoch_time": seconds per pass over the data, "val_cost": ..., "val_accuracy": ...}

``on_record`` returns True to stop training.  Callbacks run in the order
given, after the built-in :class:`StopOnNaN`, so no callback ever sees (or
saves) a model whose cost is not finite.
"""

from __future__ import annotations

import math
import warnings

from .backend import get_array_module
from .errors import DivergenceError, DivergenceWarning


class Callback:
    """Base class: override any of the hooks."""

    def on_train_begin(self, model) -> None:
        pass

    def on_record(self, model, record: dict) -> bool | None:
        return None

    def on_train_end(self, model) -> None:
        pass


def _copy_parameters(parameters: dict) -> dict:
    return {k: v.copy() for k, v in parameters.items()}


def _all_finite(parameters: dict) -> bool:
    return all(bool(get_array_module(v).isfinite(v).all()) for v in parameters.values())


class StopOnNaN(Callback):
    """Stop when training diverges; keep the parameters from before.

    Training has diverged at a record point when its cost is NaN or infinite,
    a parameter is, or the cost has *blown up*: it is above
    ``blowup_factor`` (10) times the first recorded cost **and** above
    ``blowup_floor`` (5, a mean probability of e^-5 = 0.7 % for the right
    class, far below chance for up to 100 classes).  Both conditions, so a
    cost that starts high on unscaled data may fall and rise again without
    being flagged, and a small cost may wobble.  ``blowup_factor=None`` checks
    only for NaN and inf.

    ``action="raise"`` (what ``fit`` does by default) raises
    :class:`dlgpu.DivergenceError` naming the iteration and the value;
    ``action="warn"`` warns with the same message and ends training normally.
    Either way the model is left with the parameters of the last record point
    that had not diverged (its initial parameters if there was none).
    """

    def __init__(self, action: str = "raise", blowup_factor: float | None = 10.0,
                 blowup_floor: float = 5.0):
        if action not in ("raise", "warn"):
            raise ValueError(f"action must be 'raise' or 'warn', got {action!r}")
        if blowup_factor is not None and not blowup_factor > 1:
            raise ValueError(f"blowup_factor must be > 1 or None, got {blowup_factor!r}")
        self.action = action
        self.blowup_factor = blowup_factor
        self.blowup_floor = blowup_floor

    def on_train_begin(self, model):
        self._last_finite = _copy_parameters(model.parameters_)
        self._iteration = 0
        self._first_cost = None

    def on_record(self, model, record):
        cost = record["cost"]
        self._iteration = record["iteration"]
        where = f"iteration {record['iteration']}"
        if record["epoch"] != record["iteration"]:
            where += f" (epoch {record['epoch']})"
        if not (math.isfinite(cost) and _all_finite(model.parameters_)):
            return self._diverged(model, f"the cost is {cost} at {where}", record["iteration"],
                                  cost)
        if self._first_cost is None:
            self._first_cost = cost
        elif self._blown_up(cost):
            return self._diverged(model, f"the cost rose to {cost:.4g} at {where}, more than "
                                         f"{self.blowup_factor:g} times its first record "
                                         f"({self._first_cost:.4g})", record["iteration"], cost)
        self._last_finite = _copy_parameters(model.parameters_)
        return None

    def _blown_up(self, cost: float) -> bool:
        return (self.blowup_factor is not None and cost > self.blowup_floor
                and cost > self.blowup_factor * self._first_cost)

    def on_train_end(self, model):
        # The steps after the last record point have not been checked yet.
        if not _all_finite(model.parameters_):
            self._diverged(model, f"the parameters are not finite at the end of training "
                                  f"(after iteration {self._iteration})",
                           self._iteration, float("nan"))

    def _diverged(self, model, what, iteration, value):
        model.parameters_ = self._last_finite
        message = (f"training diverged: {what}; the model keeps the parameters of the last "
                   f"record before it. "
                   f"Try a smaller learning_rate (now {model.learning_rate}).")
        if self.action == "raise":
            raise DivergenceError(message, iteration, value)
        warnings.warn(message, DivergenceWarning, stacklevel=3)
        return True


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` records.

    ``monitor`` is ``val_cost`` (the default when validation data is given),
    ``cost`` or ``val_accuracy`` (which must rise rather than fall).  With
    ``restore_best_weights`` the model ends with the parameters of its best
    record.  ``stopped_at`` holds the iteration training stopped at, or None.
    """

    def __init__(self, monitor: str | None = None, patience: int = 5, min_delta: float = 0.0,
                 restore_best_weights: bool = True):
        if patience < 0 or min_delta < 0:
            raise ValueError(f"patience and min_delta must be >= 0, got {patience}, {min_delta}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, model):
        self.best = None
        self.best_parameters = None
        self.wait = 0
        self.stopped_at = None

    def on_record(self, model, record):
        key = self.monitor or ("val_cost" if "val_cost" in record else "cost")
        if key not in record:
            raise ValueError(f"EarlyStopping monitors {key!r}, which fit does not record "
                             f"(recorded: {', '.join(sorted(record))}); pass validation_data")
        value = record[key] if key != "val_accuracy" else -record[key]
        if self.best is None or value < self.best - self.min_delta:
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_parameters = _copy_parameters(model.parameters_)
            return None
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_at = record["iteration"]
            return True
        return None

    def on_train_end(self, model):
        if self.restore_best_weights and self.best_parameters is not None:
            model.parameters_ = self.best_parameters


class ModelCheckpoint(Callback):
    """Save the model every ``every`` records to ``path``.

    ``path`` may hold ``{epoch}`` and ``{iteration}``, as in
    ``"ckpt-{epoch:03d}.npz"``; without them each save replaces the last
    (atomically: an interrupted save leaves the previous file intact).
    """

    def __init__(self, path, every: int = 1):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.path = str(path)
        self.every = every

    def on_train_begin(self, model):
        self._count = 0
        self.saved = []

    def on_record(self, model, record):
        self._count += 1
        if self._count % self.every == 0:
            path = self.path.format(epoch=record["epoch"], iteration=record["iteration"])
            model.save(path)
            self.saved.append(path)
