"""Course 2 ("Improving Deep Neural Networks"), week 1, assignment 3: Gradient Checking.

``from dlgpu.course.c2w1a3 import *`` stands in for the solved notebook with
its ``gc_utils``: the 1-D ``forward_propagation`` (J = theta x),
``backward_propagation`` and ``gradient_check``; the three-layer
``forward_propagation_n`` (``(cost, cache)``), ``backward_propagation_n``
(corrected), ``gradient_check_n``; ``dictionary_to_vector``,
``vector_to_dictionary``, ``gradients_to_vector``, ``relu`` and ``sigmoid``.
Both checks print their verdict when ``print_msg`` is true.
"""

from .gradcheck import (backward_propagation, backward_propagation_n, dictionary_to_vector,
                        forward_propagation, forward_propagation_n, gradient_check,
                        gradient_check_n, gradients_to_vector, vector_to_dictionary)
from .threelayer import relu, sigmoid

__all__ = ["backward_propagation", "backward_propagation_n", "dictionary_to_vector",
           "forward_propagation", "forward_propagation_n", "gradient_check", "gradient_check_n",
           "gradients_to_vector", "relu", "sigmoid", "vector_to_dictionary"]
