"""scripts/gpu_check.sh, the prepared check for a lent GPU, in its dry mode (the CuPy
stand-in, tiny sizes), so that it cannot rot before a GPU runs it."""

import importlib.util
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from .conftest import HAS_CUPY

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
    assert [r["name"] for r in result["steps"]] == list(_driver().STEPS)
    for record in result["steps"]:
        assert record["status"] == "passed", record
        assert record["seconds"] > 0 and record["detail"]
    steps = {r["name"]: r["detail"] for r in result["steps"]}
    assert steps["real_cupy"]["standin"] is True
    assert steps["streaming"]["same_bits_as_resident"]
    assert steps["oom"]["releasable_after_error"] == 0  # split blocks may stay cached
    assert steps["test_suite"]["tests"] > 0 and steps["test_suite"]["failures"] == 0
    # what a lent machine sends back: at most 8 plain files, none in a folder
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["extras.tar.gz", "gpu_check.json", "gpu_check.log", "gpu_check.md",
                     "report.md"]
    with tarfile.open(tmp_path / "extras.tar.gz") as archive:
        names = archive.getnames()
    assert "bench/report.md" in names and "steps/pytest.xml" in names
    assert "| kernels | passed |" in (tmp_path / "gpu_check.md").read_text()
    assert "===== bench" in (tmp_path / "gpu_check.log").read_text()


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
