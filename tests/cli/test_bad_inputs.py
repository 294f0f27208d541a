"""The command line: each bad input is one line on stderr and exit status 2.

``tests/test_cli.py::test_bad_input_gives_one_clear_line`` runs a dozen cases
end to end in a subprocess (bad layer-size text, unknown activation, negative
learning rate, unknown backend, missing or unlabelled data, unknown label
column, bad validation split, missing or foreign model file, missing
--model) and ``test_wrong_feature_count_at_predict_time`` the feature count.
The cases here call ``dlgpu.cli.main`` in-process: bad numbers and names,
and data files holding NaN, the wrong shapes, no examples, labels outside
the allowed set or class numbers with an empty class (labels 1/2).
"""

import numpy as np
import pytest

from dlgpu.cli import main

rng = np.random.RandomState(0)
X = rng.randn(2, 30)
Y = (X[0] > 0).astype(np.int64).reshape(1, -1)
N_BAD = int((X > 1.5).sum())  # the values made NaN or inf in the bad files


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working folder holding good and bad data files and a trained model."""
    monkeypatch.chdir(tmp_path)
    files = {
        "good.npz": {"X": X, "Y": Y},
        "nan.npz": {"X": np.where(X > 1.5, np.nan, X), "Y": Y},
        "inf.npz": {"X": np.where(X > 1.5, np.inf, X), "Y": Y},
        "flat.npz": {"X": X[0], "Y": Y},
        "cube.npz": {"X": X.reshape(2, 30, 1), "Y": Y},
        "complex.npz": {"X": X + 1j, "Y": Y},
        "empty.npz": {"X": np.zeros((2, 0)), "Y": np.zeros((1, 0))},
        "short_y.npz": {"X": X, "Y": Y[:, :20]},
        "halves.npz": {"X": X, "Y": Y * 0.5},
        "negative.npz": {"X": X, "Y": Y - 1},
        "one_two.npz": {"X": X, "Y": Y + 1},
        "gap.npz": {"X": X, "Y": Y * 2},
        "ids.npz": {"X": X, "Y": Y * 10**9},
        "three.npz": {"X": np.zeros((3, 4)), "Y": np.zeros((1, 4))},
        "huge.npz": {"X": X * 1e300, "Y": Y},
    }
    for name, arrays in files.items():
        np.savez(tmp_path / name, **arrays)
    (tmp_path / "words.csv").write_text("a,b,label\n1,x,0\n", encoding="utf-8")
    assert main(["train", "--data", "good.npz", "--iterations", "5", "--out", "model.npz",
                 "--verbose", "0"]) == 0
    return tmp_path


def _fails_with_one_line(capsys, argv, fragment):
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlgpu: error: "), err
    assert fragment in lines[0]
    assert "Traceback" not in err


TRAIN = ["train", "--data", "good.npz", "--iterations", "5", "--verbose", "0"]


@pytest.mark.parametrize("options, fragment", [
    (["--hidden=0"], "layer_dims[1] must be >= 1, got 0"),
    (["--hidden=4,-3"], "layer_dims[2] must be >= 1, got -3"),
    (["--learning-rate", "0"], "learning_rate must be finite and > 0, got 0.0"),
    (["--learning-rate", "nan"], "learning_rate must be finite and > 0, got nan"),
    (["--learning-rate", "inf"], "learning_rate must be finite and > 0, got inf"),
    (["--init", "glorot"], "unknown init 'glorot'; valid names are he"),
    (["--activation", "Swish"], "unknown activation 'Swish'"),
    (["--iterations", "-1"], "num_iterations must be >= 0, got -1"),
    (["--batch-size", "0"], "batch_size must be >= 1, got 0"),
    (["--epochs", "-2"], "epochs must be >= 0, got -2"),
    (["--keep-prob", "0"], "keep_prob must be in (0, 1]"),
    (["--keep-prob", "1.5"], "keep_prob must be in (0, 1]"),
])
def test_train_bad_settings(folder, capsys, options, fragment):
    base = TRAIN[:-4] + TRAIN[-2:] if "--epochs" in options else TRAIN  # not both
    _fails_with_one_line(capsys, base + options, fragment)


@pytest.mark.parametrize("data, fragment", [
    ("nan.npz", f"'X' holds {N_BAD} NaN or infinite value(s)"),
    ("inf.npz", f"'X' holds {N_BAD} NaN or infinite value(s)"),
    ("flat.npz", "'X' must be 2-D (n_x, m)"),
    ("cube.npz", "'X' must be 2-D (n_x, m)"),
    ("complex.npz", "'X' must hold numbers; got dtype complex128"),
    ("empty.npz", "'X' holds no data"),
    ("short_y.npz", "'X' holds m = 30 examples, so 'Y' must be"),
    ("halves.npz", "Y must hold only the labels 0 and 1"),
    ("negative.npz", "Y must hold only the labels 0 and 1"),
    ("one_two.npz", "the labels are 1, 2: class 0 has no example"),
    ("gap.npz", "the labels are 0, 2: class 1 has no example, so a 3-class output would have "
                "1 empty class(es)"),
    ("ids.npz", ("the labels go up to 1e+09, which would make 1000000001 classes for 30 "
                 "examples")),
    ("words.csv", "line 2, column 'b': 'x' is not a number"),
])
def test_train_bad_data(folder, capsys, data, fragment):
    _fails_with_one_line(capsys, ["train", "--data", data, "--iterations", "1"], fragment)


def test_train_refuses_values_float32_cannot_hold(folder, capsys):
    _fails_with_one_line(capsys, ["train", "--data", "huge.npz", "--iterations", "1",
                                  "--dtype", "float32"], "beyond the range of float32")


@pytest.mark.parametrize("command, data, fragment", [
    ("predict", "nan.npz", f"'X' holds {N_BAD} NaN or infinite value(s)"),
    ("predict", "flat.npz", "'X' must be 2-D (n_x, m)"),
    ("predict", "empty.npz", "'X' holds no data"),
    ("predict", "three.npz", ("X has 3 features (rows) but the network's input layer has "
                              "layer_dims[0] = 2")),
    ("evaluate", "halves.npz", "Y must hold only the labels 0 and 1"),
    ("evaluate", "short_y.npz", "so 'Y' must be"),
])
def test_predict_and_evaluate_bad_data(folder, capsys, command, data, fragment):
    _fails_with_one_line(capsys, [command, "--model", "model.npz", "--data", data], fragment)
