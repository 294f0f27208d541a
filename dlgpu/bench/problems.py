"""One training problem, on the host, that every implementation is handed alike."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..initializers import initialize


@dataclass
class Problem:
    """Data and starting point of a binary classifier ``layer_dims`` on m examples.

    X : (n_x, m) standard-normal features; Y : (1, m) labels 0/1, both NumPy
    arrays of ``dtype``.  ``parameters`` are the He-initialised weights that
    ``DeepNN(layer_dims, dtype=dtype).initialize_parameters()`` draws
    (``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}``), so every implementation
    starts from the same point and sees the same ReLU sparsity.
    """

    layer_dims: list[int]
    m: int
    dtype: str
    learning_rate: float
    X: np.ndarray = field(repr=False)
    Y: np.ndarray = field(repr=False)
    parameters: dict = field(repr=False)

    @property
    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X^T, y)`` as PyTorch and scikit-learn take them: (m, n_x) C-ordered
        features and the m labels as int64."""
        return np.ascontiguousarray(self.X.T), self.Y[0].astype(np.int64)


def make_problem(layer_dims, m: int, dtype: str = "float32", *, learning_rate: float = 0.01,
                 seed: int = 0) -> Problem:
    """A random problem of the given shape; the same arguments give the same arrays."""
    dims = [int(n) for n in layer_dims]
    if dims[-1] != 1:
        raise ValueError(f"the benchmark problems are binary: layer_dims must end in 1, "
                         f"got {layer_dims!r}")
    dtype = np.dtype(dtype).name
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m), dtype=dtype)
    Y = (rng.random((1, m)) < 0.5).astype(dtype)
    return Problem(dims, int(m), dtype, float(learning_rate), X, Y,
                   initialize(dims, "he", 1, dtype))
