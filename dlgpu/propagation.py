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
from .activations.kernels import KernelSpec, ReductionSpec, get_kernel, get_reduction_kernel
from .backend import get_array_module, is_device_array
from .backend.precision import matmul_into
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
    cache = _hidden_forward(parameters, X, hidden, dropout, None)
    ZL = xp.matmul(parameters[f"W{L}"], cache[-1])
    ZL += parameters[f"b{L}"]
    return output(ZL), ZL, (cache if keep_cache else None)


def _product(A, B, out):
    """A @ B, into ``out`` when given (bfloat16 operands: float32 accumulation).

    float32 and float64 go straight to ``matmul``: the step's buffers are
    known to fit, and ``matmul_into``'s checks would cost the host time of a
    launch or two per product.
    """
    if out is None or (A.dtype == out.dtype and A.dtype.itemsize >= 4):
        return get_array_module(A).matmul(A, B, out=out)
    return matmul_into(A, B, out)


def _hidden_forward(parameters: dict, X, hidden: Activation, dropout, space) -> list:
    """[A0, ..., A_{L-1}]: the hidden layers on X, into ``space.A`` when given."""
    A = X
    cache = [X]
    for l in range(1, n_layers(parameters)):
        # Z = W A_prev, then A = g(Z + b) in place: one fused kernel on CUDA.
        Z = _product(parameters[f"W{l}"], A, None if space is None else space.A[l])
        if dropout is None:
            A = hidden.forward_bias_(Z, parameters[f"b{l}"])
        else:
            A = hidden.forward_bias_dropout_(Z, parameters[f"b{l}"], dropout.layer(l))
        cache.append(A)
    return cache


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
    m = AL.shape[1]
    dZ = AL - Y
    if weights is None:
        dZ *= dZ.dtype.type(1.0 / m)
    else:
        dZ *= weights
        if weight_sum > 0:
            dZ *= dZ.dtype.type(1.0 / weight_sum)
    L = n_layers(parameters)
    grads = {}
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = xp.empty_like(parameters[f"W{l}"])
        grads[f"db{l}"] = xp.empty_like(parameters[f"b{l}"])
    _backward_from(parameters, cache, dZ, hidden, dropout, grads, None)
    return grads


def _backward_from(parameters: dict, cache: list, dZ, hidden: Activation, dropout,
                   grads: dict, space) -> None:
    """dW[l], db[l] for l = L .. 1 from dZ[L], written into ``grads``' arrays; the dA
    and dZ of the hidden layers into ``space.dA`` when given."""
    xp = get_array_module(dZ)
    for l in range(n_layers(parameters), 0, -1):
        A_prev = cache[l - 1]
        _product(dZ, A_prev.T, grads[f"dW{l}"])
        row_sum(dZ, out=grads[f"db{l}"])
        if l > 1:
            W = parameters[f"W{l}"]
            out = xp.empty(A_prev.shape, A_prev.dtype) if space is None else space.dA[l - 1]
            layer = None if dropout is None else dropout.layer(l - 1)
            if W.shape[0] == 1:
                # One output unit: W^T dZ is an outer product, made in the derivative's
                # pass (a K = 1 GEMM would run far below its rate).
                dZ = hidden.backward_outer_(W.T, dZ, A_prev, out, layer)
            else:
                dA_prev = _product(W.T, dZ, out)
                if layer is None:
                    dZ = hidden.backward_(dA_prev, A_prev)
                else:
                    dZ = hidden.backward_dropout_(dA_prev, A_prev, layer)


