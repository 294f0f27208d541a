"""What a new user tripped on at the command line (issue 27): one-class labels are
refused as DLClassifier refuses them, and a CSV with one column too many or too few
names the --label flag that fixes it."""

import numpy as np
import pytest

from dlgpu.cli import main

rng = np.random.RandomState(0)
X_ROWS = rng.randn(40, 3)  # a CSV's layout: one example per line
LABELS = (X_ROWS[:, 0] > 0).astype(int)


def _csv(path, *columns):
    np.savetxt(path, np.column_stack(columns), delimiter=",")
    return str(path)


def _one_error_line(capsys, argv) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlgpu: error: "), err
    return lines[0]


@pytest.mark.parametrize("label", [0, 1])
def test_train_refuses_one_class_with_dlclassifiers_message(tmp_path, capsys, label):
    path = _csv(tmp_path / "one.csv", X_ROWS, np.full(40, label))
    line = _one_error_line(capsys, ["train", "--data", path, "--epochs", "2"])
    assert line == (f"dlgpu: error: dlgpu train needs at least 2 classes to learn; Y holds 1 "
                    f"class (only the label {label})")
    pytest.importorskip("sklearn")
    from dlgpu.sklearn import DLClassifier
    with pytest.raises(ValueError) as refused:
        DLClassifier().fit(X_ROWS, np.full(40, label))
    assert str(refused.value) == line.replace("dlgpu: error: dlgpu train", "DLClassifier") \
        .replace("Y holds", "y holds")


def test_train_still_accepts_two_classes(tmp_path, capsys):
    path = _csv(tmp_path / "two.csv", X_ROWS, LABELS)
    assert main(["train", "--data", path, "--epochs", "2", "--verbose", "0"]) == 0


@pytest.fixture
def model_of_three_features(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _csv(tmp_path / "labelled.csv", X_ROWS, LABELS)
    _csv(tmp_path / "unlabelled.csv", X_ROWS)
    _csv(tmp_path / "two_features.csv", X_ROWS[:, :2])
    assert main(["train", "--data", "labelled.csv", "--epochs", "2", "--verbose", "0",
                 "--out", "model.npz"]) == 0
    return tmp_path


def test_predict_on_an_unlabelled_csv_without_label_none_names_the_flag(
        model_of_three_features, capsys):
    line = _one_error_line(capsys, ["predict", "--model", "model.npz",
                                    "--data", "unlabelled.csv"])
    assert "probably has no label column; pass --label none" in line
    assert "examples as columns" not in line  # not the advice to transpose
    line = _one_error_line(capsys, ["evaluate", "--model", "model.npz",
                                    "--data", "unlabelled.csv"])
    assert "probably has no label column" in line and "evaluate needs labels" in line
    assert main(["predict", "--model", "model.npz", "--data", "unlabelled.csv",
                 "--label", "none"]) == 0
    assert len(capsys.readouterr().out.split()) == 40


def test_predict_with_label_none_on_a_labelled_csv_names_the_flag(
        model_of_three_features, capsys):
    line = _one_error_line(capsys, ["predict", "--model", "model.npz",
                                    "--data", "labelled.csv", "--label", "none"])
    assert "a label column is probably present; name it with --label COLUMN" in line


def test_other_column_counts_keep_the_layout_message(model_of_three_features, capsys):
    # two columns short of the model is no missing label: the model's own message
    line = _one_error_line(capsys, ["predict", "--model", "model.npz", "--data",
                                    "two_features.csv", "--label", "none"])
    assert "label column" not in line and "layer_dims[0] = 3" in line
