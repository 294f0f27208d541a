"""Progress: plain lines off a terminal, a tqdm bar on one, silence with verbose=0."""

import io

import pytest

from dlgpu import DeepNN
from dlgpu.progress import Progress


def test_plain_lines_every_kth_epoch(binary_data, capsys):
    DeepNN([3, 4, 1], batch_size=10, epochs=6, verbose=2).fit(
        *binary_data, validation_data=binary_data)
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and [l.split(":")[0] for l in lines] == ["Epoch 1/6", "Epoch 3/6", "Epoch 5/6"]
    assert all("val_accuracy" in l and "examples/s" in l for l in lines[1:])


def test_verbose_zero_is_silent(binary_data, capsys):
    DeepNN([3, 4, 1], batch_size=10, epochs=3).fit(*binary_data)
    assert capsys.readouterr() == ("", "")


def test_a_bar_on_a_terminal():
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    progress = Progress(1, total_examples=100, epochs=2, stream=stream, bar=True)
    progress.step(50)
    progress.record({"iteration": 5, "epoch": 1, "cost": 0.5}, rate=1000.0)
    progress.step(50)
    progress.close()
    text = stream.getvalue()
    assert "100/100" in text and "cost 0.500000" in text


def test_no_bar_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(1, total_examples=10, stream=stream)
    progress.record({"iteration": 100, "epoch": 100, "cost": 0.25}, rate=None)
    assert stream.getvalue() == "Cost after iteration 100: 0.250000\n"
    progress.record({"iteration": 200, "epoch": 200, "cost": 0.125, "val_cost": 0.5,
                     "val_accuracy": 0.75}, rate=1234.0)
    assert stream.getvalue().splitlines()[1] == \
        "Cost after iteration 200: 0.125000, val_cost 0.500000, val_accuracy 0.7500, " \
        "1,234 examples/s"
