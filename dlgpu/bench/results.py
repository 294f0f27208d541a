"""pytest-benchmark JSON files read back as :class:`Result` records.

Only benchmarks whose ``extra_info`` carries a dlgpu ``kind`` (``activation``,
``step``, ``run`` or ``interleaved``, written by :mod:`dlgpu.bench.suite`) become results;
an ``interleaved`` result holds the medians of several implementations that
took turns (``extra_info["interleaved"]``), and its own median is dlgpu's.  The names of
any others are kept so the report can list them.  When the same benchmark is
in several files, the last file given wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .roofline import derived_metrics

KINDS = ("activation", "step", "run", "interleaved")
#: the implementations the suite measures, in the order of its cases and of the tables
IMPLEMENTATIONS = ("dlgpu", "course", "torch", "sklearn")
LABELS = {"dlgpu": "dlgpu", "course": "course", "torch": "PyTorch", "sklearn": "scikit-learn",
          "products": "matrix products alone"}
DEVICES = ("cpu", "gpu")
#: the keys :mod:`dlgpu.bench.suite.conftest` adds to the JSON file
LOAD_KEY, SKIPPED_KEY = "dlgpu_load", "dlgpu_skipped"
_REQUIRED = ("kind", "impl", "device", "dtype", "flops", "bytes", "examples",
             "gemm_flops_per_s", "bandwidth_bytes_per_s")


@dataclass(frozen=True)
class Result:
    """One benchmark: what ran, where, and its median time per call."""

    name: str
    median_s: float
    q1_s: float  # the first and third quartiles of the times over rounds
    q3_s: float
    rounds: int
    info: dict = field(repr=False)
    source: str = ""

    @property
    def relative_iqr(self) -> float:
        """The interquartile range over rounds as a fraction of the median."""
        return (self.q3_s - self.q1_s) / self.median_s

    @property
    def kind(self) -> str:
        return self.info["kind"]

    @property
    def impl(self) -> str:
        return self.info["impl"]

    @property
    def device(self) -> str:
        return self.info["device"]

    @property
    def dtype(self) -> str:
        return self.info["dtype"]

    @property
    def case(self) -> tuple:
        """What was computed, independent of who computed it: the row of a table."""
        if self.kind == "activation":
            return (self.info["activation"], self.dtype, int(self.info["elements"]))
        return (tuple(self.info["layer_dims"]), int(self.info["m"]), self.dtype)

    @property
    def key(self) -> tuple:
        return (self.kind, self.impl, self.device, self.case)

    def metrics(self) -> dict:
        """Examples/s, GFLOP/s, GB/s, the roofline floor and % of it (see
        :func:`dlgpu.bench.roofline.derived_metrics`), from the median."""
        info = self.info
        return derived_metrics(self.median_s, flops=info["flops"], nbytes=info["bytes"],
                               examples=info["examples"],
                               gemm_flops_per_s=info["gemm_flops_per_s"],
                               bandwidth_bytes_per_s=info["bandwidth_bytes_per_s"])


@dataclass
class Source:
    """One JSON file: where it came from, the machine it describes, how busy that
    machine was (:func:`dlgpu.bench.load.between`, None if not recorded) and
    the benchmarks skipped, reason -> count."""

    path: str
    machine: dict
    commit: dict
    datetime: str
    load: dict | None = None
    skipped: dict = field(default_factory=dict)


@dataclass
class ResultSet:
    results: list[Result]
    sources: list[Source]
    others: list[str]  # benchmarks without a dlgpu kind, by name
    replaced: list[str]  # results given again by a later file

    def of_kind(self, kind: str) -> list[Result]:
        return [r for r in self.results if r.kind == kind]


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no such benchmark JSON file: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from None
    entries = data.get("benchmarks") if isinstance(data, dict) else None
    if type(entries) is not list:  # the file's content is wrong, not an argument's type
        raise ValueError(f"{path} is not a pytest-benchmark JSON file "
                         f"(no 'benchmarks' list; write one with --benchmark-json)")
    return data


def _result(entry: dict, source: str) -> Result | None:
    info = entry.get("extra_info") or {}
    if info.get("kind") not in KINDS:
        return None
    missing = [key for key in _REQUIRED if key not in info]
    if missing:
        raise ValueError(f"{source}: benchmark {entry.get('name')!r} lacks "
                         f"{', '.join(missing)} in extra_info")
    stats = entry["stats"]
    median = float(stats["median"])
    return Result(entry["name"], median, float(stats.get("q1", median)),
                  float(stats.get("q3", median)), int(stats.get("rounds", 0)), info, source)


def load(paths) -> ResultSet:
    """Read one or several pytest-benchmark JSON files."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("no benchmark JSON file given")
    by_key: dict[tuple, Result] = {}
    sources, others, replaced = [], [], []
    for path in paths:
        data = _read(path)
        sources.append(Source(str(path), data.get("machine_info") or {},
                              data.get("commit_info") or {}, data.get("datetime", ""),
                              data.get(LOAD_KEY), data.get(SKIPPED_KEY) or {}))
        for entry in data["benchmarks"]:
            result = _result(entry, str(path))
            if result is None:
                others.append(entry.get("fullname") or entry.get("name", "?"))
                continue
            if result.key in by_key:
                replaced.append(f"{result.name} ({by_key[result.key].source} -> {path})")
            by_key[result.key] = result
    return ResultSet(list(by_key.values()), sources, others, replaced)
