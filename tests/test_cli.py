"""The command line, run end to end in a subprocess."""

import os
import subprocess
import sys

import pytest


def _dlgpu(*args):
    env = {**os.environ, "DLGPU_BACKEND": "numpy",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.run([sys.executable, "-m", "dlgpu", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_train_default_is_the_main_job():
    out = _dlgpu("--iterations", "2001")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "planar data" in lines[0]
    costs = [l for l in lines if l.startswith("Cost after iteration")]
    assert [l.split(":")[0].split()[-1] for l in costs] == ["0", "1000", "2000"]
    accuracy = float(next(l for l in lines if l.startswith("Accuracy:")).split()[1].rstrip("%"))
    assert accuracy > 85
    assert any(l.startswith("Backend: numpy") and "Time:" in l for l in lines)


def test_info_names_backend():
    out = _dlgpu("info")
    assert out.returncode == 0, out.stderr
    assert "backend: numpy (requested: numpy)" in out.stdout


@pytest.mark.parametrize("args,message", [
    (["train", "--hidden", "4,x"], "comma-separated integers"),
    (["train", "--activation", "swish"], "unknown activation 'swish'"),
    (["train", "--learning-rate", "-1"], "learning_rate"),
    (["train", "--backend", "tpu"], "invalid choice"),
])
def test_bad_options_give_one_clear_line(args, message):
    out = _dlgpu(*args)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr
