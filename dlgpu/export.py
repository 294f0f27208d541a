"""Exports that other tools run: an ONNX graph and a PyTorch ``nn.Sequential``.

Both take a trained :class:`~dlgpu.DeepNN` (through ``DeepNN.to_onnx`` and
``DeepNN.to_torch``, which import this module only when called) and carry
the whole of ``predict_proba``: the saved preprocessing
``(X - shift) / scale``, every layer ``Z[l] = W[l] A[l-1] + b[l]`` with its
activation, and the output layer (sigmoid, softmax, or identity).

**Layout: examples are rows.**  dlgpu's X is (n_x, m), one example per
column; ONNX Runtime and PyTorch users feed a batch of rows, so the
exported models take X.T : (batch, n_x) and return (batch, n_L), the
transpose of ``predict_proba(X)``.  ``W[l] : (n_l, n_{l-1})`` is already
``nn.Linear``'s weight (and ONNX ``Gemm`` with ``transB=1``); ``b[l] :
(n_l, 1)`` becomes the bias (n_l,).

``onnx`` and ``torch`` are optional: they are imported here, inside the
functions, so ``import dlgpu`` never loads them; a missing one is an
:class:`ImportError` saying what to install.  This module reads the model
it is given and never imports :mod:`dlgpu.model`.
"""

from __future__ import annotations

import numpy as np

from .backend import to_numpy
from .backend.precision import resolve_dtype

#: the ONNX operator set the graph uses (ONNX Runtime 1.13 and later run it) ...
ONNX_OPSET = 17
#: ... and the IR version of the file (8 goes with opset 17; ONNX Runtime >= 1.13 reads it)
ONNX_IR_VERSION = 8
ONNX_INSTALL = 'pip install "dlgpu[onnx]"'
TORCH_INSTALL = "pip install torch (https://pytorch.org/get-started/locally/)"
#: the names of the exported graph's input, (batch, n_x), and output, (batch, n_L)
INPUT_NAME, OUTPUT_NAME = "input", "output"
EXPORT_DTYPES = ("float32", "float64")


def layers(model) -> list[tuple[np.ndarray, np.ndarray, str, dict]]:
    """The model's layers on the host: ``[(W : (n_l, n_{l-1}), b : (n_l,), activation name,
    activation parameters), ...]``, the last one with its output layer's name."""
    if getattr(model, "parameters_", None) is None:
        from .errors import NotFittedError
        raise NotFittedError("this DeepNN has no parameters yet: call fit(X, Y) before "
                             "exporting it")
    L = len(model.layer_dims) - 1
    found = []
    for l in range(1, L + 1):
        W = np.asarray(to_numpy(model.parameters_[f"W{l}"]))
        b = np.asarray(to_numpy(model.parameters_[f"b{l}"])).reshape(-1)
        if l < L:
            name = model.hidden.name
            params = {"slope": model.hidden.slope} if name == "leaky_relu" else {}
        else:
            name, params = model.output.name, {}
        found.append((W, b, name, params))
    return found


def export_dtype(model, dtype=None) -> np.dtype:
    """The dtype of an export: ``dtype`` ("float32" or "float64"), None for the model's.

    The model's own is its master dtype: a ``dtype="bfloat16"`` (mixed
    precision) model exports its float32 master weights as a float32 graph,
    which computes what its ``predict_proba`` computes.
    """
    try:
        found = (resolve_dtype(model.dtype).master if dtype is None
                 else np.dtype(dtype))
    except (TypeError, ValueError):
        found = None
    if found is None or found.name not in EXPORT_DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(EXPORT_DTYPES)} (or None for the "
                         f"model's own, {model.dtype}), got {dtype!r}")
    return found


def _preprocessing(model, dtype) -> tuple[np.ndarray, np.ndarray] | None:
    """``(shift, scale)`` : (n_x,) each in ``dtype``, cast as ``predict`` casts them, or None."""
    pre = getattr(model, "preprocessing_", None)
    if pre is None:
        return None
    return (pre.shift.reshape(-1).astype(dtype), pre.scale.reshape(-1).astype(dtype))


# -- ONNX ---------------------------------------------------------------------------------------
def _import_onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError as exc:
        raise ImportError(f"exporting to ONNX needs the onnx package, which cannot be imported "
                          f"({exc}): {ONNX_INSTALL}") from exc
    return onnx, helper, numpy_helper


