"""The CuPy-unavailable notice (issue 27, point 5): said once per process, pointing at the
user's own call (not at dlgpu's or scikit-learn's files), with the way to silence it."""

import os
import subprocess
import sys
import textwrap
import warnings

import pytest

from dlgpu import DeepNN
from dlgpu.cli import main
from dlgpu.errors import BackendFallbackWarning

from ..helpers import require

SCRIPT = textwrap.dedent("""\
    import sys
    sys.modules["cupy"] = None  # a machine without CuPy
    import numpy as np
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from dlgpu import DeepNN
    from dlgpu.sklearn import DLClassifier
    X = np.random.RandomState(0).randn(40, 2)
    y = (X[:, 0] > 0).astype(int)
    pipeline = make_pipeline(StandardScaler(), DLClassifier(epochs=2, random_state=0))
    pipeline.fit(X, y)  # line 11: the first use of the backend
    pipeline.fit(X, y)
    DeepNN([2, 3, 1], num_iterations=2).fit(X.T, y.reshape(1, -1))
    print("done")
""")


def _run_script(tmp_path, backend):
    path = tmp_path / "user_script.py"
    path.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "DLGPU_BACKEND": backend,
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         env=env, timeout=120, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "done", out.stderr
    return path, out.stderr


def test_a_script_is_told_once_at_its_own_line_and_how_to_silence_it(tmp_path):
    require("sklearn")
    path, err = _run_script(tmp_path, "auto")
    assert err.count("BackendFallbackWarning") == 1, err
    assert f"{path}:11: BackendFallbackWarning" in err  # the script's line, not pipeline.py
    assert "DLGPU_BACKEND=numpy" in err


def test_dlgpu_backend_numpy_silences_it(tmp_path):
    require("sklearn")
    _, err = _run_script(tmp_path, "numpy")
    assert "Warning" not in err and "CuPy" not in err, err


def test_warnings_name_the_callers_file_through_scikit_learn(no_cupy, monkeypatch):
    require("sklearn")
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import make_pipeline

    from dlgpu import backend
    from dlgpu.sklearn import DLClassifier
    monkeypatch.setattr(backend, "_requested", "auto")
    monkeypatch.setattr(backend, "_module", None)  # resolved at the first use, in fit
    X = np.random.RandomState(0).randn(30, 2)
    with pytest.warns(BackendFallbackWarning) as caught:
        # zero weights moved by a tiny step: cost log 2, a ConvergenceWarning too
        make_pipeline(DLClassifier(hidden_layer_sizes=(), init="zeros", epochs=1,
                                   learning_rate=1e-12)).fit(
            X, (X[:, 0] > 0).astype(int))
    kinds = {w.category: w.filename for w in caught}
    assert kinds[BackendFallbackWarning] == __file__  # not sklearn/pipeline.py
    assert kinds[ConvergenceWarning] == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", BackendFallbackWarning)
        DeepNN([2, 1], num_iterations=1).fit(X.T, (X.T[:1] > 0).astype(float))  # not again


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_cli_command_says_it_in_one_line(no_cupy, tmp_path, capsys, monkeypatch, command):
    import numpy as np
    monkeypatch.chdir(tmp_path)
    X = np.random.RandomState(0).randn(2, 30)
    np.savez("data.npz", X=X, Y=(X[:1] > 0).astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BackendFallbackWarning)
        assert main(["train", "--data", "data.npz", "--iterations", "2", "--verbose", "0",
                     "--backend", "numpy", "--out", "model.npz"]) == 0
    capsys.readouterr()
    argv = (["train", "--data", "data.npz", "--iterations", "2", "--verbose", "0"]
            if command == "train" else ["evaluate", "--model", "model.npz", "--data",
                                        "data.npz"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", BackendFallbackWarning)  # no warning besides the line
        assert main([*argv, "--backend", "auto"]) == 0
    out, err = capsys.readouterr()
    assert (out + err).count("CuPy unavailable") == 1, out + err
    assert "DLGPU_BACKEND=numpy silences this" in out + err
