"""``DeepNN``: an L-layer classifier or regressor trained by gradient descent, full-batch or
mini-batch."""

from __future__ import annotations

from . import backend, io, propagation, schedules
from .activations import get_activation
from .backend.cuda import MATMUL_PRECISIONS
from .backend.cuda import matmul_precision as precision_context
from .backend.precision import Precision, resolve_dtype
from .buffers import flat_parameters
from .distributed.comm import Communicator, LocalCommunicator
from .distributed.faults import abort_on_failure, agree, same_everywhere
from .distributed.shard import shard_layout
from .distributed.sync import GradientSync
from .dropout import check_keep_prob
from .errors import NotFittedError
from .initializers import check_init, initialize
from .optimizers import OPTIMIZERS, TRAINING_DEFAULTS, make_optimizer
from .outputs import get_output
from .preprocessing import PREPROCESSING, Preprocessing
from .training import train
from .validation import (
    as_array,
    check_beta,
    check_choice,
    check_dtype,
    check_int,
    check_layer_dims,
    check_nonnegative_float,
    check_positive_float,
    check_sample_weight,
    check_seed,
    check_weight_sum,
    check_X,
)

#: ``_validated``'s default: no targets given (None is a mistake to report, not this)
_NO_TARGETS = object()


class DeepNN:
    """A fully-connected network in the course's notation.

    Parameters
    ----------
    layer_dims : list of int
        ``[n_x, n_1, ..., n_L]``; ``[n_x, 1]`` is logistic regression.
    hidden_activation : str
        ``relu``, ``leaky_relu``, ``tanh``, ``sigmoid`` (alias ``logistic``)
        or ``identity`` (alias ``linear``).
    output_activation : str
        ``sigmoid`` (layer_dims[-1] = 1): the output is P(y = 1 | x), trained
        with binary cross-entropy, as in the course; with layer_dims[-1] = k
        > 1, k independent labels (multi-label), Y : (k, m) of 0/1, the
        cross-entropies summed over the k outputs.  ``softmax``
        (layer_dims[-1] = C >= 2): one probability per class, categorical
        cross-entropy; Y holds labels 0..C-1 (1, m) or one-hot columns (C, m).
        ``identity`` (alias ``linear``): regression, A[L] = Z[L], Y : (n_L, m)
        real values, cost (1/(2m)) * sum of squared errors; ``predict``
        returns the values and ``score`` is R².
    learning_rate, num_iterations : float, int
        Gradient descent step size and number of steps (one batch per step).
    init : str
        ``he``, ``xavier``, ``course``, ``small`` or ``zeros`` (see
        :func:`dlgpu.initializers.initialize`).
    seed : int or None
        Seed of the host-side weight draw.
    dtype : {"float32", "float64", "bfloat16"}
        ``float32`` or ``float64``: all arithmetic stays in this dtype.
        ``bfloat16``: mixed precision (``pip install "dlgpu[bf16]"`` for
        ``ml_dtypes``): the weights W, b, the optimizer state, dW, db and the
        cost are float32 (the master copy), the matrix products take
        bfloat16 inputs with float32 accumulation, and Z, A and dA are
        stored in bfloat16.  ``parameters_``, saved models and exports hold
        the float32 masters, and ``predict``, ``predict_proba``, ``score``
        and ``cost`` run in float32 from them.  ``float16`` is refused: it
        would need dynamic loss scaling, which dlgpu does not do.
    leaky_relu_slope : float
        Slope for z < 0 when ``hidden_activation="leaky_relu"``.
    batch_size : int or None
        ``None``: full-batch gradient descent, the course's.  An integer:
        mini-batches of that many columns (the last one may be smaller).
    epochs : int or None
        When given, train for that many passes over the data instead of
        ``num_iterations`` steps.  A record (cost, validation metrics, time)
        is made every epoch in mini-batch training or with ``epochs``, and
        every 100 iterations otherwise.
    shuffle : bool
        Mini-batch training: draw a new permutation of the columns every
        epoch, from ``default_rng(seed)`` on the host, so both backends see
        the same batches.
    verbose : int
        ``0`` is silent; ``k > 0`` shows progress on stderr: a tqdm bar on a
        terminal, otherwise one line every k-th record
        (``Cost after iteration i: c | ...`` or ``Epoch e ...``).
    keep_prob : float
        Inverted dropout (the course's): in training, each unit of every
        hidden layer's output is kept with probability ``keep_prob`` and
        scaled by ``1/keep_prob``; the input and the output layer are never
        dropped.  ``1.0`` (default) is no dropout; the range is (0, 1].
        ``predict``, ``predict_proba``, ``score``, ``cost`` and
        ``loss_and_gradients`` never drop.  The masks come from a
        counter-based generator keyed by (``seed``, step, layer, unit, the
        column's index in the whole training set) (:mod:`dlgpu.dropout`):
        the same on NumPy and CuPy, and for any number of ranks.  The cost
        recorded in training is the cost of the dropped-out network.
    matmul_precision : {"highest", "high"}
        The arithmetic of float32 matrix products on CuPy.  ``"highest"``
        (default): exact float32, also where ``CUPY_TF32=1`` is set.
        ``"high"``: TF32 tensor cores (inputs rounded to a 10-bit mantissa,
        float32 accumulation; 7-8x the float32 rate of an A100/H100 by the
        vendor's figures, unmeasured here) on
        a GPU of compute capability >= 8.0; below 8.0 it is ``"highest"``.
        It holds for this model's products only (``fit``, ``predict``,
        ``predict_proba``, ``score``, ``cost``, ``loss_and_gradients``) and
        CuPy's setting is put back after each call
        (:func:`dlgpu.backend.cuda.matmul_precision`).  On NumPy, and for
        ``dtype="float64"``, it changes nothing.
    preprocess : {None, "standardize", "scale"}
        ``None`` (default): X goes into the network as given.  Otherwise
        ``fit`` learns a :class:`~dlgpu.preprocessing.Preprocessing`
        from its X (per-feature mean and std, or one scale constant), keeps it
        as ``preprocessing_`` (saved with the model), and every method that
        takes X (``fit``'s validation data, ``predict``, ``predict_proba``,
        ``score``, ``cost``, ``loss_and_gradients``) applies it first: give
        them raw data.  Data far outside the training range warns
        (:class:`dlgpu.errors.DataRangeWarning`).
    optimizer : {"gd", "momentum", "rmsprop", "adam", "adamw"}
        The update rule (see :mod:`dlgpu.optimizers`): ``gd`` is plain
        gradient descent; ``adam`` equals ``torch.optim.Adam(lr, (beta1,
        beta2), epsilon)``, ``adamw`` ``torch.optim.AdamW`` with its decay on
        the weights W only.
    beta1, beta2, epsilon : float
        Momentum's and Adam's first-moment coefficient (in [0, 1)), RMSprop's
        and Adam's second-moment coefficient (in [0, 1)), and the
        denominators' epsilon (> 0).
    l2 : float
        The course's L2 regularization lambda (>= 0): the cost gains
        lambda/(2m) sum_l ||W[l]||_F^2 (m: the examples the cost averages: the
        batch, the global batch in distributed training), dW[l] gains
        (lambda/m) W[l]; biases are not penalized.  The recorded costs
        include the penalty (``cost()`` and ``val_cost`` do not).
    weight_decay : float
        AdamW's decoupled decay (>= 0): W *= 1 - alpha weight_decay each
        step; only with ``optimizer="adamw"``.
    lr_schedule : {None, "inverse_time", "stepwise", "cosine"}
        The learning rate per epoch (see :mod:`dlgpu.schedules`), from
        ``learning_rate``, ``decay_rate`` and ``time_interval`` (stepwise);
        in full-batch training an epoch is one step.  ``cosine`` decays to 0
        over each fit's epochs; a warm-started fit begins a new cosine cycle
        (a warm restart, as SGDR), the other schedules continue.
    decay_rate : float
        ``inverse_time``'s and ``stepwise``'s decay (>= 0).
    time_interval : int
        ``stepwise``: epochs per step of the decay (>= 1).
    warmup_epochs : int
        Epochs (full-batch: steps) of linear warm-up from learning_rate /
        warmup_epochs to learning_rate before the schedule; at most the run.
    warm_start : bool
        ``fit`` continues from the current parameters, optimizer state, step
        and epoch counts (and so the shuffling, drawn per epoch from
        (seed, rank, epoch)) and trains ``epochs`` (or ``num_iterations``)
        more; ``history_``, ``costs_`` and ``n_iter_`` are extended.  A model
        from ``load_model`` continues where the saved one stopped: N epochs,
        save, load, N more equals 2N at once.  Without parameters yet, a
        fresh start.

    Attributes
    ----------
    parameters_ : dict
        ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}`` on the backend used by ``fit``.
    costs_ : list of float
        The cost of each record: at iterations 0, 100, 200, ... full-batch,
        the mean over each epoch's batches otherwise.
    history_ : dict of lists
        ``iteration``, ``epoch``, ``cost``, ``time`` (seconds since ``fit``
        began), ``epoch_time`` (seconds per pass over the data, None for the
        first full-batch record) and, with validation data, ``val_cost`` and
        (classifiers only) ``val_accuracy``; one entry per record.
    n_iter_ : int
        Gradient steps taken (fewer than asked when a callback stopped early),
        over every warm-started fit.
    epochs_trained_ : int
        Epochs begun (full-batch: steps), over every warm-started fit; the
        next epoch's number.
    optimizer_ : dlgpu.optimizers.Optimizer
        The update rule with its state (on the parameters' backend) and step
        count ``t``.
    backend_ : str
        ``"numpy"`` or ``"cupy"``: where ``parameters_`` live.
    preprocessing_ : Preprocessing or None
        The input transform learned by ``fit`` (``preprocess`` given), else None.
    interrupted_ : bool
        True when the last ``fit`` was stopped by Ctrl-C (KeyboardInterrupt):
        the model keeps the parameters of its last complete step, and
        ``history_``, ``costs_`` and ``n_iter_`` say how far it got.
    comm_ : Communicator
        The communicator of the last ``fit`` (one local process unless
        ``comm`` was given); it says which rank writes files.
    """

    comm_: Communicator = LocalCommunicator()

    def __init__(self, layer_dims, hidden_activation="relu", output_activation="sigmoid",
                 learning_rate=0.0075, num_iterations=3000, init="he", seed=1,
                 dtype="float32", *, leaky_relu_slope=0.01, batch_size=None, epochs=None,
                 shuffle=True, verbose=0, preprocess=None, optimizer="gd", beta1=0.9,
                 beta2=0.999, epsilon=1e-8, l2=0.0, weight_decay=0.0, lr_schedule=None,
                 decay_rate=1.0, time_interval=1000, warmup_epochs=0, warm_start=False,
                 keep_prob=1.0, matmul_precision="highest"):
        self.layer_dims = check_layer_dims(layer_dims)
        params = {"slope": leaky_relu_slope} if _is_leaky(hidden_activation) else {}
        self.hidden = get_activation(hidden_activation, **params)
        self.output = get_output(output_activation, self.layer_dims[-1])
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.learning_rate = check_positive_float(learning_rate, "learning_rate")
        self.num_iterations = check_int(num_iterations, "num_iterations")
        self.init = check_init(init, self.layer_dims)
        self.seed = check_seed(seed)
        self.dtype = check_dtype(dtype)
        self.leaky_relu_slope = leaky_relu_slope
        self.batch_size = None if batch_size is None else check_int(batch_size, "batch_size", 1)
        self.epochs = None if epochs is None else check_int(epochs, "epochs")
        self.shuffle = bool(shuffle)
        self.verbose = check_int(verbose, "verbose")
        self.keep_prob = check_keep_prob(keep_prob)
        self.matmul_precision = check_choice(matmul_precision, "matmul_precision",
                                             MATMUL_PRECISIONS)
        if preprocess is not None and preprocess not in PREPROCESSING:
            raise ValueError(f"preprocess must be None or one of {', '.join(PREPROCESSING)}, "
                             f"got {preprocess!r}")
        self.preprocess = preprocess
        self.preprocessing_ = None
        self.optimizer = check_choice(optimizer, "optimizer", tuple(OPTIMIZERS))
        self.beta1 = check_beta(beta1, "beta1")
        self.beta2 = check_beta(beta2, "beta2")
        self.epsilon = check_positive_float(epsilon, "epsilon")
        self.l2 = check_nonnegative_float(l2, "l2")
        self.weight_decay = check_nonnegative_float(weight_decay, "weight_decay")
        if self.weight_decay > 0 and self.optimizer != "adamw":
            raise ValueError(f"weight_decay must be 0 with optimizer={self.optimizer!r} "
                             f"(decoupled weight decay is optimizer='adamw'; the course's "
                             f"L2 penalty is l2), got {weight_decay!r}")
        self.lr_schedule = check_choice(lr_schedule, "lr_schedule", schedules.SCHEDULES)
        self.decay_rate = check_nonnegative_float(decay_rate, "decay_rate")
        self.time_interval = check_int(time_interval, "time_interval", 1)
        self.warmup_epochs = check_int(warmup_epochs, "warmup_epochs")
        run = (self.epochs if self.epochs is not None
               else self.num_iterations if self.batch_size is None else None)
        if run is not None and self.warmup_epochs > run:
            what = "epochs" if self.epochs is not None else "num_iterations (full-batch steps)"
            raise ValueError(f"warmup_epochs must be in [0, {run}] (the run: {what}={run}), "
                             f"got {self.warmup_epochs}")
        self.warm_start = bool(warm_start)

    def get_params(self) -> dict:
        """The constructor's arguments, as given: ``DeepNN(**model.get_params())``
        builds an untrained twin."""
        return {name: getattr(self, name) for name in _PARAM_NAMES}

    def save(self, path) -> None:
        """Write the model to ``path`` (``.npz``); see :func:`dlgpu.load_model`.

        After a distributed ``fit`` only the writer (rank 0) writes: the ranks
        hold the same model.
        """
        if self.comm_.is_writer:
            io.save_model(self, path)

    def __repr__(self) -> str:
        steps = (f"batch_size={self.batch_size}, epochs={self.epochs}"
                 if self.epochs is not None else
                 f"num_iterations={self.num_iterations}, batch_size={self.batch_size}")
        return (f"DeepNN(layer_dims={self.layer_dims}, "
                f"hidden_activation={self.hidden_activation!r}, "
                f"output_activation={self.output_activation!r}, "
                f"learning_rate={self.learning_rate}, {steps}, "
                f"init={self.init!r}, seed={self.seed}, dtype={self.dtype!r}"
                + (f", keep_prob={self.keep_prob}" if self.keep_prob != 1.0 else "")
                + (f", matmul_precision={self.matmul_precision!r}"
                   if self.matmul_precision != "highest" else "")
                + (f", preprocess={self.preprocess!r}" if self.preprocess else "")
                + "".join(f", {name}={getattr(self, name)!r}" for name in _TRAINING_NAMES
                          if getattr(self, name) != TRAINING_DEFAULTS[name]) + ")")

    def __getstate__(self):
        # The step's buffers (flat copies, workspaces) are rebuilt on the next fit;
        # parameters_ and the optimizer's state are what a copy keeps.
        state = dict(self.__dict__)
        state.pop("_flat", None)
        state.pop("_workspaces", None)
        return state

    # -- parameters -------------------------------------------------------------
    def initialize_parameters(self) -> DeepNN:
        """Draw the initial parameters (on the host) and move them to the backend."""
        self.backend_ = backend.get_backend()
        host = initialize(self.layer_dims, self.init, self.seed, self._precision_dtypes().master)
        self.parameters_ = {k: backend.to_device(v) for k, v in host.items()}
        self.costs_ = []
        self.n_iter_ = self.epochs_trained_ = 0
        self.optimizer_ = self._new_optimizer()
        return self

    def _new_optimizer(self):
        optimizer = make_optimizer(self.optimizer, beta1=self.beta1, beta2=self.beta2,
                                   epsilon=self.epsilon, weight_decay=self.weight_decay)
        optimizer.init_state(self.parameters_)
        return optimizer

    def _continue(self) -> bool:
        """Warm start: keep the parameters, state and counts; True when there are any.

        The optimizer takes the current hyperparameters; its state and step
        count carry over when it is the same kind and fits the parameters.
        """
        if not (self.warm_start and hasattr(self, "parameters_")):
            return False
        expected = {f"{p}{l}": shape for l in range(1, len(self.layer_dims))
                    for p, shape in (("W", (self.layer_dims[l], self.layer_dims[l - 1])),
                                     ("b", (self.layer_dims[l], 1)))}
        if {k: tuple(v.shape) for k, v in self.parameters_.items()} != expected:
            raise ValueError(f"warm_start: the parameters do not fit layer_dims="
                             f"{self.layer_dims}; set warm_start=False to start afresh")
        old = getattr(self, "optimizer_", None)
        optimizer = make_optimizer(self.optimizer, beta1=self.beta1, beta2=self.beta2,
                                   epsilon=self.epsilon, weight_decay=self.weight_decay)
        if old is not None and old.name == optimizer.name and old.matches(self.parameters_):
            optimizer.state, optimizer.t = old.state, old.t
        else:
            optimizer.init_state(self.parameters_)
        self.optimizer_ = optimizer
        for name in ("n_iter_", "epochs_trained_"):  # a model file from before these
            if not hasattr(self, name):
                setattr(self, name, 0)
        return True

    def _xp(self):
        if not hasattr(self, "parameters_"):
            raise NotFittedError("this DeepNN has no parameters yet: call fit(X, Y) "
                                 "(or initialize_parameters()) first")
        return backend.get_array_module(self.parameters_["W1"])

    def _precision_dtypes(self) -> Precision:
        """The compute and master dtypes of ``dtype`` (``backend.precision.resolve_dtype``).

        ``master`` (float32 for ``"bfloat16"``, else ``dtype`` itself) is the
        dtype of everything the model keeps: ``parameters_``, the optimizer
        state, the data of inference and ``cost``; ``compute`` is that of the
        training step's GEMM inputs and Z, A, dA.  Computed on each call, as
        ``dtype`` may be reassigned (``gradient_check``'s probe).
        """
        return resolve_dtype(self.dtype)

    def _precision(self):
        """The context of the model's matrix products (``matmul_precision``)."""
        # The float32 products of a bfloat16 model (inference from the masters) follow it;
        # its bfloat16 products are gemmEx with float32 accumulation whatever it says.
        return precision_context(self._xp(), self.matmul_precision,
                                 self._precision_dtypes().master)

    def _to_model(self, A):
        """A as an array of the model's backend and master dtype (no copy when already so)."""
        return backend.to_module(A, self._xp(), self._precision_dtypes().master)

    # -- training ---------------------------------------------------------------
    def fit(self, X, Y, validation_data=None, callbacks=None, *, stream=None,
            comm=None, preprocessing=None, sample_weight=None) -> DeepNN:
        """Train by gradient descent, full-batch or mini-batch (``batch_size``).

        X : (n_x, m); Y : (1, m) labels 0/1 for a sigmoid output, or for
        softmax integer labels (1, m) or one-hot (n_L, m).  NumPy arrays
        (memory maps included) or CuPy arrays; they are never modified, and
        CuPy data is used where it lies.  ``validation_data=(X_val, Y_val)``
        adds ``val_cost`` and ``val_accuracy`` to each record.  ``callbacks``
        is a list of :class:`dlgpu.callbacks.Callback`.  ``stream`` (mini-batch
        on CuPy with NumPy data): ``None`` streams batches through pinned
        memory only when the data would take more than half of the free device
        memory, ``True`` always, ``False`` never.  ``comm`` (from
        :func:`dlgpu.distributed.init`): X, Y (and the validation data) are
        this rank's shard, ``batch_size`` is global, and every rank ends with
        the same parameters (see :mod:`dlgpu.distributed`); None is one
        process.  ``preprocessing``: a :class:`~dlgpu.preprocessing.Preprocessing`
        of kind ``preprocess`` learned elsewhere (from the whole data set, when
        X is one rank's shard), applied instead of learning one from X.
        ``sample_weight``: (m,) or (1, m) weights >= 0, not all zero, one per
        example (column) of X: the cost and every gradient become weighted
        means, sum_i w_i loss_i / sum_i w_i, the L2 term's m becomes sum_i w_i,
        and ``preprocess`` learns weighted statistics, so integer weights
        train as the data with each example repeated w_i times (full batch;
        mini-batches still hold m examples).  Distributed, each rank gives its
        shard's weights.  The validation data stays unweighted.
        Returns self.
        """
        comm = comm if comm is not None else LocalCommunicator()
        if preprocessing is not None and (self.preprocess is None
                                          or preprocessing.kind != self.preprocess):
            raise ValueError(f"preprocessing is a {preprocessing.kind!r} preprocessing but the "
                             f"model has preprocess={self.preprocess!r}; they must match")
        if comm.size > 1 and self.preprocess is not None and preprocessing is None:
            # Each rank would learn its own shard's statistics: different models.
            raise ValueError("preprocess with comm needs the statistics of the whole data set: "
                             "learn them with dlgpu.preprocessing.Preprocessing.fit(kind, X) "
                             "and pass fit(..., preprocessing=...)")

        def check():
            checked = self._checked_data(X, Y, validation_data, preprocessing, sample_weight,
                                         whole=comm.size == 1)
            facts = {k: v for k, v in self.get_params().items() if k != "verbose"}
            facts.update({"rows of Y": checked[1].shape[0],
                          "validation data": checked[2] is not None,
                          "sample_weight": checked[3] is not None})
            return checked, facts

        (X_checked, Y_checked, validation_checked, weights), facts = agree(comm, check)
        same_everywhere(comm, facts)
        if weights is not None and comm.size > 1:  # one rank may hold only zero weights
            check_weight_sum(sum(comm.allgather(float(weights.sum()))))
        self.comm_ = comm
        with abort_on_failure(comm):
            if not self._continue():
                self.initialize_parameters()
            sync = GradientSync(comm, self.parameters_, X_checked.shape[1],
                                layout=shard_layout(X))
            sync.broadcast_parameters_(flat_parameters(self))  # rank 0's start everywhere
            with self._precision():
                train(self, X_checked, Y_checked, validation_checked, callbacks, stream, sync,
                      weights)
        return self

    def _checked_data(self, X, Y, validation_data, preprocessing=None, sample_weight=None,
                      whole=True):
        """X, Y, the validation data and the weights (float64 NumPy (1, m) or None)
        checked, X through the preprocessing; ``whole``: X is all the data (one
        process), so weights that are all zero are refused here."""
        X = check_X(X, self.layer_dims[0], dtype=self._precision_dtypes().master)
        Y = self.output.check_targets(_as_array(Y, "Y"), X.shape[1])
        weights = check_sample_weight(sample_weight, X.shape[1])
        if weights is not None and whole:
            check_weight_sum(float(weights.sum()))
        if preprocessing is not None:
            self.preprocessing_ = preprocessing
        elif (self.warm_start and hasattr(self, "parameters_")
              and getattr(self, "preprocessing_", None) is not None
              and self.preprocessing_.kind == self.preprocess):
            pass  # a warm start keeps the transform the parameters were trained with
        else:
            self.preprocessing_ = (None if self.preprocess is None else Preprocessing.fit(
                self.preprocess, X, None if weights is None
                else backend.to_module(weights, backend.get_array_module(X))))
        if validation_data is not None:
            validation_data = self._check_validation(validation_data)
        return self._preprocessed(X, check_range=False), Y, validation_data, weights

    def _preprocessed(self, X, check_range: bool = True):
        """X : (n_x, m), checked, through ``preprocessing_`` when the model has one."""
        if self.preprocessing_ is None:
            return X
        return self.preprocessing_(X, self._precision_dtypes().master, check_range)

    def _check_validation(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, Y_val)")
        Xv = check_X(validation_data[0], self.layer_dims[0], name="X_val",
                     dtype=self._precision_dtypes().master)
        Yv = self.output.check_targets(_as_array(validation_data[1], "Y_val"), Xv.shape[1],
                                       name="Y_val")
        return self._preprocessed(Xv), Yv

    # -- inference --------------------------------------------------------------
    def _validated(self, X, Y=_NO_TARGETS):
        """X (and Y) checked, then as arrays of the model's backend and dtype."""
        self._xp()
        X = check_X(X, self.layer_dims[0], dtype=self._precision_dtypes().master)
        if Y is not _NO_TARGETS:
            Y = self.output.check_targets(_as_array(Y, "Y"), X.shape[1])
            Y = self.output.targets(self._to_model(Y), self._precision_dtypes().master)
        return self._to_model(self._preprocessed(X)), Y

    def _output(self, X):
        """(AL, ZL) for an already validated X; keeps no cache."""
        with self._precision():
            AL, ZL, _ = propagation.forward(self.parameters_, X, self.hidden, self.output,
                                            keep_cache=False)
        return AL, ZL

    def predict_proba(self, X):
        """Probabilities for each column of X : (n_x, m), of X's kind.

        Sigmoid output: P(y = 1 | x), shape (1, m).  Softmax output: one row
        per class, shape (n_L, m), each column summing to 1.
        """
        return backend.like(self._output(self._validated(X)[0])[0], X)

    def predict(self, X):
        """Labels (int64), shape (1, m), of X's kind.

        Sigmoid: 1 where P(y = 1 | x) > 0.5, else 0 (shape (k, m) for k
        labels).  Softmax: the most probable class, 0 to n_L - 1.  Identity
        (regression): the predicted values, (n_L, m) in the model's (master) dtype.
        """
        AL, _ = self._output(self._validated(X)[0])
        return backend.like(self.output.labels(AL), X)

    def score(self, X, Y) -> float:
        """Accuracy of ``predict(X)`` against Y (as ``fit`` takes it), in [0, 1]; for
        multi-label the fraction of examples with every label right; for an identity
        output (regression) R², as scikit-learn's ``r2_score`` (averaged over outputs)."""
        X, T = self._validated(X, Y)
        AL, _ = self._output(X)
        return self.output.score(AL, T)

    def cost(self, X, Y) -> float:
        """The cost at the current parameters: cross-entropy, or for regression
        (1/(2m)) * sum of squared errors."""
        X, T = self._validated(X, Y)
        return float(self.output.cost(self._output(X)[1], T))

    def loss_and_gradients(self, X, Y, sample_weight=None):
        """The training objective and its gradients at the current parameters.

        Returns ``(cost, grads)``: cost as a float, grads as NumPy arrays
        ``{"dW1": (n_1, n_0), "db1": (n_1, 1), ...}``; both include the ``l2``
        penalty with m = X's examples (the sum of ``sample_weight``, which
        makes them weighted means as in ``fit``).
        """
        X, Y = self._validated(X, Y)
        m, weights = X.shape[1], check_sample_weight(sample_weight, X.shape[1])
        if weights is not None:
            check_weight_sum(float(weights.sum()))
            m = float(weights.sum())
            weights = self._to_model(weights)
        with self._precision():
            AL, ZL, cache = propagation.forward(self.parameters_, X, self.hidden, self.output)
            cost = self.output.cost(ZL, Y, weights, m)
            grads = propagation.backward(self.parameters_, cache, AL, Y, self.hidden,
                                         weights=weights, weight_sum=m)
        if self.l2:
            cost = cost + propagation.l2_penalty(self.parameters_, self.l2, m)
            for key, W in self.parameters_.items():
                if key.startswith("W"):
                    propagation.add_l2_(grads["d" + key], W, self.l2 / m)
        cost = float(cost)
        return cost, {k: backend.to_numpy(v) for k, v in grads.items()}

    # -- exports ----------------------------------------------------------------
    def to_onnx(self, path=None, *, dtype=None):
        """Write ``predict_proba`` as an ONNX graph to ``path`` (``pip install "dlgpu[onnx]"``).

        **Rows, not columns**: the graph's input ``"input"`` is (batch, n_x),
        one raw example per row (the saved preprocessing is in the graph),
        and its output ``"output"`` is (batch, n_L) = ``predict_proba(X).T``.
        ``dtype``: ``"float32"`` or ``"float64"`` (default: the model's; a
        bfloat16 model exports its float32 master weights).
        Returns the ``onnx.ModelProto``; see :func:`dlgpu.export.to_onnx`.
        After a distributed ``fit`` only the writer (rank 0) writes, as ``save``.

        >>> import onnxruntime                                      # doctest: +SKIP
        >>> model.to_onnx("model.onnx")                             # doctest: +SKIP
        >>> session = onnxruntime.InferenceSession("model.onnx")    # doctest: +SKIP
        >>> session.run(None, {"input": X.T.astype("float32")})[0]  # doctest: +SKIP
        """
        self._xp()
        from .export import to_onnx
        return to_onnx(self, path if self.comm_.is_writer else None, dtype=dtype)

    def to_torch(self, *, dtype=None):
        """``predict_proba`` as a ``torch.nn.Sequential`` on rows (needs PyTorch).

        Input (batch, n_x), raw; output (batch, n_L) = ``predict_proba(X).T``.
        The preprocessing comes first (``dlgpu.torch_modules.Standardize``),
        then ``nn.Linear`` (weight ``W[l]``, bias ``b[l]``) and the activation
        of each layer, the output's last; on the CPU, in eval mode, in the
        model's (master) dtype unless ``dtype`` says otherwise.  See :func:`dlgpu.export.to_torch`.
        """
        self._xp()
        from .export import to_torch
        return to_torch(self, dtype=dtype)


