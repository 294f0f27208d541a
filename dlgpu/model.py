"""``DeepNN``: an L-layer binary classifier trained by full-batch gradient descent."""

from __future__ import annotations

import sys

import numpy as np

from . import backend, propagation
from .activations import get_activation
from .errors import NotFittedError
from .initializers import check_init, initialize
from .validation import (check_dtype, check_int, check_layer_dims, check_positive_float,
                         check_seed, check_X, check_Y)

COST_EVERY = 100


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
        ``sigmoid``: the output is P(y = 1 | x), trained with cross-entropy.
    learning_rate, num_iterations : float, int
        Gradient descent step size and number of full-batch steps.
    init : str
        ``he``, ``xavier``, ``course``, ``small`` or ``zeros`` (see
        :func:`dlgpu.initializers.initialize`).
    seed : int or None
        Seed of the host-side weight draw.
    dtype : str
        ``float32`` or ``float64``; all arithmetic stays in this dtype.
    leaky_relu_slope : float
        Slope for z < 0 when ``hidden_activation="leaky_relu"``.
    verbose : int
        ``0`` is silent; ``k > 0`` prints ``Cost after iteration i: c`` every
        ``100 k`` iterations (every 100 for ``verbose=1``).

    Attributes
    ----------
    parameters_ : dict
        ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}`` on the backend used by ``fit``.
    costs_ : list of float
        The cost at iterations 0, 100, 200, ...
    backend_ : str
        ``"numpy"`` or ``"cupy"``: where ``parameters_`` live.
    """

    def __init__(self, layer_dims, hidden_activation="relu", output_activation="sigmoid",
                 learning_rate=0.0075, num_iterations=3000, init="he", seed=1,
                 dtype="float32", *, leaky_relu_slope=0.01, verbose=0):
        self.layer_dims = check_layer_dims(layer_dims)
        params = {"slope": leaky_relu_slope} if _is_leaky(hidden_activation) else {}
        self.hidden = get_activation(hidden_activation, **params)
        self.output = get_activation(output_activation)
        if self.output.name != "sigmoid":
            raise ValueError(f"output_activation must be 'sigmoid' (cross-entropy needs "
                             f"probabilities in (0, 1)), got {output_activation!r}")
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.learning_rate = check_positive_float(learning_rate, "learning_rate")
        self.num_iterations = check_int(num_iterations, "num_iterations")
        self.init = check_init(init, self.layer_dims)
        self.seed = check_seed(seed)
        self.dtype = check_dtype(dtype)
        self.leaky_relu_slope = leaky_relu_slope
        self.verbose = check_int(verbose, "verbose")

    def __repr__(self) -> str:
        return (f"DeepNN(layer_dims={self.layer_dims}, "
                f"hidden_activation={self.hidden_activation!r}, "
                f"learning_rate={self.learning_rate}, num_iterations={self.num_iterations}, "
                f"init={self.init!r}, seed={self.seed}, dtype={self.dtype!r})")

    # -- parameters -------------------------------------------------------------
    def initialize_parameters(self) -> DeepNN:
        """Draw the initial parameters (on the host) and move them to the backend."""
        self.backend_ = backend.get_backend()
        host = initialize(self.layer_dims, self.init, self.seed, self.dtype)
        self.parameters_ = {k: backend.to_device(v) for k, v in host.items()}
        self.costs_ = []
        return self

    def _xp(self):
        if not hasattr(self, "parameters_"):
            raise NotFittedError("this DeepNN has no parameters yet: call fit(X, Y) "
                                 "(or initialize_parameters()) first")
        return backend.get_array_module(self.parameters_["W1"])

    def _to_model(self, A):
        """A as an array of the model's backend and dtype (no copy when already so)."""
        xp = self._xp()
        if xp is np:
            return np.asarray(backend.to_numpy(A), dtype=self.dtype)
        return xp.asarray(A, dtype=self.dtype)

    # -- training ---------------------------------------------------------------
    def fit(self, X, Y) -> DeepNN:
        """Train by full-batch gradient descent.

        X : (n_x, m) and Y : (1, m), NumPy or CuPy; they are not modified.
        Returns self.
        """
        X = check_X(X, self.layer_dims[0])
        Y = check_Y(Y, X.shape[1])
        self.initialize_parameters()
        X, Y = self._to_model(X), self._to_model(Y)
        costs = []
        for i in range(self.num_iterations):
            AL, ZL, cache = propagation.forward(self.parameters_, X, self.hidden, self.output)
            if i % COST_EVERY == 0:
                cost = propagation.cost(ZL, Y)
                if self.verbose and (i // COST_EVERY) % self.verbose == 0:
                    print(f"Cost after iteration {i}: {float(cost)}", file=sys.stdout, flush=True)
                costs.append(cost)  # kept on the device: no host sync per record
            grads = propagation.backward(self.parameters_, cache, AL, Y, self.hidden)
            propagation.update_parameters_(self.parameters_, grads, self.learning_rate)
        self.costs_ = [float(c) for c in costs]
        return self

    # -- inference --------------------------------------------------------------
    def _validated(self, X, Y=None):
        """X (and Y) checked, then as arrays of the model's backend and dtype."""
        self._xp()
        X = check_X(X, self.layer_dims[0])
        if Y is not None:
            Y = self._to_model(check_Y(Y, X.shape[1]))
        return self._to_model(X), Y

    def _output(self, X):
        """(AL, ZL) for an already validated X; keeps no cache."""
        AL, ZL, _ = propagation.forward(self.parameters_, X, self.hidden, self.output,
                                        keep_cache=False)
        return AL, ZL

    def predict_proba(self, X):
        """P(y = 1 | x) for each column of X : (n_x, m); returns (1, m) of X's kind."""
        return _like(self._output(self._validated(X)[0])[0], X)

    def predict(self, X):
        """Labels 0/1 (int64), shape (1, m), of X's kind: 1 where P(y = 1 | x) > 0.5."""
        AL, _ = self._output(self._validated(X)[0])
        return _like((AL > 0.5).astype(np.int64), X)

    def score(self, X, Y) -> float:
        """Accuracy of ``predict(X)`` against Y : (1, m), in [0, 1]."""
        X, Y = self._validated(X, Y)
        AL, _ = self._output(X)
        return int(((AL > 0.5) == (Y == 1)).sum()) / Y.shape[1]

    def cost(self, X, Y) -> float:
        """Cross-entropy cost at the current parameters."""
        X, Y = self._validated(X, Y)
        return float(propagation.cost(self._output(X)[1], Y))

    def loss_and_gradients(self, X, Y):
        """Cost and gradients at the current parameters.

        Returns ``(cost, grads)``: cost as a float, grads as NumPy arrays
        ``{"dW1": (n_1, n_0), "db1": (n_1, 1), ...}``.
        """
        X, Y = self._validated(X, Y)
        AL, ZL, cache = propagation.forward(self.parameters_, X, self.hidden, self.output)
        cost = float(propagation.cost(ZL, Y))
        grads = propagation.backward(self.parameters_, cache, AL, Y, self.hidden)
        return cost, {k: backend.to_numpy(v) for k, v in grads.items()}


def _is_leaky(name) -> bool:
    return isinstance(name, str) and name.lower() == "leaky_relu"


def _like(result, reference):
    """``result`` as the same array kind (NumPy or CuPy) as ``reference``."""
    if backend.is_cupy_array(reference):
        return result if backend.is_cupy_array(result) else \
            backend.get_array_module(reference).asarray(result)
    return backend.to_numpy(result)
