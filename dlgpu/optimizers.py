"""Optimizers: how a step turns the gradients into new parameters.

The course's notation: W[l] : (n_l, n_{l-1}), b[l] : (n_l, 1), their
gradients dW[l], db[l] of the same shapes; alpha is the learning rate of
the step, t the number of steps taken so far (1 at the first step).

``gd``        W -= alpha dW
``momentum``  v = b1 v + (1 - b1) dW;  W -= alpha v
``rmsprop``   s = b2 s + (1 - b2) dW^2;  W -= alpha dW / (sqrt(s) + eps)
``adam``      v, s as above;  W -= alpha v_hat / (sqrt(s_hat) + eps),
              v_hat = v / (1 - b1^t), s_hat = s / (1 - b2^t)
              (``torch.optim.Adam(lr=alpha, betas=(b1, b2), eps=eps)``)
``adamw``     Adam, the weights first decayed: W *= 1 - alpha weight_decay,
              on the weights W only, not the biases (``torch.optim.AdamW``)

The same update applies to every parameter (b for W above).  Parameters,
gradients and each state (v, s) are flat buffers of one layout
(:mod:`dlgpu.buffers`: the weights first, then the biases), on the
parameters' backend and in their dtype; ``state`` holds per-parameter views
for saving.  On CUDA the whole update is one fused ``cupy.ElementwiseKernel``
over the flat buffers, its text beside the NumPy reference below (the
activations' machinery: :mod:`dlgpu.activations.kernels`); the kernel tells
a weight from a bias by its index (``i < n_w``), so AdamW's decay skips the
biases.  On NumPy it is an in-place update that reuses the (consumed)
gradient as scratch, with at most one temporary.
"""

from __future__ import annotations

import abc
import functools

import numpy as np

from .activations.kernels import KernelSpec, get_kernel, render_cuda_source
from .backend import get_array_module, is_device_array
from .buffers import FlatArrays, FlatLayout

OPTIMIZERS: dict[str, type[Optimizer]] = {}
#: the training settings of ``DeepNN`` beyond plain gradient descent, with their defaults
#: (``repr`` shows and the model file stores only those that differ)
TRAINING_DEFAULTS = {"optimizer": "gd", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                     "l2": 0.0, "weight_decay": 0.0, "lr_schedule": None, "decay_rate": 1.0,
                     "time_interval": 1000, "warmup_epochs": 0, "warm_start": False}


class Optimizer(abc.ABC):
    """An update rule with its state (``state``: name -> {parameter key -> array}) and
    its step count ``t``.

    Subclasses give ``name``, ``state_names``, the CUDA ``operation`` (of the
    gradient ``g``, the scalars ``scalar_names``, ``is_w`` (true for an element
    of a weight W, false for a bias) and, updated in place, the parameter ``w``
    and the states) and :meth:`update_cpu`, its NumPy twin.
    """

    name: str = ""
    state_names: tuple[str, ...] = ()
    scalar_names: tuple[str, ...] = ()
    operation: str = ""

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8,
                 weight_decay: float = 0.0):
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.epsilon, self.weight_decay = float(epsilon), float(weight_decay)
        self.t = 0
        self.state: dict[str, dict] = {}
        self._flat: dict[str, FlatArrays] = {}

    def __getstate__(self):
        # The flat buffers are rebuilt from ``state`` (repacked at the next step): a
        # pickle keeps each state array once.
        state = dict(self.__dict__)
        state["_flat"] = {}
        return state

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            OPTIMIZERS[cls.name] = cls

    # -- state ---------------------------------------------------------------
    def init_state(self, parameters: dict) -> None:
        """Zero state for ``parameters`` ({"W1": (n_1, n_0), ...}), t = 0."""
        self.t = 0
        first = next(iter(parameters.values()))
        layout, xp = FlatLayout.of(parameters), get_array_module(first)
        self._flat = {name: FlatArrays.zeros(layout, xp, first.dtype)
                      for name in self.state_names}
        self.state = {name: flat.views for name, flat in self._flat.items()}

    def _flat_state(self) -> list:
        """The states as flat buffers; repacked when ``state`` was replaced (read from a file)."""
        flats = []
        for name in self.state_names:
            flat = self._flat.get(name)
            if flat is None or not flat.holds(self.state[name]):
                arrays = self.state[name]
                first = next(iter(arrays.values()))
                flat = self._flat[name] = FlatArrays.packing(arrays, get_array_module(first),
                                                             first.dtype)
                self.state[name] = flat.views
            flats.append(flat.flat)
        return flats

    def matches(self, parameters: dict) -> bool:
        """Whether the state fits ``parameters`` (same keys, shapes, dtypes and backend)."""
        for arrays in self.state.values():
            if list(arrays) != list(parameters):
                return False
            for key, value in parameters.items():
                a = arrays[key]
                if (a.shape != value.shape or a.dtype != value.dtype
                        or is_device_array(a) != is_device_array(value)):
                    return False
        return len(self.state) == len(self.state_names)

    # -- the update ----------------------------------------------------------
    @abc.abstractmethod
    def scalars(self, learning_rate: float) -> tuple[float, ...]:
        """The kernel's scalars (``scalar_names``) for this step (``self.t`` already counted)."""

    @abc.abstractmethod
    def update_cpu(self, w: np.ndarray, g: np.ndarray, n_weights: int,
                   *states_and_scalars) -> None:
        """The NumPy update of the flat ``w`` in place (its first ``n_weights`` elements
        are weights); ``g`` may be overwritten."""

    @classmethod
    def kernel_spec(cls) -> KernelSpec:
        scalars = (*cls.scalar_names, "n_w")
        return KernelSpec(name=f"dlgpu_{cls.name}_update",
                          in_params=", ".join(["T g", *(f"T {s}" for s in cls.scalar_names),
                                               "int64 n_w"]),
                          out_params=", ".join(["T w", *(f"T {s}" for s in cls.state_names)]),
                          operation="const bool is_w = i < n_w; " + cls.operation,
                          preamble="", scalars=scalars)

    def step_(self, parameters: FlatArrays, grads, learning_rate: float) -> None:
        """One update of every parameter in place: one kernel on CUDA.

        ``parameters``: the flat parameters (:func:`dlgpu.buffers.flat_parameters`);
        ``grads``: the flat gradients of the same layout, consumed.
        ``learning_rate`` is a host number: nothing is read back from the device.
        """
        self.t += 1
        w, n_weights = parameters.flat, parameters.layout.n_weights
        states = self._flat_state()
        values = self.scalars(learning_rate)
        if is_device_array(w):
            _kernel(type(self))(grads, *values, np.int64(n_weights), w, *states)
        else:
            dtype = w.dtype.type
            self.update_cpu(w, grads, n_weights, *states, *(dtype(v) for v in values))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(t={self.t})"


