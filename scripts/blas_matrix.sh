#!/usr/bin/env bash
# Run the test suite under each OpenBLAS kernel family and thread count a user's
# machine may pick, and print one table row per combination: the kernel that
# really ran (threadpoolctl), then pytest's passed / failed / skipped counts.
#
#     bash scripts/blas_matrix.sh [pytest arguments, e.g. tests/course -x]
#
# OPENBLAS_CORETYPE forces a kernel family (a CPU runs those of its own
# instruction set and older ones); "default" lets OpenBLAS choose for this CPU.
# OPENBLAS_L2_SIZE is unset in every run so that it cannot change the blocking.
# Exits non-zero if any combination has a failure or did not run.
# Run it in the foreground: a background job of a non-interactive shell starts
# with SIGINT ignored, and the Ctrl-C tests then fail.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

COMBINATIONS=(
    "default"
    "OPENBLAS_CORETYPE=Haswell"
    "OPENBLAS_CORETYPE=SkylakeX"
    "OPENBLAS_CORETYPE=Zen"
    "OPENBLAS_CORETYPE=Sandybridge"
    "OPENBLAS_CORETYPE=Prescott"
    "OPENBLAS_NUM_THREADS=1"
    "OPENBLAS_NUM_THREADS=2"
)
KERNEL='
import numpy, threadpoolctl
blas = [i for i in threadpoolctl.threadpool_info() if i["internal_api"] == "openblas"]
print("%s, %d thread(s)" % (blas[0].get("architecture", "?"), blas[0]["num_threads"]) if blas
      else "not OpenBLAS")'

count() {  # count WORD SUMMARY: the number before WORD in pytest's last line, or 0
    local n
    n=$(grep -oE "[0-9]+ $1" <<<"$2" | grep -oE '^[0-9]+')
    echo "${n:-0}"
}

status=0
echo "| combination | kernel (threadpoolctl) | passed | failed | skipped | xfailed | time |"
echo "|---|---|---|---|---|---|---|"
for combination in "${COMBINATIONS[@]}"; do
    settings=()
    [[ $combination != default ]] && settings=("$combination")
    run=(env -u OPENBLAS_L2_SIZE -u OPENBLAS_CORETYPE -u OPENBLAS_NUM_THREADS "${settings[@]}")
    # A kernel this CPU lacks the instructions for (SkylakeX's AVX-512 on an AMD EPYC,
    # say) kills NumPy at its first product: a fact about the machine, not a failure.
    if ! "${run[@]}" python3 -c "import numpy; numpy.ones((64, 64)) @ numpy.ones((64, 64))" \
            >/dev/null 2>&1; then
        echo "| $combination | not runnable on this CPU | - | - | - | - | - |"
        continue
    fi
    kernel=$("${run[@]}" python3 -c "$KERNEL" 2>&1 | tail -n 1)
    start=$SECONDS
    summary=$("${run[@]}" python3 -m pytest -q "$@" 2>&1 | tail -n 1)
    failed=$(( $(count failed "$summary") + $(count error "$summary") ))
    passed=$(count passed "$summary")
    if (( failed > 0 || passed == 0 )); then
        status=1
    fi
    echo "| $combination | $kernel | $passed | $failed | $(count skipped "$summary") |" \
         "$(count xfailed "$summary") | $(( SECONDS - start )) s |"
done
exit $status
