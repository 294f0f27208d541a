"""The training loop of ``DeepNN.fit``: gradient descent, full-batch or mini-batch.

Each step's update is the model's optimizer (:mod:`dlgpu.optimizers`) at
the rate its schedule gives the step's epoch (:mod:`dlgpu.schedules`),
computed on the host.  A warm-started fit continues the step and epoch
counts (``n_iter_``, ``epochs_trained_``) and extends ``history_``; each
epoch's shuffle is drawn from (seed, rank, epoch), so no generator state
carries over.

Full-batch training is the course's: ``num_iterations`` steps on all of X,
the cost recorded every 100 iterations.  Mini-batch training (``batch_size``
set) or training by ``epochs`` makes one record per epoch, holding the
mean cost of the epoch's batches.  Between record points nothing is read
back from the device; at a record point the cost is read (one
synchronization), validation data is evaluated, the callbacks run and the
progress is shown.
"""

from __future__ import annotations

import math
import time
import traceback

import numpy as np

from . import backend, buffers, losses, propagation, schedules
from .backend.cuda import free_cached_blocks, out_of_memory_kind
from .backend.precision import resolve_dtype
from .batching import epoch_plan, make_batches
from .buffers import flat_parameters, workspace
from .callbacks import StopOnNaN
from .dropout import StepDropout
from .errors import DeviceMemoryError, DivergenceError
from .interrupt import StepInterrupt, TrainingInterrupted, after_step
from .progress import Progress

COST_EVERY = 100


def evaluate(model, source, plan) -> tuple[float, float]:
    """Mean cost and accuracy of ``model`` over the batches ``source(plan)``; the
    accuracy is NaN for an output without one (regression)."""
    head, dtype = model.output, _master(model)
    total_cost, correct, m = 0.0, 0, 0
    for Xb, Yb in source(plan):
        T = head.targets(Yb, dtype)
        AL, ZL, _ = propagation.forward(model.parameters_, Xb, model.hidden, head,
                                        keep_cache=False)
        n = Xb.shape[1]
        total_cost += float(head.cost(ZL, T)) * n
        correct += head.n_correct(AL, T) if head.classifies else 0
        m += n
    return total_cost / m, (correct / m if head.classifies else float("nan"))


class _Recorder:
    """Builds the record of each record point and keeps ``history``."""

    def __init__(self, model, callbacks, progress, validation, sync):
        self.model, self.callbacks, self.progress = model, callbacks, progress
        self.validation, self.sync = validation, sync
        self.history = {"iteration": [], "epoch": [], "cost": [], "time": [], "epoch_time": [],
                        "learning_rate": []}
        if validation is not None:
            self.history.update(val_cost=[])
            if model.output.classifies:  # regression has no accuracy
                self.history.update(val_accuracy=[])
        self.start = self.last_time = time.perf_counter()
        self.last_epoch = getattr(model, "epochs_trained_", 0)
        self.examples = 0
        self.last_examples = 0
        self.steps = 0
        self.start_steps = getattr(model, "n_iter_", 0)  # a warm start's
        self.interrupt = StepInterrupt()

    def __call__(self, iteration: int, epoch, cost, n: int = 0, learning_rate=None) -> bool:
        """Record; True when a callback asks to stop.  ``n``: the examples ``cost`` averages;
        ``learning_rate``: the rate of the record's last step."""
        cost, = self.sync.means([float(cost)], n)  # float(): the synchronization point
        now = time.perf_counter()
        passes = epoch - self.last_epoch
        record = {"iteration": iteration, "epoch": epoch, "cost": cost,
                  "time": now - self.start,
                  "epoch_time": (now - self.last_time) / passes if passes else None,
                  "learning_rate": learning_rate}
        if self.validation is not None and math.isfinite(cost):
            n_val = sum(len(columns) for columns in self.validation[1])
            record["val_cost"], record["val_accuracy"] = self.sync.means(
                evaluate(self.model, *self.validation), n_val)
        elif self.validation is not None:
            record["val_cost"], record["val_accuracy"] = float("nan"), float("nan")
        if not self.model.output.classifies:
            record.pop("val_accuracy", None)
        for key, value in record.items():
            self.history[key].append(value)
        elapsed = now - self.last_time
        rate = (self.examples - self.last_examples) / elapsed if elapsed > 0 else None
        self.last_time, self.last_epoch, self.last_examples = now, epoch, self.examples
        stop = any(callback.on_record(self.model, record) for callback in self.callbacks)
        if self.progress is not None:
            self.progress.record(record, rate)
        return stop

    def count(self, n_examples: int) -> None:
        """n examples went through a step; the place where Ctrl-C stops training."""
        self.examples += n_examples
        self.steps += 1
        # Kept current, so a checkpoint saved at a record resumes from where it was.
        self.model.n_iter_ = self.start_steps + self.steps
        if self.progress is not None:
            self.progress.step(n_examples)
        # Distributed: every rank stops at the same step (a request is agreed on
        # over the ranks, without a device synchronization, and acted on a step later).
        if self.sync.interrupted(self.interrupt.requested):
            raise KeyboardInterrupt


