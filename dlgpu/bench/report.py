"""``dlgpu bench``: run the benchmark suite (or read its JSON) and write the report.

    dlgpu bench --out DIR [--quick | --full] [-k EXPRESSION]
    dlgpu bench --out DIR --json FILE [FILE ...]

Without ``--json`` the suite shipped in :mod:`dlgpu.bench.suite` runs in a
fresh Python (``python -m pytest <suite> --benchmark-enable --benchmark-json
DIR/benchmark.json``), so the report always comes from a saved, re-readable
JSON file, and an installed dlgpu needs no source checkout.  ``--quick``
measures the small shapes with few rounds; ``--full`` adds the large sizes,
meant for a GPU.  ``DIR`` receives ``report.md`` and its PNG charts.  The
report opens with the run's flags (:mod:`dlgpu.bench.trust`): wide spreads,
a busy machine, and what to do about them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
from pathlib import Path

from . import charts, sections, tables, trust
from .results import ResultSet, load

REPORT = "report.md"
JSON = "benchmark.json"


def default_suite() -> Path:
    """The suite shipped in this dlgpu: :mod:`dlgpu.bench.suite`."""
    return Path(__file__).resolve().parent / "suite"


def suite_command(json_path: Path, suite: Path, select: str | None = None) -> list[str]:
    command = [sys.executable, "-m", "pytest", str(suite), "--benchmark-enable",
               f"--benchmark-json={json_path}", "-q", "-p", "no:cacheprovider"]
    return command + (["-k", select] if select else [])


def run_suite(json_path: Path, tier: str, suite: Path, select: str | None = None) -> int:
    """Run the suite at ``tier`` in a subprocess; returns pytest's exit status."""
    suite = Path(suite).resolve()
    if not (suite / "conftest.py").is_file():
        raise FileNotFoundError(
            f"the benchmark suite is not at {suite} (no conftest.py): pass --benchmarks DIR, "
            f"or read saved results with --json FILE")
    env = {key: value for key, value in os.environ.items() if key != "DLGPU_BENCH_FULL"}
    env["DLGPU_BENCH_TIER"] = tier
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing written into an installed package
    # The subprocess must import this same dlgpu, installed or not.
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    command = suite_command(json_path, suite, select)
    print("running:", " ".join(command), f"(DLGPU_BENCH_TIER={tier})", flush=True)
    return subprocess.run(command, cwd=suite.parent, env=env, check=False).returncode


def _machine_lines(result_set: ResultSet) -> list[str]:
    lines = []
    for source in result_set.sources:
        described = source.machine.get("dlgpu") or {}
        blas = described.get("blas") or {}
        gpu = described.get("gpu")
        commit = source.commit if source.commit.get("id") != "unversioned" else {}
        lines.append(f"**{Path(source.path).name}**, measured {source.datetime or 'at an unknown time'}"
                     + (f", commit `{str(commit.get('id', ''))[:10]}`"
                        + (" (with uncommitted changes)" if commit.get("dirty") else "")
                        if commit.get("id") else "") + ":")
        lines.append("")
        lines.append(f"- CPU: {described.get('cpu_model', source.machine.get('processor', '?'))}, "
                     f"{described.get('cpus', '?')} usable cores, "
                     f"{described.get('memory_gib', '?')} GiB; {described.get('os', '?')}")
        lines.append(f"- Python {described.get('python', '?')}, dlgpu {described.get('dlgpu', '?')}, "
                     f"NumPy {described.get('numpy', '?')}"
                     + (f" with {blas.get('internal_api')} {blas.get('version')} "
                        f"({blas.get('architecture')} kernels, {blas.get('num_threads')} threads)"
                        if blas else ""))
        lines.append(f"- PyTorch {described.get('torch') or 'not installed'}"
                     + (f" ({described['torch_threads']} threads)"
                        if described.get("torch_threads") else "")
                     + f", scikit-learn {described.get('scikit-learn') or 'not installed'}")
        if gpu:
            lines.append(f"- GPU: {gpu['name']} (compute capability {gpu['compute_capability']}, "
                         f"{gpu['memory_gib']} GiB, {gpu['multiprocessors']} SMs); driver "
                         f"{gpu.get('driver') or '?'}; CUDA driver API {gpu['cuda_driver']}, "
                         f"runtime {gpu['cuda_runtime']}; CuPy {gpu['cupy']}")
        else:
            lines.append("- GPU: none usable by CuPy"
                         + (f": {described['gpu_unavailable']}"
                            if described.get("gpu_unavailable") else ""))
        lines.append("- TF32 for float32 matrix products on a GPU: "
                     + sections.tf32_text(described))
        if described.get("env"):
            lines.append("- Environment: " + ", ".join(
                f"`{k}={v}`" for k, v in described["env"].items()))
        lines.append("")
    return lines


