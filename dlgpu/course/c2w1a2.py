"""Course 2 ("Improving Deep Neural Networks"), week 1, assignment 2: Regularization.

``from dlgpu.course.c2w1a2 import *`` stands in for the solved notebook with
its ``reg_utils``: ``compute_cost_with_regularization``,
``backward_propagation_with_regularization``,
``forward_propagation_with_dropout`` (the notebook's masks: seed 1, then
``np.random.rand``), ``backward_propagation_with_dropout``, ``model`` (layers
[n_x, 20, 3, 1], ``lambd`` or ``keep_prob``) and the utils'
``initialize_parameters`` (seed 3, randn / sqrt(n_{l-1})),
``forward_propagation``, ``backward_propagation`` (upper-case keys),
``compute_cost``, ``update_parameters``, ``predict``, ``predict_dec``,
``plot_decision_boundary`` and ``load_2D_dataset`` (your ``data.mat``).
"""

from .c2notebook import load_2D_dataset
from .notebook import plot_decision_boundary
from .regularization import (backward_propagation_with_dropout,
                             backward_propagation_with_regularization,
                             compute_cost_with_regularization, forward_propagation_with_dropout,
                             model)
from .threelayer import backward_propagation_upper as backward_propagation
from .threelayer import compute_loss as compute_cost
from .threelayer import forward_propagation
from .threelayer import initialize_parameters_scaled as initialize_parameters
from .threelayer import predict, predict_dec, relu, sigmoid, update_parameters

__all__ = ["backward_propagation", "backward_propagation_with_dropout",
           "backward_propagation_with_regularization", "compute_cost",
           "compute_cost_with_regularization", "forward_propagation",
           "forward_propagation_with_dropout", "initialize_parameters", "load_2D_dataset",
           "model", "plot_decision_boundary", "predict", "predict_dec", "relu", "sigmoid",
           "update_parameters"]
