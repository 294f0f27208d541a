"""Course 2 ("Improving Deep Neural Networks"), week 1, assignment 1: Initialization.

``from dlgpu.course.c2w1a1 import *`` stands in for the solved notebook with
its ``init_utils``: the three initializers (zeros; ``randn * 10`` and He
``randn * sqrt(2 / n_{l-1})``, both after ``np.random.seed(3)``), ``model``
(layers [n_x, 10, 5, 1], printing ``Cost after iteration i: c`` every 1000
iterations) and the utils' ``forward_propagation`` (cache ``(z1, a1, W1, b1,
..., a3, W3, b3)``), ``backward_propagation`` (lower-case keys),
``compute_loss``, ``update_parameters``, ``predict``, ``predict_dec``,
``plot_decision_boundary`` and ``load_dataset`` (the noisy circles).
"""

from .c2notebook import load_circles as load_dataset
from .notebook import plot_decision_boundary
from .threelayer import (backward_lower, backward_propagation, check_model_args, compute_loss,
                         descend, forward, forward_propagation, initialize_parameters_he,
                         initialize_parameters_random, initialize_parameters_zeros, nansum_mean,
                         predict, predict_dec, relu, sigmoid, update_parameters)

__all__ = ["backward_propagation", "compute_loss", "forward_propagation",
           "initialize_parameters_he", "initialize_parameters_random",
           "initialize_parameters_zeros", "load_dataset", "model", "plot_decision_boundary",
           "predict", "predict_dec", "relu", "sigmoid", "update_parameters"]

INITIALIZERS = {"zeros": initialize_parameters_zeros, "random": initialize_parameters_random,
                "he": initialize_parameters_he}


def model(X, Y, learning_rate=0.01, num_iterations=15000, print_cost=True, initialization="he"):
    """A three-layer network [n_x, 10, 5, 1] trained by gradient descent from
    ``initialization`` ("zeros", "random" or "he").

    Prints ``Cost after iteration i: c`` every 1000 iterations (``inf`` where a
    sure prediction is wrong, as the notebook's ``compute_loss`` gives);
    returns the parameters, arrays of the active backend.  (The notebook's
    cost plot is left to the caller.)
    """
    if initialization not in INITIALIZERS:
        raise ValueError(f"initialization must be one of {', '.join(INITIALIZERS)}, got "
                         f"{initialization!r}")
    X, Y = check_model_args(X, Y, learning_rate, num_iterations)
    parameters = INITIALIZERS[initialization]([X.shape[0], 10, 5, 1])
    for i in range(num_iterations):
        a3, cache = forward(X, parameters)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration {}: {}".format(i, nansum_mean(a3, Y)))
        grads = backward_lower(X, Y, cache)
        parameters = descend(parameters, grads, learning_rate)
    return parameters