METHOD = """\
Every figure is a median over timed rounds, with all implementations measured
in the same run, one after another, on the same problem: the same network (ReLU
hidden layers, sigmoid output, mean cross-entropy), starting parameters, data,
dtype and learning rate, plain gradient descent.  On a GPU, a warm-up call runs
outside the timed region (kernel compilation, cuBLAS handle, memory pools), and
each round runs many steps and synchronizes the device before the clock is
read; TF32 is as the Machine section says.  After each time comes its
interquartile range over rounds in the same unit, "41.2 ms (40.5–43.1)"; after
each ratio, the range of ratios those ranges allow (or, side by side, the IQR of
the ratios of steps taken in the same round).  ⚠ marks a wide one (see the top).

FLOPs are those of the matrix products (2 per multiply-add; no dA[0]); bytes
are the least traffic of a step that keeps each layer's output for the backward
pass (see `dlgpu.bench.counts`).  The ceilings are measured in the same run on
the same machine: a square matrix product (GEMM rate) and a large array copy
(bandwidth, bytes read + written).  The roofline floor of a step is
max(FLOPs / GEMM rate, bytes / bandwidth); "% of floor" is floor / measured time.
A ratio "dlgpu ÷ X" is dlgpu's time over X's: below 1.00× dlgpu is faster."""


LAUNCHES_NOTE = """\
dlgpu's launches and bytes are those of its CUDA path, the same on every
machine: its kernel table (`dlgpu.bench.counts.step_kernels`, one GEMM, fused
elementwise kernel or reduction per entry), which the tests check kernel by
kernel against the launches counted on the CuPy stand-in
(`tests/bench/test_step_kernels.py`), with each kernel's bytes those of the
arrays it reads and writes, each once.  On a CPU row NumPy does the same
arithmetic in more, unfused passes, so there they say what the GPU step issues.
The minimum is the least traffic the maths needs (each matrix product reads its
operands and writes its result once, with the elementwise work fused into
them); the ratio is what dlgpu's separate elementwise passes add.  PyTorch's launches come
from `torch.profiler` over one step after a warm-up: on a GPU, the CUDA
kernels (copies and memsets included) it saw on the device; on a CPU, the
top-level ATen operators (views and transposes included), which are calls,
not kernels."""


def _torch_note(result_set: ResultSet, steps) -> str:
    described = [(s.machine.get("dlgpu") or {}) for s in result_set.sources]
    if any(d and not d.get("torch") for d in described):
        return ("  PyTorch was not installed, so its columns hold a dash "
                "(`pip install torch` to measure it).")
    if any(r.impl == "torch" and r.info.get("launches") is None for r in steps):
        return ("  A dash in PyTorch's launches: the file predates their record, or "
                "PyTorch did not run that case.")
    return ""


def _section(title: str, table) -> list[str]:
    if not table[1]:
        return []
    return [f"### {title}", "", tables.markdown(table), ""]


