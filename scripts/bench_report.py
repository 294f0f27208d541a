#!/usr/bin/env python3
"""Run the benchmarks (or read their JSON) and write the Markdown report with charts.

    python3 scripts/bench_report.py --out DIR [--quick | --full]
    python3 scripts/bench_report.py --out DIR --json FILE [FILE ...]

The same as ``dlgpu bench``; see ``dlgpu.bench.report``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's dlgpu

from dlgpu.bench.report import main

if __name__ == "__main__":
    sys.exit(main())