@functools.cache
def _kernel(cls: type[Optimizer]):
    return get_kernel(cls.kernel_spec())


class GradientDescent(Optimizer):
    name = "gd"
    scalar_names = ("lr",)
    operation = "w = w - lr * g;"

    def scalars(self, learning_rate):
        return (learning_rate,)

    def update_cpu(self, w, g, n_weights, lr):
        g *= lr
        w -= g


class Momentum(Optimizer):
    name = "momentum"
    state_names = ("v",)
    scalar_names = ("lr", "b1", "c1")
    operation = "v = b1 * v + c1 * g; w = w - lr * v;"

    def scalars(self, learning_rate):
        return (learning_rate, self.beta1, 1.0 - self.beta1)

    def update_cpu(self, w, g, n_weights, v, lr, b1, c1):
        v *= b1
        g *= c1
        v += g
        np.multiply(v, lr, out=g)
        w -= g


class RMSprop(Optimizer):
    name = "rmsprop"
    state_names = ("s",)
    scalar_names = ("lr", "b2", "c2", "eps")
    operation = "s = b2 * s + c2 * (g * g); w = w - lr * g / (sqrt(s) + eps);"

    def scalars(self, learning_rate):
        return (learning_rate, self.beta2, 1.0 - self.beta2, self.epsilon)

    def update_cpu(self, w, g, n_weights, s, lr, b2, c2, eps):
        s *= b2
        square = g * g  # the one temporary
        square *= c2
        s += square
        np.sqrt(s, out=square)
        square += eps
        g *= lr
        g /= square
        w -= g


class Adam(Optimizer):
    name = "adam"
    state_names = ("v", "s")
    # step = alpha / (1 - b1^t); unbias = 1 / (1 - b2^t); decay = 1 - alpha wd (AdamW's
    # weights; the biases are multiplied by 1)
    scalar_names = ("b1", "c1", "b2", "c2", "step", "unbias", "eps", "decay")
    operation = ("v = b1 * v + c1 * g; s = b2 * s + c2 * (g * g); "
                 "w = w * (is_w ? decay : T(1)) - (step * v) / (sqrt(s * unbias) + eps);")

    def scalars(self, learning_rate):
        b1, b2, t = self.beta1, self.beta2, self.t
        return (b1, 1.0 - b1, b2, 1.0 - b2, learning_rate / (1.0 - b1 ** t),
                1.0 / (1.0 - b2 ** t), self.epsilon, 1.0 - learning_rate * self.weight_decay)

    def update_cpu(self, w, g, n_weights, v, s, b1, c1, b2, c2, step, unbias, eps, decay):
        square = g * g  # the one temporary
        square *= c2
        s *= b2
        s += square
        g *= c1
        v *= b1
        v += g
        np.multiply(s, unbias, out=square)
        np.sqrt(square, out=square)
        square += eps
        np.multiply(v, step, out=g)
        g /= square
        if decay != 1:
            w[:n_weights] *= decay
        w -= g


class AdamW(Adam):
    """Adam with decoupled weight decay on the weights W (``torch.optim.AdamW``)."""

    name = "adamw"


def make_optimizer(name: str, **hyperparameters) -> Optimizer:
    """The optimizer called ``name`` (one of :data:`OPTIMIZERS`)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name](**hyperparameters)


def all_cuda_sources(dtypes=("float32", "float64")):
    """Yield ``(kernel name, dtype, source)`` for every optimizer kernel."""
    for cls in OPTIMIZERS.values():
        spec = cls.kernel_spec()
        for dtype in dtypes:
            yield spec.name, dtype, render_cuda_source(spec, dtype)
