"""The report's charts, drawn off-screen into PNG files.

Drawn on a ``matplotlib.figure.Figure`` with the Agg canvas directly, not
through pyplot, so no window opens and no global state changes.  Each PNG
carries the numbers it plots, as JSON in its ``Description`` text chunk
(``PIL.Image.open(path).text["Description"]``), so a reader, or a test, can
check a chart against the results it was drawn from.

A chart of a flagged run (:mod:`dlgpu.bench.trust`) carries the flag on its
face, a red line above the plot (:func:`flag_banner`), and in its metadata
(``"flag"`` in the Description, ``[flagged]`` in the Title): a chart copied
out of the report must not look like a clean measurement.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from .results import DEVICES, IMPLEMENTATIONS, Result
from .tables import ACTIVATION_ARRAYS, column_label, format_seconds, network

COLORS = {"dlgpu": "#1f77b4", "course": "#7f7f7f", "torch": "#d62728", "sklearn": "#ff7f0e"}


def _figure(width: float, height: float):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("the benchmark charts need matplotlib: "
                          "pip install 'dlgpu[plot]'") from None
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def flag_banner(reasons) -> str | None:
    """The line a flagged run's charts carry, from its flags' short reasons; None unflagged."""
    reasons = list(dict.fromkeys(r for r in reasons if r))
    if not reasons:
        return None
    return (f"⚠ FLAGGED RUN ({', '.join(reasons)}): these figures may mislead; "
            f"see the flags at the top of report.md")


def _save(figure, path: Path, title: str, data: dict, flag: str | None = None) -> Path:
    if flag:
        figure.suptitle(flag, color="#b00000", fontsize=10, fontweight="bold")
        title, data = f"{title} [flagged]", {**data, "flag": flag}
    figure.savefig(path, format="png", bbox_inches="tight",
                   metadata={"Title": title, "Description": json.dumps(data)})
    return path


def case_label(result: Result) -> str:
    layer_dims, m, dtype = result.case
    return f"{network(layer_dims)} m={m} {dtype}"


def _series(results: list[Result], value) -> tuple[list[str], dict]:
    """Case labels (by work) and {column label: {case label: value(result)}}."""
    ordered = sorted(results, key=lambda r: (r.info["flops"], case_label(r)))
    cases = list(dict.fromkeys(case_label(r) for r in ordered))
    series = defaultdict(dict)
    for device in DEVICES:
        for impl in IMPLEMENTATIONS:
            for r in ordered:
                if (r.impl, r.device) == (impl, device):
                    series[column_label(impl, device)][case_label(r)] = value(r)
    return cases, dict(series)


def _grouped_bars(axes, cases, series, impls, annotate, spans=None):
    """Horizontal bars per case and series; ``spans[label][case] = (low, high)`` draws
    each bar's range as an error bar."""
    height = 0.8 / max(1, len(series))
    for i, (label, values) in enumerate(series.items()):
        ys = [cases.index(c) + i * height for c in values]
        xerr = None
        if spans:
            xerr = [[v - spans[label][c][0] for c, v in values.items()],
                    [spans[label][c][1] - v for c, v in values.items()]]
        bars = axes.barh(ys, list(values.values()), height=height, label=label,
                         color=COLORS[impls[label]], xerr=xerr, capsize=2,
                         error_kw={"elinewidth": 0.8},
                         alpha=1.0 if label.endswith("GPU") else 0.6)
        for bar, (case, value) in zip(bars, values.items()):
            end = spans[label][case][1] if spans else bar.get_width()  # clear of the range
            axes.annotate(annotate(value), (end, bar.get_y() + height / 2),
                          xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    axes.set_yticks([i + 0.4 - height / 2 for i in range(len(cases))], cases, fontsize=8)
    axes.invert_yaxis()
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _log_axis(axis, label) -> None:
    """Log scale with ticks at 1, 2 and 5 times each power of ten, labelled by ``label``."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: label(value)))
    axis.set_minor_formatter(NullFormatter())


def _impl_of_label(results: list[Result]) -> dict:
    return {column_label(r.impl, r.device): r.impl for r in results}


def training_time_chart(results: list[Result], path, kind: str = "step",
                        flag: str | None = None) -> Path:
    """Median time per step (or run), one bar per implementation and device, log scale.

    ``flag``: the run's :func:`flag_banner`, drawn above the chart (every chart takes it).
    """
    path = Path(path)
    cases, series = _series(results, lambda r: r.median_s)
    _, spans = _series(results, lambda r: (r.q1_s, r.q3_s))
    figure = _figure(10, 1.2 + 0.5 * len(cases) * max(1, len(series)) / 2)
    axes = figure.add_subplot()
    _grouped_bars(axes, cases, series, _impl_of_label(results), format_seconds, spans)
    axes.set_xscale("log")
    _log_axis(axes.xaxis, format_seconds)
    values = [v for column in series.values() for v in column.values()]
    highs = [high for column in spans.values() for _, high in column.values()]
    axes.set_xlim(min(values) / 2, max(values + highs) * 3)  # room for the value labels
    what = "training step" if kind == "step" else "whole training run"
    axes.set_xlabel(f"median time per {what}, with its interquartile range over rounds "
                    f"(log scale; shorter is faster)")
    axes.set_title(f"Time per {what}")
    return _save(figure, path, f"time per {kind}",
                 {"figure": f"{kind}_time", "unit": "s", "series": series}, flag)


def roofline_chart(results: list[Result], path, flag: str | None = None) -> Path:
    """Percent of the roofline floor reached, one bar per implementation and device."""
    path = Path(path)
    cases, series = _series(results, lambda r: r.metrics()["pct_of_floor"])
    figure = _figure(10, 1.2 + 0.5 * len(cases) * max(1, len(series)) / 2)
    axes = figure.add_subplot()
    _grouped_bars(axes, cases, series, _impl_of_label(results), lambda v: f"{v:.0f}%")
    values = [v for column in series.values() for v in column.values()]
    axes.set_xlim(0, max(100, *values) * 1.15)
    axes.axvline(100, color="black", linewidth=0.8)
    axes.set_xlabel("% of the roofline floor max(FLOPs / GEMM rate, bytes / bandwidth); "
                    "100% is the hardware's limit"
                    + ("\npast 100%: the ceilings were measured low (a busy machine?), or the "
                       "work ran from the caches" if max(values) > 100 else ""))
    axes.set_title("How close each training step runs to the hardware's limit")
    return _save(figure, path, "percent of roofline floor",
                 {"figure": "roofline", "unit": "percent", "series": series}, flag)


def _cache_boundary(axes, fits: float, sizes: list, llc_bytes: int) -> None:
    """The size whose arrays fill the last-level cache: a line where it falls among
    the plotted sizes, else a note (a far-away line would squash the points)."""
    where = (0.99, 0.02)
    if min(sizes) <= fits <= max(sizes):
        axes.axvline(fits, color="grey", linewidth=0.8, linestyle="--")
        axes.annotate("CPU cache-resident ←", (fits, 0.02), xycoords=("data", "axes fraction"),
                      fontsize=7, ha="right")
        return
    text = (f"all sizes fit in the CPU's {llc_bytes / 2 ** 20:.0f} MiB last-level cache"
            if fits > max(sizes) else "no size fits in the CPU's last-level cache")
    axes.annotate(text, where, xycoords="axes fraction", fontsize=7, ha="right")


def activation_chart(results: list[Result], path, llc_bytes: int | None = None,
                     flag: str | None = None) -> Path:
    """GB/s against the number of elements, per activation and device; one panel per dtype.

    Each point's bar spans the GB/s of its quartile times; the dotted line is the
    DRAM copy rate, and the dashed vertical line the size at which the call's
    arrays outgrow the CPU's last-level cache of ``llc_bytes`` (left of it they
    run from the cache, and can pass the copy rate).  The legend sits below the
    panels, clear of every line.
    """
    path = Path(path)
    dtypes = sorted({r.dtype for r in results})
    figure = _figure(5.5 * len(dtypes), 5.0)
    data = {}
    for i, dtype in enumerate(dtypes, start=1):
        axes = figure.add_subplot(1, len(dtypes), i)
        lines, spans = defaultdict(dict), defaultdict(dict)
        ceilings = {}
        for r in sorted(results, key=lambda r: r.info["elements"]):
            if r.dtype == dtype:
                label = f"{r.info['activation']} {r.device.upper()}"
                n = int(r.info["elements"])
                lines[label][n] = r.metrics()["gbytes_per_s"]
                spans[label][n] = (r.info["bytes"] / r.q3_s / 1e9, r.info["bytes"] / r.q1_s / 1e9)
                ceilings[r.device] = r.info["bandwidth_bytes_per_s"] / 1e9
        for label, points in sorted(lines.items()):
            low = [v - spans[label][n][0] for n, v in points.items()]
            high = [spans[label][n][1] - v for n, v in points.items()]
            axes.errorbar(list(points), list(points.values()), yerr=[low, high], marker="o",
                          capsize=3, linestyle="-" if label.endswith("GPU") else "--",
                          label=label)
        for device, gbs in ceilings.items():
            axes.axhline(gbs, color="black", linewidth=0.8, linestyle=":")
            axes.annotate(f"{device.upper()} DRAM copy rate {gbs:.0f} GB/s", (0.01, gbs),
                          xycoords=("axes fraction", "data"), fontsize=7, va="bottom")
        if llc_bytes and "cpu" in ceilings:
            _cache_boundary(axes, llc_bytes / (ACTIVATION_ARRAYS * np.dtype(dtype).itemsize),
                            [n for points in lines.values() for n in points], llc_bytes)
        axes.set_xscale("log")
        axes.set_yscale("log")
        _log_axis(axes.yaxis, lambda value: f"{value:g}")
        axes.set_xlabel("elements")
        axes.set_ylabel("GB/s (bytes moved / median time)")
        axes.set_title(f"Activation forward + backward, {dtype}")
        data[dtype] = {label: {str(n): v for n, v in points.items()}
                       for label, points in lines.items()}
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)),
                  fontsize=8)
    return _save(figure, path, "activation throughput",
                 {"figure": "activations", "unit": "GB/s", "series": data}, flag)
