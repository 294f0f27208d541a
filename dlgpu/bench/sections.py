"""The report's sections that say what the tables cannot: how far to trust them,
what was not measured and why, and the TF32 setting of the GPU products.

Each function returns Markdown lines.
"""

from __future__ import annotations

from .machine import cupy_tf32
from .results import LABELS, Result, ResultSet
from .tables import markdown, network
from .trust import THRESHOLD_TEXT, assess

GPU_HOWTO = (
    "To measure it, on a machine with an NVIDIA GPU and its driver: install CuPy for the "
    "driver's CUDA version with dlgpu's benchmark extra (`pip install \"dlgpu[cuda12,bench]\"`, "
    "or `dlgpu[cuda13,bench]`), and PyTorch with CUDA to have it beside dlgpu "
    "(`pip install torch`); check with `dlgpu info`, then run `dlgpu bench --out DIR` "
    "(`--quick` for a short run, `--full` for the large shapes).")


def trust_section(result_set: ResultSet) -> list[str]:
    """The run's flags (:func:`dlgpu.bench.trust.assess`), or that it has none."""
    flags = assess(result_set.results, result_set.sources)
    lines = ["## How far to trust these figures", ""]
    if flags:
        lines += ["**⚠ This run is flagged.**", ""]
        for flag in flags:
            lines += [f"- {flag.what} *What to do:* {flag.advice}"]
    else:
        lines += ["No flags: every figure's spread is narrow and the machine was idle "
                  "before, during and after the run."]
    lines += ["", _load_summary(result_set), "", THRESHOLD_TEXT, ""]
    return lines


def _load_summary(result_set: ResultSet) -> str:
    parts = []
    for source in result_set.sources:
        load = source.load
        if not load:
            continue
        others = load.get("others_cpu_fraction")
        before, after = load.get("loadavg_before"), load.get("loadavg_after")
        calibration = [t for t in (load.get("calibration_before_s") or [])
                       + (load.get("calibration_after_s") or [])]
        parts.append(
            (f"`{source.path}`: " if len(result_set.sources) > 1 else "")
            + f"Measured over the run ({load['wall_s']:.0f} s): other processes took "
            + (f"{others:.0%}" if others is not None else "an unknown share (no /proc/stat)")
            + f" of the {load['cpus']} usable CPUs' time, the run itself kept "
            f"{load.get('own_cpus', 0):.1f} CPUs busy; 1-minute load average "
            + (f"{before[0]:.2f} before and {after[0]:.2f} after" if before and after
               else "unknown")
            + (f"; calibration loop {min(calibration) * 1e3:.1f}–{max(calibration) * 1e3:.1f} ms"
               if calibration else "") + ".")
    return " ".join(parts) or "The machine's load was not recorded."


def tf32_text(described: dict) -> str:
    """What CuPy and PyTorch did with float32 products, from a run's machine description."""
    env = described.get("env") or {}
    recorded = described.get("tf32") or {}
    value = env.get("CUPY_TF32", recorded.get("CUPY_TF32"))
    allowed = cupy_tf32(value)
    shown = "CUPY_TF32 unset" if value is None else f"`CUPY_TF32={value}`"
    if allowed is None:
        cupy = (f"CuPy: {shown} is not an integer; CuPy's first float32 product "
                f"raises ValueError")
    elif allowed:
        cupy = f"CuPy: **on** ({shown}; on compute capability 8.0 or higher)"
    else:
        cupy = f"CuPy: off ({shown})"
    torch = recorded.get("torch")
    if torch:
        state = "**on**" if torch.get("allow_tf32") else "off"
        torch_text = (f"PyTorch: {state} (`allow_tf32={torch.get('allow_tf32')}`, "
                      f"float32 matmul precision `{torch.get('float32_matmul_precision')}`)")
    elif "torch" in recorded:
        torch_text = "PyTorch: its TF32 flags could not be read"
    else:
        torch_text = "PyTorch: not used in this run"
    dlgpu = ("dlgpu's rows: `matmul_precision=\"highest\"` (exact float32, whatever "
             "CUPY_TF32 says; CUPY_TF32 holds for the course's rows)")
    return f"{cupy}; {torch_text}; {dlgpu}."


def gpu_section(result_set: ResultSet, steps: list[Result]) -> list[str]:
    """Where no file holds a GPU result: why, how to get them, and placeholder rows."""
    if any(r.device == "gpu" for r in result_set.results):
        return []
    reasons = sorted({(s.machine.get("dlgpu") or {}).get("gpu_unavailable") or
                      "no GPU result in the files" for s in result_set.sources})
    lines = ["## GPU", "", f"Not measured here: {'; '.join(reasons)}. {GPU_HOWTO}", ""]
    work = {r.case: r.info["flops"] for r in steps}
    cases = sorted(work, key=lambda c: (work[c], str(c)))
    if cases:
        header = ["network", "m", "dtype", "dlgpu GPU", "PyTorch GPU", "dlgpu GPU ÷ CPU"]
        rows = [[network(dims), str(m), dtype] + ["not measured"] * 3
                for dims, m, dtype in cases]
        lines += ["### Time per step on the GPU (placeholder)", "", markdown((header, rows)), ""]
    return lines


def skipped_section(result_set: ResultSet, interleaved: list[Result]) -> list[str]:
    """The peers and benchmarks that did not run, each with its reason."""
    items = {}
    for source in result_set.sources:
        described = source.machine.get("dlgpu") or {}
        if described and not described.get("torch"):
            items["PyTorch"] = "not installed: `pip install torch` to measure it beside dlgpu"
        if described and not described.get("scikit-learn"):
            items["scikit-learn"] = ("not installed: `pip install scikit-learn` to measure "
                                     "it beside dlgpu")
    for r in interleaved:
        for impl, reason in (r.info.get("skipped") or {}).items():
            items.setdefault(LABELS.get(impl, impl), f"not in the side-by-side comparison: "
                                                     f"{reason}")
    counts = {}
    for source in result_set.sources:
        for reason, count in source.skipped.items():
            counts[reason] = counts.get(reason, 0) + count
    if not items and not counts:
        return []
    lines = ["## Not measured", ""]
    lines += [f"- {name}: {reason}" for name, reason in items.items()]
    lines += [f"- {count} benchmark{'s' if count > 1 else ''} skipped: {reason}"
              for reason, count in sorted(counts.items(), key=lambda item: -item[1])]
    return lines + [""]
