"""Course 1, week 2, assignment 2: logistic regression with a neural network mindset.

``from dlgpu.course.w2a2 import *`` gives the solved notebook's functions
and its ``load_dataset``.  ``sigmoid`` returns ``s`` (not ``(A, cache)``);
``propagate`` returns ``grads["db"]`` as ``np.float64`` and the cost as a
0-d array; ``model`` takes a 1-D ``Y_test``.
"""

from .logistic import initialize_with_zeros, model, optimize, propagate
from .logistic import predict_logistic as predict
from .notebook import load_dataset
from .w2a1 import sigmoid

__all__ = ["initialize_with_zeros", "load_dataset", "model", "optimize", "predict", "propagate",
           "sigmoid"]
