"""The report's prose sections: its flags at the top, the GPU section without a GPU,
what was not measured and why, the TF32 setting, cache-resident activation sizes.

Each test edits a copy of the real run in ``data/cpu_quick.json``.
"""

import copy
import json
import sys
import types
from pathlib import Path

import pytest

from dlgpu.bench import machine, report, sections, steps
from dlgpu.bench.results import LOAD_KEY, SKIPPED_KEY, load

from ..helpers import require

FIXTURE = Path(__file__).parent / "data" / "cpu_quick.json"
GPU = {"name": "NVIDIA H200", "compute_capability": "90", "memory_gib": 139.8,
       "multiprocessors": 132, "driver": "?", "cuda_driver": "12.8", "cuda_runtime": "12.8",
       "cupy": "14.2.0"}
IDLE = {"cpus": 2, "system_cpus": 2, "wall_s": 30.0, "own_cpus": 1.0,
        "others_cpu_fraction": 0.01, "loadavg_before": [0.1, 0.1, 0.1],
        "loadavg_after": [1.0, 0.5, 0.2], "calibration_before_s": [5e-3] * 7,
        "calibration_after_s": [5e-3] * 7}


def _write(out, edit) -> str:
    """The report of the fixture after ``edit(data)``, as text."""
    require("matplotlib")
    data = copy.deepcopy(json.loads(FIXTURE.read_text()))
    edit(data)
    out.mkdir()
    path = out / "run.json"
    path.write_text(json.dumps(data))
    return report.build_report(load([path]), out, "test").read_text(encoding="utf-8")


def _described(data):
    return data["machine_info"]["dlgpu"]


def _busy_cpu_run(data):
    """A run on a busy machine, no GPU, PyTorch not installed, a small cache."""
    described = _described(data)
    data[LOAD_KEY] = dict(IDLE, others_cpu_fraction=0.62)
    described["gpu_unavailable"] = "CuPy is not installed (No module named 'cupy')"
    described["torch"] = None
    described["llc_bytes"] = 1_000_000  # 4 float32 arrays of 1e4 fit, of 1e5 not
    data[SKIPPED_KEY] = {"CuPy cannot run here: CuPy is not installed": 21}
    for b in data["benchmarks"]:
        if b["extra_info"]["kind"] == "interleaved":
            b["extra_info"]["skipped"] = {"torch": "PyTorch is not installed (pip install torch)"}


def _idle_gpu_run(data):
    """An idle machine, every figure's quartiles within 1% of its median, a GPU
    result, CUPY_TF32=1."""
    data[LOAD_KEY] = IDLE
    for b in data["benchmarks"]:
        median = b["stats"]["median"]
        b["stats"]["q1"], b["stats"]["q3"] = median * 0.995, median * 1.005
    described = _described(data)
    described["gpu"] = GPU
    described["env"]["CUPY_TF32"] = "1"
    b = copy.deepcopy(next(b for b in data["benchmarks"] if b["extra_info"]["kind"] == "step"))
    b["name"] += "-gpu"
    b["extra_info"].update(device="gpu", backend="cupy")
    data["benchmarks"].append(b)


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("busy") / "report", _busy_cpu_run)


@pytest.fixture(scope="module")
def idle(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("idle") / "report", _idle_gpu_run)


def test_the_flags_open_the_report_and_say_what_to_do(busy):
    assert busy.index("## How far to trust these figures") < busy.index("## Machine")
    assert "**⚠ This run is flagged.**" in busy
    assert "other processes took 62% of the 2 usable CPUs' time" in busy
    assert "OPENBLAS_NUM_THREADS=1" in busy and "IQR" in busy


def test_an_idle_run_with_narrow_figures_says_so(idle):
    assert "No flags" in idle and "This run is flagged" not in idle
    assert "other processes took 1% of the 2 usable CPUs' time" in idle


def test_without_a_gpu_the_report_says_why_how_to_get_it_and_shows_placeholders(busy):
    section = busy.split("## GPU")[1].split("\n## ")[0]
    assert "CuPy is not installed" in section and "dlgpu bench --out DIR" in section
    assert 'pip install "dlgpu[cuda12,bench]"' in section
    assert "| [784, 256, 128, 1] | 8192 | float32 | not measured |" in section
    assert "GPU: none usable by CuPy: CuPy is not installed" in busy


def test_with_a_gpu_there_is_no_placeholder(idle):
    assert "## GPU\n" not in idle and "GPU: NVIDIA H200" in idle


def test_skipped_peers_and_benchmarks_are_named_with_their_reason(busy):
    section = busy.split("## Not measured")[1].split("\n## ")[0]
    assert "- PyTorch: not installed: `pip install torch`" in section
    assert "- 21 benchmarks skipped: CuPy cannot run here" in section


