"""dlgpu's training step against PyTorch on one GPU, per precision, with the goals of
issues 25 and 26 evaluated: the one command a GPU lease runs after scripts/gpu_check.sh.

    PYTHONPATH=$PWD python3 scripts/gpu_step_ratios.py OUT            # a GPU: ~60-120 s
    PYTHONPATH=$PWD python3 scripts/gpu_step_ratios.py OUT --dry-run  # anywhere: plumbing only

For each (network, m, precision) it times ``dlgpu.training.step(model, X, T)``
(full batch, plain gradient descent, the model's ``dtype`` and
``matmul_precision``) and its PyTorch peer, built as ``dlgpu/bench/steps.py``
builds PyTorch eager (examples as rows, ``nn.Sequential`` of ``Linear`` and
``ReLU``, ``BCEWithLogitsLoss``, ``optim.SGD``, the same starting parameters):

=====================  ======================================  ===========================
precision              dlgpu                                   PyTorch peer
=====================  ======================================  ===========================
``highest``            float32, ``matmul_precision="highest"``  eager, ``allow_tf32=False``
``high``               float32, ``matmul_precision="high"``     eager, ``allow_tf32=True``
``bfloat16``           ``dtype="bfloat16"``                     AMP: ``torch.autocast("cuda",
                                                                dtype=torch.bfloat16)`` around
                                                                forward and loss, float32
                                                                parameters and SGD
=====================  ======================================  ===========================

Timing: both libraries queue their work on the device's legacy default
stream.  Each library gets ``--warmup`` untimed steps (kernel compilation,
cuBLAS heuristics, workspaces, caching allocators), then the two take turns,
``--rounds`` rounds of ``--steps / --rounds`` steps each, so that both see the
same machine.  A round starts on an idle device (synchronized) and records
a CUDA event on the current stream before its first step and after each
step, with no synchronization in between: the time of a step is the time
between consecutive events, which in a steady state is the step's period in
a training loop whichever of host (launches) or device (kernels) limits it.
The clocks are read only after the round's last event has completed.  The
table gives each library's median step and its interquartile range over all
its timed steps.

Ceilings, measured in the same run: an ``--gemm-n``-cubed square product of
random operands in CuPy, float32 under ``matmul_precision="highest"`` and
``"high"`` (``dlgpu.backend.cuda.matmul_precision``: CuPy's compute type),
and bfloat16 through ``dlgpu.backend.precision.matmul_into`` (cuBLAS
``gemmEx``, float32 accumulation, bfloat16 result); the median of
``--gemm-repeats`` measurements of 10 products each.  PyTorch's own rate for
the same product is shown beside it.  A step's TFLOP/s are
``dlgpu.bench.counts.step_flops`` over its median time.

It writes ``OUT/gpu_step_ratios.json`` and ``OUT/gpu_step_ratios.md``
after every row (a run stopped early keeps what it measured) and prints the
Markdown.  Rows not started within ``--limit`` seconds are skipped, saying so.

``--dry-run`` runs tiny sizes on the tests' CuPy stand-in (``tests/cupy_standin``,
NumPy behind CuPy's interface; NumPy itself where it cannot run) and
PyTorch on the CPU, with host clocks: it tests this script's plumbing, and
its numbers are not GPU numbers.

CuPy and PyTorch are imported inside functions: this module imports on a
machine with neither.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere: dlgpu from this checkout
    sys.path.insert(0, str(ROOT))

import dlgpu
from dlgpu import backend
from dlgpu.bench.counts import step_flops

#: the values of --precisions, in the order the rows of a network run
PRECISIONS = ("highest", "bfloat16", "high")
LABELS = {"highest": "float32 (highest)", "high": "TF32 (high)", "bfloat16": "bfloat16"}
PEERS = {"highest": "eager float32", "high": "eager TF32 (allow_tf32=True)",
         "bfloat16": "AMP bf16 autocast"}
DEFAULTS = {
    "gpu": {"small": "784,256,128,1@8192", "large": "4096,4096,4096,4096,1@65536",
            "steps": 30, "rounds": 3, "warmup": 3, "gemm_n": 8192, "gemm_repeats": 5},
    "dry": {"small": "16,8,1@64", "large": "32,16,16,1@128",
            "steps": 3, "rounds": 3, "warmup": 1, "gemm_n": 64, "gemm_repeats": 3},
}
GEMM_PER_MEASUREMENT = 10
DRY_NOTE = ("DRY RUN: tiny sizes, dlgpu on {backend} and PyTorch on the CPU, host clocks. "
            "It tests the plumbing only: these are not GPU numbers, and the goals' "
            "statuses below say nothing about a GPU.")
COLUMNS = ["network", "m", "precision", "dlgpu ms (IQR)", "PyTorch peer", "PyTorch ms (IQR)",
           "dlgpu/PyTorch", "dlgpu TFLOP/s", "% of GEMM ceiling", "speedup over dlgpu float32"]


# -- arguments -------------------------------------------------------------------------------
def network_spec(text: str) -> tuple[list[int], int]:
    """``"784,256,128,1@8192"`` -> ``([784, 256, 128, 1], 8192)``."""
    dims_text, _, m_text = str(text).partition("@")
    try:
        dims, m = [int(n) for n in dims_text.split(",")], int(m_text)
    except ValueError:
        dims, m = [], 0
    if len(dims) < 2 or min(dims) < 1 or dims[-1] != 1 or m < 1:
        raise argparse.ArgumentTypeError(
            f"a network is its layer sizes and m, as N0,N1,...,1@M (positive sizes, one "
            f"output unit, M examples), e.g. 784,256,128,1@8192; got {text!r}")
    return dims, m


def precision_list(text: str) -> list[str]:
    names = [name.strip() for name in str(text).split(",") if name.strip()]
    bad = [name for name in names if name not in PRECISIONS]
    if not names or bad or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"precisions must be distinct names from {', '.join(PRECISIONS)}, comma-separated; "
            f"got {text!r}")
    return names


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="dlgpu's training step against PyTorch per precision on one GPU, and the "
                    "goals of issues 25 and 26.")
    parser.add_argument("out", type=Path, help="folder for gpu_step_ratios.json and .md")
    parser.add_argument("--dry-run", action="store_true",
                        help="tiny sizes on the CuPy stand-in (or NumPy) and PyTorch on the CPU")
    parser.add_argument("--small", type=network_spec, help="issue 25's small network, "
                        f"N0,...,1@M (default {DEFAULTS['gpu']['small']})")
    parser.add_argument("--large", type=network_spec, help="the large network of issues 25 "
                        f"and 26 (default {DEFAULTS['gpu']['large']})")
    parser.add_argument("--precisions", type=precision_list, default=list(PRECISIONS),
                        help=f"comma-separated, from {', '.join(PRECISIONS)} (default: all)")
    parser.add_argument("--steps", type=positive_int, help="timed steps per library and row "
                        f"(default {DEFAULTS['gpu']['steps']})")
    parser.add_argument("--rounds", type=positive_int, help="turns each library takes "
                        f"(default {DEFAULTS['gpu']['rounds']})")
    parser.add_argument("--warmup", type=int, help="untimed steps per library and row first "
                        f"(default {DEFAULTS['gpu']['warmup']})")
    parser.add_argument("--gemm-n", type=positive_int, help="the ceilings' square size "
                        f"(default {DEFAULTS['gpu']['gemm_n']})")
    parser.add_argument("--gemm-repeats", type=positive_int, help="measurements per ceiling "
                        f"(default {DEFAULTS['gpu']['gemm_repeats']})")
    parser.add_argument("--limit", type=float, default=140.0,
                        help="seconds after which no further row starts (default 140)")
    args = parser.parse_args(argv)
    defaults = DEFAULTS["dry" if args.dry_run else "gpu"]
    for name in ("steps", "rounds", "warmup", "gemm_n", "gemm_repeats"):
        if getattr(args, name) is None:
            setattr(args, name, defaults[name])
    for name in ("small", "large"):
        if getattr(args, name) is None:
            setattr(args, name, network_spec(defaults[name]))
    if args.warmup < 0:
        parser.error(f"--warmup must be 0 or more, got {args.warmup}")
    if args.rounds > args.steps:
        parser.error(f"--rounds ({args.rounds}) must not exceed --steps ({args.steps}): each "
                     f"round times at least one step of each library")
    return args


# -- the machine -------------------------------------------------------------------------------
class Device:
    """The array module dlgpu runs on, PyTorch's device, and how to time and synchronize them."""

    def __init__(self, dry: bool):
        self.dry = dry
        self.backend_text = "a GPU"
        if dry:
            self.xp = self._dry_module()
        else:
            dlgpu.set_backend("cupy")  # raises, saying why, where CuPy cannot run
            self.xp = backend.get_backend_module()
        try:
            import torch
        except ImportError as exc:
            self.torch, self.torch_missing = None, f"PyTorch cannot be imported: {exc}"
        else:
            self.torch, self.torch_missing = torch, None
            if dry:
                torch.set_num_threads(1)  # tiny sizes: threads would only add noise
            if not dry and not torch.cuda.is_available():
                self.torch_missing = f"PyTorch {torch.__version__} sees no CUDA GPU"
        self.torch_device = "cpu" if dry else "cuda"

    def _dry_module(self):
        try:
            from tests.cupy_standin import activate, unavailable_reason
        except ImportError:
            reason = "tests/cupy_standin is not in this checkout"
        else:
            reason = unavailable_reason()
            if reason is None:
                activate()
                dlgpu.set_backend("cupy")
                self.backend_text = "the CuPy stand-in"
                return backend.get_backend_module()
        dlgpu.set_backend("numpy")
        self.backend_text = f"NumPy (the CuPy stand-in cannot run: {reason})"
        return np

    @property
    def on_cupy(self) -> bool:
        return self.xp is not np

    @property
    def has_torch(self) -> bool:
        return self.torch_missing is None

    def synchronize(self) -> None:
        if self.on_cupy:
            self.xp.cuda.Device().synchronize()
        if self.has_torch and self.torch_device == "cuda":
            self.torch.cuda.synchronize()

    def free(self) -> None:
        gc.collect()
        if self.on_cupy:
            from dlgpu.backend.cuda import free_cached_blocks
            free_cached_blocks(self.xp)
        if self.has_torch and self.torch_device == "cuda":
            self.torch.cuda.empty_cache()

    def step_times(self, step, k: int, library: str) -> list[float]:
        """Seconds of each of k consecutive steps (see the module docstring)."""
        self.synchronize()
        if self.dry:  # host clocks: the stand-in and the CPU finish work before returning
            marks = [time.perf_counter()]
            for _ in range(k):
                step()
                marks.append(time.perf_counter())
            self.synchronize()
            return [b - a for a, b in pairwise(marks)]
        if library == "torch":
            events = [self.torch.cuda.Event(enable_timing=True) for _ in range(k + 1)]
            elapsed = _torch_elapsed
        else:
            events = [self.xp.cuda.Event() for _ in range(k + 1)]
            elapsed = self.xp.cuda.get_elapsed_time
        events[0].record()
        for event in events[1:]:
            step()
            event.record()
        events[-1].synchronize()
        return [elapsed(a, b) / 1e3 for a, b in pairwise(events)]

    def environment(self) -> dict:
        info = {"python": platform.python_version(), "numpy": np.__version__,
                "dlgpu": dlgpu.__version__, "dlgpu backend": self.backend_text}
        if self.on_cupy:
            from dlgpu.bench.machine import gpu
            try:
                info["gpu"] = gpu()
            except Exception as exc:  # noqa: BLE001 - the stand-in may not know every property
                info["gpu"] = f"unknown ({type(exc).__name__}: {exc})"
            info["cupy"] = self.xp.__version__
        if self.torch is not None:
            info["torch"] = self.torch.__version__
            info["torch cuda"] = self.torch.version.cuda
            if self.has_torch and self.torch_device == "cuda":
                info["torch device"] = self.torch.cuda.get_device_name()
        if self.torch_missing:
            info["torch problem"] = self.torch_missing
        return info


