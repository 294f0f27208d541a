"""The steps of ``scripts/gpu_check.py``, each run in its own process.

A step takes the output folder and ``dry`` (the CuPy stand-in, tiny sizes)
and returns its detail (a dict for the JSON); it raises, saying what was
wrong, when the check fails.  ``DLGPU_BACKEND=cupy`` is set: nothing falls
back to NumPy silently.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np

import dlgpu
from dlgpu import DeepNN, backend, batching
from dlgpu.activations import ACTIVATIONS, get_activation

ROOT = Path(__file__).resolve().parent.parent
KERNEL_SHAPE = (10_000, 10_000)  # 1e8 elements


def _cupy():
    dlgpu.set_backend("cupy")
    return backend.get_backend_module()


def _max_rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = np.maximum(np.abs(b), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


def info(out, dry):
    from dlgpu.cli.info import device_lines
    cupy = _cupy()
    lines = device_lines(cupy)
    if not dry and subprocess.run(["which", "nvidia-smi"], capture_output=True).returncode == 0:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,"
                              "clocks.max.sm", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
        lines.append(f"nvidia-smi: {smi.stdout.strip() or smi.stderr.strip()}")
    import numpy
    lines += [f"numpy: {numpy.__version__}", f"python: {sys.version.split()[0]}",
              f"CUPY_TF32: {os.environ.get('CUPY_TF32', 'unset')}"]
    try:
        import torch
        lines.append(f"torch: {torch.__version__}, cuda available: {torch.cuda.is_available()}")
    except ImportError:
        lines.append("torch: not installed")
    print("\n".join(lines))
    return {"lines": lines}


def mpi(out, dry):
    """Whether ``from mpi4py import MPI`` works here: the device image has mpi4py but may
    have no MPI runtime, and then the distributed tests skip, saying so (a finding, not a
    failure of this step)."""
    sys.path.insert(0, str(ROOT))
    from tests.distributed.jobs import MISSING, MPI_IMPORT_PROBLEM, _mpiexec
    return {"from mpi4py import MPI": MPI_IMPORT_PROBLEM or "works", "mpiexec": _mpiexec(),
            "distributed tests": f"skip: MPI unavailable: {MISSING}" if MISSING else "run"}


def real_cupy(out, dry):
    """Real CuPy passes dlgpu's probe here, so tests/conftest.py runs the CuPy cases on it."""
    sys.path.insert(0, str(ROOT))
    from tests.cupy_standin import is_standin
    cupy, reason = backend.probe_cupy()
    if cupy is None:
        raise RuntimeError(f"CuPy cannot run: {reason}")
    standin = is_standin(cupy)
    if standin != dry:
        raise RuntimeError("the CuPy in use is the stand-in" if standin else
                           "a dry run must use the stand-in")
    return {"cupy": cupy.__version__, "standin": standin,
            "tests use": "the CuPy stand-in" if standin else "real CuPy"}


def _compare(xp, got, ref, rtol, atol) -> dict:
    """``got`` against ``ref`` (arrays of ``xp``): NaN exactly where ``ref`` has NaN, the
    same infinities, and elsewhere ``|got - ref| <= atol + rtol |ref|``."""
    same_nan = bool((xp.isnan(got) == xp.isnan(ref)).all())
    infinite = xp.isinf(ref)
    same_inf = bool((got[infinite] == ref[infinite]).all())
    finite = xp.isfinite(ref) & xp.isfinite(got)
    size = xp.abs(xp.where(finite, ref, 0))
    diff = xp.where(finite, xp.abs(got - ref), 0)
    close = bool((diff <= atol + rtol * size).all())
    rel = float((diff / xp.maximum(size, np.finfo(np.float32).tiny)).max())
    return {"max_rel_diff": rel, "nan_where_numpy_has_nan": same_nan,
            "same_infinities": same_inf, "ok": close and same_nan and same_inf}


