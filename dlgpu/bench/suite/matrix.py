"""What the suite measures, by tier.

``DLGPU_BENCH_TIER`` is ``quick`` (few rounds), ``default`` or ``full``;
``DLGPU_BENCH_FULL=1`` is ``full``.  ``quick`` and ``default`` measure the
small shapes and the CPU target; ``full`` adds the large sizes (hundreds of
megabytes to gigabytes per array), meant for a GPU.
"""

import os
from dataclasses import dataclass

TIERS = ("quick", "default", "full")
TIER = "full" if os.environ.get("DLGPU_BENCH_FULL") == "1" else \
    os.environ.get("DLGPU_BENCH_TIER", "default")
if TIER not in TIERS:
    raise ValueError(f"DLGPU_BENCH_TIER must be one of {', '.join(TIERS)}, got {TIER!r}")
FULL = TIER == "full"

#: seconds of timed rounds per benchmark, and bounds on the number of rounds
BUDGET = {"quick": (0.25, 3, 15), "default": (1.5, 5, 100), "full": (3.0, 3, 100)}[TIER]
#: seconds of interleaved rounds for the side-by-side comparison on the CPU target
SIDE_BY_SIDE_SECONDS = {"quick": 3.0, "default": 12.0, "full": 12.0}[TIER]
#: ceilings measured small where the figures need not be final
CEILING_SIZE = "quick" if TIER == "quick" else "standard"

ACTIVATION_SIZES = [10**4, 10**5] + ([10**6, 10**7, 10**8] if FULL else [])
ACTIVATION_DTYPES = ["float32", "float64"]
TRAINING_DTYPES = ["float32"]
RUN_ITERATIONS = 10
#: a whole run on the CPU is skipped above this many FLOPs per step (its step is measured)
CPU_RUN_MAX_FLOPS = 1e11


@dataclass(frozen=True)
class Shape:
    layer_dims: tuple
    m: int
    gpu_only: bool = False

    @property
    def id(self) -> str:
        return "x".join(map(str, self.layer_dims)) + f"-m{self.m}"


CAT = Shape((12288, 20, 7, 5, 1), 209)              # the course's cat network
SMALL = Shape((784, 128, 128, 1), 256)
CPU_TARGET = Shape((784, 256, 128, 1), 8192)        # the CPU target
LARGE = [
    Shape((784, 128, 128, 1), 4096),
    Shape((784, 128, 128, 1), 65536),
    Shape((1024,) * 4 + (1,), 8192),
    Shape((1024,) * 4 + (1,), 65536),
    Shape((4096,) * 4 + (1,), 65536, gpu_only=True),
    Shape((64,) * 9 + (1,), 2**18),
]
STEP_SHAPES = [CAT, SMALL, CPU_TARGET] + (LARGE if FULL else [])
RUN_SHAPES = [CAT, SMALL] + ([CPU_TARGET, *LARGE] if FULL else [])
