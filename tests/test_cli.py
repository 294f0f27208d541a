"""The command line, run end to end in a subprocess."""

import os
import subprocess
import sys

import numpy as np
import pytest

import dlgpu
from .optional import require


def _dlgpu(*args, cwd=None):
    env = {**os.environ, "DLGPU_BACKEND": "numpy",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.run([sys.executable, "-m", "dlgpu", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=cwd)


def test_train_default_is_the_main_job():
    out = _dlgpu("--iterations", "2001")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "planar data" in lines[0] and "[2, 4, 1]" in lines[0]
    costs = [l for l in out.stderr.splitlines() if l.startswith("Cost after iteration")]
    assert [l.split(":")[0].split()[-1] for l in costs] == ["0", "1000", "2000"]
    accuracy = float(next(l for l in lines if l.startswith("Accuracy:")).split()[1].rstrip("%"))
    assert accuracy > 85
    assert any(l.startswith("Backend: numpy") and "Time:" in l for l in lines)


@pytest.fixture
def data_files(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(2, 120)
    Y = (X[0] * X[1] > 0).astype(np.int64).reshape(1, -1)
    np.savez(tmp_path / "train.npz", X=X, Y=Y)
    np.savez(tmp_path / "unlabelled.npz", X=X[:, :7])
    np.savetxt(tmp_path / "train.csv", np.c_[X.T, Y.T], delimiter=",", header="a,b,label",
               comments="")
    return tmp_path, X, Y


def test_train_save_evaluate_predict(data_files):
    folder, X, Y = data_files
    out = _dlgpu("train", "--data", folder / "train.npz", "--hidden", "8", "--epochs", "200",
                 "--batch-size", "32", "--learning-rate", "0.5", "--validation-split", "0.25",
                 "--out", folder / "model.npz")
    assert out.returncode == 0, out.stderr
    assert "Validation accuracy:" in out.stdout and f"Saved the model to {folder}" in out.stdout
    assert [l.split(":")[0] for l in out.stderr.splitlines() if l.startswith("Epoch")][-1] \
        == "Epoch 200/200"
    model = dlgpu.load_model(folder / "model.npz")

    out = _dlgpu("evaluate", "--model", folder / "model.npz", "--data", folder / "train.csv",
                 "--label", "label")
    assert out.returncode == 0, out.stderr
    accuracy = float(next(l for l in out.stdout.splitlines()
                          if l.startswith("accuracy:")).split()[1].rstrip("%"))
    assert accuracy == pytest.approx(100 * model.score(X, Y), abs=0.01)

    out = _dlgpu("predict", "--model", folder / "model.npz", "--data", folder / "unlabelled.npz")
    assert out.returncode == 0, out.stderr
    assert [int(v) for v in out.stdout.split()] == model.predict(X[:, :7]).ravel().tolist()

    out = _dlgpu("predict", "--model", folder / "model.npz", "--data", folder / "train.npz",
                 "--proba", "--out", folder / "p.npy")
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(np.load(folder / "p.npy"), model.predict_proba(X).T, rtol=1e-6)


def test_train_writes_plots(tmp_path):
    require("matplotlib")
    out = _dlgpu("--iterations", "300", "--plot", tmp_path / "plots")
    assert out.returncode == 0, out.stderr
    for name in ("costs.png", "decision_boundary.png"):
        with open(tmp_path / "plots" / name, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_multi_class_data_gets_a_softmax_output():
    require("sklearn")
    out = _dlgpu("train", "--data", "digits", "--hidden", "16", "--activation", "relu",
                 "--init", "he", "--epochs", "3", "--batch-size", "128", "--learning-rate", "0.1")
    assert out.returncode == 0, out.stderr
    assert "[64, 16, 10] (softmax output)" in out.stdout


def test_info_names_backend():
    out = _dlgpu("info")
    assert out.returncode == 0, out.stderr
    assert "backend: numpy (requested: numpy)" in out.stdout
    assert f"numpy: {np.__version__}" in out.stdout


@pytest.mark.parametrize("args,message", [
    (["train", "--hidden", "4,x"], "comma-separated integers"),
    (["train", "--activation", "swish"], "unknown activation 'swish'"),
    (["train", "--learning-rate", "-1"], "learning_rate"),
    (["train", "--backend", "tpu"], "invalid choice"),
    (["train", "--data", "missing.npz"], "not found: missing.npz"),
    (["train", "--data", "unlabelled.npz"], "has no array named 'Y'"),
    (["train", "--data", "train.csv", "--label", "nope"], "nope"),
    (["train", "--validation-split", "1.5"], "between 0 and 1"),
    (["evaluate", "--model", "missing.npz", "--data", "train.npz"], "missing.npz': no such file"),
    (["evaluate", "--model", "train.npz", "--data", "train.npz"], "train.npz"),
    (["predict", "--data", "train.npz"], "--model"),
])
def test_bad_input_gives_one_clear_line(data_files, args, message):
    out = _dlgpu(*args, cwd=data_files[0])
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr
    errors = [l for l in out.stderr.splitlines() if "error" in l]
    assert len(errors) == 1


def test_wrong_feature_count_at_predict_time(data_files):
    folder = data_files[0]
    assert _dlgpu("train", "--data", "train.npz", "--iterations", "10", "--out", "m.npz",
                  cwd=folder).returncode == 0
    np.savez(folder / "three.npz", X=np.zeros((3, 4)))
    out = _dlgpu("predict", "--model", "m.npz", "--data", "three.npz", cwd=folder)
    assert out.returncode == 2 and "X has 3 features" in out.stderr