def train(model, X, Y, validation_data, callbacks, stream, sync, sample_weight=None) -> None:
    """Train ``model`` (parameters already initialized) on checked X : (n_x, m), Y.

    ``validation_data`` is a checked ``(X_val, Y_val)`` or None; ``stream``
    is passed to :func:`dlgpu.batching.make_batches`; ``sync``, a
    :class:`dlgpu.distributed.GradientSync`, makes each step's gradients and
    each record's figures global over the ranks (X, Y are then this rank's);
    over one rank it adds nothing.  ``sample_weight``: None, or this rank's
    checked weights, a float64 NumPy row (1, m): the cost and every gradient
    are then weighted means (sum w * loss / sum w), the L2 term's m is sum w
    and the ranks' means are weighted by their weight sums.  Each batch's
    weight sum is summed on the host, in float64.  A batch (or one rank's
    part of one) whose weights are all zero adds nothing: zero gradients, no
    L2 term, weight 0 in the ranks' means.
    Sets ``history_``, ``costs_``, ``n_iter_``, ``epochs_trained_`` and
    ``interrupted_`` on the model; with ``n_iter_`` > 0 (a warm start) the
    counts go on from the model's and ``history_`` and ``costs_`` are extended.

    Ctrl-C (SIGINT, see :mod:`dlgpu.interrupt`) or a ``KeyboardInterrupt``
    from a callback stops training after the current step: the model keeps
    its parameters, ``history_`` (the records made so far), ``costs_`` and
    ``n_iter_``, gets ``interrupted_ = True``, the callbacks' ``on_train_end``
    runs, and the ``KeyboardInterrupt`` is raised again, so a script still
    stops; catch it to go on with the model.
    """
    xp = backend.get_array_module(model.parameters_["W1"])
    dtype, m = _master(model), X.shape[1]
    callbacks = list(callbacks or [])
    if not any(isinstance(c, StopOnNaN) for c in callbacks):
        callbacks.insert(0, StopOnNaN("raise"))

    epoch_mode = model.batch_size is not None or model.epochs is not None
    batch_size = min(model.batch_size or sync.m, sync.m)
    steps_per_epoch = sync.steps_per_epoch(batch_size)
    total_steps = (model.epochs * steps_per_epoch if model.epochs is not None
                   else model.num_iterations)
    start_steps = model.n_iter_ = getattr(model, "n_iter_", 0)
    # Full-batch, an epoch is a step.
    start_epoch = model.epochs_trained_ = (getattr(model, "epochs_trained_", 0) if epoch_mode
                                           else start_steps)
    previous = (getattr(model, "history_", None) or {}) if start_steps else {}
    run = math.ceil(total_steps / steps_per_epoch) if epoch_mode else total_steps
    if model.warmup_epochs > run:
        raise ValueError(f"warmup_epochs must be in [0, {run}] (the run's "
                         f"{'epochs' if epoch_mode else 'steps'}), got {model.warmup_epochs}")
    rate = _schedule(model, start_epoch, run)
    progress = None
    if model.verbose and sync.comm.is_writer:  # epochs shown as 4/5 when a warm start adds 2
        progress = Progress(model.verbose, _examples(m, batch_size, steps_per_epoch, total_steps),
                            start_epoch + run if epoch_mode else None)
    steps, interrupted, validation, recorder, out_of_memory = 0, False, None, None, None
    try:
        if validation_data is not None:  # may upload it, or pin host buffers: inside the try
            Xv, Yv = (backend.to_module(A, xp, upload=False) for A in validation_data)
            source = make_batches(Xv, Yv, dtype, xp, batch_size, stream)
            validation = (source, epoch_plan(Xv.shape[1], batch_size, None))
            del source
        recorder = _Recorder(model, callbacks, progress, validation, sync)
        for callback in callbacks:
            callback.on_train_begin(model)
        # Divergence is caught from the cost at each record point, with a message
        # that says where; NumPy's overflow warnings on the way there are noise.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
                after_step(recorder.interrupt):
            dropout = _Dropout(model, xp, sync) if model.keep_prob < 1.0 else None
            if epoch_mode:
                steps = _train_epochs(model, X, Y, xp, batch_size, total_steps, recorder,
                                      stream, sync, rate, dropout, sample_weight)
            else:
                steps = _train_full_batch(model, X, Y, recorder, sync, rate, dropout,
                                          sample_weight)
    except KeyboardInterrupt:
        if recorder is None:  # before training began: nothing to keep
            raise
        steps, interrupted = recorder.steps, True
        sync.settle()
    except DivergenceError as exc:
        sync.settle()  # raised on every rank at the same record
        sync.name_ranks(exc)  # distributed: which rank went bad
        raise
    except Exception as exc:
        kind = out_of_memory_kind(exc)
        if kind is None:
            raise
        # The traceback's frames hold the failed step's arrays and the batch
        # sources' buffers: drop their variables (the traceback still says where).
        traceback.clear_frames(exc.__traceback__)
        out_of_memory = DeviceMemoryError(_out_of_memory_message(model, m, batch_size, kind, exc))
        out_of_memory.__cause__ = exc
    finally:
        if progress is not None:
            progress.close()
    if out_of_memory is not None:
        # Outside the except block, with the sources (and StopOnNaN's copy of the
        # parameters) dropped, the blocks they held are back in CuPy's pool: free
        # them for what comes next.  This frame stays in the error's traceback.
        validation = recorder = callbacks = callback = None
        buffers.release(model)
        free_cached_blocks(xp)
        raise out_of_memory
    sync.settle()
    model.n_iter_ = start_steps + steps
    if not epoch_mode:
        model.epochs_trained_ = start_epoch + steps
    history = recorder.history
    if previous and set(previous) <= set(history):
        history = {key: previous.get(key, [None] * len(previous["cost"])) + values
                   for key, values in history.items()}
    model.history_ = history
    model.costs_ = list(history["cost"])
    model.interrupted_ = interrupted
    try:
        for callback in callbacks:
            callback.on_train_end(model)
    except DivergenceError as exc:
        sync.name_ranks(exc)
        raise
    if interrupted:
        raise TrainingInterrupted(f"training interrupted after {steps} steps; the model keeps "
                                f"its parameters, history_ and costs_")


