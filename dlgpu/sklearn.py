"""``DLClassifier`` and ``DLRegressor``: scikit-learn estimators that train a
:class:`~dlgpu.DeepNN`.

scikit-learn's layout is rows: ``X`` is ``(n_samples, n_features)`` and ``y``
is ``(n_samples,)`` of any labels scikit-learn accepts (integers, strings,
booleans, -1/1, ...).  Inside, the course's layout is columns: the network
sees ``X.T : (n_x, m)`` and the labels as class indices ``(1, m)``, so
``model_.parameters_["W1"]`` is ``(n_1, n_features)``.  Two classes train a
sigmoid output (n_L = 1, the course's classifier); more train a softmax
output (n_L = n_classes); a 2-D label indicator ``y : (n_samples, k)``
(multi-label, as ``MLPClassifier`` takes it) trains k sigmoid outputs.
``DLRegressor`` trains an identity output with the squared-error cost on
real targets ``y : (n_samples,)`` or ``(n_samples, n_outputs)``.

The network lives on dlgpu's backend (CuPy on a GPU, NumPy otherwise); what
``predict`` and ``predict_proba`` return is always NumPy.  Training is plain
gradient descent, which needs features on similar scales: by default the
network standardizes its inputs itself (``preprocess="standardize"``, learned
in ``fit`` and carried by ``model_``, as ``dlgpu train`` does), so raw data
works as it is.  When the training cost ends no lower than the cost of
ignoring X (see :func:`learned_nothing`), ``fit`` warns with scikit-learn's
``ConvergenceWarning``.

scikit-learn is an optional dependency: ``pip install 'dlgpu[sklearn]'``.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils import check_random_state
    from sklearn.utils.class_weight import compute_sample_weight
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d
except ImportError as error:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError("dlgpu.sklearn needs scikit-learn (>= 1.3), which could not be imported "
                      f"({error}); install it with: pip install 'dlgpu[sklearn]'") from error

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6 has the method instead of the function
    def validate_data(estimator, /, X="no_validation", y="no_validation", **check_params):
        return estimator._validate_data(X, y, **check_params)

from .backend import caller_stacklevel
from .backend.precision import resolve_dtype
from .model import DeepNN
from .outputs import target_statistics, unstandardize_output_
from .validation import check_dtype, check_int, check_several_classes

__all__ = ["DLClassifier", "DLRegressor"]


class DLClassifier(ClassifierMixin, BaseEstimator):
    """A fully-connected network classifier with the scikit-learn API.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int
        ``(n_1, ..., n_{L-1})``, the hidden layers' sizes; ``()`` is
        logistic regression (softmax regression for more than two classes).
    activation : str
        Hidden activation: ``relu``, ``leaky_relu``, ``tanh``, ``logistic``
        (alias ``sigmoid``) or ``identity``.
    learning_rate : float
        Gradient-descent step size.
    batch_size : int or None
        Examples per gradient step; ``None`` is full-batch gradient descent.
    epochs : int or None
        Passes over the training data.  ``None``: train for
        ``num_iterations`` gradient steps instead.
    num_iterations : int
        Gradient steps, used only when ``epochs`` is ``None``.
    shuffle : bool
        Draw new mini-batches every epoch.
    init : str
        Weight initialisation: ``he``, ``xavier``, ``course``, ``small`` or
        ``zeros`` (the last only without hidden layers).
    random_state : int, RandomState instance or None
        Seeds the weight draw and the batch order (DeepNN's ``seed``).
        ``None`` gives a different network every fit; a ``RandomState``
        gives the seed it draws.
    dtype : str or None
        ``float32`` or ``float64``: the arithmetic of the network and the
        dtype of ``predict_proba``.  ``None`` (the default) follows
        scikit-learn's ``MLPClassifier``: float32 when ``fit`` is given
        float32 data, float64 otherwise.  In float64 a sample's
        probabilities do not depend on where it sits in ``X`` beyond
        scikit-learn's tolerance (measured: at most 3.3e-16 apart across
        positions, OpenBLAS SkylakeX kernels; the check allows 1e-9 + 1e-7
        relative).  In float32 the BLAS can round a sample by one unit in
        the last place differently at a block edge than inside a block
        (measured: 1.8e-7 apart, which scikit-learn's
        ``check_methods_sample_order_invariance`` refuses); float32 halves
        the memory and is the fast type on most GPUs.  ``bfloat16``: mixed
        precision (DeepNN's ``dtype="bfloat16"``, needs ``ml_dtypes``): the
        network trains with bfloat16 products over float32 weights, and X,
        ``model_`` and ``predict_proba`` are float32.
    leaky_relu_slope : float
        Slope for z < 0 when ``activation="leaky_relu"``.
    keep_prob : float
        Dropout: each hidden unit is kept with this probability in (0, 1]
        while training (DeepNN's ``keep_prob``); ``1.0`` is no dropout.
    matmul_precision : {"highest", "high"}
        ``"high"``: float32 matrix products on TF32 tensor cores on CuPy (a
        GPU of compute capability >= 8.0); ``"highest"`` (default): exact
        float32.  Nothing changes on NumPy or in float64 (DeepNN's
        ``matmul_precision``).
    verbose : int
        ``0`` is silent; ``k > 0`` shows training progress (see DeepNN).
    optimizer, beta1, beta2, epsilon, l2, weight_decay : as DeepNN's
        The update rule (``gd``, ``momentum``, ``rmsprop``, ``adam``,
        ``adamw``) and its coefficients, the course's L2 lambda, AdamW's
        decoupled weight decay.
    lr_schedule, decay_rate, time_interval, warmup_epochs : as DeepNN's
        The learning rate per epoch: ``None``, ``inverse_time``,
        ``stepwise`` or ``cosine``, after ``warmup_epochs`` of warm-up.
    warm_start : bool
        ``fit`` continues the network of the last ``fit`` (same classes and
        features) for ``epochs`` more, its optimizer state, schedule and
        shuffling going on where they stopped; otherwise a new network.
    preprocess : {"standardize", "scale"} or None
        The input transform the network learns in ``fit`` and applies to
        every X after (DeepNN's ``preprocess``): ``"standardize"`` (the
        default) each feature to mean 0 and standard deviation 1,
        ``"scale"`` every feature by the largest |x|, ``None`` nothing (for
        data already scaled, e.g. after a ``StandardScaler``).  Without it,
        raw features of different scales (breast cancer's areas in the
        thousands beside ratios near 0.1) stall gradient descent at the cost
        of ignoring X.
    class_weight : dict, "balanced" or None
        Weights of the classes, scikit-learn's meaning: ``{label: weight}``
        (labels not named weigh 1), or ``"balanced"``, ``n_samples /
        (n_classes * np.bincount(y))``; each example's weight is its class's
        times its ``sample_weight`` (see ``fit``).  For multi-label y, a list
        of such dicts, one per label, as ``compute_sample_weight`` takes.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``, sorted; column k of ``predict_proba``
        is ``classes_[k]``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame given to ``fit`` (only then).
    model_ : DeepNN
        The trained network, in the course's layout: ``layer_dims`` is
        ``[n_features, *hidden_layer_sizes, n_L]``.
    n_iter_ : int
        Gradient steps taken (DeepNN's count; MLPClassifier counts epochs).
    loss_curve_ : list of float
        The training cost at each of DeepNN's record points (each epoch, or
        every 100 iterations in full-batch training without ``epochs``).
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", learning_rate=0.1,
                 batch_size=32, epochs=200, num_iterations=3000, shuffle=True, init="he",
                 random_state=None, dtype=None, leaky_relu_slope=0.01, verbose=0,
                 optimizer="gd", beta1=0.9, beta2=0.999, epsilon=1e-8, l2=0.0,
                 weight_decay=0.0, lr_schedule=None, decay_rate=1.0, time_interval=1000,
                 warmup_epochs=0, warm_start=False, keep_prob=1.0, preprocess="standardize",
                 class_weight=None, matmul_precision="highest"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.num_iterations = num_iterations
        self.shuffle = shuffle
        self.init = init
        self.random_state = random_state
        self.dtype = dtype
        self.leaky_relu_slope = leaky_relu_slope
        self.verbose = verbose
        self.optimizer = optimizer
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.l2 = l2
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.decay_rate = decay_rate
        self.time_interval = time_interval
        self.warmup_epochs = warmup_epochs
        self.warm_start = warm_start
        self.keep_prob = keep_prob
        self.preprocess = preprocess
        self.class_weight = class_weight
        self.matmul_precision = matmul_precision

    def fit(self, X, y, sample_weight=None, *, validation_data=None, callbacks=None):
        """Train a new network on X, y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, k)
            Class labels, at least two distinct ones; or a label indicator
            of 0/1, one column per label (multi-label: k sigmoid outputs,
            ``predict`` then returns such an indicator).
        sample_weight : array-like of shape (n_samples,), optional
            Weights >= 0, not all zero: the cost and its gradients are
            weighted means (DeepNN's ``sample_weight``), multiplied by
            ``class_weight``'s.  In full-batch float64 training an integer
            weight k trains as the sample repeated k times.
        validation_data : (X_val, y_val), optional
            Rows and labels as for ``fit``; their cost and accuracy are
            recorded in ``model_.history_`` (``val_cost``, ``val_accuracy``).
        callbacks : list of dlgpu.callbacks.Callback, optional
            Run at each record point, e.g. ``EarlyStopping``.

        Returns
        -------
        self
        """
        if self.dtype is None:  # keeps float32 data float32, makes everything else float64
            X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), multi_output=True)
            dtype = X.dtype.name
        else:
            network = check_dtype(self.dtype)
            dtype = _array_dtype(network)
            X, y = validate_data(self, X, y, dtype=dtype, multi_output=True)
        y = _labels_or_indicator(y)
        check_classification_targets(y)
        sample_weight = _weights(sample_weight, X, y, self.class_weight)
        self._multilabel = y.ndim == 2
        if self._multilabel:  # k independent sigmoid outputs, Y = y.T : (k, m)
            classes, codes, self._y_dtype = np.arange(y.shape[1]), y.T, y.dtype
            n_out = y.shape[1]
        else:
            classes, codes = np.unique(y, return_inverse=True)
            check_several_classes(classes, "DLClassifier")
            codes = codes.reshape(1, -1)
            n_out = 1 if len(classes) == 2 else len(classes)
        model = DeepNN(self._layer_dims(X.shape[1], n_out),
                       hidden_activation=self.activation,
                       output_activation="softmax" if n_out > 2 and not self._multilabel
                       else "sigmoid",
                       learning_rate=self.learning_rate, num_iterations=self.num_iterations,
                       init=self.init, seed=_seed(self.random_state),
                       dtype=dtype if self.dtype is None else network,
                       leaky_relu_slope=self.leaky_relu_slope, batch_size=self.batch_size,
                       epochs=self.epochs, shuffle=self.shuffle, verbose=self.verbose,
                       optimizer=self.optimizer, beta1=self.beta1, beta2=self.beta2,
                       epsilon=self.epsilon, l2=self.l2, weight_decay=self.weight_decay,
                       lr_schedule=self.lr_schedule, decay_rate=self.decay_rate,
                       time_interval=self.time_interval, warmup_epochs=self.warmup_epochs,
                       warm_start=self.warm_start, keep_prob=self.keep_prob,
                       preprocess=self.preprocess, matmul_precision=self.matmul_precision)
        previous = getattr(self, "model_", None)
        if (self.warm_start and previous is not None and np.array_equal(classes, self.classes_)
                and previous.layer_dims == model.layer_dims and previous.dtype == model.dtype):
            for name in ("parameters_", "backend_", "optimizer_", "n_iter_", "epochs_trained_",
                         "history_", "costs_"):
                setattr(model, name, getattr(previous, name))
        if validation_data is not None:
            validation_data = self._columns(validation_data, classes, dtype)
        model.fit(X.T, codes, validation_data=validation_data, callbacks=callbacks,
                  sample_weight=sample_weight)
        self.classes_ = classes
        self.model_ = model
        self.n_iter_ = model.n_iter_
        self.loss_curve_ = list(model.costs_)
        _warn_if_nothing_learned(self.loss_curve_, codes, len(classes), self.preprocess,
                                 self._multilabel, sample_weight)
        return self

    def _layer_dims(self, n_x: int, n_out: int) -> list[int]:
        return _layer_dims(self.hidden_layer_sizes, n_x, n_out)

    def _columns(self, validation_data, classes, dtype):
        """(X_val, y_val) in rows and labels -> (X_val.T, class indices (1, m)), or for
        multi-label (X_val.T, y_val.T : (k, m))."""
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, y_val)")
        if self._multilabel:
            X_val, y_val = validate_data(self, *validation_data, reset=False, dtype=dtype,
                                         multi_output=True)
            if y_val.ndim != 2 or y_val.shape[1] != len(classes):
                raise ValueError(f"y_val must be a label indicator of shape (n_samples, "
                                 f"{len(classes)}) like y; got shape {y_val.shape}")
            return X_val.T, y_val.T
        X_val, y_val = validate_data(self, *validation_data, reset=False, dtype=dtype)
        unknown = ~np.isin(y_val, classes)
        if unknown.any():
            raise ValueError(f"y_val holds {int(unknown.sum())} label(s) not seen in y, e.g. "
                             f"{y_val[unknown][:3].tolist()}; the classes are "
                             f"{classes.tolist()}")
        return X_val.T, np.searchsorted(classes, y_val).reshape(1, -1)

    def predict_proba(self, X):
        """Class probabilities, one row per example.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Column k is P(y = classes_[k] | x); rows sum to 1.  For two
            classes the columns are ``[1 - p, p]`` with p the sigmoid output.
            Multi-label: column k is P(label k = 1 | x), each on its own.
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=_array_dtype(self.model_.dtype))
        A = self.model_.predict_proba(X.T)  # (n_L, m), NumPy because X.T is
        if getattr(self, "_multilabel", False):
            return A.T.copy()
        if A.shape[0] == 1:
            return np.concatenate([1 - A, A]).T.copy()
        return A.T.copy()

    def predict(self, X):
        """The most probable class of each example.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``; multi-label: an indicator of shape
            (n_samples, k), 1 where P(label = 1 | x) > 0.5, in y's dtype.
        """
        proba = self.predict_proba(X)
        if getattr(self, "_multilabel", False):
            return (proba > 0.5).astype(self._y_dtype)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multilabel": True}


class DLRegressor(RegressorMixin, BaseEstimator):
    """A fully-connected network regressor with the scikit-learn API.

    The network has an identity output (one unit per target) trained on the
    course's squared-error cost ``(1/(2m)) * sum of squared errors``.  Both
    sides are standardized by default, as ``MLPRegressor`` users expect good
    results on raw data: ``preprocess="standardize"`` makes the network
    standardize X (learned in ``fit``, saved with ``model_``), and y is
    always standardized for training (each target minus its mean, divided
    by its standard deviation, kept as ``y_mean_`` and ``y_scale_``), then
    folded into the output layer (``W[L] *= y_scale_``, ``b[L] = y_scale_ *
    b[L] + y_mean_``), so ``model_`` itself (saved with ``model_.save``)
    predicts in y's units.  ``score`` is R²
    (scikit-learn's ``r2_score``, averaged uniformly over the outputs).

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int
        ``(n_1, ..., n_{L-1})``; ``()`` is linear regression.
    activation : str
        Hidden activation: ``relu``, ``leaky_relu``, ``tanh``, ``logistic``
        (alias ``sigmoid``) or ``identity``.
    learning_rate : float
        Gradient-descent step size (on the standardized targets).
    batch_size : int or None
        Examples per gradient step; ``None`` is full-batch gradient descent.
    epochs : int or None
        Passes over the training data.  ``None``: train for
        ``num_iterations`` gradient steps instead.
    num_iterations : int
        Gradient steps, used only when ``epochs`` is ``None``.
    shuffle : bool
        Draw new mini-batches every epoch.
    init : str
        Weight initialisation: ``he``, ``xavier``, ``course``, ``small`` or
        ``zeros`` (the last only without hidden layers).
    random_state : int, RandomState instance or None
        Seeds the weight draw and the batch order.
    dtype : str or None
        ``float32``, ``float64`` or ``bfloat16`` (mixed precision over float32
        weights; X and the predictions are float32); ``None``: float32 for
        float32 X, float64 otherwise (as :class:`DLClassifier`).
    preprocess : {"standardize", "scale", None}
        What the network does to X, learned in ``fit`` (see DeepNN);
        ``None`` feeds X as given.
    leaky_relu_slope : float
        Slope for z < 0 when ``activation="leaky_relu"``.
    verbose : int
        ``0`` is silent; ``k > 0`` shows training progress (see DeepNN).
    matmul_precision : {"highest", "high"}
        ``"high"``: float32 matrix products on TF32 tensor cores on CuPy (a
        GPU of compute capability >= 8.0); ``"highest"`` (default): exact
        float32.  Nothing changes on NumPy or in float64 (DeepNN's
        ``matmul_precision``).

    The defaults (one hidden layer of 100 ReLU units, Xavier initialisation,
    learning rate 0.01, 20 epochs of mini-batches of 32) were chosen by
    measurement on scikit-learn's diabetes data against
    ``make_pipeline(StandardScaler(), MLPRegressor(max_iter=2000))`` (see
    docs/usage.md); He initialisation or more epochs overfit those 353
    examples.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a DataFrame given to ``fit`` (only then).
    model_ : DeepNN
        The trained network, ``layer_dims = [n_features, *hidden_layer_sizes,
        n_outputs]``, identity output, predicting in y's units.
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        The targets' means and standard deviations (1 for a constant target)
        it was trained to predict, standardized.
    n_outputs_ : int
        Number of targets.
    n_iter_ : int
        Gradient steps taken.
    loss_curve_ : list of float
        The training cost (on standardized targets) at each record point.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", learning_rate=0.01,
                 batch_size=32, epochs=20, num_iterations=3000, shuffle=True, init="xavier",
                 random_state=None, dtype=None, preprocess="standardize",
                 leaky_relu_slope=0.01, verbose=0, matmul_precision="highest"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.num_iterations = num_iterations
        self.shuffle = shuffle
        self.init = init
        self.random_state = random_state
        self.dtype = dtype
        self.preprocess = preprocess
        self.leaky_relu_slope = leaky_relu_slope
        self.verbose = verbose
        self.matmul_precision = matmul_precision

    def fit(self, X, y, sample_weight=None, *, validation_data=None, callbacks=None):
        """Train a new network on X, y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Real-valued targets, in any units (standardized inside).
        sample_weight : array-like of shape (n_samples,), optional
            Weights >= 0, not all zero: the squared-error cost and its
            gradients are weighted means, and y is standardized with its
            weighted mean and standard deviation.
        validation_data : (X_val, y_val), optional
            Their cost (on standardized targets) is recorded in
            ``model_.history_["val_cost"]``.
        callbacks : list of dlgpu.callbacks.Callback, optional

        Returns
        -------
        self
        """
        if self.dtype is None:
            X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), multi_output=True,
                                 y_numeric=True)
            dtype = X.dtype.name
        else:
            network = check_dtype(self.dtype)
            dtype = _array_dtype(network)
            X, y = validate_data(self, X, y, dtype=dtype, multi_output=True, y_numeric=True)
        self._single_output = y.ndim == 1
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1).T  # (n_outputs, m)
        sample_weight = _weights(sample_weight, X, y, None)
        mean, scale = target_statistics(Y, sample_weight)
        self.y_mean_, self.y_scale_ = mean.ravel(), scale.ravel()
        self.n_outputs_ = Y.shape[0]
        model = DeepNN(_layer_dims(self.hidden_layer_sizes, X.shape[1], self.n_outputs_),
                       hidden_activation=self.activation, output_activation="identity",
                       learning_rate=self.learning_rate, num_iterations=self.num_iterations,
                       init=self.init, seed=_seed(self.random_state),
                       dtype=dtype if self.dtype is None else network,
                       leaky_relu_slope=self.leaky_relu_slope, batch_size=self.batch_size,
                       epochs=self.epochs, shuffle=self.shuffle, verbose=self.verbose,
                       preprocess=self.preprocess, matmul_precision=self.matmul_precision)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("validation_data must be a pair (X_val, y_val)")
            X_val, y_val = validate_data(self, *validation_data, reset=False, dtype=dtype,
                                         multi_output=True, y_numeric=True)
            Y_val = np.asarray(y_val, dtype=np.float64).reshape(len(y_val), -1).T
            if Y_val.shape[0] != self.n_outputs_:
                raise ValueError(f"y_val has {Y_val.shape[0]} target(s) per sample but y has "
                                 f"{self.n_outputs_}; they must match")
            validation_data = (X_val.T, (Y_val - mean) / scale)
        model.fit(X.T, (Y - mean) / scale, validation_data=validation_data, callbacks=callbacks,
                  sample_weight=sample_weight)
        unstandardize_output_(model.parameters_, mean, scale)  # model_ predicts in y's units
        self.model_ = model
        self.n_iter_ = model.n_iter_
        self.loss_curve_ = list(model.costs_)
        return self

    def predict(self, X):
        """Predicted targets, in y's units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when ``fit`` was given a 1-D y, as ``MLPRegressor``; in the
            network's dtype.
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=_array_dtype(self.model_.dtype))
        Y = self.model_.predict(X.T).T  # NumPy because X.T is
        return Y.ravel() if self._single_output else Y.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True}


def _array_dtype(dtype: str) -> str:
    """The dtype of the arrays around a network of ``dtype``: its master dtype (float32 for
    "bfloat16", whose X, weights and outputs are float32)."""
    return resolve_dtype(dtype).master.name


def _layer_dims(sizes, n_x: int, n_out: int) -> list[int]:
    """``[n_x, *hidden_layer_sizes, n_out]``, the sizes checked."""
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = [sizes]
    elif isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"hidden_layer_sizes must be an int or a tuple of ints, "
                        f"got {sizes!r}")
    hidden = [check_int(n, f"hidden_layer_sizes[{i}]", 1) for i, n in enumerate(sizes)]
    return [n_x, *hidden, n_out]


def _weights(sample_weight, X, y, class_weight):
    """Each sample's weight (n_samples,) float64, or None for no weights at all:
    ``sample_weight`` (checked as scikit-learn does: one per row of X) times
    ``class_weight``'s."""
    if sample_weight is not None:
        raw = np.asarray(sample_weight)
        if raw.dtype.kind in "biuf" and raw.size:  # before scikit-learn's own, vaguer message
            if (raw < 0).any():
                raise ValueError(f"sample_weight must be >= 0; found {int((raw < 0).sum())} "
                                 f"negative weight(s)")
            if not raw.any():
                raise ValueError("sample_weight must hold at least one weight > 0; all "
                                 "weights are zero, which leaves nothing to train on")
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    if class_weight is not None:
        if not (isinstance(class_weight, (dict, list)) or class_weight == "balanced"):
            raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: "
                             f"weight}}, got {class_weight!r}")
        by_class = compute_sample_weight(class_weight, y)
        sample_weight = by_class if sample_weight is None else sample_weight * by_class
    return sample_weight


