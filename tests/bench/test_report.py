"""The report, from real pytest-benchmark JSON: its tables and charts hold the numbers
that went in.

``data/cpu_quick.json`` was written by a real run of the suite on the 2-core
development machine (``DLGPU_BENCH_TIER=quick python3 -m pytest benchmarks
--benchmark-enable --benchmark-json=...``, a subset chosen with ``-k``); one
test also runs the suite itself, on two benchmarks, through ``main``.
"""

import json
from pathlib import Path

import pytest

from dlgpu.bench import report
from dlgpu.bench.counts import dlgpu_step_bytes, step_bytes, step_launches
from dlgpu.bench.results import load
from dlgpu.bench.tables import (
    column_label,
    format_bytes,
    format_count,
    format_ratio,
    format_ratio_spread,
    format_seconds,
    format_seconds_spread,
    network,
)

from ..helpers import require

FIXTURE = Path(__file__).parent / "data" / "cpu_quick.json"
#: the step benchmarks of dlgpu and PyTorch from a later quick run, which recorded the
#: launches (PyTorch's from its profiler) and the bytes dlgpu moves per step
LAUNCHES = Path(__file__).parent / "data" / "cpu_quick_launches.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _tables(markdown: str) -> dict:
    """``### title`` -> (header, rows) for each table of the report."""
    found, title, lines = {}, None, markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("### "):
            title = line[4:]
        elif line.startswith("| ") and title and title not in found:
            block = lines[i:]
            block = block[:next((j for j, l in enumerate(block) if not l.startswith("|")),
                                len(block))]
            cells = [[c.strip() for c in l.strip("|").split("|")] for l in block]
            found[title] = (cells[0], cells[2:])
    return found


def _cell(table, row_start, column):
    header, rows = table
    row = next(r for r in rows if r[:len(row_start)] == row_start)
    return row[header.index(column)]


def _benchmarks(path=FIXTURE):
    return [b for b in json.loads(path.read_text())["benchmarks"] if "kind" in b["extra_info"]]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    require("matplotlib")
    out = tmp_path_factory.mktemp("report")
    path = report.build_report(load([FIXTURE]), out, "test")
    return out, path.read_text(encoding="utf-8")


def test_the_fixture_is_a_real_run_with_peers():
    kinds = {(b["extra_info"]["kind"], b["extra_info"]["impl"]) for b in _benchmarks()}
    assert {("step", "dlgpu"), ("step", "torch"), ("step", "sklearn"), ("step", "course"),
            ("activation", "dlgpu"), ("run", "dlgpu"), ("interleaved", "dlgpu")} <= kinds


def test_interleaved_table_holds_each_median_ratio_and_verdict(written):
    _, text = written
    table = _tables(text)["Time per step, interleaved"]
    (b,) = [b for b in _benchmarks() if b["extra_info"]["kind"] == "interleaved"]
    info = b["extra_info"]
    medians = {name: v["median_s"] for name, v in info["interleaved"].items()}
    row = [network(info["layer_dims"]), str(info["m"]), info["dtype"], "CPU"]
    for impl, label in (("dlgpu", "dlgpu"), ("course", "course"), ("torch", "PyTorch"),
                        ("sklearn", "scikit-learn")):
        assert _cell(table, row, label) == format_seconds(medians[impl])
    for peer, label, target in (("torch", "PyTorch", "1.10"), ("sklearn", "scikit-learn", "0.60")):
        ratio = medians["dlgpu"] / medians[peer]
        verdict = "met" if ratio <= float(target) else "not met"
        assert _cell(table, row, f"dlgpu ÷ {label} (CPU target ≤ {target}×)") == \
            f"{format_ratio(ratio)} ({verdict})"
        assert _cell(table, row, f"products alone ÷ {label}") == \
            format_ratio(medians["products"] / medians[peer])
    assert _cell(table, row, "matrix products alone") == format_seconds(medians["products"])


def test_step_tables_hold_each_median_and_ratio(written):
    _, text = written
    tables = _tables(text)
    medians = {}
    for b in _benchmarks():
        info = b["extra_info"]
        if info["kind"] != "step":
            continue
        row = [network(info["layer_dims"]), str(info["m"]), info["dtype"]]
        column = column_label(info["impl"], info["device"])
        stats = b["stats"]
        median, q1, q3 = stats["median"], stats["q1"], stats["q3"]
        medians[(tuple(info["layer_dims"]), info["m"], info["impl"])] = (median, q1, q3)
        assert _cell(tables["Time per step"], row, column) == \
            format_seconds_spread(median, q1, q3)
        assert _cell(tables["Examples per second"], row, column) == (
            f"{format_count(info['m'] / median)} "
            f"({format_count(info['m'] / q3)}–{format_count(info['m'] / q1)})")
    comparison = tables["dlgpu against its peers and the hardware, per step"]
    for (dims, m, impl), (median, q1, q3) in medians.items():
        if impl == "dlgpu" and (dims, m, "torch") in medians:
            row = [network(dims), str(m), "float32", "CPU"]
            for peer, label in (("torch", "PyTorch"), ("sklearn", "scikit-learn")):
                theirs, t1, t3 = medians[(dims, m, peer)]
                assert _cell(comparison, row, f"dlgpu ÷ {label}") == \
                    format_ratio_spread(median / theirs, q1 / t3, q3 / t1)


