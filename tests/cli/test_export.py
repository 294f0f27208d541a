"""``dlgpu export MODEL --format onnx|torch --out PATH``: files other tools run, and its errors."""

import subprocess
import sys

import numpy as np
import pytest

from dlgpu import DeepNN, load_model
from dlgpu.cli import main

from ..helpers import require

rng = np.random.RandomState(0)
X = rng.randn(3, 80) * np.array([[1.0], [40.0], [0.1]]) + np.array([[2.0], [500.0], [0.0]])
Y = np.argmax(rng.randn(3, 80) + (X - X.mean(axis=1, keepdims=True)) /
              X.std(axis=1, keepdims=True), axis=0).reshape(1, -1)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working folder holding a saved softmax model that standardizes its inputs."""
    monkeypatch.chdir(tmp_path)
    DeepNN([3, 8, 3], output_activation="softmax", num_iterations=80, learning_rate=0.2,
           preprocess="standardize").fit(X, Y).save(tmp_path / "model.npz")
    return tmp_path


def test_onnx_file_runs_in_onnx_runtime(folder, capsys):
    require("onnx")
    ort = require("onnxruntime")
    assert main(["export", "model.npz", "--format", "onnx", "--out", "net.onnx"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Wrote net.onnx: input 'input' (batch, 3) float32 raw rows, "
                          "standardized inside, output 'output' (batch, 3)")
    session = ort.InferenceSession("net.onnx", providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": X.T.astype(np.float32)})[0]
    expected = load_model("model.npz").predict_proba(X).T
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_format_and_out_default_from_each_other(folder, capsys):
    require("onnx")
    assert main(["export", "model.npz", "--format", "onnx"]) == 0
    assert (folder / "model.onnx").is_file()
    assert main(["export", "model.npz", "--out", "other.onnx", "--dtype", "float64"]) == 0
    assert "Wrote other.onnx" in capsys.readouterr().out and (folder / "other.onnx").is_file()


def test_torch_file_loads_without_dlgpu(folder, capsys):
    pytest.importorskip("torch")
    assert main(["export", "model.npz", "--format", "torch", "--out", "net.pt2"]) == 0
    assert "torch.export.load('net.pt2').module()" in capsys.readouterr().out
    np.save(folder / "rows.npy", X.T.astype(np.float32))
    # dlgpu made unimportable: the file holds torch's graph, no class of dlgpu
    code = ("import sys; sys.modules['dlgpu'] = None; import numpy as np, torch; "
            "net = torch.export.load('net.pt2').module(); "
            "np.save('got.npy', net(torch.from_numpy(np.load('rows.npy'))).detach().numpy())")
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    expected = load_model("model.npz").predict_proba(X).T
    np.testing.assert_allclose(np.load(folder / "got.npy"), expected, rtol=0, atol=1e-5)


def _fails_with_one_line(capsys, argv, fragment):
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlgpu: error: "), err
    assert fragment in lines[0]


@pytest.mark.parametrize("argv, fragment", [
    (["export", "missing.npz", "--format", "onnx"], "missing.npz': no such file"),
    (["export", "model.npz", "--format", "tflite"],
     "--format must be one of onnx, torch, got 'tflite'"),
    (["export", "model.npz", "--out", "model.bin"], "give --format onnx or --format torch"),
    (["export", "model.npz", "--format", "onnx", "--dtype", "float16"],
     "dtype must be one of float32, float64"),
])
def test_bad_export_is_one_line(folder, capsys, argv, fragment):
    _fails_with_one_line(capsys, argv, fragment)


@pytest.mark.parametrize("package, fmt, fragment", [
    ("onnx", "onnx", 'pip install "dlgpu[onnx]"'),
    ("torch", "torch", "pip install torch"),
])
def test_missing_package_is_one_line(folder, capsys, monkeypatch, package, fmt, fragment):
    monkeypatch.setitem(sys.modules, package, None)
    _fails_with_one_line(capsys, ["export", "model.npz", "--format", fmt], fragment)
    assert not (folder / f"model.{'onnx' if fmt == 'onnx' else 'pt2'}").exists()