def _torch_elapsed(start, end) -> float:
    return start.elapsed_time(end)


def _median_iqr(seconds: list[float]) -> dict:
    q1, median, q3 = np.percentile(np.asarray(seconds) * 1e3, [25, 50, 75])
    return {"median_ms": float(median), "q1_ms": float(q1), "q3_ms": float(q3),
            "steps": len(seconds)}


# -- ceilings ----------------------------------------------------------------------------------
def _ceiling_seconds(device: Device, product, repeats: int, library: str) -> list[float]:
    product()
    product()
    return [sum(device.step_times(product, GEMM_PER_MEASUREMENT, library)) / GEMM_PER_MEASUREMENT
            for _ in range(repeats)]


def _rates(flops: float, seconds: list[float]) -> dict:
    rates = [flops / s / 1e12 for s in seconds]
    return {"tflops_median": float(np.median(rates)), "tflops_best": max(rates),
            "measurements": len(rates)}


def _cupy_products(xp, host_a, host_b):
    """precision -> a function computing one n-cubed product in CuPy (dlgpu's way)."""
    from dlgpu.backend.cuda import matmul_precision
    from dlgpu.backend.precision import bfloat16_dtype, matmul_into

    n = host_a.shape[0]
    A, B = xp.asarray(host_a), xp.asarray(host_b)
    C = xp.empty((n, n), dtype=np.float32)

    def float32(precision):
        def product():
            with matmul_precision(xp, precision, np.float32):
                xp.matmul(A, B, out=C)
        return product

    def bfloat16():
        bf16 = bfloat16_dtype()  # ImportError, with the install hint, without ml_dtypes
        A16, B16, C16 = (xp.empty((n, n), dtype=bf16) for _ in range(3))
        xp.copyto(A16, A)  # cast on the device, as dlgpu casts its compute copy
        xp.copyto(B16, B)
        return lambda: matmul_into(A16, B16, C16)  # gemmEx, float32 accumulation

    return {"highest": lambda: float32("highest"), "high": lambda: float32("high"),
            "bfloat16": bfloat16}


