#!/usr/bin/env bash
# The prepared check for a lent GPU (see scripts/gpu_check.py):
#   PYTHONPATH=$PWD bash scripts/gpu_check.sh "$OUT"            # on the GPU machine, 7 minutes
#   PYTHONPATH=$PWD bash scripts/gpu_check.sh OUT --dry-run      # the CuPy stand-in (CI)
# The outer timeout only guards against the driver itself hanging: the driver
# stops at its own limit (--limit, 410 s) with what it has, and the whole
# check is over within 420 s (7 of a lease's 15 minutes).
set -u
if [ $# -lt 1 ]; then
    echo "usage: bash scripts/gpu_check.sh OUT [--dry-run] [--limit SECONDS] [--steps A,B]" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
exec timeout -k 5 "${DLGPU_GPU_CHECK_OUTER_LIMIT:-415}" python3 scripts/gpu_check.py "$@"