def test_the_report_states_the_real_tf32_setting(idle, busy):
    assert "CuPy: **on** (`CUPY_TF32=1`" in idle and "TF32 is off" not in idle
    assert "CuPy: off (CUPY_TF32 unset)" in busy


@pytest.mark.parametrize("value, expected", [
    (None, False), ("0", False), ("1", True), ("2", True), ("-1", False), ("yes", None)])
def test_cupy_reads_cupy_tf32_as_an_integer(value, expected):
    # as cupy/_core/_routines_linalg.pyx: int(os.getenv('CUPY_TF32', '0')) > 0
    assert machine.cupy_tf32(value) is expected


@pytest.mark.parametrize("env, says", [
    ({"CUPY_TF32": "1"}, "CuPy: **on** (`CUPY_TF32=1`"), ({"CUPY_TF32": "0"}, "CuPy: off"),
    ({}, "CuPy: off (CUPY_TF32 unset)"), ({"CUPY_TF32": "yes"}, "is not an integer"),
    ({}, "PyTorch: not used")])
def test_tf32_text(env, says):
    assert says in sections.tf32_text({"env": env})


def test_tf32_text_reads_pytorchs_recorded_flags():
    text = sections.tf32_text({"env": {}, "tf32": {"torch": {
        "allow_tf32": True, "float32_matmul_precision": "high"}}})
    assert "PyTorch: **on** (`allow_tf32=True`, float32 matmul precision `high`)" in text


def _fake_torch():
    matmul = types.SimpleNamespace(allow_tf32=None)
    return types.SimpleNamespace(
        __version__="0+fake",
        backends=types.SimpleNamespace(cuda=types.SimpleNamespace(matmul=matmul),
                                       cudnn=types.SimpleNamespace(allow_tf32=None)),
        cuda=types.SimpleNamespace(is_available=lambda: True),
        get_float32_matmul_precision=lambda: "high" if matmul.allow_tf32 else "highest")


@pytest.mark.parametrize("value, allowed", [(None, False), ("1", True)])
def test_pytorch_follows_cupys_tf32_setting_and_is_recorded(monkeypatch, value, allowed):
    fake = _fake_torch()
    monkeypatch.setitem(sys.modules, "torch", fake)
    if value is None:
        monkeypatch.delenv("CUPY_TF32", raising=False)
    else:
        monkeypatch.setenv("CUPY_TF32", value)
    assert steps.torch_device("gpu") == "cuda"
    assert fake.backends.cuda.matmul.allow_tf32 is allowed
    settings = machine.tf32_settings()
    assert settings["cupy"] is allowed
    assert settings["torch"] == {"allow_tf32": allowed,
                                 "float32_matmul_precision": "high" if allowed else "highest"}


def test_cache_resident_activation_sizes_are_marked(busy):
    table = busy.split("### Time and bandwidth per call")[1].split("\n\n")[1]
    rows = {tuple(c.strip() for c in line.strip("|").split("|")[:3]): line
            for line in table.splitlines()[2:]}
    assert "(in cache)" in rows[("relu", "float32", "1e4")]
    assert "(in cache)" not in rows[("relu", "float32", "1e5")]
    assert "% of DRAM copy rate" in table


def test_side_by_side_cells_carry_the_spread_of_their_steps_and_of_their_ratios():
    from dlgpu.bench.results import Result
    from dlgpu.bench.tables import interleaved_table

    dlgpu_times = [0.030, 0.031, 0.032, 0.033, 0.034]
    sklearn_times = [0.050, 0.050, 0.060, 0.050, 0.050]  # round 3 was slowed
    info = {"kind": "interleaved", "layer_dims": [784, 256, 128, 1], "m": 8192,
            "dtype": "float32", "device": "cpu", "flops": 1.0,
            "interleaved": {"dlgpu": {"median_s": 0.032, "steps": 5, "times_s": dlgpu_times},
                            "sklearn": {"median_s": 0.050, "steps": 5,
                                        "times_s": sklearn_times}}}
    header, (row,) = interleaved_table([Result("side", 0.032, 0.032, 0.032, 5, info)])
    cells = dict(zip(header, row))
    assert cells["dlgpu"] == "32.0 ms (31.0–33.0)"
    # per-round ratios 0.60 0.62 0.533 0.66 0.68: median 0.62, IQR 0.60–0.66, which
    # spans the 0.60 target while the ratio of the medians (0.64) misses it
    assert cells["dlgpu ÷ scikit-learn (CPU target ≤ 0.60×)"] == \
        "0.64× (0.60–0.66) (unclear: the IQR spans the target)"
