#!/usr/bin/env python3
"""Compile every CUDA kernel in dlgpu with NVRTC, for sm_90, in float32 and float64.

Needs no GPU, driver or CuPy: only NVRTC (``pip install nvidia-cuda-nvrtc-cu12``).
Exits non-zero, printing the compiler log, if any kernel fails to compile.

    python3 scripts/check_cuda_sources.py [--arch sm_90]
"""

import argparse
import sys

from dlgpu import losses, nvrtc, optimizers, outputs, propagation
from dlgpu.activations import all_cuda_sources


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="sm_90")
    args = parser.parse_args()
    lib = nvrtc.load_nvrtc()
    print(f"NVRTC {'.'.join(map(str, nvrtc.version(lib)))}, arch {args.arch}")
    failures = 0
    for name, dtype, source in [*all_cuda_sources(), *optimizers.all_cuda_sources(),
                                *outputs.all_cuda_sources(), *losses.all_cuda_sources(),
                                *propagation.all_cuda_sources()]:
        try:
            cubin = nvrtc.compile_source(source, f"{name}.cu", arch=args.arch, lib=lib)
            print(f"ok    {name:<28} {dtype:<8} {len(cubin):>6} bytes")
        except nvrtc.NVRTCError as exc:
            failures += 1
            print(f"FAIL  {name:<28} {dtype}\n{exc}")
    print(f"{failures} of the kernels failed" if failures else "all kernels compiled")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