def test_run_activation_and_ceiling_tables_hold_their_numbers(written):
    _, text = written
    tables = _tables(text)
    for b in _benchmarks():
        info, median = b["extra_info"], b["stats"]["median"]
        if info["kind"] == "run":
            row = [network(info["layer_dims"]), str(info["m"]), info["dtype"]]
            assert _cell(tables["Time per run"], row, column_label(info["impl"], "cpu")) == \
                format_seconds_spread(median, b["stats"]["q1"], b["stats"]["q3"])
        elif info["kind"] == "activation":
            row = [info["activation"], info["dtype"], f"{info['elements']:.0e}".replace("e+0", "e")]
            assert _cell(tables["Time and bandwidth per call"], row, "CPU time") == \
                format_seconds_spread(median, b["stats"]["q1"], b["stats"]["q3"])
        ceiling_row = ["CPU", info["device_name"], info["dtype"]]
        assert _cell(tables["Ceilings measured in this run"], ceiling_row, "GEMM GFLOP/s") == \
            f"{info['gemm_flops_per_s'] / 1e9:.1f}"


def test_report_describes_the_machine(written):
    _, text = written
    described = json.loads(FIXTURE.read_text())["machine_info"]["dlgpu"]
    assert described["cpu_model"] in text and f"{described['cpus']} usable cores" in text
    assert f"NumPy {described['numpy']}" in text and "GPU: none" in text


def test_charts_exist_and_carry_the_plotted_numbers(written):
    from PIL import Image
    out, text = written
    for name in ("step_time.png", "step_roofline.png", "run_time.png", "activations.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC and f"]({name})" in text
    series = json.loads(Image.open(out / "step_time.png").text["Description"])["series"]
    plotted = {(label, case): v for label, cases in series.items() for case, v in cases.items()}
    steps = [b for b in _benchmarks() if b["extra_info"]["kind"] == "step"]
    assert len(plotted) == len(steps)
    for b in steps:
        info = b["extra_info"]
        case = f"{network(info['layer_dims'])} m={info['m']} {info['dtype']}"
        assert plotted[(column_label(info["impl"], "cpu"), case)] == b["stats"]["median"]
    activations = json.loads(Image.open(out / "activations.png").text["Description"])
    for b in _benchmarks():
        info = b["extra_info"]
        if info["kind"] == "activation":
            label = f"{info['activation']} CPU"
            gbs = activations["series"][info["dtype"]][label][str(info["elements"])]
            assert gbs == pytest.approx(info["bytes"] / b["stats"]["median"] / 1e9)


def test_main_reads_json_and_reports_mistakes(tmp_path, capsys):
    require("matplotlib")
    assert report.main(["--out", str(tmp_path), "--json", str(FIXTURE)]) == 0
    assert (tmp_path / "report.md").is_file()
    # the fixture predates the load record, and some of its figures are wide
    assert "this run is flagged (load not recorded, 5 of 21 figures wide)" in \
        capsys.readouterr().err
    assert report.main(["--out", str(tmp_path), "--json", str(tmp_path / "nope.json")]) == 2
    assert "no such benchmark JSON file" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{\"benchmarks\": 3}")
    assert report.main(["--out", str(tmp_path), "--json", str(tmp_path / "bad.json")]) == 2
    assert "not a pytest-benchmark JSON" in capsys.readouterr().err
    assert report.main(["--out", str(tmp_path), "--json", str(FIXTURE), "--quick"]) == 2
    assert "do not apply to --json" in capsys.readouterr().err
    assert report.main(["--json", str(FIXTURE)]) == 2  # --out is required


def test_main_runs_the_suite_and_reports_from_its_saved_json(tmp_path):
    require("matplotlib")
    select = ("test_activation_forward_backward and numpy-relu-float32-10000] "
              "or test_training_step and numpy-dlgpu-784x128x128x1")
    assert report.main(["--out", str(tmp_path), "--quick", "-k", select]) == 0
    saved = json.loads((tmp_path / "benchmark.json").read_text())
    assert sorted(b["extra_info"]["kind"] for b in saved["benchmarks"]) == ["activation", "step"]
    assert saved["machine_info"]["dlgpu"]["cpus"] >= 1
    # the suite recorded the machine's load around the run, and what it skipped
    recorded = saved["dlgpu_load"]
    assert recorded["wall_s"] > 0 and recorded["own_cpus"] > 0
    assert len(recorded["calibration_before_s"]) == len(recorded["calibration_after_s"]) > 0
    assert isinstance(saved["dlgpu_skipped"], dict)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    step = next(b for b in saved["benchmarks"] if b["extra_info"]["kind"] == "step")
    assert format_seconds(step["stats"]["median"]) in text
    assert "## How far to trust these figures" in text and "Measured over the run" in text
    assert (tmp_path / "step_time.png").is_file() and (tmp_path / "activations.png").is_file()