def _torch_products(device: Device, host_a, host_b):
    torch = device.torch
    ta = torch.from_numpy(host_a).to(device.torch_device)
    tb = torch.from_numpy(host_b).to(device.torch_device)

    def make(precision):
        x, y = (ta.bfloat16(), tb.bfloat16()) if precision == "bfloat16" else (ta, tb)

        def product():
            with _torch_flags(torch, precision):
                torch.matmul(x, y)
        return product
    return {precision: (lambda p=precision: make(p)) for precision in PRECISIONS}


def measure_ceilings(device: Device, n: int, repeats: int) -> dict:
    """TFLOP/s of an n-cubed product of random operands per precision: CuPy's (the
    ceiling, dlgpu's products) and PyTorch's (for comparison), each the median of
    ``repeats`` measurements; a failure is recorded and the run goes on."""
    rng = np.random.default_rng(0)
    host_a = rng.standard_normal((n, n), dtype=np.float32)
    host_b = rng.standard_normal((n, n), dtype=np.float32)
    flops = 2.0 * n ** 3
    ceilings = {precision: {"n": n} for precision in PRECISIONS}
    libraries = [("dlgpu", "", _cupy_products)]
    if device.has_torch:
        libraries.append(("torch", "torch_", lambda _, a, b: _torch_products(device, a, b)))
    for library, prefix, builders in libraries:
        makers = None
        try:
            makers = builders(device.xp, host_a, host_b)
            for precision in PRECISIONS:
                try:
                    seconds = _ceiling_seconds(device, makers[precision](), repeats, library)
                    rates = _rates(flops, seconds)
                    ceilings[precision].update(
                        rates if not prefix else {"torch_tflops_median": rates["tflops_median"]})
                except Exception as exc:  # noqa: BLE001 - one lease, one run: say, go on
                    ceilings[precision][f"{prefix}error"] = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001
            for precision in PRECISIONS:
                ceilings[precision][f"{prefix}error"] = f"{type(exc).__name__}: {exc}"
        del makers
        device.free()
    return ceilings


