"""``DLClassifier``: a scikit-learn classifier that trains a :class:`~dlgpu.DeepNN`.

scikit-learn's layout is rows: ``X`` is ``(n_samples, n_features)`` and ``y``
is ``(n_samples,)`` of any labels scikit-learn accepts (integers, strings,
booleans, -1/1, ...).  Inside, the course's layout is columns: the network
sees ``X.T : (n_x, m)`` and the labels as class indices ``(1, m)``, so
``model_.parameters_["W1"]`` is ``(n_1, n_features)``.  Two classes train a
sigmoid output (n_L = 1, the course's classifier); more train a softmax
output (n_L = n_classes).

The network lives on dlgpu's backend (CuPy on a GPU, NumPy otherwise); what
``predict`` and ``predict_proba`` return is always NumPy.  Training is plain
gradient descent, which needs features on similar scales: put a
``StandardScaler`` in front (``make_pipeline(StandardScaler(), DLClassifier())``).

scikit-learn is an optional dependency: ``pip install 'dlgpu[sklearn]'``.
"""

from __future__ import annotations

import numbers

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted
except ImportError as error:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError("dlgpu.sklearn needs scikit-learn (>= 1.3), which could not be imported "
                      f"({error}); install it with: pip install 'dlgpu[sklearn]'") from error

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6 has the method instead of the function
    def validate_data(estimator, /, X="no_validation", y="no_validation", **check_params):
        return estimator._validate_data(X, y, **check_params)

from .model import DeepNN
from .validation import check_dtype, check_int

__all__ = ["DLClassifier"]


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
        the memory and is the fast type on most GPUs.
    leaky_relu_slope : float
        Slope for z < 0 when ``activation="leaky_relu"``.
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
                 warmup_epochs=0, warm_start=False):
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

    def fit(self, X, y, *, validation_data=None, callbacks=None):
        """Train a new network on X, y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels; at least two distinct ones.
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
            X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
            dtype = X.dtype.name
        else:
            dtype = check_dtype(self.dtype)
            X, y = validate_data(self, X, y, dtype=dtype)
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"DLClassifier needs at least 2 classes to learn; y holds 1 class "
                             f"(only the label {classes.tolist()[0]!r})")
        model = DeepNN(self._layer_dims(X.shape[1], len(classes)),
                       hidden_activation=self.activation,
                       output_activation="sigmoid" if len(classes) == 2 else "softmax",
                       learning_rate=self.learning_rate, num_iterations=self.num_iterations,
                       init=self.init, seed=_seed(self.random_state), dtype=dtype,
                       leaky_relu_slope=self.leaky_relu_slope, batch_size=self.batch_size,
                       epochs=self.epochs, shuffle=self.shuffle, verbose=self.verbose,
                       optimizer=self.optimizer, beta1=self.beta1, beta2=self.beta2,
                       epsilon=self.epsilon, l2=self.l2, weight_decay=self.weight_decay,
                       lr_schedule=self.lr_schedule, decay_rate=self.decay_rate,
                       time_interval=self.time_interval, warmup_epochs=self.warmup_epochs,
                       warm_start=self.warm_start)
        previous = getattr(self, "model_", None)
        if (self.warm_start and previous is not None and np.array_equal(classes, self.classes_)
                and previous.layer_dims == model.layer_dims and previous.dtype == model.dtype):
            for name in ("parameters_", "backend_", "optimizer_", "n_iter_", "epochs_trained_",
                         "history_", "costs_"):
                setattr(model, name, getattr(previous, name))
        if validation_data is not None:
            validation_data = self._columns(validation_data, classes, dtype)
        model.fit(X.T, codes.reshape(1, -1), validation_data=validation_data,
                  callbacks=callbacks)
        self.classes_ = classes
        self.model_ = model
        self.n_iter_ = model.n_iter_
        self.loss_curve_ = list(model.costs_)
        return self

    def _layer_dims(self, n_x: int, n_classes: int) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = [sizes]
        elif isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise TypeError(f"hidden_layer_sizes must be an int or a tuple of ints, "
                            f"got {sizes!r}")
        hidden = [check_int(n, f"hidden_layer_sizes[{i}]", 1) for i, n in enumerate(sizes)]
        return [n_x, *hidden, 1 if n_classes == 2 else n_classes]

    def _columns(self, validation_data, classes, dtype):
        """(X_val, y_val) in rows and labels -> (X_val.T, class indices (1, m))."""
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, y_val)")
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
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype)
        A = self.model_.predict_proba(X.T)  # (n_L, m), NumPy because X.T is
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
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


def _seed(random_state):
    """DeepNN's seed for ``random_state``: None, the int itself, or an int drawn from it."""
    if random_state is None:
        return None
    generator = check_random_state(random_state)  # rejects what RandomState cannot take
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(generator.randint(np.iinfo(np.int32).max))