def test_the_suite_ships_inside_the_package():
    import dlgpu
    from dlgpu.bench.suite import test_bench_training
    suite = report.default_suite()
    assert suite == Path(dlgpu.__file__).parent / "bench" / "suite"
    assert (suite / "conftest.py").is_file() and (suite / "__init__.py").is_file()
    # the source tree's benchmarks/ runs the same functions, not copies
    from benchmarks import test_bench_training as entry
    assert entry.test_side_by_side is test_bench_training.test_side_by_side


def _launch_rows(text):
    return _tables(text)["Launches and bytes moved per step"]


def test_launch_table_of_a_file_that_predates_the_counts(written):
    """dlgpu's columns come from this dlgpu's kernel table; PyTorch's are a dash, said why."""
    _, text = written
    table = _launch_rows(text)
    steps = [b for b in _benchmarks() if b["extra_info"]["kind"] == "step"]
    for b in steps:
        info = b["extra_info"]
        if info["impl"] not in ("dlgpu", "torch"):
            continue
        dims, m = info["layer_dims"], info["m"]
        row = [network(dims), str(m), info["dtype"], "CPU"]
        assert _cell(table, row, "minimum bytes") == format_bytes(step_bytes(dims, m, "float32"))
        assert _cell(table, row, "PyTorch launches") == "—"
        if info["impl"] == "dlgpu":
            moved = dlgpu_step_bytes(dims, m, "float32")
            assert _cell(table, row, "dlgpu launches") == f"{step_launches(dims)} kernels"
            assert _cell(table, row, "dlgpu bytes") == format_bytes(moved)
            assert _cell(table, row, "dlgpu bytes ÷ minimum") == \
                format_ratio(moved / step_bytes(dims, m, "float32"))
            assert _cell(table, row, "dlgpu") == format_seconds_spread(
                b["stats"]["median"], b["stats"]["q1"], b["stats"]["q3"])
    assert "kernel by\nkernel against the launches counted on the CuPy stand-in" in text
    assert "the file predates their record" in text


def test_launch_table_holds_the_recorded_counts(tmp_path):
    require("matplotlib")
    text = report.build_report(load([LAUNCHES]), tmp_path, "test").read_text(encoding="utf-8")
    table = _launch_rows(text)
    benchmarks = _benchmarks(LAUNCHES)
    assert {b["extra_info"]["impl"] for b in benchmarks} == {"dlgpu", "torch"}
    for b in benchmarks:
        info = b["extra_info"]
        dims, m = info["layer_dims"], info["m"]
        row = [network(dims), str(m), info["dtype"], "CPU"]
        stats = b["stats"]
        time = format_seconds_spread(stats["median"], stats["q1"], stats["q3"])
        if info["impl"] == "dlgpu":
            # recorded from the kernel table, which today's gives again
            assert info["launches"] == step_launches(dims)
            assert info["moved_bytes"] == dlgpu_step_bytes(dims, m, info["dtype"])
            assert _cell(table, row, "dlgpu launches") == f"{info['launches']} kernels"
            assert _cell(table, row, "dlgpu bytes") == format_bytes(info["moved_bytes"])
            assert _cell(table, row, "dlgpu bytes ÷ minimum") == \
                format_ratio(info["moved_bytes"] / info["bytes"])
            assert _cell(table, row, "dlgpu") == time
        else:
            assert info["launches_unit"] == "aten ops" and info["launches"] > 0
            assert _cell(table, row, "PyTorch launches") == f"{info['launches']} aten ops"
            assert _cell(table, row, "PyTorch") == time
    assert "the file predates" not in text and "PyTorch was not installed" not in text
    assert "top-level ATen operators" in text


def test_launch_table_without_pytorch_says_so(tmp_path):
    require("matplotlib")
    data = json.loads(LAUNCHES.read_text())
    data["benchmarks"] = [b for b in data["benchmarks"] if b["extra_info"]["impl"] != "torch"]
    data["machine_info"]["dlgpu"]["torch"] = None
    path = tmp_path / "no_torch.json"
    path.write_text(json.dumps(data))
    text = report.build_report(load([path]), tmp_path / "out", "test").read_text(encoding="utf-8")
    header, rows = _launch_rows(text)
    assert rows and all(r[header.index("PyTorch launches")] == "—" for r in rows)
    assert all(r[header.index("PyTorch")] == "—" for r in rows)
    assert "PyTorch was not installed, so its columns hold a dash" in text


def test_format_bytes():
    assert format_bytes(136079892) == "136 MB"
    assert format_bytes(5839077396) == "5.84 GB"
    assert format_bytes(2048) == "2.05 kB" and format_bytes(12) == "12 B"
