"""Course 1, week 3: planar data classification with one hidden layer (2021+ notebook).

``from dlgpu.course.w3a1 import *`` gives the solved notebook's functions
and its utilities.  In this version ``initialize_parameters`` draws from
NumPy's global random state as it stands (the tests seed it first) and
``nn_model`` seeds 3 before initializing.  The older versions, whose
``initialize_parameters`` seeds 2 itself, are :mod:`dlgpu.course.w3a1_v2`.
"""

from . import deep, planar
from .deep import compute_cost, update_parameters
from .notebook import load_extra_datasets, load_planar_dataset, plot_decision_boundary
from .planar import backward_propagation, forward_propagation, layer_sizes
from .planar import planar_predict as predict

__all__ = ["backward_propagation", "compute_cost", "forward_propagation",
           "initialize_parameters", "layer_sizes", "load_extra_datasets",
           "load_planar_dataset", "nn_model", "plot_decision_boundary", "predict",
           "update_parameters"]

SEED = None
NN_MODEL_SEED = 3


def initialize_parameters(n_x, n_h, n_y):
    """W1 (n_h, n_x), W2 (n_y, n_h) = randn * 0.01 from NumPy's global random state; b = 0."""
    return deep.initialize_parameters(n_x, n_h, n_y, seed=SEED)


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    """Train the planar network (learning rate 1.2), weights drawn after ``np.random.seed(3)``.

    Returns the parameters, arrays of the active backend.
    """
    return planar.nn_model(X, Y, n_h, num_iterations, print_cost, seed=NN_MODEL_SEED)