def build_report(result_set: ResultSet, out_dir, command: str | None = None) -> Path:
    """Write ``report.md`` and its charts into ``out_dir``; returns the report's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steps, runs = result_set.of_kind("step"), result_set.of_kind("run")
    interleaved = result_set.of_kind("interleaved")
    activations = result_set.of_kind("activation")
    lines = ["# dlgpu benchmark report", "",
             f"Written {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}"
             + (f" by `{command}`" if command else "") + ".", ""]
    lines += sections.trust_section(result_set)
    flag = charts.flag_banner(f.short or "flagged" for f in
                              trust.assess(result_set.results, result_set.sources))
    lines += ["## Machine", ""]
    lines += _machine_lines(result_set)
    lines += sections.skipped_section(result_set, interleaved)
    lines += ["## How it was measured", "", METHOD, ""]
    if interleaved:
        lines += ["## Side by side, taking turns", "",
                  ("The implementations take turns, one timed block of steps each per round "
                   "(after one untimed step, so that switching libraries costs nothing), in a "
                   "rotating order: "
                   "a burst of other work on a shared machine then slows all of them alike.  "
                   "Medians of each implementation's steps; the targets are the CPU's "
                   "(NumPy backend, float32).  *matrix products alone* takes turns too: "
                   "the step's matrix products and nothing else, on the same backend "
                   "(`dlgpu.bench.steps.step_products`).  Every implementation multiplies "
                   "the same matrices, so on this BLAS no step can be faster; a ratio "
                   "target below *products alone ÷ peer* cannot be met on this machine, "
                   "and dlgpu's time beyond the products is its elementwise work."), ""]
        lines += _section("Time per step, interleaved", tables.interleaved_table(interleaved))
    if steps:
        lines += ["## One training step (forward + backward + update)", ""]
        lines += _section("Time per step", tables.training_table(steps, "time"))
        lines += _section("Examples per second", tables.training_table(steps, "examples"))
        lines += _section("dlgpu against its peers and the hardware, per step",
                          tables.comparison_table(steps))
        launches = _section("Launches and bytes moved per step", tables.launches_table(steps))
        lines += launches + ([LAUNCHES_NOTE + _torch_note(result_set, steps), ""]
                             if launches else [])
        lines += _section("GPU against CPU, per step", tables.speedup_table(steps))
        charts.training_time_chart(steps, out / "step_time.png", "step", flag)
        charts.roofline_chart(steps, out / "step_roofline.png", flag)
        lines += ["![time per training step](step_time.png)", "",
                  "![percent of the roofline floor](step_roofline.png)", ""]
    lines += sections.gpu_section(result_set, steps + interleaved)
    if runs:
        iterations = sorted({r.info.get("iterations") for r in runs})
        lines += ["## Whole training runs", "",
                  (f"From host (NumPy) data to a trained model: input checks, the move to "
                   f"the device, initialisation and {', '.join(map(str, iterations))} "
                   f"full-batch iterations, as one call of each library."), ""]
        lines += _section("Time per run", tables.training_table(runs, "time"))
        lines += _section("dlgpu against its peers and the hardware, per run",
                          tables.comparison_table(runs))
        lines += _section("GPU against CPU, per run", tables.speedup_table(runs))
        charts.training_time_chart(runs, out / "run_time.png", "run", flag)
        lines += ["![time per training run](run_time.png)", ""]
    if activations:
        lines += ["## Activations, forward + backward", "",
                  ("Each call refreshes its two inputs (two copies), then runs the fused "
                   "`A <- g(A + b)` and `dA <- dA * g'(A)`: 9 n elements moved.  The "
                   "percent is of the DRAM copy rate, the bandwidth ceiling measured on "
                   "arrays far larger than the caches; a call whose four arrays fit in the "
                   "CPU's last-level cache (\"in cache\") runs from the cache and can pass "
                   "100%."), ""]
        lines += _section("Time and bandwidth per call",
                          tables.activation_table(activations, _llc_bytes(result_set)))
        charts.activation_chart(activations, out / "activations.png", _llc_bytes(result_set),
                                flag)
        lines += ["![activation throughput](activations.png)", ""]
    lines += _section("Ceilings measured in this run", tables.ceilings_table(result_set.results))
    if result_set.others:
        lines += ["## Other benchmarks in the files", "",
                  "Not in the tables above (no dlgpu `kind` in their `extra_info`): "
                  + ", ".join(f"`{name}`" for name in result_set.others) + ".", ""]
    if result_set.replaced:
        lines += ["Results given again by a later file (the later one is used): "
                  + "; ".join(result_set.replaced) + ".", ""]
    report = out / REPORT
    report.write_text("\n".join(lines), encoding="utf-8")
    return report


def _llc_bytes(result_set: ResultSet) -> int | None:
    sizes = [(s.machine.get("dlgpu") or {}).get("llc_bytes") for s in result_set.sources]
    return min(sizes) if sizes and None not in sizes else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlgpu bench",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Run the benchmark suite shipped with dlgpu (or read its saved JSON) and write
a Markdown report with PNG charts: dlgpu beside the course's NumPy code,
PyTorch and scikit-learn (each when installed), on the CPU and, where CuPy
runs, on the GPU.  Needs dlgpu[bench] (pytest, pytest-benchmark, matplotlib).""",
        epilog="""\
Results go to DIR/report.md with PNG charts; a run also keeps DIR/benchmark.json.
The report opens with its flags: figures whose IQR over rounds exceeds 10% of
the median, and a machine busy with other work before, during or after the run,
each with what to do (for example OPENBLAS_NUM_THREADS=1, or an idle machine).

examples:
  dlgpu bench --quick --out report/          short run: small shapes, few rounds
  dlgpu bench --out report/                  default sizes
  dlgpu bench --full --out report/ -k cupy   the large shapes, GPU rows only
  dlgpu bench --out report/ --json a.json b.json   a report from saved results""")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the report")
    parser.add_argument("--json", nargs="+", metavar="FILE",
                        help="read these pytest-benchmark JSON files instead of running")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="small shapes (the course's cat network, [784,128,128,1] at m=256, "
                           "[784,256,128,1] at m=8192; activations of 1e4 and 1e5 elements), "
                           "0.25 s of rounds (3 to 15) per benchmark, 3 s side by side, "
                           "smaller ceilings: for checks, not for figures to quote")
    size.add_argument("--full", action="store_true",
                      help="add the large sizes (gigabytes per array; meant for a GPU)")
    parser.add_argument("-k", dest="select", metavar="EXPRESSION",
                        help="run only the benchmarks matching this pytest -k expression")
    parser.add_argument("--benchmarks", type=Path, default=None, metavar="DIR",
                        help="another benchmark suite to run (default: the one shipped in "
                             "dlgpu, dlgpu/bench/suite)")
    return parser