def kernels(out, dry):
    """Each activation's three kernels against its NumPy path, float32, 1e8 elements on a
    GPU, with NaN and infinities among the inputs; compared on the device."""
    cupy = _cupy()
    rows, cols = (100, 100) if dry else KERNEL_SHAPE
    names = ("relu", "sigmoid") if dry else sorted(ACTIVATIONS)  # the stand-in compiles each
    # A dry run compares on the host: the stand-in has only the cupy names dlgpu uses.
    xp, to_xp = (np, cupy.asnumpy) if dry else (cupy, lambda a: a)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((rows, cols), dtype=np.float32)
    z *= 8
    z.flat[:6] = [np.nan, np.inf, -np.inf, 0, 1e4, -1e4]
    b = rng.standard_normal((rows, 1), dtype=np.float32)
    dA = rng.standard_normal((rows, cols), dtype=np.float32)
    dA.flat[6:8] = [np.nan, np.inf]
    z_dev, b_dev, dA_dev = cupy.asarray(z), cupy.asarray(b), cupy.asarray(dA)
    results = {}
    with np.errstate(all="ignore"):
        for name in names:
            act = get_activation(name)
            a_ref = act.forward_cpu(z.copy())
            a_dev = act(z_dev)
            found = {"forward": _compare(xp, to_xp(a_dev), xp.asarray(a_ref), 1e-6,
                                         np.finfo(np.float32).tiny)}
            d_ref = act.backward_cpu(dA.copy(), a_ref)
            found["backward"] = _compare(xp, to_xp(act.backward_(dA_dev.copy(), a_dev)),
                                         xp.asarray(d_ref), 1e-5, 4 * np.finfo(np.float32).eps)
            del a_ref, d_ref, a_dev
            fused_ref = act.forward_cpu(z + b)
            fused = act.forward_bias_(z_dev.copy(), b_dev)
            found["forward_bias"] = _compare(xp, to_xp(fused), xp.asarray(fused_ref), 1e-6,
                                             np.finfo(np.float32).tiny)
            del fused_ref, fused
            results[name] = found
    bad = [f"{n}.{k}" for n, kinds in results.items() for k, r in kinds.items() if not r["ok"]]
    if bad:
        raise AssertionError(f"kernels differ from NumPy: {bad}; {results}")
    return {"elements": rows * cols, "dtype": "float32", "activations": results}


def _data(n_x, m, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_x, m)
    Y = (X[:1] * X[1:2] + 0.3 * X[2:3] > 0).astype(np.float64)
    return X, Y


def parity(out, dry):
    """DeepNN and the course's functions on CuPy and on NumPy, from the same host data."""
    from dlgpu import course
    n_x, m = (5, 64) if dry else (64, 4096)
    X, Y = _data(n_x, m)
    found = {}
    for label, kwargs, rtol in (
            ("DeepNN float64 full batch", dict(num_iterations=300, dtype="float64"), 1e-8),
            ("DeepNN float64 mini-batch", dict(batch_size=256, epochs=3, dtype="float64"), 1e-8),
            ("DeepNN float32 mini-batch", dict(batch_size=256, epochs=3, dtype="float32"), 1e-3)):
        fitted = {}
        for name in ("numpy", "cupy"):
            dlgpu.set_backend(name)
            fitted[name] = DeepNN([n_x, 32, 16, 1], learning_rate=0.05, seed=3, **kwargs).fit(X, Y)
        diff = max(_max_rel(dlgpu.to_numpy(fitted["cupy"].parameters_[k]),
                            fitted["numpy"].parameters_[k]) for k in fitted["numpy"].parameters_)
        found[label] = {"max_rel_diff_parameters": diff, "rtol": rtol, "ok": diff <= rtol}
    courses = {}
    for name in ("numpy", "cupy"):
        dlgpu.set_backend(name)
        parameters, costs = course.L_layer_model(X, Y, [n_x, 8, 4, 1], learning_rate=0.05,
                                                 num_iterations=201)
        courses[name] = ({k: dlgpu.to_numpy(v) for k, v in parameters.items()},
                         [float(c) for c in costs])
    diff = max(_max_rel(courses["cupy"][0][k], courses["numpy"][0][k]) for k in courses["numpy"][0])
    cost_diff = _max_rel(courses["cupy"][1], courses["numpy"][1])
    found["course.L_layer_model float64"] = {"max_rel_diff_parameters": diff,
                                             "max_rel_diff_costs": cost_diff, "rtol": 1e-8,
                                             "ok": max(diff, cost_diff) <= 1e-8}
    bad = [k for k, r in found.items() if not r["ok"]]
    if bad:
        raise AssertionError(f"CuPy and NumPy differ beyond tolerance: {bad}; {found}")
    return found


