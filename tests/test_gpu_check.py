"""scripts/gpu_check.sh, the prepared check for a lent GPU, in its dry mode (the CuPy
stand-in, tiny sizes), so that it cannot rot before a GPU runs it."""

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from .helpers import HAS_CUPY

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not HAS_CUPY, reason="the dry run needs the CuPy stand-in")


def _driver():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "scripts" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(out, *args, env=None):
    return subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), str(out), "--dry-run",
                           *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_the_dry_run_runs_every_step_and_writes_what_comes_back(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "gpu_check.json").read_text())
    assert result["mode"] == "dry run" and result["finished"]
    # the planned time budget, reported up front and in the summary and files
    assert done.stdout.startswith("planned time budget: 400 s in all (limit 410 s): info 10, ")
    assert "of a planned 400 s (limit 410 s)" in done.stdout
    assert f"{len(result['steps'])} of {len(result['steps'])} steps passed" in done.stdout
    assert len(done.stdout.splitlines()) <= 2 * len(result["steps"]) + 3  # one screen
    assert result["planned_s"] == 400 and result["limit_s"] == 410
    assert "planned time budget 400 s in all" in (tmp_path / "gpu_check.md").read_text()
    assert [r["name"] for r in result["steps"]] == list(_driver().STEPS)
    for record in result["steps"]:
        assert record["status"] == "passed", record
        assert record["seconds"] > 0 and record["detail"]
    steps = {r["name"]: r["detail"] for r in result["steps"]}
    assert steps["real_cupy"]["standin"] is True
    assert steps["streaming"]["same_bits_as_resident"]
    assert steps["oom"]["releasable_after_error"] == 0  # split blocks may stay cached
    assert steps["mpi"]["distributed tests"] in ("run", "skip: MPI unavailable: "
                                                 + str(steps["mpi"]["from mpi4py import MPI"]))
    assert steps["cupy_tests"]["tests"] > 0 and steps["cupy_tests"]["failures"] == 0
    # what a lent machine sends back: at most 8 plain files, none in a folder
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["extras.tar.gz", "gpu_check.json", "gpu_check.log", "gpu_check.md",
                     "report.md"]
    with tarfile.open(tmp_path / "extras.tar.gz") as archive:
        names = archive.getnames()
    assert "bench/report.md" in names and "steps/pytest.xml" in names
    assert "| kernels | passed |" in (tmp_path / "gpu_check.md").read_text()
    assert "===== bench" in (tmp_path / "gpu_check.log").read_text()


def test_the_budgets_fit_seven_minutes_of_a_lease():
    driver = _driver()
    assert list(driver.STEPS) == ["info", "mpi", "real_cupy", "kernels", "parity", "streaming",
                                  "oom", "model_files", "cupy_tests", "bench"]
    assert driver.PLANNED_S == sum(driver.STEPS.values()) <= 420
    assert driver.PLANNED_S + driver.RESERVE_S <= driver.LIMIT_S <= driver.LEASE_S == 420
    # gpu_check.sh kills a hanging driver by then: its outer limit plus the grace to SIGKILL
    shell = (ROOT / "scripts" / "gpu_check.sh").read_text()
    grace, outer = re.search(r"timeout -k (\d+) \"\$\{DLGPU_GPU_CHECK_OUTER_LIMIT:-(\d+)\}\"",
                             shell).groups()
    assert driver.LIMIT_S <= int(outer) and int(outer) + int(grace) <= 420


def _gone(pid: int, within: float = 10) -> bool:
    """Whether process ``pid`` is dead (or a zombie) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("step_sleeps", [60, 0], ids=["past its budget", "done, child left"])
def test_a_step_is_killed_with_what_it_started(tmp_path, step_sleeps):
    """A step that spawns ``sleep 60`` (which outlives it or its budget) is killed with it."""
    spawn = ("import subprocess, time; child = subprocess.Popen(['sleep', '60']); "
             f"print(child.pid, flush=True); time.sleep({step_sleeps})")
    start = time.monotonic()
    with open(tmp_path / "log", "w") as log:
        code = _driver().run_group([sys.executable, "-c", spawn], 2, log)
    assert time.monotonic() - start < 10
    assert code == (None if step_sleeps else 0)
    child = int((tmp_path / "log").read_text().split()[0])
    assert _gone(child), f"the step's child {child} outlived it"


def test_a_step_past_its_budget_is_stopped_and_the_rest_still_run(tmp_path):
    done = _run(tmp_path, "--steps", "info,real_cupy",
                env={"DLGPU_GPU_CHECK_BUDGETS": "info=0.05"})
    assert done.returncode == 1
    steps = json.loads((tmp_path / "gpu_check.json").read_text())["steps"]
    assert [(r["name"], r["status"]) for r in steps] == [("info", "timed out"),
                                                        ("real_cupy", "passed")]


def test_the_overall_limit_skips_what_no_longer_fits(tmp_path):
    assert _driver().main([str(tmp_path), "--dry-run", "--limit", "4"]) == 1
    result = json.loads((tmp_path / "gpu_check.json").read_text())
    assert result["finished"] and {r["status"] for r in result["steps"]} == {"skipped"}
    assert "overall limit of 4 s" in result["steps"][0]["detail"]


def test_unknown_steps_and_budgets_are_refused(tmp_path, monkeypatch, capsys):
    driver = _driver()
    with pytest.raises(SystemExit):
        driver.main([str(tmp_path), "--steps", "kernels,warp"])
    assert "unknown steps ['warp']" in capsys.readouterr().err
    monkeypatch.setenv("DLGPU_GPU_CHECK_BUDGETS", "warp=3")
    with pytest.raises(SystemExit, match="unknown step 'warp'"):
        driver.main([str(tmp_path)])
