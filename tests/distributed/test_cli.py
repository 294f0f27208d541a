"""``mpiexec -n 2 dlgpu train --distributed``: one process's model and report, from rank 0."""

from __future__ import annotations

import numpy as np

import dlgpu
from dlgpu.cli import main

from .jobs import launch, needs_mpi

pytestmark = needs_mpi

OPTIONS = ["--dtype", "float64", "--iterations", "300", "--validation-split", "0.2",
           "--verbose", "1"]


def _report(text: str) -> list[str]:
    """The lines that do not depend on the time taken."""
    return [line for line in text.splitlines() if not line.startswith(("Backend:", "Saved"))]


def test_two_ranks_train_the_one_process_model(tmp_path, capsys):
    job = launch(["-m", "dlgpu", "train", "--distributed", *OPTIONS,
                  "--out", tmp_path / "two.npz"])
    assert job.returncode == 0, job.stderr
    assert main([*OPTIONS, "--out", str(tmp_path / "one.npz")]) == 0
    one = capsys.readouterr()
    # Rank 0 alone prints: the same report, each line once.
    assert _report(job.stdout) == _report(one.out)
    assert job.stderr.count("Cost after iteration 200") == 1
    two, one = (dlgpu.load_model(tmp_path / f"{n}.npz").parameters_ for n in ("two", "one"))
    for key in one:
        np.testing.assert_allclose(two[key], one[key], rtol=1e-12, atol=1e-12)



def test_distributed_without_a_launcher_says_it_trains_as_one_process(tmp_path, capsys,
                                                                     monkeypatch):
    from dlgpu.distributed.launch import _LAUNCHER_VARS
    for var in _LAUNCHER_VARS:
        monkeypatch.delenv(var, raising=False)
    assert main(["--distributed", "--iterations", "20", "--out", str(tmp_path / "m.npz")]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "launcher" in line]
    said = ("dlgpu: --distributed without a launcher (mpiexec, srun): training as one "
            "process; start it with e.g. mpiexec -n 2 dlgpu train --distributed ...")
    assert lines == [said]
    assert (tmp_path / "m.npz").exists()


def test_a_data_mistake_is_one_line_from_rank_0_and_exit_2(tmp_path, capsys,
                                                         monkeypatch):
    """Every rank loads the file and refuses it; rank 0 alone says why, as one process does."""
    (tmp_path / "missing.csv").write_text("a,b,label\n1,2,0\n3,,1\n5,6,0\n7,8,1\n")
    args = ["--data", "missing.csv", "--label", "label", "--epochs", "1"]
    job = launch(["-m", "dlgpu", "train", "--distributed", *args], cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    one = capsys.readouterr().err
    assert one == "dlgpu: error: missing.csv, line 3, column 'b': missing value\n"
    assert job.returncode == 2, job.stderr
    assert [line for line in job.stderr.splitlines() if line.startswith("dlgpu")] == \
        one.splitlines()
    assert "Traceback" not in job.stderr and job.stdout.count("dlgpu") == 0
