"""The command line, run end to end in a subprocess."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import dlgpu
from dlgpu.cli import main

from ..helpers import require


def _dlgpu(*args, cwd=None):
    env = {**os.environ, "DLGPU_BACKEND": "numpy",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.run([sys.executable, "-m", "dlgpu", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=cwd)


def test_train_default_is_the_main_job():
    out = _dlgpu()
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "planar data" in lines[0] and "[2, 100, 1] (relu hidden, sigmoid output)" in lines[0]
    assert "100 epochs of batches of 32, learning rate 0.1, inputs: standardize" in lines[0]
    epochs = [l.split(":")[0] for l in out.stderr.splitlines() if l.startswith("Epoch")]
    assert len(epochs) == 10 and epochs[0] == "Epoch 1/100"
    accuracy = _percent(out.stdout, "Training accuracy:")
    assert accuracy > 80  # 86.50 measured
    assert any(l.startswith("Backend: numpy") and "Time:" in l for l in lines)


def test_the_course_settings_on_the_command_line():
    out = _dlgpu("--iterations", "2001", "--hidden", "4", "--activation", "tanh", "--init",
                 "small", "--learning-rate", "1.2", "--preprocess", "none", "--verbose", "10")
    assert out.returncode == 0, out.stderr
    assert "[2, 4, 1]" in out.stdout and "2001 iterations, full batch" in out.stdout
    costs = [l for l in out.stderr.splitlines() if l.startswith("Cost after iteration")]
    assert [l.split(":")[0].split()[-1] for l in costs] == ["0", "1000", "2000"]
    assert _percent(out.stdout, "Training accuracy:") > 85


def _percent(text, prefix):
    line = next(l for l in text.splitlines() if l.startswith(prefix))
    return float(line[len(prefix):].split()[0].rstrip("%"))


@pytest.fixture
def data_files(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(2, 120)
    Y = (X[0] * X[1] > 0).astype(np.int64).reshape(1, -1)
    np.savez(tmp_path / "train.npz", X=X, Y=Y)
    np.savez(tmp_path / "unlabelled.npz", X=X[:, :7])
    np.savez(tmp_path / "ones_twos.npz", X=X, Y=Y + 1)
    np.savetxt(tmp_path / "train.csv", np.c_[X.T, Y.T], delimiter=",", header="a,b,label",
               comments="")
    return tmp_path, X, Y


def test_train_save_evaluate_predict(data_files):
    folder, X, Y = data_files
    out = _dlgpu("train", "--data", folder / "train.npz", "--hidden", "8", "--epochs", "200",
                 "--verbose", "1",
                 "--batch-size", "32", "--learning-rate", "0.5", "--validation-split", "0.25",
                 "--out", folder / "model.npz")
    assert out.returncode == 0, out.stderr
    assert "Validation accuracy:" in out.stdout and f"Saved the model to {folder}" in out.stdout
    assert "held out by --validation-split 0.25" in out.stdout
    assert [l.split(":")[0] for l in out.stderr.splitlines() if l.startswith("Epoch")][-1] \
        == "Epoch 200/200"
    model = dlgpu.load_model(folder / "model.npz")

    out = _dlgpu("evaluate", "--model", folder / "model.npz", "--data", folder / "train.csv",
                 "--label", "label")
    assert out.returncode == 0, out.stderr
    accuracy = float(next(l for l in out.stdout.splitlines()
                          if l.startswith("accuracy:")).split()[1].rstrip("%"))
    assert accuracy == pytest.approx(100 * model.score(X, Y), abs=0.01)
    assert "holds the 90 examples the model was trained on: not a test accuracy" in out.stdout

    out = _dlgpu("predict", "--model", folder / "model.npz", "--data", folder / "unlabelled.npz")
    assert out.returncode == 0, out.stderr
    assert [int(v) for v in out.stdout.split()] == model.predict(X[:, :7]).ravel().tolist()

    out = _dlgpu("predict", "--model", folder / "model.npz", "--data", folder / "train.npz",
                 "--proba", "--out", folder / "p.npy")
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(np.load(folder / "p.npy"), model.predict_proba(X).T, rtol=1e-6)


def test_keep_prob_trains_with_dropout_and_is_saved(data_files):
    folder, X, Y = data_files
    out = _dlgpu("train", "--data", folder / "train.npz", "--hidden", "8", "--iterations", "300",
                 "--keep-prob", "0.8", "--verbose", "0", "--out", folder / "model.npz")
    assert out.returncode == 0, out.stderr
    model = dlgpu.load_model(folder / "model.npz")
    assert model.keep_prob == 0.8
    assert model.score(X, Y) > 0.6


def test_train_writes_plots(tmp_path):
    require("matplotlib")
    out = _dlgpu("--iterations", "300", "--plot", tmp_path / "plots")
    assert out.returncode == 0, out.stderr
    for name in ("costs.png", "decision_boundary.png"):
        with open(tmp_path / "plots" / name, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_multi_class_data_gets_a_softmax_output():
    require("sklearn")
    out = _dlgpu("train", "--data", "digits", "--hidden", "16", "--epochs", "3")
    assert out.returncode == 0, out.stderr
    assert "[64, 16, 10] (relu hidden, softmax output)" in out.stdout


def test_info_names_backend():
    out = _dlgpu("info")
    assert out.returncode == 0, out.stderr
    assert "backend: numpy (requested: numpy)" in out.stdout
    assert f"numpy: {np.__version__}" in out.stdout


@pytest.mark.parametrize("failure", ["not installed", "no device"])
def test_info_after_a_fallback_says_what_to_install(monkeypatch, capsys, failure):
    import types

    from dlgpu import backend
    from dlgpu.cli import info
    fake = None
    if failure == "no device":
        fake = types.ModuleType("cupy")
        fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 0))
    monkeypatch.setitem(sys.modules, "cupy", fake)  # None: `import cupy` fails
    monkeypatch.setattr(backend, "_requested", "auto")
    monkeypatch.setattr(backend, "_module", None)
    assert info.run(types.SimpleNamespace(backend=None)) == 0
    out = capsys.readouterr().out
    assert "backend: numpy (requested: auto)" in out
    assert out.count('pip install "dlgpu[cuda12]"') == 1
    assert "CUDA toolkit wheels" in out and "driver is all the machine needs" in out


@pytest.mark.parametrize("args,message", [
    (["train", "--hidden", "4,x"], "comma-separated integers"),
    (["train", "--activation", "swish"], "unknown activation 'swish'"),
    (["train", "--learning-rate", "-1"], "learning_rate"),
    (["train", "--backend", "tpu"], "invalid choice"),
    (["train", "--data", "missing.npz"], ("not found: missing.npz; --data takes a file or a "
                                          "built-in dataset: planar, breast_cancer, digits")),
    (["train", "--epochs", "5", "--iterations", "100"], "not allowed with argument --epochs"),
    (["train", "--data", "ones_twos.npz"], ("the labels are 1, 2: class 0 has no example, so "
                                            "a 3-class output would have 1 empty class(es)")),
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


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for default in ("learning rate 0.1", "(default: 0.1)", "(default: he)", "(default: 2)",
                    "(default: relu)", "(default: standardize)", "(default: 100 unless",
                    "(default: 32 with --epochs", "(default: planar)", "(default: 100)"):
        assert default in text, default


@pytest.mark.parametrize("name, mlp_accuracy", [("breast_cancer", 95.61), ("Digits", 96.67)])
def test_defaults_reach_scikit_learns_mlp_on_held_out_data(capsys, name, mlp_accuracy):
    """The issue's target, no option but the split: within 1 point of MLPClassifier().

    --validation-split 0.2 holds out what train_test_split(seed=2) holds out
    (2 is the default --seed).  ``mlp_accuracy`` is the better of
    MLPClassifier(random_state=2) and StandardScaler + MLPClassifier on those
    rows (scikit-learn 1.9; raw: 89.47 and 96.11).  Fitting the MLPs here takes
    40-60 s on a loaded 2-core machine, so scripts/compare_cli_defaults.py
    runs them, on five splits; this test checks the CLI against its figures.
    Measured here: 96.49 and 96.39.
    """
    require("sklearn")
    assert main(["train", "--data", name, "--validation-split", "0.2", "--verbose", "0"]) == 0
    assert _percent(capsys.readouterr().out, "Validation accuracy:") >= mlp_accuracy - 1


def test_the_model_carries_its_preprocessing(data_files, capsys, monkeypatch):
    folder, X, Y = data_files
    monkeypatch.chdir(folder)
    raw = X * 40 + 300  # a file in units far from standardized ones
    np.savez("raw.npz", X=raw, Y=Y)
    np.savez("raw_test.npz", X=raw[:, :30], Y=Y[:, :30])
    np.savez("scaled.npz", X=(raw - 300) / 40 * 255, Y=Y)
    assert main(["train", "--data", "raw.npz", "--hidden", "16", "--epochs", "150",
                 "--out", "m.npz", "--verbose", "0"]) == 0
    trained = _percent(capsys.readouterr().out, "Training accuracy:")
    assert trained > 90
    assert main(["evaluate", "--model", "m.npz", "--data", "raw.npz"]) == 0
    out, err = capsys.readouterr()
    assert "standardizes its inputs" in out and "warning" not in err
    assert _percent(out, "training accuracy:") == trained
    assert "(this is the data the model was trained on)" in out
    assert main(["evaluate", "--model", "m.npz", "--data", "raw_test.npz"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[2].startswith("accuracy:") and "trained on" not in out
    assert main(["evaluate", "--model", "m.npz", "--data", "scaled.npz"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("dlgpu: warning: X: ") and "far outside" in err
    assert len(err.strip().splitlines()) == 1


def test_evaluate_on_unlabelled_data_points_to_predict(data_files, capsys, monkeypatch):
    monkeypatch.chdir(data_files[0])
    assert main(["train", "--data", "train.npz", "--iterations", "5", "--out", "m.npz",
                 "--verbose", "0"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--model", "m.npz", "--data", "unlabelled.npz"]) == 2
    err = capsys.readouterr().err
    assert ("evaluate needs the labels in an array named 'Y' (`dlgpu predict --data "
            "unlabelled.npz` reads X alone)") in err and "y_key" not in err


def test_a_finite_blow_up_exits_1(data_files, capsys, monkeypatch):
    monkeypatch.chdir(data_files[0])
    code = main(["train", "--data", "train.npz", "--learning-rate", "20", "--epochs", "30",
                 "--preprocess", "none", "--verbose", "0", "--out", "m.npz"])
    err = capsys.readouterr().err
    assert code == 1 and "training diverged: the cost rose to" in err
    assert "more than 10 times its first record" in err and not os.path.exists("m.npz")


def test_info_reports_a_backend_that_cannot_run_and_exits_0():
    if dlgpu.backend.probe_cupy()[0] is not None:
        pytest.skip("CuPy runs here")
    env = {**os.environ, "DLGPU_BACKEND": "cupy",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-m", "dlgpu", "info"], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "backend: none (requested: cupy)" in out.stdout
    assert "error: the 'cupy' backend was requested but cannot run" in out.stdout


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_saves_what_was_learned_and_exits_130(data_files):
    folder = data_files[0]
    env = {**os.environ, "DLGPU_BACKEND": "numpy",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    process = subprocess.Popen(
        [sys.executable, "-m", "dlgpu", "train", "--data", "train.npz", "--epochs", "1000000",
         "--verbose", "1", "--out", "m.npz"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As from a terminal: a shell's background job (CI, `cmd &`) starts with
        # SIGINT ignored, which the child would inherit.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in process.stderr:  # wait until training runs
            if line.startswith("Epoch 3/"):
                break
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "Training interrupted (Ctrl-C) after" in out
    assert "Saved the model to m.npz (training was interrupted: the file says so)" in out
    model = dlgpu.load_model(folder / "m.npz")
    assert model.interrupted_ and model.n_iter_ >= 12 and len(model.history_["epoch"]) >= 3
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temp file
    out = _dlgpu("evaluate", "--model", "m.npz", "--data", "train.npz", cwd=folder)
    assert out.returncode == 0 and "training was interrupted (Ctrl-C)" in out.stderr


def test_optimizer_options_and_resume_equal_one_longer_run(data_files, capsys, monkeypatch):
    monkeypatch.chdir(data_files[0])
    common = ["train", "--data", "train.npz", "--hidden", "8", "--batch-size", "16",
              "--optimizer", "adam", "--learning-rate", "0.01", "--l2", "0.1",
              "--lr-schedule", "inverse_time", "--decay-rate", "0.2", "--dtype", "float64",
              "--verbose", "0"]
    assert main([*common, "--epochs", "6", "--out", "once.npz"]) == 0
    assert "(adam, inverse_time schedule, l2 0.1)" in capsys.readouterr().out
    assert main([*common, "--epochs", "3", "--out", "half.npz"]) == 0
    capsys.readouterr()
    assert main(["train", "--data", "train.npz", "--resume", "half.npz", "--epochs", "3",
                 "--verbose", "0"]) == 0
    out = capsys.readouterr().out
    assert "resumed from half.npz after" in out and "Saved the model to half.npz" in out
    once, resumed = dlgpu.load_model("once.npz"), dlgpu.load_model("half.npz")
    assert resumed.optimizer == "adam" and resumed.n_iter_ == once.n_iter_
    for key, value in once.parameters_.items():
        np.testing.assert_allclose(resumed.parameters_[key], value, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("args, message", [
    (["--optimizer", "sgd"], "invalid choice: 'sgd'"),
    (["--beta1", "1"], "beta1 must be in [0, 1)"),
    (["--l2", "-1"], "l2 must be finite and >= 0"),
    (["--weight-decay", "0.1"], "weight_decay must be 0 with optimizer='gd'"),
    (["--lr-schedule", "cosine", "--warmup-epochs", "200"], "warmup_epochs must be in [0, 100]"),
])
def test_bad_optimizer_options_give_one_clear_line(data_files, capsys, monkeypatch, args,
                                                   message):
    monkeypatch.chdir(data_files[0])
    with pytest.raises(SystemExit) if "choice" in message else _nothing():
        assert main(["train", "--data", "train.npz", "--verbose", "0", *args]) == 2
    assert message in capsys.readouterr().err


def _nothing():
    import contextlib
    return contextlib.nullcontext()
