"""The prepared check for a lent GPU: every GPU claim of dlgpu, measured in one run.

    PYTHONPATH=$PWD bash scripts/gpu_check.sh OUT [--dry-run]
    PYTHONPATH=$PWD python3 scripts/gpu_check.py OUT [--dry-run] [--limit SECONDS]
                                                  [--steps NAME,NAME...]

Run from the repository root.  A lent machine gives 15 minutes of device
time, start-up included, so the whole check fits in 7 minutes: each step
runs in its own process group (a new session) with a planned time budget,
and at its budget the whole group is killed (SIGKILL), children included;
the budgets sum to ``PLANNED_S`` (400 s), and the check stops by itself at
``--limit`` seconds (default 410), skipping the steps it has no time left
for; ``gpu_check.sh`` guards the driver at 420 s.  Into OUT it writes

* ``gpu_check.json`` -- one record per step: name, status (passed, failed,
  timed out, skipped), seconds, budget, detail; rewritten after every step,
  so a check stopped from outside still leaves what it had;
* ``gpu_check.md`` -- the same as a table;
* ``gpu_check.log`` -- every step's output;
* ``report.md`` -- ``dlgpu bench``'s report;
* ``extras.tar.gz`` -- the bench's charts and JSON, the tests' JUnit XML.

and it prints a one-screen summary.  The steps, most informative first
(budgets in seconds): ``info`` (10) the device and versions; ``mpi`` (10)
whether ``from mpi4py import MPI`` works (without an MPI runtime the
distributed tests skip, saying so); ``real_cupy`` (15) real CuPy runs here
and the tests will use it, not the stand-in; ``kernels`` (60) every
activation kernel against the NumPy path at 1e8 elements; ``parity`` (40)
DeepNN and the course's functions on CuPy against NumPy; ``streaming``
(30) a memory-mapped file streamed to the GPU gives the same bits as
resident data, the bytes read per epoch, the time per epoch; ``oom`` (20)
out of memory under a pool limit; ``model_files`` (15) models saved on one
backend load on the other; ``cupy_tests`` (120) the test suite's CuPy
cases (``-k cupy``) on real CuPy; ``bench`` (80) ``dlgpu bench --quick``
with PyTorch on the GPU beside CuPy.
``DLGPU_GPU_CHECK_BUDGETS="bench=120,kernels=60"`` changes budgets.

``--dry-run`` runs the same steps with tiny sizes on the tests' CuPy
stand-in (``tests/cupy_standin``) and NumPy, a test-suite subset, and the
bench report from saved results; ``tests/test_gpu_check.py`` runs it in CI
so this script cannot rot.  A dry run proves nothing about a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: planned seconds per step, most informative first
STEPS = {"info": 10, "mpi": 10, "real_cupy": 15, "kernels": 60, "parity": 40, "streaming": 30,
         "oom": 20, "model_files": 15, "cupy_tests": 120, "bench": 80}
PLANNED_S = sum(STEPS.values())  # 400
RESERVE_S = 5  # kept at the end for the report and the archive
LIMIT_S = PLANNED_S + 10  # the driver stops itself here; gpu_check.sh kills it at 420 s
LEASE_S = 420  # all of it, on one H100 or H200: 7 of a lease's 15 minutes
MIN_STEP_S = 3  # a step given less than this is skipped


# -- the driver -------------------------------------------------------------------------------

def budgets() -> dict[str, float]:
    chosen = dict(STEPS)
    for item in filter(None, os.environ.get("DLGPU_GPU_CHECK_BUDGETS", "").split(",")):
        name, _, seconds = item.partition("=")
        if name.strip() not in STEPS:
            raise SystemExit(f"DLGPU_GPU_CHECK_BUDGETS: unknown step {name.strip()!r}; "
                             f"steps are {', '.join(STEPS)}")
        chosen[name.strip()] = float(seconds)
    return chosen


def run_group(command: list[str], seconds: float, log, **kwargs) -> int | None:
    """Run ``command`` in a new session (its own process group); at ``seconds`` kill the
    whole group with SIGKILL.  Whatever it left running is killed too.  Returns its exit
    status, or None when it ran out of time."""
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True, **kwargs)
    try:
        code = process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        code = None
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # nothing of it is left
        pass
    process.wait()
    return code


def run_step(name: str, seconds: float, out: Path, dry: bool, log) -> dict:
    """Run step ``name`` in a child process group with a budget; return its record."""
    result = out / "steps" / f"{name}.json"
    result.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), str(out), "--step", name]
    if dry:
        command.append("--dry-run")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(ROOT), os.environ.get("PYTHONPATH")])), "PYTHONUNBUFFERED": "1",
        "DLGPU_BACKEND": "cupy", "DLGPU_GPU_CHECK_STEP_BUDGET": f"{seconds:.1f}"}
    log.write(f"\n===== {name} (budget {seconds:.0f} s) =====\n")
    log.flush()
    start = time.monotonic()
    code = run_group(command, seconds, log, cwd=ROOT, env=env)
    record = {"name": name, "budget": round(seconds, 1),
              "seconds": round(time.monotonic() - start, 2)}
    if result.exists():
        record.update(json.loads(result.read_text()))
    elif code is None:
        record.update(status="timed out", detail=f"killed at its budget of {seconds:.0f} s")
    else:
        record.update(status="failed", detail=f"exited with status {code} before reporting; "
                                              "see gpu_check.log")
    return record


def write_records(out: Path, header: dict, records: list[dict]) -> None:
    (out / "gpu_check.json").write_text(json.dumps({**header, "steps": records}, indent=2))
    lines = [f"# GPU check ({header['mode']})", "",
             f"{header['started']}, planned time budget {header['planned_s']:.0f} s in all, "
             f"limit {header['limit_s']:.0f} s. "
             + ("A dry run on the CuPy stand-in: it proves nothing about a GPU." if
                header["mode"] == "dry run" else ""), "",
             "| step | status | seconds | budget | detail |", "|---|---|---|---|---|"]
    for r in records:
        detail = r["detail"] if isinstance(r["detail"], str) else json.dumps(r["detail"])
        detail = detail.replace("|", "/").replace("\n", " ")
        lines.append(f"| {r['name']} | {r['status']} | {r['seconds']} | {r['budget']} "
                     f"| {detail[:400]} |")
    (out / "gpu_check.md").write_text("\n".join(lines) + "\n")


def _gist(detail) -> str:
    """A step's detail in a few words: its checks passed, its plain values."""
    if not isinstance(detail, dict):
        return str(detail)
    checks = [v["ok"] for v in detail.values() if isinstance(v, dict) and "ok" in v]
    words = [f"{sum(checks)} of {len(checks)} checks ok"] if checks else []
    words += [f"{k}={v}" for k, v in detail.items() if isinstance(v, (str, int, float, bool))]
    return ", ".join(words + detail.get("lines", [])[:1])


