"""Data parallelism: a smoke run of the CPU comparison's worker, and SCALING.md's table.

The comparison itself launches processes and takes minutes:
``python3 benchmarks/distributed_step.py`` (see SCALING.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from .distributed_step import worker
from .scaling import table


def test_the_step_worker_runs_on_one_process(capsys):
    worker(m_per_rank=64, steps=1, dtype="float32")
    result = json.loads(capsys.readouterr().out)
    assert result["ranks"] == 1 and result["step_s"] > 0


def test_scaling_md_holds_the_table_the_model_computes():
    text = (Path(__file__).with_name("SCALING.md")).read_text()
    assert table() in text, "SCALING.md is stale: paste `python3 benchmarks/scaling.py`"

