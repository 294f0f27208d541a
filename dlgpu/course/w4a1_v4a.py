"""Course 1, week 4, assignment 1 as the older notebook has it (the ``testCases_v4a`` tables).

Only ``L_model_backward`` differs from :mod:`dlgpu.course.w4a1`: the older
template stores the gradient of A[l-1], which layer l's backward step
returns, as ``grads["dA{l}"]`` (keys dA1 ... dAL), where the 2021+ notebook
stores it as ``grads["dA{l-1}"]`` (dA0 ... dA{L-1}).  The values are the same.
"""

from . import deep
from .w4a1 import (L_model_forward, compute_cost, initialize_parameters,
                   initialize_parameters_deep, linear_activation_backward,
                   linear_activation_forward, linear_backward, linear_forward, relu,
                   relu_backward, sigmoid, sigmoid_backward, update_parameters)
from .w4a1 import __all__  # noqa: F401  (the same names)


def L_model_backward(AL, Y, caches):
    """Gradients ``{"dA{l}", "dW{l}", "db{l}"}``, dA{l} being the gradient of A[l-1]."""
    grads = deep.L_model_backward(AL, Y, caches)
    return {(f"dA{int(key[2:]) + 1}" if key.startswith("dA") else key): value
            for key, value in grads.items()}