class _torch_flags:
    """PyTorch's TF32 switch for a precision (``high``: on; else off), restored after."""

    def __init__(self, torch, precision: str):
        self.matmul, self.wanted = torch.backends.cuda.matmul, precision == "high"

    def __enter__(self):
        self.before = self.matmul.allow_tf32
        self.matmul.allow_tf32 = self.wanted

    def __exit__(self, *exc):
        self.matmul.allow_tf32 = self.before


# -- the steps -----------------------------------------------------------------------------------
def dlgpu_step(problem, precision: str, X, Y):
    """``run`` (one ``dlgpu.training.step``) and the context the rounds run it in."""
    from dlgpu import DeepNN, training

    dtype = "bfloat16" if precision == "bfloat16" else "float32"
    model = DeepNN(problem.layer_dims, learning_rate=problem.learning_rate, dtype=dtype,
                   matmul_precision="high" if precision == "high" else "highest")
    model.initialize_parameters()  # He, seed 1: the problem's parameters (make_problem)
    T = model.output.targets(model._to_model(Y), np.float32)

    def run() -> None:
        training.step(model, X, T)

    return run, model._precision  # as fit: entered once around the loop, not per step


def torch_step(device: Device, problem, precision: str, X, Y):
    """PyTorch's peer of :func:`dlgpu_step` (see the module docstring's table)."""
    from dlgpu.bench.steps import torch_network

    torch = device.torch
    network = torch_network(problem, device.torch_device)
    loss = torch.nn.BCEWithLogitsLoss()  # the mean over the m examples, as dlgpu's cost
    optimizer = torch.optim.SGD(network.parameters(), lr=problem.learning_rate)

    if precision == "bfloat16":
        def run() -> None:
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.torch_device, dtype=torch.bfloat16):
                cost = loss(network(X), Y)
            cost.backward()
            optimizer.step()
    else:
        def run() -> None:
            optimizer.zero_grad(set_to_none=True)
            loss(network(X), Y).backward()
            optimizer.step()

    return run, lambda: _torch_flags(torch, precision)