def _labels_or_indicator(y):
    """y : (n_samples,) labels, or (n_samples, k > 1) a 0/1 label indicator (multi-label).

    A column (n_samples, 1) becomes 1-D with scikit-learn's DataConversionWarning;
    any other 2-D y (several classes per column) is refused.
    """
    if y.ndim == 2 and y.shape[1] == 1:
        return column_or_1d(y, warn=True)
    if y.ndim == 2 and type_of_target(y) != "multilabel-indicator":
        raise ValueError(f"DLClassifier takes a 2-D y only as a label indicator: 0/1, one "
                         f"column per label (multi-label); got {type_of_target(y)} targets of "
                         f"shape {y.shape}")
    return y


#: the final cost counts as not moved when it is at least ``(1 - NOT_MOVED) * H``
NOT_MOVED = 0.01


def constant_cost(codes, n_classes: int, multilabel: bool = False,
                  sample_weight=None) -> float:
    """The cross-entropy of predicting each class's share of y for every example, ignoring X.

    That is the entropy of the labels, ``H = -sum_k p_k log p_k`` with ``p_k``
    the share of class k in ``codes`` (class indices, any shape): the lowest
    cost a network reaches without using X, the plateau of a network whose
    hidden units all saturated or died on unscaled inputs.  Multi-label
    ``codes`` (k, m) of 0/1: the sum over the k outputs of each one's binary
    entropy, as the cost sums their cross-entropies.  With ``sample_weight``
    (n_samples,) the shares are weighted, as the cost is.
    """
    w = None if sample_weight is None else np.ravel(sample_weight)
    if multilabel:
        p = np.average(codes, axis=1, weights=w)
        shares = np.stack([1 - p, p])
    else:
        shares = (np.bincount(np.ravel(codes), weights=w, minlength=n_classes)
                  / (np.size(codes) if w is None else w.sum()))
    shares = shares[shares > 0]
    return float(-(shares * np.log(shares)).sum())


