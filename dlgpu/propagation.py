"""Vectorized forward and backward propagation for an L-layer network.

Notation of the course: X = A[0] is (n_x, m), W[l] is (n_l, n_{l-1}),
b[l] is (n_l, 1), Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]).  Hidden
layers use one activation; the output layer (:mod:`dlgpu.outputs`) is a
sigmoid with binary cross-entropy or a softmax with categorical
cross-entropy.  The code is backend-agnostic: the array module comes from
the arrays, and the activations dispatch to NumPy or CUDA kernels.
"""

from __future__ import annotations

from .activations import Activation
from .backend import get_array_module
from .losses import binary_cross_entropy_from_logits


def n_layers(parameters: dict) -> int:
    return len(parameters) // 2


def forward(parameters: dict, X, hidden: Activation, output: Activation,
            keep_cache: bool = True, dropout=None):
    """Run the network on X.

    Returns ``(AL, ZL, cache)``: AL and ZL are (n_L, m); ``cache`` is the list
    ``[A0, A1, ..., A_{L-1}]`` of layer inputs, all that backward needs (each
    hidden derivative is computed from its layer's output), or ``None`` when
    ``keep_cache`` is false.  ``dropout``: a :class:`dlgpu.dropout.StepDropout`
    (training only) drops units of each hidden layer's output, in the fused
    kernel; the cache then holds the dropped outputs.
    """
    xp = get_array_module(X)
    L = n_layers(parameters)
    A = X
    cache = [X] if keep_cache else None
    for l in range(1, L):
        # Z = W A_prev, then A = g(Z + b) in place: one fused kernel on CUDA.
        Z = xp.matmul(parameters[f"W{l}"], A)
        if dropout is None:
            A = hidden.forward_bias_(Z, parameters[f"b{l}"])
        else:
            A = hidden.forward_bias_dropout_(Z, parameters[f"b{l}"], dropout.layer(l))
        if keep_cache:
            cache.append(A)
    ZL = xp.matmul(parameters[f"W{L}"], A)
    ZL += parameters[f"b{L}"]
    return output(ZL), ZL, cache


def backward(parameters: dict, cache: list, AL, Y, hidden: Activation, dropout=None,
             weights=None, weight_sum=None) -> dict:
    """Gradients of the cross-entropy cost: ``{"dW1": (n_1, n_0), "db1": (n_1, 1), ...}``.

    With a sigmoid output and binary cross-entropy, or a softmax output and
    categorical cross-entropy (Y one-hot), dZ[L] = A[L] - Y.  The 1/m of
    every gradient is folded into dZ[L] once; it then flows through
    dA[l-1] = W[l]^T dZ[l] and dZ[l-1] = dA[l-1] * g'(Z[l-1]) linearly.
    dA[0] is never computed.  ``dropout``: the forward pass's
    :class:`dlgpu.dropout.StepDropout`; dA[l] is masked and scaled as A[l] was.
    ``weights``: per-example weights (1, m) summing to ``weight_sum``: the
    1/m becomes w_i / weight_sum (a weighted mean cost; all-zero weights
    give zero gradients).
    """
    xp = get_array_module(AL)
    L = n_layers(parameters)
    m = AL.shape[1]
    dZ = AL - Y
    if weights is None:
        dZ *= dZ.dtype.type(1.0 / m)
    else:
        dZ *= weights
        if weight_sum > 0:
            dZ *= dZ.dtype.type(1.0 / weight_sum)
    grads = {}
    for l in range(L, 0, -1):
        A_prev = cache[l - 1]
        grads[f"dW{l}"] = xp.matmul(dZ, A_prev.T)
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            W = parameters[f"W{l}"]
            # With one output unit W^T dZ is an outer product: broadcasting gives
            # the same numbers, where BLAS would run a K = 1 GEMM far below its rate.
            dA_prev = W.T * dZ if W.shape[0] == 1 else xp.matmul(W.T, dZ)
            if dropout is None:
                dZ = hidden.backward_(dA_prev, A_prev)
            else:
                dZ = hidden.backward_dropout_(dA_prev, A_prev, dropout.layer(l - 1))
    return grads


def cost(ZL, Y):
    """Cross-entropy cost of the network whose output pre-activation is ZL."""
    return binary_cross_entropy_from_logits(ZL, Y)


def update_parameters_(parameters: dict, grads: dict, learning_rate: float) -> None:
    """Gradient descent in place: W[l] -= alpha dW[l], b[l] -= alpha db[l].

    The gradients are scaled in place, so ``grads`` is consumed.
    """
    for key, value in parameters.items():
        step = grads["d" + key]
        step *= step.dtype.type(learning_rate)
        value -= step


def l2_penalty(parameters: dict, l2: float, m: float):
    """The course's L2 cost term lambda/(2m) sum_l ||W[l]||_F^2, a 0-d array on the device.

    m is the example count, or with sample weights their sum."""
    total = None
    for key, W in parameters.items():
        if key.startswith("W"):
            norm = (W * W).sum()
            total = norm if total is None else total + norm
    return total * total.dtype.type(l2 / (2.0 * m))


def add_l2_(grads: dict, parameters: dict, scale: float) -> None:
    """dW[l] += scale W[l] in place (scale: lambda/m); the biases are not penalized."""
    for key, W in parameters.items():
        if key.startswith("W"):
            dW = grads["d" + key]
            dW += W * dW.dtype.type(scale)