def _out_of_memory_message(model, m: int, batch_size: int, kind: str, exc) -> str:
    smaller = max(1, batch_size // 4)
    where = ("the whole data set is one batch" if model.batch_size is None
             else f"batch_size={model.batch_size}")
    cause = f"{type(exc).__name__}: {str(exc).rstrip('.')}"
    return (f"out of {kind} training {model.layer_dims} on m = {m} examples ({where}, "
            f"{model.dtype}): {cause}. Try a smaller batch, e.g. "
            f"batch_size={smaller}; with data on the host, fit(..., stream=True) keeps only two "
            f"chunks of the shuffle (about 2**24 values of X each) and the batch on the GPU. "
            f"The model keeps its parameters from before the failed step.")


def _examples(m, batch_size, steps_per_epoch, total_steps) -> int:
    """How many examples ``total_steps`` steps see."""
    full, rest = divmod(total_steps, steps_per_epoch)
    return full * m + min(rest * batch_size, m)


class _Dropout:
    """The masks' keys over a fit: ``keep_prob``, a seed every rank shares, and
    the global column indices of the batches, uploaded once (full batch) or
    once an epoch (mini-batches), never once a step."""

    def __init__(self, model, xp, sync):
        self.keep_prob, self.xp, self.sync = model.keep_prob, xp, sync
        self.seed = sync.agreed_seed(model.seed)

    def columns(self, local):
        """int64 (1, n) on the backend: the global indices of this rank's columns ``local``."""
        return self.xp.asarray(self.sync.global_columns(local)).reshape(1, -1)

    def at(self, step: int, columns) -> StepDropout:
        return StepDropout(self.keep_prob, self.seed, step, columns)


def _schedule(model, start_epoch: int, run: int):
    """epoch -> the learning rate of its steps (host arithmetic, no device work)."""
    if model.lr_schedule is None and not model.warmup_epochs:
        return lambda epoch: model.learning_rate
    return lambda epoch: schedules.learning_rate(
        model.learning_rate, model.lr_schedule, epoch, decay_rate=model.decay_rate,
        time_interval=model.time_interval, warmup_epochs=model.warmup_epochs,
        cycle_start=start_epoch, cycle_epochs=run)


def _master(model) -> np.dtype:
    """The dtype of the model's parameters, data and costs (float32 for bfloat16)."""
    return resolve_dtype(model.dtype).master


def _ranks(sync) -> int:
    return 1 if sync is None else sync.size


def _penalty(model, n, sync, out=None):
    """The L2 term of this rank's cost over its n examples (with sample weights,
    n is their sum), on the device; with ``out``, the squared norm alone
    (one reduction into ``out``, scaled later).

    Every rank adds lambda/(2 R n) ||W||^2 (R ranks): weighted by n and summed
    over the ranks, as the records' means are, that is the global batch's
    lambda/(2 m) ||W||^2 without knowing m on the host.
    """
    flat = flat_parameters(model)
    norm = propagation.sum_of_squares(flat.layout.weights(flat.flat), out=out)
    if out is not None:
        return out
    return norm * norm.dtype.type(model.l2 / (2.0 * _ranks(sync) * n))


def gradients(model, X, T, dropout=None, weights=None, n=None):
    """Forward and backward into the model's buffers; returns (ZL, the flat parameters).

    Mixed precision (``dtype="bfloat16"``): the products read a bfloat16 copy
    of the parameters, cast from the float32 masters here (one kernel), and
    of X (cast into the workspace unless it is bfloat16 already).
    """
    xp = backend.get_array_module(X)
    flat = flat_parameters(model)
    space = workspace(model, X.shape[1], xp)
    parameters, b_out = model.parameters_, None
    if flat.compute is not flat:
        xp.copyto(flat.compute.flat, flat.flat)
        parameters = flat.compute.views
        b_out = model.parameters_[f"b{len(model.layer_dims) - 1}"]
        if X.dtype != space.X.dtype:
            xp.copyto(space.X, X)
            X = space.X
    ZL = propagation.train_gradients(parameters, X, T, model.hidden, model.output,
                                     flat.grad_views, space, dropout, weights,
                                     None if weights is None else n, b_out)
    return ZL, flat


def update(model, flat, sync, learning_rate, n) -> None:
    """L2, the all-reduce and the optimizer's update, from the flat gradients."""
    grads = flat.grads.flat
    if model.l2 and n > 0:
        # lambda/(R n) W on each rank's mean gradient: the all-reduce's weighted
        # mean makes it (lambda/m) W of the global batch, as _penalty does.
        layout = flat.layout
        propagation.add_l2_(layout.weights(grads), layout.weights(flat.flat),
                            model.l2 / (_ranks(sync) * n))
    if sync is not None:
        grads = sync.gradients(grads, n)  # distributed: the one all-reduce of the step
    optimizer = model.__dict__.get("optimizer_")
    if optimizer is None:  # parameters set by hand, or read from an older file
        optimizer = model.optimizer_ = model._new_optimizer()
    optimizer.step_(flat, grads, learning_rate)


def step(model, X, T, sync=None, learning_rate=None, dropout=None, weights=None, n=None):
    """One training step of ``model`` on the batch X : (n_x, m), T : (n_L, m).

    T are targets as ``model.output.targets`` gives them; ``sync`` (a
    :class:`~dlgpu.distributed.GradientSync`) makes the gradients global,
    None leaves them this process's; ``learning_rate`` (default the model's)
    is the step's rate; ``dropout``, a :class:`~dlgpu.dropout.StepDropout`,
    drops hidden units; ``weights`` (1, m) and ``n``, their sum, make the
    step's gradients weighted means.  Returns ZL : (n_L, m) from before the
    step, a view of the model's workspace (overwritten by the next step on
    m examples).  The training loop's step; the benchmarks time it.

    Every array is written into buffers made on the first step (flat
    parameters, gradients and optimizer state; a workspace per batch width,
    :mod:`dlgpu.buffers`), so later steps allocate nothing and, on CUDA,
    issue the kernels listed in docs/backends.md.
    """
    n = X.shape[1] if n is None else n
    ZL, flat = gradients(model, X, T, dropout, weights, n)
    update(model, flat, sync, model.learning_rate if learning_rate is None else learning_rate,
            n)
    return ZL


def _with_weights(Y, sample_weight):
    """Y : (n_y, m) with the weights (1, m) as one more row, in float64 on Y's backend:
    the batch sources then gather each batch's weights with its targets."""
    xp = backend.get_array_module(Y)
    stacked = xp.empty((Y.shape[0] + 1, Y.shape[1]), dtype=np.float64)
    stacked[:-1] = Y
    stacked[-1:] = backend.to_module(sample_weight, xp, np.float64)
    return stacked


def _train_full_batch(model, X, Y, recorder, sync, rate, dropout=None,
                      sample_weight=None) -> int:
    """The course's loop: the cost at iterations 0, 100, 200, ... before their step.

    Iterations count on from a warm start's ``n_iter_``; an epoch is a step.
    """
    X = model._to_model(X)
    compute = resolve_dtype(model.dtype).compute
    if X.dtype != compute:  # mixed precision: the products read X in bfloat16, cast once
        X = X.astype(compute)
    T = model.output.targets(model._to_model(Y), _master(model))
    weights, n = None, X.shape[1]
    if sample_weight is not None:
        n = float(sample_weight.sum())
        weights = model._to_model(sample_weight)
    start = model.n_iter_
    columns = None if dropout is None else dropout.columns(np.arange(X.shape[1]))
    for i in range(start, start + model.num_iterations):
        learning_rate = rate(i)
        masks = None if dropout is None else dropout.at(i, columns)
        if i % COST_EVERY:
            step(model, X, T, sync, learning_rate, masks, weights, n)
        else:
            # Recorded before the update: callbacks see the parameters that gave the cost.
            ZL, flat = gradients(model, X, T, masks, weights, n)
            cost = model.output.cost(ZL, T, weights, n)
            if model.l2 and n > 0:
                cost = cost + _penalty(model, n, sync)
            if recorder(i, i, cost, n, learning_rate):
                return i - start
            update(model, flat, sync, learning_rate, n)
        recorder.count(X.shape[1])
    return model.num_iterations


def _train_epochs(model, X, Y, xp, batch_size, total_steps, recorder, stream, sync,
                  rate, dropout=None, sample_weight=None) -> int:
    """Epochs of mini-batches; the record of an epoch holds its batches' mean cost
    (weighted by their weight sums, with sample weights).

    Epochs count on from ``model.epochs_trained_`` (a warm start's).
    """
    weighted = sample_weight is not None
    if weighted:  # the weights travel as Y's last row, split off each batch
        Y = _with_weights(Y, sample_weight)
    X, Y = (backend.to_module(A, xp, upload=False) for A in (X, Y))
    m = X.shape[1]
    dtype = _master(model)
    source = make_batches(X, Y, dtype, xp, batch_size, stream)
    steps, epoch = 0, model.epochs_trained_
    first_step = model.n_iter_  # dropout's step counter goes on over a warm start
    steps_per_epoch = sync.steps_per_epoch(batch_size)
    costs = xp.zeros(steps_per_epoch, dtype=dtype)
    norms = xp.zeros(steps_per_epoch, dtype=dtype) if model.l2 else None
    # lambda/(2 R n) ||W||^2 * n: each batch's penalty total, whatever its n
    l2 = model.l2 / (2.0 * _ranks(sync))
    while steps < total_steps:
        # Distributed: this rank's part of each global batch, shuffled per rank
        # and epoch, from (seed, rank, epoch): nothing to keep for a warm start.
        rng = sync.rng(model.seed, epoch) if model.shuffle else None
        learning_rate = rate(epoch)
        epoch += 1
        model.epochs_trained_ = epoch
        plan = sync.epoch_plan(rng)[:total_steps - steps]
        # Each batch's loss total (and squared weight norm, for L2) in its own slot,
        # one reduction a step; summed once, at the record.
        costs.fill(0)
        if norms is not None:
            norms.fill(0)
        seen = seen_weight = 0
        # Each batch's weight sum, on the host: no read-back from the device.
        sums = [float(sample_weight[0, c].sum()) for c in plan] if weighted else None
        # Dropout: the global indices of the epoch's columns, one upload, a slice a batch.
        columns = None if dropout is None else dropout.columns(np.concatenate(plan))
        for k, (Xb, Yb) in enumerate(source(plan)):
            n = nw = Xb.shape[1]
            weights = None
            if weighted:
                nw = sums[k]
                Yb, weights = Yb[:-1], Yb[-1:]
            T = model.output.targets(Yb, dtype)
            if norms is not None and nw > 0:  # of the parameters before the step, as its cost
                _penalty(model, nw, sync, out=norms[k, ...])
            masks = None if dropout is None else dropout.at(
                first_step + steps, columns[:, seen:seen + n])  # batches come in plan order
            ZL = step(model, Xb, T, sync, learning_rate, masks, weights, nw)
            # costs[k, ...] is a 0-d view (costs[k] would be a NumPy scalar, a copy)
            losses.loss_total(model.output.loss, ZL, T, weights, out=costs[k, ...],
                              scratch=workspace(model, n, xp).row)
            seen += n
            seen_weight += nw
            steps += 1
            recorder.count(n)
            # A long epoch is checked every COST_EVERY steps (one read-back), so
            # a divergence is reported near where it happened.
            if (steps % COST_EVERY == 0 and seen < m
                    and not math.isfinite(sync.total(_epoch_total(costs, norms, l2)))):
                recorder(recorder.start_steps + steps, epoch, _epoch_total(costs, norms, l2),
                         seen_weight, learning_rate)  # StopOnNaN raises, or asks to stop
                return steps
        total = _epoch_total(costs, norms, l2)
        mean = total / total.dtype.type(seen_weight) if seen_weight > 0 else total
        if recorder(recorder.start_steps + steps, epoch, mean, seen_weight, learning_rate):
            break
    return steps


def _epoch_total(costs, norms, l2: float):
    """The batches' loss totals plus their L2 terms so far, a 0-d array."""
    total = costs.sum()
    if norms is not None:
        total = total + norms.sum() * norms.dtype.type(l2)
    return total
