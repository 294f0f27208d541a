"""Course 2 ("Improving Deep Neural Networks"), week 2, assignment 1: Optimization Methods.

``from dlgpu.course.c2w2a1 import *`` stands in for the solved notebook with
its ``opt_utils``: ``update_parameters_with_gd``, ``random_mini_batches``
(``np.random.seed(seed)`` then ``np.random.permutation``),
``initialize_velocity``, ``update_parameters_with_momentum``,
``initialize_adam``, ``update_parameters_with_adam`` (returning ``(parameters,
v, s, v_corrected, s_corrected)``), ``update_lr``, ``schedule_lr_decay``,
``model`` and the utils' ``initialize_parameters`` (He, seed 3),
``forward_propagation``, ``backward_propagation``, ``compute_cost`` (summed
over the mini-batch), ``predict``, ``predict_dec``,
``plot_decision_boundary`` and ``load_dataset`` (the noisy moons).
"""

from .c2notebook import load_moons as load_dataset
from .notebook import plot_decision_boundary
from .optimization import (initialize_adam, initialize_velocity, model, random_mini_batches,
                           schedule_lr_decay, update_lr, update_parameters_with_adam,
                           update_parameters_with_gd, update_parameters_with_momentum)
from .threelayer import backward_propagation
from .threelayer import compute_cost_total as compute_cost
from .threelayer import forward_propagation
from .threelayer import initialize_parameters_he as initialize_parameters
from .threelayer import predict, predict_dec, relu, sigmoid

__all__ = ["backward_propagation", "compute_cost", "forward_propagation", "initialize_adam",
           "initialize_parameters", "initialize_velocity", "load_dataset", "model",
           "plot_decision_boundary", "predict", "predict_dec", "random_mini_batches", "relu",
           "schedule_lr_decay", "sigmoid", "update_lr", "update_parameters_with_adam",
           "update_parameters_with_gd", "update_parameters_with_momentum"]
