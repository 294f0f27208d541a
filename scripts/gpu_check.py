"""The prepared check for a lent GPU: every GPU claim of dlgpu, measured in one run.

    PYTHONPATH=$PWD bash scripts/gpu_check.sh OUT [--dry-run]
    PYTHONPATH=$PWD python3 scripts/gpu_check.py OUT [--dry-run] [--limit SECONDS]
                                                  [--steps NAME,NAME...]

Run from the repository root.  Each step runs in its own process under
``timeout`` with a time budget; the whole check stops by itself at
``--limit`` seconds (default 480: 8 minutes), skipping the steps it has no
time left for.  Into OUT it writes

* ``gpu_check.json`` -- one record per step: name, status (passed, failed,
  timed out, skipped), seconds, detail; rewritten after every step, so a
  check stopped from outside still leaves what it had;
* ``gpu_check.md`` -- the same as a table;
* ``gpu_check.log`` -- every step's output;
* ``report.md`` -- ``dlgpu bench``'s report;
* ``extras.tar.gz`` -- the bench's charts and JSON, the test suite's JUnit XML.

The steps, in order (budgets in seconds): ``info`` (15) the device and
versions; ``real_cupy`` (20) real CuPy runs here and the test suite will
use it, not the stand-in; ``kernels`` (75) every activation kernel against
the NumPy path at 1e8 elements; ``parity`` (40) DeepNN and the course's
functions on CuPy against NumPy; ``streaming`` (40) a memory-mapped file
streamed to the GPU gives the same bits as resident data, the bytes read
per epoch, the time per epoch; ``oom`` (25) out of memory under a pool
limit; ``model_files`` (15) models saved on one backend load on the other;
``test_suite`` (160) the whole suite, whose CuPy cases run on real CuPy;
``bench`` (90) ``dlgpu bench --quick`` with PyTorch on the GPU beside
CuPy.  ``DLGPU_GPU_CHECK_BUDGETS="bench=120,kernels=60"`` changes budgets.

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
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_S = 480
RESERVE_S = 5  # kept at the end for the report and the archive
MIN_STEP_S = 3  # a step given less than this is skipped
STEPS = {"info": 15, "real_cupy": 20, "kernels": 75, "parity": 40, "streaming": 40, "oom": 25,
         "model_files": 15, "test_suite": 160, "bench": 90}


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


def run_step(name: str, seconds: float, out: Path, dry: bool, log) -> dict:
    """Run step ``name`` in a child process under ``timeout``; return its record."""
    result = out / "steps" / f"{name}.json"
    result.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), str(out), "--step", name]
    if dry:
        command.append("--dry-run")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(ROOT), os.environ.get("PYTHONPATH")])), "PYTHONUNBUFFERED": "1",
        "DLGPU_BACKEND": "cupy", "DLGPU_GPU_CHECK_STEP_BUDGET": f"{seconds:.1f}"}
    if shutil.which("timeout"):
        command = ["timeout", "-k", "5", f"{seconds:.1f}", *command]
    log.write(f"\n===== {name} (budget {seconds:.0f} s) =====\n")
    log.flush()
    start = time.monotonic()
    try:
        code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
                              timeout=seconds + 10).returncode
    except subprocess.TimeoutExpired:
        code = 124
    record = {"name": name, "seconds": round(time.monotonic() - start, 2)}
    if result.exists():
        record.update(json.loads(result.read_text()))
    elif code in (124, 137, -9):
        record.update(status="timed out", detail=f"stopped at its budget of {seconds:.0f} s")
    else:
        record.update(status="failed", detail=f"exited with status {code} before reporting; "
                                              "see gpu_check.log")
    return record


def write_records(out: Path, header: dict, records: list[dict]) -> None:
    (out / "gpu_check.json").write_text(json.dumps({**header, "steps": records}, indent=2))
    lines = [f"# GPU check ({header['mode']})", "",
             f"{header['started']}, limit {header['limit_s']} s. "
             + ("A dry run on the CuPy stand-in: it proves nothing about a GPU." if
                header["mode"] == "dry run" else ""), "",
             "| step | status | seconds | detail |", "|---|---|---|---|"]
    for r in records:
        detail = r["detail"] if isinstance(r["detail"], str) else json.dumps(r["detail"])
        detail = detail.replace("|", "/").replace("\n", " ")
        lines.append(f"| {r['name']} | {r['status']} | {r['seconds']} | {detail[:400]} |")
    (out / "gpu_check.md").write_text("\n".join(lines) + "\n")


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
    header = {"mode": "dry run" if args.dry_run else "gpu",
              "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
              "limit_s": args.limit, "finished": False}
    records: list[dict] = []
    with open(args.out / "gpu_check.log", "w") as log:
        for name in chosen:
            left = args.limit - RESERVE_S - (time.monotonic() - start)
            if left < MIN_STEP_S:
                records.append({"name": name, "status": "skipped", "seconds": 0,
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
