"""scripts/gpu_step_ratios.py, the step-time comparison a GPU lease runs after
scripts/gpu_check.sh, in its dry mode (tiny sizes, the CuPy stand-in or NumPy, PyTorch on
the CPU), so that it cannot rot before a GPU runs it.  PyTorch is never required: without
it the PyTorch columns say n/a and the goals that need it are not measured."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gpu_step_ratios.py"
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _script():
    spec = importlib.util.spec_from_file_location("gpu_step_ratios", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table(text: str, header_start: str) -> list[list[str]]:
    """The rows of the Markdown table whose header starts with ``header_start``, header first."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        if not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ratios")
    done = subprocess.run([sys.executable, str(SCRIPT), str(out), "--dry-run"],
                          check=False, capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads((out / "gpu_step_ratios.json").read_text()), out


def test_the_dry_run_says_its_numbers_are_not_gpu_numbers(dry_run):
    stdout, result, out = dry_run
    assert stdout.startswith("DRY RUN: tiny sizes")
    assert "these are not GPU numbers" in stdout
    assert result["mode"] == "dry run" and "not GPU numbers" in result["note"]
    assert result["command"].endswith("--dry-run")
    assert (out / "gpu_step_ratios.md").read_text() in stdout
    assert result["environment"]["dlgpu backend"].startswith(("the CuPy stand-in", "NumPy"))
    assert not result["failed"] and not result["skipped"]


def test_the_table_has_a_row_per_network_and_precision(dry_run):
    stdout, result, _ = dry_run
    script = _script()
    table = _table(stdout, "| network |")
    assert table[0] == script.COLUMNS
    assert [(row[0], row[1], row[2]) for row in table[1:]] == [
        (net, m, script.LABELS[p]) for net, m in (("[16,8,1]", "64"), ("[32,16,16,1]", "128"))
        for p in ("highest", "bfloat16", "high")]
    for row, record in zip(table[1:], result["rows"]):
        assert record["dlgpu"]["steps"] == 3 and record["dlgpu"]["median_ms"] > 0
        assert record["dlgpu"]["q1_ms"] <= record["dlgpu"]["median_ms"] <= record["dlgpu"]["q3_ms"]
        assert record["dlgpu_tflops"] > 0 and 0 < record["ceiling_fraction"]
        assert row[4] == script.PEERS[record["precision"]]
        assert (record["speedup_vs_float32"] is None) == (record["precision"] == "highest")
        if HAS_TORCH:
            assert record["torch"]["steps"] == 3
            assert record["ratio"] == pytest.approx(
                record["dlgpu"]["median_ms"] / record["torch"]["median_ms"])
            assert row[6] == f"{record['ratio']:.2f}x"
        else:
            assert record["torch"] is None and row[5] == row[6] == "n/a"
    for precision, ceiling in result["ceilings"].items():
        assert ceiling["n"] == 64 and ceiling["tflops_median"] > 0, (precision, ceiling)
        assert ("torch_tflops_median" in ceiling) == HAS_TORCH


def test_every_goal_is_evaluated(dry_run):
    stdout, result, _ = dry_run
    goals = _table(stdout, "| issue | goal |")
    assert goals[0] == ["issue", "goal", "measured", "status"]
    assert [row[0] for row in goals[1:]] == ["25", "25", "25", "26", "26"]
    for row, goal in zip(goals[1:], result["goals"]):
        needs_torch = "PyTorch" in goal["goal"]
        if needs_torch and not HAS_TORCH:
            assert goal["status"] == "not measured" and row[3] == "not measured (dry run)"
        else:
            assert goal["status"] in ("met", "not met") and goal["measured"] is not None
            assert row[3] == f"{goal['status']} (dry run)"


def test_goals_against_their_thresholds():
    script = _script()
    small, large = ([8, 4, 1], 16), ([8, 8, 1], 32)

    def row(spec, precision, dlgpu_ms, torch_ms, fraction, speedup):
        dims, m = spec
        return {"network": dims, "m": m, "precision": precision,
                "dlgpu": {"median_ms": dlgpu_ms}, "ratio": dlgpu_ms / torch_ms,
                "ceiling_fraction": fraction, "speedup_vs_float32": speedup}

    rows = [row(small, "highest", 0.6, 1.0, 0.1, None),  # exactly 0.6x: met
            row(large, "highest", 10.0, 9.0, 0.75, None),  # 1.11x: not met; 75%: met
            row(large, "bfloat16", 2.0, 2.0, 0.5, 5.0)]  # 5.0x and 1.0x: met
    statuses = [g["status"] for g in script.evaluate_goals(rows, small, large)]
    assert statuses == ["met", "not met", "met", "met", "met"]
    rows[1]["ceiling_fraction"], rows[2]["speedup_vs_float32"] = 0.69, 4.9
    statuses = [g["status"] for g in script.evaluate_goals(rows, small, large)]
    assert statuses == ["met", "not met", "not met", "not met", "met"]
    # no bfloat16 row, no PyTorch: not measured, never met
    rows = [row(small, "highest", 1.0, 1.0, 0.1, None) | {"ratio": None}]
    statuses = [g["status"] for g in script.evaluate_goals(rows, small, large)]
    assert statuses == ["not measured"] * 5


@pytest.mark.parametrize("args, message", [
    (["--small", "784,256,128@8192"], "N0,N1,...,1@M"),
    (["--large", "4096,1"], "N0,N1,...,1@M"),
    (["--precisions", "fast"], "highest, bfloat16, high"),
    (["--steps", "0"], "positive integer"),
    (["--steps", "2", "--rounds", "3"], "--rounds (3) must not exceed --steps (2)"),
    (["--warmup", "-1"], "--warmup must be 0 or more"),
])
def test_bad_arguments_are_named(args, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as raised:
        _script().parse_args([str(tmp_path), *args])
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_it_imports_and_parses_where_no_cupy_can_be_imported(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "cupy", None)
    args = _script().parse_args([str(tmp_path)])
    assert (args.small, args.large) == (([784, 256, 128, 1], 8192),
                                        ([4096, 4096, 4096, 4096, 1], 65536))
    assert (args.steps, args.rounds, args.warmup, args.gemm_n) == (30, 3, 3, 8192)


def test_without_pytorch_the_peers_are_not_measured(tmp_path):
    hide_torch = ("import runpy, sys; sys.modules['torch'] = None; "
                  f"sys.argv = [{str(SCRIPT)!r}, {str(tmp_path)!r}, '--dry-run']; "
                  f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", hide_torch], check=False, capture_output=True,
                          text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "gpu_step_ratios.json").read_text())
    assert "PyTorch cannot be imported" in result["environment"]["torch problem"]
    assert all(row["torch"] is None and row["ratio"] is None for row in result["rows"])
    assert len(result["rows"]) == 6
    assert [g["status"] == "not measured" for g in result["goals"]] == [
        "PyTorch" in g["goal"] for g in result["goals"]] == [True, True, False, False, True]