def summary(header: dict, records: list[dict]) -> str:
    """One screen: a line per step (status, seconds of budget, the gist of its detail)."""
    lines = [(f"GPU check ({header['mode']}): {header['seconds']:.0f} s of a planned "
              f"{header['planned_s']:.0f} s (limit {header['limit_s']:.0f} s)")]
    for r in records:
        gist = " ".join(_gist(r["detail"]).split())
        lines.append(f"  {r['name']:<12} {r['status']:<9} {r['seconds']:>6.1f}/"
                     f"{r['budget']:<4.0f} s  {gist[:75]}")
    passed = sum(r["status"] == "passed" for r in records)
    lines.append(f"{passed} of {len(records)} steps passed; details in gpu_check.md")
    return "\n".join(lines)


def pack_extras(out: Path) -> None:
    """At most 8 files come back from a lent machine: the rest goes into one archive."""
    bench_report = out / "bench" / "report.md"
    if bench_report.exists():
        shutil.copy(bench_report, out / "report.md")
    folders = [out / name for name in ("bench", "steps") if (out / name).exists()]
    if folders:
        with tarfile.open(out / "extras.tar.gz", "w:gz") as archive:
            for folder in folders:
                archive.add(folder, arcname=folder.name)
        for folder in folders:
            shutil.rmtree(folder)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the results ($OUT on the device)")
    parser.add_argument("--dry-run", action="store_true",
                        help="tiny sizes on the CuPy stand-in (CI)")
    parser.add_argument("--limit", type=float, default=LIMIT_S, help="overall seconds")
    parser.add_argument("--steps", default=",".join(STEPS), help="a comma-separated subset")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # in a child process: run one step
    args = parser.parse_args(argv)
    if args.step:
        return run_one(args.step, args.out, args.dry_run)
    start = time.monotonic()
    chosen, seconds = args.steps.split(","), budgets()
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        parser.error(f"unknown steps {unknown}; steps are {', '.join(STEPS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "steps").mkdir(exist_ok=True)
    planned = sum(seconds[name] for name in chosen)
    header = {"mode": "dry run" if args.dry_run else "gpu",
              "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
              "planned_s": planned, "limit_s": args.limit, "finished": False}
    print(f"planned time budget: {planned:.0f} s in all (limit {args.limit:.0f} s): "
          + ", ".join(f"{name} {seconds[name]:.0f}" for name in chosen), flush=True)
    records: list[dict] = []
    with open(args.out / "gpu_check.log", "w") as log:
        for name in chosen:
            left = args.limit - RESERVE_S - (time.monotonic() - start)
            if left < MIN_STEP_S:
                records.append({"name": name, "status": "skipped", "seconds": 0,
                                "budget": seconds[name],
                                "detail": f"the overall limit of {args.limit:.0f} s was reached"})
            else:
                records.append(run_step(name, min(seconds[name], left), args.out, args.dry_run,
                                        log))
            print(f"{name}: {records[-1]['status']} ({records[-1]['seconds']} s)", flush=True)
            write_records(args.out, header, records)
    header["finished"] = True
    header["seconds"] = round(time.monotonic() - start, 2)
    pack_extras(args.out)
    write_records(args.out, header, records)
    print(summary(header, records), flush=True)
    return 0 if all(r["status"] == "passed" for r in records) else 1


def run_one(name: str, out: Path, dry: bool) -> int:
    """In the child process: run step ``name`` and write its status and detail."""
    if dry:
        sys.path.insert(0, str(ROOT))
        from tests.cupy_standin import activate
        activate()
    from gpu_check_steps import STEP_FUNCTIONS
    try:
        detail = STEP_FUNCTIONS[name](out, dry)
        status = "passed"
    except TimeoutError as exc:  # a step that stopped itself at its budget, with what it has
        detail, status = str(exc), "timed out"
    except Exception as exc:  # the record says what failed; the log has the traceback
        import traceback
        traceback.print_exc()
        detail, status = f"{type(exc).__name__}: {exc}", "failed"
    (out / "steps" / f"{name}.json").write_text(
        json.dumps({"status": status, "detail": detail}, default=str))
    return 0 if status == "passed" else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
