"""``dlgpu train --task regression``, then ``evaluate`` and ``predict`` on its model."""

import numpy as np
import pytest

import dlgpu
from dlgpu.cli import main


@pytest.fixture
def regression_csv(tmp_path):
    """Features in raw units, a real target far from 0 with a large spread."""
    rng = np.random.RandomState(0)
    X = rng.randn(300, 3) * [10, 0.1, 1] + [100, 0, 5]
    y = 1000 + 300 * np.sin(X[:, 0] / 10) + 2000 * X[:, 1] + 0.5 * rng.randn(300)
    path = str(tmp_path / "reg.csv")
    np.savetxt(path, np.c_[X, y], delimiter=",", fmt="%.8g")
    return path, X, y


def _figures(text, prefix):
    line = next(l for l in text.splitlines() if l.startswith(prefix))
    rmse = float(line.split("RMSE ")[1].split(",")[0])
    r2 = float(line.split("R^2 ")[1].split(" ")[0])
    return rmse, r2


def test_train_evaluate_predict(regression_csv, tmp_path, capsys):
    path, X, y = regression_csv
    model_path = str(tmp_path / "model.npz")
    assert main(["train", "--data", path, "--task", "regression", "--validation-split", "0.2",
                 "--verbose", "0", "--out", model_path]) == 0
    out = capsys.readouterr().out
    assert "identity output" in out and "20 epochs of batches of 32, learning rate 0.01" in out
    assert "accuracy" not in out
    rmse, r2 = _figures(out, "Validation:")
    assert r2 > 0.8 and rmse < 0.5 * y.std()
    model = dlgpu.load_model(model_path)
    assert model.output_activation == "identity" and model.layer_dims == [3, 100, 1]
    # the saved model predicts in the target's units (the standardization is folded in)
    assert model.score(X.T, y.reshape(1, -1)) > 0.8

    assert main(["evaluate", "--model", model_path, "--data", path]) == 0
    out = capsys.readouterr().out
    rmse, r2 = _figures(out, "fit:")
    assert r2 == pytest.approx(model.score(X.T, y.reshape(1, -1)), abs=1e-4)
    assert "cost:" in out

    assert main(["predict", "--model", model_path, "--data", path, "--out",
                 str(tmp_path / "p.csv")]) == 0
    predicted = np.loadtxt(tmp_path / "p.csv", delimiter=",")
    np.testing.assert_allclose(predicted, dlgpu.to_numpy(model.predict(X.T)).ravel(),
                               rtol=1e-5)
    assert abs(predicted.mean() - y.mean()) < 0.1 * y.std()


def test_a_classifier_output_with_regression_is_refused(regression_csv, capsys):
    path, _, _ = regression_csv
    assert main(["train", "--data", path, "--task", "regression", "--output", "softmax"]) == 2
    assert "--task regression trains an identity output" in capsys.readouterr().err