def streaming(out, dry):
    """A memory-mapped X streamed to the GPU: the same bits as X on the GPU, the bytes
    read per epoch (what read_columns asked for), seconds per epoch."""
    cupy = _cupy()
    n_x, m, batch, epochs = (8, 600, 64, 2) if dry else (512, 2**17, 4096, 3)
    X, Y = _data(n_x, m)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    requested = [0]
    read = batching.read_columns

    def counted(A, lo, hi, held):
        requested[0] += A.shape[0] * (hi - lo) * A.itemsize
        read(A, lo, hi, held)

    batching.read_columns = counted
    with tempfile.TemporaryDirectory() as folder:
        np.save(Path(folder) / "X.npy", X)
        X_map = np.load(Path(folder) / "X.npy", mmap_mode="r")
        kwargs = dict(batch_size=batch, epochs=epochs, learning_rate=0.05, seed=1)
        streamed = DeepNN([n_x, 64, 1], **kwargs).fit(X_map, Y, stream=True)
        reads = requested[0] / X.nbytes / epochs
        resident = DeepNN([n_x, 64, 1], **kwargs).fit(cupy.asarray(X), cupy.asarray(Y))
    same = all(np.array_equal(dlgpu.to_numpy(streamed.parameters_[k]),
                              dlgpu.to_numpy(resident.parameters_[k]))
               for k in streamed.parameters_)
    found = {"n_x": n_x, "m": m, "batch_size": batch, "file_bytes": X.nbytes,
             "chunk_columns": batching.chunk_columns(n_x, m, batch),
             "file_reads_per_epoch": reads, "same_bits_as_resident": same,
             "epoch_seconds_streamed": statistics.median(streamed.history_["epoch_time"][1:]),
             "epoch_seconds_resident": statistics.median(resident.history_["epoch_time"][1:])}
    if not same or reads > 1.5:
        raise AssertionError(f"streaming check failed: {found}")
    return found


