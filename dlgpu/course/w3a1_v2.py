"""Course 1, week 3, the older versions (``testCases_v2`` and the first ``public_tests``).

Only initialization differs from :mod:`dlgpu.course.w3a1`:
``initialize_parameters`` seeds 2 itself, so ``nn_model`` (which seeds 3 and
then calls it) draws after seed 2.  ``compute_cost`` takes the older
``(A2, Y, parameters)`` as well.
"""

from . import deep, planar, w3a1
from .w3a1 import (backward_propagation, compute_cost, forward_propagation, layer_sizes,
                   load_extra_datasets, load_planar_dataset, plot_decision_boundary, predict,
                   update_parameters)

__all__ = w3a1.__all__

SEED = 2


def initialize_parameters(n_x, n_h, n_y):
    """W1 (n_h, n_x), W2 (n_y, n_h) = randn * 0.01 after ``np.random.seed(2)``; b = 0."""
    return deep.initialize_parameters(n_x, n_h, n_y, seed=SEED)


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    """Train the planar network (learning rate 1.2), weights drawn after ``np.random.seed(2)``.

    Returns the parameters, arrays of the active backend.
    """
    return planar.nn_model(X, Y, n_h, num_iterations, print_cost, seed=SEED)