def to_onnx(model, path=None, *, dtype=None):
    """The ONNX graph of ``model.predict_proba``, written to ``path`` when given.

    The graph's input ``"input"`` is (batch, n_x), one example per **row**,
    raw (as ``predict_proba`` takes it: the saved preprocessing is in the
    graph), and its output ``"output"`` is (batch, n_L): ``predict_proba(X).T``.
    ``dtype``: ``"float32"`` or ``"float64"`` for the graph's tensors; None
    (default) is the model's own dtype (float32 for a bfloat16 model: its
    master weights).  Operator set 17, IR version 8.

    Returns the ``onnx.ModelProto`` (checked with ``onnx.checker``).  Raises
    :class:`ImportError` naming ``pip install "dlgpu[onnx]"`` without onnx.
    """
    onnx, helper, numpy_helper = _import_onnx()
    dtype = export_dtype(model, dtype)
    elem = helper.np_dtype_to_tensor_dtype(dtype)
    nodes, weights = [], []

    def constant(name, value):
        weights.append(numpy_helper.from_array(np.array(value, dtype=dtype, order="C"), name))
        return name

    current = INPUT_NAME
    pre = _preprocessing(model, dtype)
    if pre is not None:
        # The same two operations predict_proba does, in the same dtype.
        nodes.append(helper.make_node("Sub", [current, constant("shift", pre[0])], ["centred"]))
        nodes.append(helper.make_node("Div", ["centred", constant("scale", pre[1])],
                                      ["standardized"]))
        current = "standardized"
    found = layers(model)
    for l, (W, b, activation, params) in enumerate(found, start=1):
        # Gemm with transB=1: A[l-1] (batch, n_{l-1}) @ W[l].T + b[l] = Z[l].T
        nodes.append(helper.make_node("Gemm", [current, constant(f"W{l}", W),
                                               constant(f"b{l}", b)], [f"Z{l}"], transB=1))
        out = OUTPUT_NAME if l == len(found) else f"A{l}"
        nodes.extend(_onnx_activation(helper, activation, params, f"Z{l}", out, constant))
        current = out
    n_x, n_L = model.layer_dims[0], model.layer_dims[-1]
    graph = helper.make_graph(
        nodes, "dlgpu_DeepNN",
        [helper.make_tensor_value_info(INPUT_NAME, elem, ["batch", n_x])],
        [helper.make_tensor_value_info(OUTPUT_NAME, elem, ["batch", n_L])],
        initializer=weights)
    graph.doc_string = (f"dlgpu DeepNN {model.layer_dims}: input (batch, {n_x}) raw rows, "
                        f"output (batch, {n_L}) = predict_proba(X).T")
    onnx_model = helper.make_model(graph, producer_name="dlgpu",
                                   opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
    onnx_model.ir_version = ONNX_IR_VERSION
    onnx.checker.check_model(onnx_model)
    if path is not None:
        onnx.save_model(onnx_model, str(path))
    return onnx_model


def _onnx_activation(helper, name, params, z, out, constant):
    """The node(s) computing activation ``name`` of tensor ``z`` into ``out``."""
    simple = {"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid", "identity": "Identity"}
    if name in simple:
        return [helper.make_node(simple[name], [z], [out])]
    if name == "leaky_relu":
        # max(z, slope * z), dlgpu's own formula: LeakyRelu's alpha is a float32
        # attribute, which would round a float64 model's slope.
        return [helper.make_node("Mul", [z, constant(f"slope_{out}", params["slope"])],
                                 [f"{z}_sloped"]),
                helper.make_node("Max", [z, f"{z}_sloped"], [out])]
    if name == "softmax":
        return [helper.make_node("Softmax", [z], [out], axis=1)]  # over the classes of a row
    raise ValueError(f"cannot export activation {name!r}: the exports know relu, leaky_relu, "
                     f"tanh, sigmoid, identity and softmax")


# -- PyTorch ------------------------------------------------------------------------------------
def _import_torch():
    try:
        import torch
    except ImportError as exc:
        raise ImportError(f"exporting to PyTorch needs torch, which cannot be imported "
                          f"({exc}): {TORCH_INSTALL}") from exc
    return torch


def to_torch(model, *, dtype=None):
    """A ``torch.nn.Sequential`` computing ``model.predict_proba`` on rows, on the CPU.

    Input (batch, n_x), raw; output (batch, n_L) = ``predict_proba(X).T``.
    Modules: the preprocessing first when the model has one
    (:class:`dlgpu.torch_modules.Standardize`), then for each layer an
    ``nn.Linear`` (weight ``W[l]``, bias ``b[l]`` flattened) and its
    activation (``nn.ReLU``, ``nn.LeakyReLU(slope)``, ``nn.Tanh``,
    ``nn.Sigmoid``, ``nn.Identity``), the last one ``nn.Sigmoid`` or
    ``nn.Softmax(dim=1)`` (or ``nn.Identity``).  ``dtype``: ``"float32"``
    or ``"float64"``; None (default) is the model's own (float32 for a
    bfloat16 model: its master weights).  Raises
    :class:`ImportError` without torch.
    """
    torch = _import_torch()
    from torch import nn

    from .torch_modules import Standardize

    dtype = export_dtype(model, dtype)
    tensor_dtype = {"float32": torch.float32, "float64": torch.float64}[dtype.name]

    def tensor(array):
        return torch.tensor(np.asarray(array, dtype=dtype), dtype=tensor_dtype)

    modules = []
    pre = _preprocessing(model, dtype)
    if pre is not None:
        modules.append(Standardize(tensor(pre[0]), tensor(pre[1])))
    for W, b, activation, params in layers(model):
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=tensor_dtype)
        with torch.no_grad():
            linear.weight.copy_(tensor(W))
            linear.bias.copy_(tensor(b))
        modules.extend([linear, _torch_activation(nn, activation, params)])
    return nn.Sequential(*modules).eval()


def _torch_activation(nn, name, params):
    if name == "leaky_relu":
        return nn.LeakyReLU(params["slope"])
    if name == "softmax":
        return nn.Softmax(dim=1)
    known = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}
    if name not in known:
        raise ValueError(f"cannot export activation {name!r}: the exports know relu, "
                         f"leaky_relu, tanh, sigmoid, identity and softmax")
    return known[name]()


def save_torch(model, path, *, dtype=None) -> None:
    """Write ``to_torch(model)`` to ``path`` with ``torch.export`` (a ``.pt2`` file).

    The file holds the traced graph and its weights, no Python class of
    dlgpu: ``torch.export.load(path).module()`` runs it where only torch is
    installed, on any batch size (batch, n_x) -> (batch, n_L).
    """
    torch = _import_torch()
    from torch.export import Dim

    sequential = to_torch(model, dtype=dtype)
    example = torch.zeros((2, model.layer_dims[0]), dtype=sequential[-2].weight.dtype)
    batch = getattr(Dim, "DYNAMIC", None) or Dim("batch")
    program = torch.export.export(sequential, (example,), dynamic_shapes=({0: batch},))
    torch.export.save(program, str(path))