_PARAM_NAMES = ("layer_dims", "hidden_activation", "output_activation", "learning_rate",
                "num_iterations", "init", "seed", "dtype", "leaky_relu_slope", "batch_size",
                "epochs", "shuffle", "verbose", "preprocess", "optimizer", "beta1", "beta2",
                "epsilon", "l2", "weight_decay", "lr_schedule", "decay_rate", "time_interval",
                "warmup_epochs", "warm_start", "keep_prob", "matmul_precision")
_TRAINING_NAMES = tuple(TRAINING_DEFAULTS)


def _as_array(Y, name):
    return as_array(Y, name, "a 2-D array of labels")


def _is_leaky(name) -> bool:
    return isinstance(name, str) and name.lower() == "leaky_relu"


def load_model(path, backend=None) -> DeepNN:
    """Read a model written by ``DeepNN.save`` (:func:`dlgpu.io.save_model`).

    ``backend``: ``None`` (default) puts the parameters on the active backend;
    ``"numpy"`` or ``"cupy"`` chooses one for this model only.  Returns a
    :class:`DeepNN` with ``parameters_`` (``W[l] : (n_l, n_{l-1})``, ``b[l] :
    (n_l, 1)``, in the saved master dtype: float32 for a bfloat16 model) and
    whatever else was saved (see :func:`dlgpu.io.read_model`); raises
    :class:`dlgpu.errors.ModelFileError` naming the file and the problem for
    anything it cannot read.
    """
    return io.read_model(path, DeepNN, backend)
