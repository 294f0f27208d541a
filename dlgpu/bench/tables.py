"""The report's tables: figures formatted for reading, laid out in Markdown.

Each ``*_table`` function returns ``(header, rows)`` of strings, and
:func:`markdown` renders them, so the tests can check a table's cells
without parsing Markdown.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .results import DEVICES, IMPLEMENTATIONS, LABELS, Result
from .trust import is_wide, quartiles

Table = tuple[list[str], list[list[str]]]


def _time_unit(seconds: float) -> tuple[str, float]:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale or unit == "µs":
            return unit, scale
    raise AssertionError("unreachable")


def format_seconds(seconds: float) -> str:
    """``0.0412 -> '41.2 ms'``: three significant digits, in s, ms or µs."""
    unit, scale = _time_unit(seconds)
    return f"{_three_digits(seconds / scale)} {unit}"


def _wide_mark(median: float, low: float, high: float) -> str:
    return " ⚠" if is_wide((high - low) / median) else ""


def format_seconds_spread(median: float, q1: float, q3: float) -> str:
    """``(0.0412, 0.0405, 0.0431) -> '41.2 ms (40.5–43.1)'``: the median and, in its
    unit, the interquartile range; ``' ⚠'`` follows a wide one (:mod:`~dlgpu.bench.trust`)."""
    unit, scale = _time_unit(median)
    return (f"{_three_digits(median / scale)} {unit} "
            f"({_three_digits(q1 / scale)}–{_three_digits(q3 / scale)})"
            + _wide_mark(median, q1, q3))


def format_ratio_spread(ratio: float, low: float, high: float) -> str:
    """``'0.71× (0.68–0.75)'``; ``' ⚠'`` follows a range wider than the threshold."""
    return f"{format_ratio(ratio)} ({low:.2f}–{high:.2f})" + _wide_mark(ratio, low, high)


def result_time(r: Result) -> str:
    return format_seconds_spread(r.median_s, r.q1_s, r.q3_s)


def ratio_of(ours: Result, theirs: Result) -> str:
    """Our median over theirs, with the range their IQRs allow (q1 / q3' to q3 / q1')."""
    return format_ratio_spread(ours.median_s / theirs.median_s, ours.q1_s / theirs.q3_s,
                               ours.q3_s / theirs.q1_s)


def format_count(value: float) -> str:
    """``198765 -> '199k'``: a rate or count in k, M or G, three significant digits."""
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{_three_digits(value / scale)}{suffix}"
    return _three_digits(value)


def format_ratio(value: float) -> str:
    return f"{value:.2f}×"


def format_percent(value: float) -> str:
    return f"{value:.0f}%" if value >= 10 else f"{value:.1f}%"


def _three_digits(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def network(layer_dims) -> str:
    """``[1024, 1024, 1024, 1024, 1] -> '[1024]*4 + [1]'``: runs of three or more folded."""
    groups: list[list[int]] = []  # [size, count]
    for n in layer_dims:
        if groups and groups[-1][0] == n:
            groups[-1][1] += 1
        else:
            groups.append([n, 1])
    if all(count <= 2 for _, count in groups):
        return str(list(layer_dims))
    return " + ".join(f"[{n}]*{count}" if count > 2 else str([n] * count)
                      for n, count in groups)


def column_label(impl: str, device: str) -> str:
    return f"{LABELS[impl]} {device.upper()}"


def markdown(table: Table) -> str:
    header, rows = table
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _by_case(results: list[Result]) -> dict:
    """case -> {(impl, device): result}, cases in order of work (FLOPs, then name)."""
    cases = defaultdict(dict)
    for r in results:
        cases[r.case][(r.impl, r.device)] = r
    return dict(sorted(cases.items(), key=lambda item: (
        next(iter(item[1].values())).info["flops"], str(item[0]))))


def _columns(results: list[Result]) -> list[tuple[str, str]]:
    present = {(r.impl, r.device) for r in results}
    return [(impl, device) for device in DEVICES for impl in IMPLEMENTATIONS
            if (impl, device) in present]


def _training_case(case) -> list[str]:
    layer_dims, m, dtype = case
    return [network(layer_dims), str(m), dtype]


def training_table(results: list[Result], figure: str) -> Table:
    """One row per (network, m, dtype), one column per implementation and device.

    ``figure`` is ``"time"`` (median per call) or ``"examples"`` (examples/s).
    """
    columns = _columns(results)
    header = ["network", "m", "dtype"] + [column_label(*c) for c in columns]
    rows = []
    for case, cells in _by_case(results).items():
        row = _training_case(case)
        for column in columns:
            r = cells.get(column)
            if r is None:
                row.append("—")
            elif figure == "time":
                row.append(result_time(r))
            else:
                examples = r.info["examples"]
                low, high = format_count(examples / r.q3_s), format_count(examples / r.q1_s)
                row.append(f"{format_count(r.metrics()['examples_per_s'])} ({low}–{high})")
        rows.append(row)
    return header, rows


def comparison_table(results: list[Result]) -> Table:
    """dlgpu against each peer (time ratios: below 1 is dlgpu faster) and
    against the roofline floor, one row per case and device."""
    peers = [impl for impl in IMPLEMENTATIONS if impl != "dlgpu"
             and any(r.impl == impl for r in results)]
    header = (["network", "m", "dtype", "device", "dlgpu"]
              + [f"dlgpu ÷ {LABELS[p]}" for p in peers]
              + ["floor", "dlgpu % of floor", "dlgpu GFLOP/s"])
    rows = []
    for case, cells in _by_case(results).items():
        for device in DEVICES:
            ours = cells.get(("dlgpu", device))
            if ours is None:
                continue
            metrics = ours.metrics()
            row = _training_case(case) + [device.upper(), result_time(ours)]
            for peer in peers:
                theirs = cells.get((peer, device))
                row.append(ratio_of(ours, theirs) if theirs else "—")
            row += [format_seconds(metrics["floor_s"]), format_percent(metrics["pct_of_floor"]),
                    f"{metrics['gflops_per_s']:.1f}"]
            rows.append(row)
    return header, rows


def format_bytes(value: float) -> str:
    """``136079892 -> '136 MB'``: decimal units, three significant digits."""
    for suffix, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return f"{_three_digits(value / scale)} {suffix}"
    return f"{value:.0f} B"


def dlgpu_moved(r: Result) -> tuple[int, int]:
    """dlgpu's ``(launches, bytes moved)`` per step: as recorded by the suite, or for a file
    that predates the record, from this dlgpu's kernel table (the suite's step: a
    sigmoid output, plain gradient descent, full batch)."""
    from .counts import dlgpu_step_bytes, step_launches

    info = r.info
    dims, m = info["layer_dims"], int(info["m"])
    launches = info.get("launches")
    moved = info.get("moved_bytes")
    return (step_launches(dims) if launches is None else int(launches),
            dlgpu_step_bytes(dims, m, r.dtype) if moved is None else int(moved))


def _launch_cell(r: Result | None) -> str:
    if r is None or r.info.get("launches") is None:
        return "—"
    return f"{r.info['launches']} {r.info.get('launches_unit', 'launches')}"


def launches_table(results: list[Result]) -> Table:
    """Per case and device: dlgpu's and PyTorch's time, launches per step, and the
    bytes moved per step by dlgpu against the least the maths needs
    (:mod:`dlgpu.bench.counts`)."""
    header = ["network", "m", "dtype", "device", "dlgpu", "dlgpu launches", "dlgpu bytes",
              "minimum bytes", "dlgpu bytes ÷ minimum", "PyTorch", "PyTorch launches"]
    rows = []
    for case, cells in _by_case(results).items():
        for device in DEVICES:
            ours, theirs = cells.get(("dlgpu", device)), cells.get(("torch", device))
            if ours is None and theirs is None:
                continue
            row = _training_case(case) + [device.upper()]
            minimum = (ours or theirs).info["bytes"]
            if ours is None:
                row += ["—"] * 3 + [format_bytes(minimum), "—"]
            else:
                launches, moved = dlgpu_moved(ours)
                row += [result_time(ours), f"{launches} kernels", format_bytes(moved),
                        format_bytes(minimum), format_ratio(moved / minimum)]
            row += [result_time(theirs) if theirs else "—", _launch_cell(theirs)]
            rows.append(row)
    return header, rows


def speedup_table(results: list[Result]) -> Table:
    """GPU against CPU for each implementation measured on both."""
    header = ["network", "m", "dtype", "implementation", "CPU", "GPU", "GPU speedup"]
    rows = []
    for case, cells in _by_case(results).items():
        for impl in IMPLEMENTATIONS:
            cpu, gpu = cells.get((impl, "cpu")), cells.get((impl, "gpu"))
            if cpu and gpu:
                rows.append(_training_case(case) + [
                    LABELS[impl], result_time(cpu), result_time(gpu), ratio_of(cpu, gpu)])
    return header, rows


#: arrays of n elements an activation benchmark's call works on (Z0, dA0, A, dA)
ACTIVATION_ARRAYS = 4


def activation_table(results: list[Result], llc_bytes: int | None = None) -> Table:
    """Per activation, dtype and size: time per call and GB/s on each backend.

    GB/s is also given as a percent of the DRAM copy rate (the bandwidth
    ceiling, measured on arrays far larger than the caches); where the call's
    arrays fit in the CPU's last-level cache of ``llc_bytes``, it can pass
    100%, and the cell says "in cache".
    """
    devices = [d for d in DEVICES if any(r.device == d for r in results)]
    header = ["activation", "dtype", "elements"]
    for d in devices:
        header += [f"{d.upper()} time", f"{d.upper()} GB/s", f"{d.upper()} % of DRAM copy rate"]
    if len(devices) == 2:
        header.append("GPU speedup")
    rows = []
    cases = defaultdict(dict)
    for r in results:
        cases[r.case][r.device] = r
    for (name, dtype, n), cells in sorted(cases.items()):
        row = [name, dtype, f"{n:.0e}".replace("e+0", "e")]
        for d in devices:
            r = cells.get(d)
            if r is None:
                row += ["—"] * 3
                continue
            metrics = r.metrics()
            in_cache = (d == "cpu" and llc_bytes is not None
                        and ACTIVATION_ARRAYS * n * np.dtype(dtype).itemsize <= llc_bytes)
            row += [result_time(r), f"{metrics['gbytes_per_s']:.1f}",
                    format_percent(metrics["pct_of_bandwidth"]) + (" (in cache)" if in_cache
                                                                    else "")]
        if len(devices) == 2:
            cpu, gpu = cells.get("cpu"), cells.get("gpu")
            row.append(ratio_of(cpu, gpu) if cpu and gpu else "—")
        rows.append(row)
    return header, rows


def ceilings_table(results: list[Result]) -> Table:
    """The ceilings each device's figures were measured against."""
    header = ["device", "name", "dtype", "GEMM GFLOP/s", "GEMM size", "bandwidth GB/s",
              "copy size"]
    seen = {}
    for r in results:
        info = r.info
        key = (r.device, info.get("device_name", ""), r.dtype)
        seen[key] = [r.device.upper(), info.get("device_name", ""), r.dtype,
                     f"{info['gemm_flops_per_s'] / 1e9:.1f}",
                     f"n = {info['ceiling_gemm_n']}" if "ceiling_gemm_n" in info else "—",
                     f"{info['bandwidth_bytes_per_s'] / 1e9:.1f}",
                     f"{info['ceiling_copy_bytes'] / 2 ** 21:.0f} MiB"
                     if "ceiling_copy_bytes" in info else "—"]
    return header, [seen[k] for k in sorted(seen)]


