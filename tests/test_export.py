"""Exports that other tools run: ``DeepNN.to_onnx`` under ONNX Runtime and ``DeepNN.to_torch``
give ``predict_proba(X).T`` on rows, the saved preprocessing included (issue 27, point 11)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dlgpu
from dlgpu import DeepNN
from dlgpu.errors import NotFittedError
from dlgpu.export import EXPORT_DTYPES, ONNX_IR_VERSION, ONNX_OPSET

from .helpers import require

HIDDEN = ["relu", "leaky_relu", "tanh", "sigmoid", "identity"]
#: float32 within the issue's 1e-5; float64 the same maths, a few ulps apart
TOLERANCE = {"float32": 1e-5, "float64": 1e-12}


def _data(n_x=4, m=90, seed=0):
    """Raw features far from standardized (offsets and units), labels from a rule."""
    rng = np.random.RandomState(seed)
    Z = rng.randn(n_x, m)
    X = Z * np.array([[1.0], [50.0], [0.01], [7.0]])[:n_x] + np.array([[3], [900], [-2], [0]])[:n_x]
    return X, Z


def _fit(hidden, output, dtype, preprocess="standardize", iterations=60):
    X, Z = _data()
    if output == "sigmoid":
        Y, dims = (Z[0:1] * Z[1:2] > 0).astype(np.int64), [4, 6, 5, 1]
    else:
        Y, dims = np.argmax(Z[:3], axis=0).reshape(1, -1), [4, 6, 5, 3]
    model = DeepNN(dims, hidden_activation=hidden, output_activation=output, dtype=dtype,
                   learning_rate=0.1, num_iterations=iterations, leaky_relu_slope=0.2,
                   preprocess=preprocess, seed=3)
    return model.fit(X, Y), X


def _onnx_run(graph, X_rows):
    ort = require("onnxruntime")
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X_rows})[0]


# -- ONNX ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", EXPORT_DTYPES)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_onnx_runtime_gives_predict_proba(hidden, output, dtype):
    require("onnx")
    model, X = _fit(hidden, output, dtype)
    expected = model.predict_proba(X).T
    got = _onnx_run(model.to_onnx(), X.T.astype(dtype))
    assert got.dtype == np.dtype(dtype) and got.shape == (X.shape[1], model.layer_dims[-1])
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE[dtype])
    assert np.ptp(expected) > 0.01  # a trained net, not a constant the export could fake


@pytest.mark.parametrize("preprocess", [None, "scale", "standardize"])
def test_onnx_carries_each_preprocessing(preprocess, tmp_path):
    onnx = require("onnx")
    model, X = _fit("relu", "softmax", "float32", preprocess=preprocess)
    path = tmp_path / "model.onnx"
    returned = model.to_onnx(path)
    graph = onnx.load(str(path))
    assert graph == returned
    ops = [node.op_type for node in graph.graph.node]
    assert (ops[:2] == ["Sub", "Div"]) == (preprocess is not None)
    got = _onnx_run(graph, X.T.astype(np.float32))
    np.testing.assert_allclose(got, model.predict_proba(X).T, rtol=0, atol=1e-5)
    if preprocess == "standardize":  # the raw data alone would give other outputs
        raw = DeepNN(model.layer_dims, output_activation="softmax")
        raw.parameters_ = model.parameters_
        assert np.abs(raw.predict_proba(X) - model.predict_proba(X)).max() > 0.01


def test_onnx_graph_is_rows_in_rows_out_at_the_stated_versions():
    require("onnx")
    model, X = _fit("tanh", "sigmoid", "float32")
    graph = model.to_onnx()
    assert graph.ir_version == ONNX_IR_VERSION == 8
    assert [(o.domain, o.version) for o in graph.opset_import] == [("", ONNX_OPSET)]
    (inp,), (out,) = graph.graph.input, graph.graph.output
    shape = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    assert (inp.name, shape) == ("input", ["batch", 4])
    shape = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
    assert (out.name, shape) == ("output", ["batch", 1])
    for m in (1, 2, 17):  # any batch size
        got = _onnx_run(graph, X.T[:m].astype(np.float32))
        np.testing.assert_allclose(got, model.predict_proba(X[:, :m]).T, rtol=0, atol=1e-5)


def test_onnx_leaky_relu_keeps_its_slope():
    require("onnx")
    from onnx import numpy_helper
    model, X = _fit("leaky_relu", "sigmoid", "float64")
    graph = model.to_onnx()
    slopes = {t.name: numpy_helper.to_array(t) for t in graph.graph.initializer
              if t.name.startswith("slope")}
    assert slopes and all(v.shape == () and float(v) == 0.2 for v in slopes.values())
    other = DeepNN(model.layer_dims, hidden_activation="leaky_relu", leaky_relu_slope=0.01,
                   dtype="float64", preprocess="standardize")
    other.parameters_, other.preprocessing_ = model.parameters_, model.preprocessing_
    assert np.abs(other.predict_proba(X) - model.predict_proba(X)).max() > 1e-6


def test_onnx_of_a_float64_model_as_float32():
    require("onnx")
    model, X = _fit("relu", "softmax", "float64")
    got = _onnx_run(model.to_onnx(dtype="float32"), X.T.astype(np.float32))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, model.predict_proba(X).T, rtol=0, atol=1e-5)


def test_onnx_from_parameters_on_each_backend(backend_name):
    require("onnx")
    X, Z = _data()
    Y = (Z[0:1] > 0).astype(np.int64)
    model = DeepNN([4, 5, 1], num_iterations=40, learning_rate=0.1,
                   preprocess="standardize").fit(X, Y)
    assert model.backend_ == backend_name
    got = _onnx_run(model.to_onnx(), X.T.astype(np.float32))
    np.testing.assert_allclose(got, dlgpu.to_numpy(model.predict_proba(X)).T, rtol=0, atol=1e-5)


def test_missing_onnx_names_the_extra(monkeypatch):
    model, _ = _fit("relu", "sigmoid", "float32", iterations=1)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install "dlgpu\[onnx\]"'):
        model.to_onnx()


@pytest.mark.parametrize("method", ["to_onnx", "to_torch"])
def test_an_unfitted_model_cannot_be_exported(method):
    with pytest.raises(NotFittedError, match="fit"):
        getattr(DeepNN([2, 3, 1]), method)()


@pytest.mark.parametrize("dtype", ["float16", "int32", "nonsense"])
def test_bad_export_dtype_is_named(dtype):
    from dlgpu.export import export_dtype
    model, _ = _fit("relu", "sigmoid", "float32", iterations=1)
    with pytest.raises(ValueError, match=f"dtype must be one of float32, float64.*{dtype}"):
        export_dtype(model, dtype)


def test_importing_dlgpu_loads_no_exporter():
    code = ("import dlgpu, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('onnx', 'onnxruntime', 'torch') or m == 'dlgpu.export'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


# -- PyTorch ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", EXPORT_DTYPES)
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_torch_sequential_gives_predict_proba(hidden, output, dtype):
    torch = pytest.importorskip("torch")
    model, X = _fit(hidden, output, dtype)
    net = model.to_torch()
    assert isinstance(net, torch.nn.Sequential) and not net.training
    with torch.no_grad():
        got = net(torch.from_numpy(X.T.astype(dtype))).numpy()
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, model.predict_proba(X).T, rtol=0, atol=TOLERANCE[dtype])


def test_torch_layers_hold_the_parameters():
    torch = pytest.importorskip("torch")
    from dlgpu.torch_modules import Standardize
    model, _ = _fit("leaky_relu", "softmax", "float64")
    net = model.to_torch()
    kinds = [type(module).__name__ for module in net]
    assert kinds == ["Standardize", "Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear",
                     "Softmax"]
    assert isinstance(net[0], Standardize)
    np.testing.assert_array_equal(net[0].shift.numpy(), model.preprocessing_.shift.ravel())
    np.testing.assert_array_equal(net[0].scale.numpy(), model.preprocessing_.scale.ravel())
    assert net[2].negative_slope == 0.2 and net[-1].dim == 1
    for l, linear in enumerate(net[1::2], start=1):
        assert linear.weight.dtype == torch.float64
        np.testing.assert_array_equal(linear.weight.detach().numpy(), model.parameters_[f"W{l}"])
        np.testing.assert_array_equal(linear.bias.detach().numpy(),
                                      model.parameters_[f"b{l}"].ravel())


def test_torch_without_preprocessing_starts_with_a_linear(tmp_path):
    torch = pytest.importorskip("torch")
    model, X = _fit("tanh", "sigmoid", "float32", preprocess=None)
    net = model.to_torch(dtype="float64")
    assert type(net[0]).__name__ == "Linear" and type(net[-1]).__name__ == "Sigmoid"
    torch.save(net, tmp_path / "net.pt")  # the whole module pickles
    again = torch.load(tmp_path / "net.pt", weights_only=False)
    with torch.no_grad():
        got = again(torch.from_numpy(X.T)).numpy()
    np.testing.assert_allclose(got, model.predict_proba(X).T, rtol=0, atol=1e-6)


def test_torch_from_parameters_on_each_backend(backend_name):
    torch = pytest.importorskip("torch")
    X, Z = _data()
    Y = (Z[0:1] > 0).astype(np.int64)
    model = DeepNN([4, 5, 1], num_iterations=40, learning_rate=0.1,
                   preprocess="standardize").fit(X, Y)
    with torch.no_grad():
        got = model.to_torch()(torch.from_numpy(X.T.astype(np.float32))).numpy()
    np.testing.assert_allclose(got, dlgpu.to_numpy(model.predict_proba(X)).T, rtol=0, atol=1e-5)


def test_missing_torch_says_so(monkeypatch):
    model, _ = _fit("relu", "sigmoid", "float32", iterations=1)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match="exporting to PyTorch needs torch.*pip install torch"):
        model.to_torch()


def test_only_the_writer_rank_writes_the_onnx_file(tmp_path):
    import types
    require("onnx")
    model, X = _fit("relu", "sigmoid", "float32", iterations=5)
    model.comm_ = types.SimpleNamespace(is_writer=False)  # a rank other than 0 after fit
    graph = model.to_onnx(tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()
    np.testing.assert_allclose(_onnx_run(graph, X.T.astype(np.float32)),
                               model.predict_proba(X).T, rtol=0, atol=1e-5)