def oom(out, dry):
    """Out of memory under a pool limit: DeviceMemoryError, the pool freed as far as CuPy
    frees it (not split blocks), the model usable."""
    cupy = _cupy()
    n_x, m, limit_mib = (200, 4000, 8) if dry else (1000, 20000, 48)
    rng = np.random.RandomState(0)
    X = rng.randn(n_x, m).astype(np.float32)
    Y = (rng.rand(1, m) > 0.5).astype(np.float32)
    model = DeepNN([n_x, 512, 1], batch_size=m, epochs=1)
    pool = cupy.get_default_memory_pool()
    pool.free_all_blocks()
    pool.set_limit(size=pool.used_bytes() + limit_mib * 2**20)
    try:
        model.fit(X, Y, stream=True)
        raise AssertionError(f"a batch of {m} trained within a pool limit of {limit_mib} MiB")
    except dlgpu.DeviceMemoryError as exc:
        message = str(exc)
        # CuPy's free_all_blocks frees only unsplit blocks (memory.pyx): some may stay
        # cached, but dlgpu must have freed what it can: a second call frees nothing.
        cached = pool.total_bytes() - pool.used_bytes()
        pool.free_all_blocks()
        releasable = cached - (pool.total_bytes() - pool.used_bytes())
    finally:
        pool.set_limit(size=0)
    usable = model.predict(X[:, :10]).shape == (1, 10)
    DeepNN([n_x, 512, 1], batch_size=m // 10, epochs=1).fit(X, Y, stream=True)
    if releasable or not usable:
        raise AssertionError(f"after the error {releasable} of {cached} cached bytes were "
                             f"still releasable; usable: {usable}")
    return {"message": message, "cached_after_error": cached,
            "releasable_after_error": releasable, "model_usable": usable,
            "smaller_batch_trained": True}


def model_files(out, dry):
    """A model saved on one backend loads on the other and predicts the same."""
    X, Y = _data(5, 200)
    found = {}
    with tempfile.TemporaryDirectory() as folder:
        for trained_on, loaded_on in (("cupy", "numpy"), ("numpy", "cupy")):
            dlgpu.set_backend(trained_on)
            model = DeepNN([5, 8, 1], num_iterations=200, learning_rate=0.1).fit(X, Y)
            path = Path(folder) / f"{trained_on}.npz"
            model.save(path)
            loaded = dlgpu.load_model(path, backend=loaded_on)
            diff = _max_rel(dlgpu.to_numpy(loaded.predict_proba(X)),
                            dlgpu.to_numpy(model.predict_proba(X)))
            found[f"{trained_on} -> {loaded_on}"] = {"max_rel_diff_proba": diff,
                                                     "ok": diff <= 1e-5}
    if not all(r["ok"] for r in found.values()):
        raise AssertionError(f"predictions differ after loading: {found}")
    return found


def cupy_tests(out, dry):
    """The test suite's CuPy cases (``-k cupy``: the ``cupy`` parameter of
    tests/conftest.py's BACKENDS, and the stand-in's own tests), on real CuPy; a few in a
    dry run.  pytest gets the step's budget less 10 s; stopped there, the counts so far
    come from its progress output."""
    xml, log = out / "steps" / "pytest.xml", out / "steps" / "pytest.log"
    targets = ["tests/test_losses.py"] if dry else ["tests"]
    env = {k: v for k, v in os.environ.items() if k != "DLGPU_BACKEND"}
    budget = float(os.environ.get("DLGPU_GPU_CHECK_STEP_BUDGET", "600")) - 10
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p",
               "no:cacheprovider", "-k", "cupy", f"--junitxml={xml}", *targets]
    with open(log, "w") as output:
        try:
            code = subprocess.run(command, cwd=ROOT, env=env, stdout=output,
                                  stderr=subprocess.STDOUT, timeout=max(budget, 1)).returncode
        except subprocess.TimeoutExpired:  # what pytest started dies with this step's group
            code = None
    if code is None or not xml.exists():
        progress = "".join(line.split(" [")[0] for line in log.read_text().splitlines()
                           if line.endswith("%]"))
        found = {"stopped_after_seconds": budget, "passed": progress.count("."),
                 "failed": progress.count("F"), "errors": progress.count("E"),
                 "skipped": progress.count("s")}
        raise TimeoutError(f"the CuPy tests did not finish in their budget: {found}")
    suites = ElementTree.parse(xml).getroot()
    counts = {k: sum(int(s.get(k, 0)) for s in suites.iter("testsuite"))
              for k in ("tests", "failures", "errors", "skipped")}
    failing, skips = [], {}
    for case in suites.iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            failing.append(name)
        skipped = case.find("skipped")
        if skipped is not None:
            reason = (skipped.get("message") or "")[:160]
            skips[reason] = skips.get(reason, 0) + 1
    found = {**counts, "failing": failing[:40], "skip_reasons": skips, "exit_status": code}
    if code != 0:
        raise AssertionError(f"the CuPy tests failed: {found}")
    return found


def bench(out, dry):
    """``dlgpu bench --quick``: CuPy and PyTorch (CUDA when it has it) side by side; in a
    dry run, the report from the saved CPU results."""
    folder = out / "bench"
    command = [sys.executable, "-m", "dlgpu", "bench", "--out", str(folder)]
    command += ["--json", str(ROOT / "tests/bench/data/cpu_quick.json")] if dry else ["--quick"]
    env = {k: v for k, v in os.environ.items() if k != "DLGPU_BACKEND"}
    budget = float(os.environ.get("DLGPU_GPU_CHECK_STEP_BUDGET", "600")) - 5
    try:
        code = subprocess.run(command, cwd=ROOT, env=env, timeout=max(budget, 1)).returncode
    except subprocess.TimeoutExpired:
        code = None
    written = sorted(p.name for p in folder.glob("*")) if folder.exists() else []
    if code is None:
        raise TimeoutError(f"dlgpu bench did not finish in {budget:.0f} s; it wrote {written}")
    if code != 0 or "report.md" not in written:
        raise AssertionError(f"dlgpu bench exited with status {code}, wrote {written}")
    return {"command": " ".join(command[1:]), "files": written}


STEP_FUNCTIONS = {f.__name__: f for f in (info, mpi, real_cupy, kernels, parity, streaming, oom,
                                          model_files, cupy_tests, bench)}
