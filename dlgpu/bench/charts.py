"""The report's charts, drawn off-screen into PNG files.

Drawn on a ``matplotlib.figure.Figure`` with the Agg canvas directly, not
through pyplot, so no window opens and no global state changes.  Each PNG
carries the numbers it plots, as JSON in its ``Description`` text chunk
(``PIL.Image.open(path).text["Description"]``), so a reader, or a test, can
check a chart against the results it was drawn from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from .results import DEVICES, IMPLEMENTATIONS, Result
from .tables import column_label, format_seconds, network

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


def _save(figure, path: Path, title: str, data: dict) -> Path:
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


def _grouped_bars(axes, cases, series, impls, annotate):
    height = 0.8 / max(1, len(series))
    for i, (label, values) in enumerate(series.items()):
        ys = [cases.index(c) + i * height for c in values]
        bars = axes.barh(ys, list(values.values()), height=height, label=label,
                         color=COLORS[impls[label]],
                         alpha=1.0 if label.endswith("GPU") else 0.6)
        for bar, value in zip(bars, values.values()):
            axes.annotate(annotate(value), (bar.get_width(), bar.get_y() + height / 2),
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


def training_time_chart(results: list[Result], path, kind: str = "step") -> Path:
    """Median time per step (or run), one bar per implementation and device, log scale."""
    path = Path(path)
    cases, series = _series(results, lambda r: r.median_s)
    figure = _figure(10, 1.2 + 0.5 * len(cases) * max(1, len(series)) / 2)
    axes = figure.add_subplot()
    _grouped_bars(axes, cases, series, _impl_of_label(results), format_seconds)
    axes.set_xscale("log")
    _log_axis(axes.xaxis, format_seconds)
    values = [v for column in series.values() for v in column.values()]
    axes.set_xlim(min(values) / 2, max(values) * 3)  # room for the value labels
    what = "training step" if kind == "step" else "whole training run"
    axes.set_xlabel(f"median time per {what} (log scale; shorter is faster)")
    axes.set_title(f"Time per {what}")
    return _save(figure, path, f"time per {kind}",
                 {"figure": f"{kind}_time", "unit": "s", "series": series})


def roofline_chart(results: list[Result], path) -> Path:
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
                    "100% is the hardware's limit")
    axes.set_title("How close each training step runs to the hardware's limit")
    return _save(figure, path, "percent of roofline floor",
                 {"figure": "roofline", "unit": "percent", "series": series})


def activation_chart(results: list[Result], path) -> Path:
    """GB/s against the number of elements, per activation and device; one panel per dtype."""
    path = Path(path)
    dtypes = sorted({r.dtype for r in results})
    figure = _figure(5.5 * len(dtypes), 4.5)
    data = {}
    for i, dtype in enumerate(dtypes, start=1):
        axes = figure.add_subplot(1, len(dtypes), i)
        lines = defaultdict(dict)
        ceilings = {}
        for r in sorted(results, key=lambda r: r.info["elements"]):
            if r.dtype == dtype:
                label = f"{r.info['activation']} {r.device.upper()}"
                lines[label][int(r.info["elements"])] = r.metrics()["gbytes_per_s"]
                ceilings[r.device] = r.info["bandwidth_bytes_per_s"] / 1e9
        for label, points in sorted(lines.items()):
            axes.plot(list(points), list(points.values()), marker="o",
                      linestyle="-" if label.endswith("GPU") else "--", label=label)
        for device, gbs in ceilings.items():
            axes.axhline(gbs, color="black", linewidth=0.8, linestyle=":")
            axes.annotate(f"{device.upper()} copy {gbs:.0f} GB/s", (0.01, gbs),
                          xycoords=("axes fraction", "data"), fontsize=7, va="bottom")
        axes.set_xscale("log")
        axes.set_yscale("log")
        _log_axis(axes.yaxis, lambda value: f"{value:g}")
        axes.set_xlabel("elements")
        axes.set_ylabel("GB/s (bytes moved / median time)")
        axes.set_title(f"Activation forward + backward, {dtype}")
        axes.legend(fontsize=7)
        data[dtype] = {label: {str(n): v for n, v in points.items()}
                       for label, points in lines.items()}
    return _save(figure, path, "activation throughput",
                 {"figure": "activations", "unit": "GB/s", "series": data})