def time_pair(device: Device, steps: dict, total: int, rounds: int, warmup: int) -> dict:
    """Warm each library up, then let them take turns; seconds of each timed step."""
    for run, context in steps.values():
        with context():
            for _ in range(warmup):
                run()
    device.synchronize()
    per_round = -(-total // rounds)
    times = {name: [] for name in steps}
    for r in range(rounds):
        order = list(steps) if r % 2 == 0 else list(reversed(steps))
        for name in order:
            run, context = steps[name]
            with context():
                times[name] += device.step_times(run, per_round, name)
    return times


# -- the run -------------------------------------------------------------------------------------
def measure_row(device, problem, data, precision, args) -> dict:
    steps = {"dlgpu": dlgpu_step(problem, precision, data["X"], data["Y"])}
    if device.has_torch:
        steps["torch"] = torch_step(device, problem, precision, data["tX"], data["tY"])
    times = time_pair(device, steps, args.steps, args.rounds, args.warmup)
    del steps
    device.free()
    row = {"network": problem.layer_dims, "m": problem.m, "precision": precision,
           "dlgpu": _median_iqr(times["dlgpu"]), "peer": PEERS[precision],
           "torch": _median_iqr(times["torch"]) if "torch" in times else None,
           "flops": step_flops(problem.layer_dims, problem.m)}
    row["dlgpu_tflops"] = row["flops"] / (row["dlgpu"]["median_ms"] / 1e3) / 1e12
    row["ratio"] = (row["dlgpu"]["median_ms"] / row["torch"]["median_ms"]
                    if row["torch"] else None)
    return row


def network_data(device: Device, problem) -> dict:
    data = {"X": backend.to_device(problem.X), "Y": backend.to_device(problem.Y)}
    if device.has_torch:
        torch = device.torch
        # examples as rows (m, n_x), as steps.torch_step; transposed where the data lies
        data["tX"] = torch.from_numpy(problem.X).to(device.torch_device).t().contiguous()
        data["tY"] = torch.from_numpy(np.ascontiguousarray(problem.Y.T)).to(device.torch_device)
    return data


def complete(rows: list, ceilings: dict) -> None:
    """The columns that need other rows: % of the ceiling, speedup over float32."""
    highest = {(tuple(r["network"]), r["m"]): r for r in rows if r["precision"] == "highest"}
    for row in rows:
        ceiling = ceilings.get(row["precision"], {}).get("tflops_median")
        row["ceiling_fraction"] = row["dlgpu_tflops"] / ceiling if ceiling else None
        base = highest.get((tuple(row["network"]), row["m"]))
        row["speedup_vs_float32"] = (base["dlgpu"]["median_ms"] / row["dlgpu"]["median_ms"]
                                     if base is not None and row is not base else None)


def _row(rows, role_spec, precision):
    dims, m = role_spec
    return next((r for r in rows if r["network"] == dims and r["m"] == m
                 and r["precision"] == precision), None)


def evaluate_goals(rows: list, small, large) -> list[dict]:
    """Each goal of issues 25 and 26: what was measured and ``met`` / ``not met`` /
    ``not measured`` (a row or PyTorch missing)."""
    def goal(issue, text, row, value, target, ok, unit="x"):
        if row is None or value is None:
            return {"issue": issue, "goal": text, "measured": None, "status": "not measured"}
        return {"issue": issue, "goal": text, "measured": value, "target": target, "unit": unit,
                "status": "met" if ok(value) else "not met"}

    s, lf = _row(rows, small, "highest"), _row(rows, large, "highest")
    lb = _row(rows, large, "bfloat16")
    goals = [
        goal(25, f"small {_net(*small)} float32: dlgpu <= 0.6x PyTorch eager", s,
             s and s["ratio"], 0.6, lambda v: v <= 0.6),
        goal(25, f"large {_net(*large)} float32: dlgpu <= 1.0x PyTorch eager", lf,
             lf and lf["ratio"], 1.0, lambda v: v <= 1.0),
        goal(25, f"large {_net(*large)} float32: >= 70% of the float32 GEMM ceiling", lf,
             lf and lf["ceiling_fraction"], 0.7, lambda v: v >= 0.7, "fraction"),
        goal(26, f"large {_net(*large)} bfloat16: >= 5x dlgpu's float32 (highest) step", lb,
             lb and lb["speedup_vs_float32"], 5.0, lambda v: v >= 5.0),
        goal(26, f"large {_net(*large)} bfloat16: dlgpu <= 1.0x PyTorch AMP", lb,
             lb and lb["ratio"], 1.0, lambda v: v <= 1.0),
    ]
    return goals


def _net(dims, m) -> str:
    return f"[{','.join(map(str, dims))}] m={m}"


def _ms(timing) -> str:
    if not timing:
        return "n/a"
    return f"{timing['median_ms']:.3f} ({timing['q1_ms']:.3f}-{timing['q3_ms']:.3f})"


def _x(value, fmt="{:.2f}x") -> str:
    return "n/a" if value is None else fmt.format(value)


def markdown(result: dict) -> str:
    lines = ["# dlgpu's training step against PyTorch, per precision", ""]
    if result["mode"] == "dry run":
        lines += [f"**{result['note']}**", ""]
    lines += [f"Command: `{result['command']}`", "",
              "Environment: " + "; ".join(f"{k}: {v}" for k, v in result["environment"].items()),
              "", f"Settings: {json.dumps(result['settings'])}", "",
              "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in result["rows"]:
        lines.append("| " + " | ".join([
            "[" + ",".join(map(str, r["network"])) + "]", str(r["m"]), LABELS[r["precision"]],
            _ms(r["dlgpu"]), r["peer"], _ms(r["torch"]), _x(r["ratio"]),
            f"{r['dlgpu_tflops']:.3g}", _x(r.get("ceiling_fraction"), "{:.1%}"),
            _x(r.get("speedup_vs_float32"))]) + " |")
    for what in ("skipped", "failed"):
        lines += [f"\n{what}: {text}" for text in result[what]]
    lines += ["", "GEMM ceilings (n-cubed, median TFLOP/s; best; PyTorch's median):", "",
              "| precision | n | CuPy TFLOP/s | best | PyTorch TFLOP/s |", "|---|---|---|---|---|"]
    for precision, c in result["ceilings"].items():
        cupy = (f"failed: {c['error']}" if "error" in c else
                f"{c['tflops_median']:.4g} | {c['tflops_best']:.4g}")
        lines.append(f"| {LABELS[precision]} | {c['n']} | {cupy} | "
                     f"{_x(c.get('torch_tflops_median'), '{:.4g}')} |")
    lines += ["", "Goals:", "", "| issue | goal | measured | status |", "|---|---|---|---|"]
    for g in result["goals"]:
        fmt = "{:.1%}" if g.get("unit") == "fraction" else "{:.2f}x"
        status = g["status"] + (" (dry run)" if result["mode"] == "dry run" else "")
        lines.append(f"| {g['issue']} | {g['goal']} | {_x(g['measured'], fmt)} | {status} |")
    lines.append(f"\n{result['seconds']:.1f} s in all.")
    return "\n".join(lines) + "\n"


def write(out: Path, result: dict) -> str:
    text = markdown(result)
    (out / "gpu_step_ratios.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    (out / "gpu_step_ratios.md").write_text(text)
    return text


def main(argv=None) -> int:
    start = time.monotonic()
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from dlgpu.bench.problems import make_problem

    device = Device(args.dry_run)
    mode = "dry run" if args.dry_run else "gpu"
    result = {"mode": mode, "note": DRY_NOTE.format(backend=device.backend_text)
              if args.dry_run else "GPU numbers",
              "command": " ".join(["python3", *sys.argv]) if argv is None
              else " ".join(["python3", "scripts/gpu_step_ratios.py", *map(str, argv)]),
              "environment": device.environment(),
              "settings": {"small": _net(*args.small), "large": _net(*args.large),
                           "precisions": args.precisions, "steps": args.steps,
                           "rounds": args.rounds, "warmup": args.warmup,
                           "gemm_n": args.gemm_n, "gemm_repeats": args.gemm_repeats,
                           "limit_s": args.limit},
              "ceilings": {}, "rows": [], "skipped": [], "failed": [], "goals": [], "seconds": 0.0}
    if args.dry_run:
        print(result["note"], flush=True)
    result["ceilings"] = measure_ceilings(device, args.gemm_n, args.gemm_repeats)
    for dims, m in (args.small, args.large):
        problem, data = None, None
        for precision in args.precisions:
            label = f"{_net(dims, m)} {LABELS[precision]}"
            if time.monotonic() - start > args.limit:
                result["skipped"].append(f"{label}: over the {args.limit:.0f} s limit")
                continue
            if problem is None:
                problem = make_problem(dims, m, "float32")
                data = network_data(device, problem)
            try:
                result["rows"].append(measure_row(device, problem, data, precision, args))
            except Exception as exc:  # noqa: BLE001 - say what failed; the next row may run
                import traceback
                traceback.print_exc()
                result["failed"].append(f"{label}: {type(exc).__name__}: {exc}")
            device.free()  # here, not in the except block: its traceback holds the arrays
            complete(result["rows"], result["ceilings"])
            result["goals"] = evaluate_goals(result["rows"], args.small, args.large)
            result["seconds"] = time.monotonic() - start
            write(args.out, result)
            done = "failed" if result["failed"][-1:] and label in result["failed"][-1] else "measured"
            print(f"{done} {label} ({result['seconds']:.1f} s)", file=sys.stderr, flush=True)
        del problem, data
        device.free()
    result["goals"] = evaluate_goals(result["rows"], args.small, args.large)
    result["seconds"] = time.monotonic() - start
    print(write(args.out, result), end="", flush=True)
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
