"""Predicted scaling efficiency of data-parallel training on H200s: the table in SCALING.md.

``python3 benchmarks/scaling.py`` prints it.  A step on each GPU takes at
least its roofline time, ``max(FLOPs / peak rate, bytes / memory bandwidth)``
(``dlgpu.bench.counts``); the gradients then cross a ring all-reduce,
``2 (P - 1) / P x gradient bytes / link bandwidth``, which dlgpu starts after
the backward pass (one flat buffer, no overlap).  Efficiency is the step's
share of step + all-reduce: the time of P GPUs' steps against P times one.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlgpu.bench.counts import n_parameters, step_bytes, step_flops

#: H200 SXM, vendor datasheet figures (leads, not measured here)
FP32_FLOPS = 67e12           # FLOP/s, CUDA cores; dlgpu keeps TF32 off
HBM_BYTES = 4.8e12           # B/s


@dataclass(frozen=True)
class Fabric:
    name: str
    gpus: int
    link: float  # bytes/s one way, per GPU, on the slowest hop of the ring


FABRICS = (
    # NVLink 4: ~900 GB/s per GPU counting both directions; a ring sends one way.
    Fabric("8 H200, one node, NVLink", 8, 450e9),
    # One 400 Gb/s NIC per GPU; a ring across nodes runs at its slowest hop, the NIC.
    Fabric("4 nodes x 8 H200, 400 Gb/s", 32, 400e9 / 8),
)
NETWORKS = ([1024] * 4 + [1], [4096] * 4 + [1])
M_PER_GPU = 65536
DTYPE = "float32"


def step_seconds(layer_dims, m, dtype=DTYPE) -> float:
    return max(step_flops(layer_dims, m) / FP32_FLOPS, step_bytes(layer_dims, m, dtype) / HBM_BYTES)


def allreduce_seconds(gradient_bytes: int, fabric: Fabric) -> float:
    p = fabric.gpus
    return 2 * (p - 1) / p * gradient_bytes / fabric.link


def rows():
    for dims in NETWORKS:
        gradient_bytes = (n_parameters(dims) + 1) * 4  # float32, and the count
        step = step_seconds(dims, M_PER_GPU)
        for fabric in FABRICS:
            reduce = allreduce_seconds(gradient_bytes, fabric)
            yield dims, fabric, gradient_bytes, step, reduce, step / (step + reduce)


def table() -> str:
    lines = ["| network | GPUs | gradient | step (roofline) | all-reduce | efficiency |",
             "|---|---|---|---|---|---|"]
    for dims, fabric, size, step, reduce, efficiency in rows():
        name = f"[{dims[1]}]*4+[1]"
        lines.append(f"| {name} | {fabric.name} | {size / 1e6:.1f} MB | {1e3 * step:.2f} ms | "
                     f"{1e3 * reduce:.3f} ms | {100 * efficiency:.1f}% |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