def main(argv=None) -> int:
    """Entry point of ``dlgpu bench``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed
        return int(exc.code or 0)
    if args.json and (args.quick or args.full or args.select or args.benchmarks):
        parser.print_usage(sys.stderr)
        print("dlgpu bench: error: --quick, --full, -k and --benchmarks choose what to run; "
              "they do not apply to --json", file=sys.stderr)
        return 2
    out = Path(args.out)
    status = 0
    try:
        if args.json:
            paths = args.json
        else:
            out.mkdir(parents=True, exist_ok=True)
            tier = "quick" if args.quick else "full" if args.full else "default"
            json_path = (out / JSON).resolve()
            status = run_suite(json_path, tier, args.benchmarks or default_suite(), args.select)
            if not json_path.is_file():
                print(f"dlgpu bench: error: the suite wrote no results (pytest exit status "
                      f"{status})", file=sys.stderr)
                return status or 1
            paths = [json_path]
        result_set = load(paths)
        report = build_report(result_set, out, "dlgpu bench " + " ".join(argv))
    except (OSError, ValueError, ImportError) as exc:
        print(f"dlgpu bench: error: {exc}", file=sys.stderr)
        return 2
    print(f"report: {report}")
    flags = trust.assess(result_set.results, result_set.sources)
    if flags:
        reasons = ", ".join(dict.fromkeys(f.short for f in flags))
        print(f"dlgpu bench: this run is flagged ({reasons}): see the top of {report}",
              file=sys.stderr)
    if status:
        print(f"dlgpu bench: some benchmarks failed (pytest exit status {status}); "
              f"the report holds the others", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