def train_gradients(parameters: dict, X, T, hidden: Activation, output, grads: dict,
                    space, dropout=None, weights=None, weight_sum=None, b_out=None):
    """Forward and backward of one training step, writing every array into buffers.

    X : (n_x, m), in the parameters' dtype; T : (n_L, m) targets; ``grads``:
    the arrays to write dW[l], db[l] into (views of the flat gradient
    buffer); ``space``: a :class:`dlgpu.buffers.Workspace` for m examples.
    The output head's ``gradient_`` adds b[L] and makes dZ[L] in one pass.
    Mixed precision: ``parameters`` are the bfloat16 copies the products
    read, the gradients float32, and ``b_out`` the float32 b[L] added to the
    float32 Z[L] (default: ``parameters``' own).  Returns ZL : (n_L, m)
    (b[L] included), a view of the workspace, for the cost.
    """
    L = n_layers(parameters)
    cache = _hidden_forward(parameters, X, hidden, dropout, space)
    ZL = _product(parameters[f"W{L}"], cache[-1], space.ZL)
    b_out = parameters[f"b{L}"] if b_out is None else b_out
    dZ = output.gradient_(ZL, b_out, T, space.dZL, weights, weight_sum)
    _backward_from(parameters, cache, dZ, hidden, dropout, grads, space)
    return ZL


# Summed in out's type F (float32 for bfloat16 dZ).  Names: CuPy's CUB path renames
# the parameters by text replacement (cupy/_core/_cub_reduction.pyx), so x and y
# must not occur in the expressions inside other words.
_ROW_SUM = ReductionSpec(name="dlgpu_row_sum", in_params="T x", out_params="F y",
                         map_expr="F(x)", reduce_expr="a + b", post_map_expr="y = a",
                         identity="0", reduce_type="F")


def row_sum(dZ, out):
    """db = sum over the m columns of dZ : (n, m), written into ``out`` : (n, 1), in
    out's dtype (float32 for a bfloat16 dZ).

    On CUDA one reduction kernel into ``out``: no allocation (``sum`` would
    allocate its result and, through CUB, a workspace).
    """
    if is_device_array(dZ):
        return get_reduction_kernel(_ROW_SUM)(dZ, axis=1, keepdims=True, out=out)
    return dZ.sum(axis=1, keepdims=True, dtype=out.dtype, out=out)


def cost(ZL, Y):
    """Cross-entropy cost of the network whose output pre-activation is ZL."""
    return binary_cross_entropy_from_logits(ZL, Y)


# A dot product, called as dot(W, W): with two inputs CuPy runs its own one-kernel
# reduction, where one contiguous input would take CUB's two-pass full reduction and
# allocate its workspace (cupy/_core/_reduction.pyx, _cub_reduction.pyx).
_DOT = ReductionSpec(name="dlgpu_dot", in_params="T u, T v", out_params="T total",
                     map_expr="u * v", reduce_expr="a + b", post_map_expr="total = a",
                     identity="0")
_ADD_SCALED = KernelSpec(name="dlgpu_add_scaled", in_params="T w, T s", out_params="T g",
                         operation="g = g + w * s;", preamble="", scalars=("s",))


def sum_of_squares(W, out=None):
    """||W||_F^2, a 0-d array of W's kind (on CUDA one reduction, into ``out`` if given)."""
    if is_device_array(W):
        return get_reduction_kernel(_DOT)(W, W, out=out)
    total = (W * W).sum()
    if out is None:
        return total
    out[...] = total
    return out


def l2_penalty(parameters: dict, l2: float, m: float):
    """The course's L2 cost term lambda/(2m) sum_l ||W[l]||_F^2, a 0-d array on the device.

    m is the example count, or with sample weights their sum."""
    total = None
    for key, W in parameters.items():
        if key.startswith("W"):
            norm = sum_of_squares(W)
            total = norm if total is None else total + norm
    return total * total.dtype.type(l2 / (2.0 * m))


def add_l2_(dW, W, scale: float) -> None:
    """dW += scale W in place (scale: lambda/m): the L2 term's gradient.

    dW, W : the same shape (one weight, or the weights' part of the flat
    buffers: one kernel for all of them on CUDA); the biases are not penalized.
    """
    scale = dW.dtype.type(scale)
    if is_device_array(dW):
        get_kernel(_ADD_SCALED)(W, scale, dW)
    else:
        dW += W * scale


def all_cuda_sources(dtypes=("float32", "float64")):
    """Yield ``(kernel name, dtype, source)`` for the step's own elementwise kernel (L2)."""
    from .activations.kernels import render_cuda_source

    for dtype in dtypes:
        yield _ADD_SCALED.name, dtype, render_cuda_source(_ADD_SCALED, dtype)