#: the issue's CPU target: dlgpu's step time over each peer's, at most
TARGET_RATIOS = {"torch": 1.1, "sklearn": 0.6}


def interleaved_spread(entries: dict, name: str, over: str | None = None):
    """``(q1, q3)`` of an interleaved implementation's times, or of its time over
    ``over``'s round by round (both took their turns in the same rounds); None
    where the times were not recorded."""
    times = entries[name].get("times_s")
    if not times:
        return None
    if over is None:
        q1, _, q3 = quartiles(times)
        return q1, q3
    theirs = entries[over].get("times_s")
    if not theirs or len(theirs) != len(times):
        return None
    q1, _, q3 = quartiles([a / b for a, b in zip(times, theirs)])
    return q1, q3


def _verdict(ratio: float, spread, target: float) -> str:
    if spread is not None and spread[0] <= target < spread[1]:
        return "unclear: the IQR spans the target"
    return "met" if ratio <= target else "not met"


def interleaved_table(results: list[Result]) -> Table:
    """Implementations that took turns on one problem: medians, ratios, targets met.

    Each median comes with the interquartile range of its steps, and each
    ratio with that of the ratios of the steps taken in the same rounds.
    Where the step's matrix products alone took turns too (``products``), their
    median and their ratio to each peer's step follow: a target below that
    ratio cannot be met with this BLAS on this machine.
    """
    names = IMPLEMENTATIONS + ("products",)
    impls = [impl for impl in names if any(impl in r.info["interleaved"] for r in results)]
    peers = [p for p in TARGET_RATIOS if p in impls]
    floor = "products" in impls
    header = (["network", "m", "dtype", "device"] + [LABELS[i] for i in impls]
              + [f"dlgpu ÷ {LABELS[p]} (CPU target ≤ {TARGET_RATIOS[p]:.2f}×)" for p in peers]
              + ([f"products alone ÷ {LABELS[p]}" for p in peers] if floor else [])
              + ["steps each"])
    rows = []
    for r in sorted(results, key=lambda r: (r.info["flops"], r.device)):
        entries = r.info["interleaved"]
        medians = {name: v["median_s"] for name, v in entries.items()}
        row = _training_case(r.case) + [r.device.upper()]
        row += [_interleaved_time(entries, i) if i in medians else "—" for i in impls]
        for peer in peers:
            if "dlgpu" in medians and peer in medians:
                ratio = medians["dlgpu"] / medians[peer]
                spread = interleaved_spread(entries, "dlgpu", peer)
                cell = _ratio_cell(ratio, spread)
                if r.device == "cpu":  # the targets are the CPU's
                    cell += f" ({_verdict(ratio, spread, TARGET_RATIOS[peer])})"
                row.append(cell)
            else:
                row.append("—")
        if floor:
            row += [_ratio_cell(medians["products"] / medians[peer],
                                interleaved_spread(entries, "products", peer))
                    if "products" in medians and peer in medians else "—" for peer in peers]
        row.append(str(min(v["steps"] for v in entries.values())))
        rows.append(row)
    return header, rows


def _interleaved_time(entries: dict, name: str) -> str:
    spread = interleaved_spread(entries, name)
    median = entries[name]["median_s"]
    return format_seconds_spread(median, *spread) if spread else format_seconds(median)


def _ratio_cell(ratio: float, spread) -> str:
    return format_ratio_spread(ratio, *spread) if spread else format_ratio(ratio)