def learned_nothing(loss_curve, codes, n_classes: int, multilabel: bool = False,
                    sample_weight=None) -> bool:
    """Whether training ended no better than ignoring X.

    True when the last recorded cost is at least ``(1 - NOT_MOVED)`` times
    :func:`constant_cost` (within 1% of it, or above it), or is not finite.
    A first record far above it (a blow-up on raw data) does not count as
    progress: only where the cost ends matters.
    """
    if not loss_curve:
        return False
    last = float(loss_curve[-1])
    return not math.isfinite(last) or last >= (1 - NOT_MOVED) * constant_cost(
        codes, n_classes, multilabel, sample_weight)


def _warn_if_nothing_learned(loss_curve, codes, n_classes: int, preprocess,
                             multilabel: bool = False, sample_weight=None) -> None:
    if not learned_nothing(loss_curve, codes, n_classes, multilabel, sample_weight):
        return
    hint = ("the features may be on very different scales: keep the default "
            "preprocess='standardize' or put a StandardScaler in front"
            if preprocess is None else
            "try another learning_rate (smaller if the cost grew), more epochs, or "
            "another init")
    baseline = constant_cost(codes, n_classes, multilabel, sample_weight)
    warnings.warn(f"DLClassifier's training cost ended at {float(loss_curve[-1]):.6g}, not "
                  f"{NOT_MOVED:.0%} below {baseline:.6g}, the cost "
                  f"of predicting each "
                  f"class's share of y without looking at X: the network learned nothing from "
                  f"X; {hint}", ConvergenceWarning, stacklevel=caller_stacklevel())


def _seed(random_state):
    """DeepNN's seed for ``random_state``: None, the int itself, or an int drawn from it."""
    if random_state is None:
        return None
    generator = check_random_state(random_state)  # rejects what RandomState cannot take
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(generator.randint(np.iinfo(np.int32).max))
