#!/usr/bin/env bash
# How OpenMP threads should wait: libgomp's default (spin 300,000 times), llmforge's
# default (a short spin, core/thread_policy.h) and OMP_WAIT_POLICY=passive, each on
# an idle machine (one job) and on a shared one (two jobs at once, as when a user runs
# two commands or a build runs beside training). Prints wall seconds per job and the
# slowdown against the best single job.
# Workloads: training steps of a 2M model (`bench train`) and batch-1 greedy decoding
# of a 2M model (bench_infer, many small parallel regions per token). Each policy is
# given by its environment, so the llmforge binary and bench_infer get the same one.
# Usage: bench/threads/run.sh   (build first: scripts/build.sh; needs an otherwise idle machine)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${LLMFORGE_BUILD_DIR:-$root/build}"
bin="$build/llmforge"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
shape="--dim 128 --layers 4 --heads 4 --kv-heads 4 --ffn 384 --vocab 4096 --seq 256"

train() { "$bin" bench train $shape --batch 8 --steps 8 >/dev/null; }
decode() { "$build/bench/infer/bench_infer" --only 2M --prompt 16 --steps 128 >/dev/null; }

# Wall seconds of `jobs` copies of a workload started together (the slowest one).
run() {
  local policy="$1" workload="$2" jobs="$3" envs=()
  case "$policy" in
    libgomp) envs=(LLMFORGE_SPIN=default) ;;
    llmforge) envs=(GOMP_SPINCOUNT=$(sed -n 's/.*kDefaultSpinCount = \([0-9]*\);.*/\1/p' "$root/src/core/thread_policy.h")) ;;
    passive) envs=(OMP_WAIT_POLICY=passive) ;;
  esac
  local start end
  start=$(date +%s.%N)
  for _ in $(seq "$jobs"); do env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u OMP_NUM_THREADS "${envs[@]}" bash -c "$(declare -f "$workload"); bin=$bin build=$build shape='$shape'; $workload" & done
  wait
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
for workload in train decode; do
  declare -A alone two
  best=""
  for policy in libgomp llmforge passive; do
    alone[$policy]=$(run "$policy" "$workload" 1)
    two[$policy]=$(run "$policy" "$workload" 2)
    best=$(awk -v a="${alone[$policy]}" -v b="$best" 'BEGIN {print (b == "" || a < b) ? a : b}')
  done
  printf "\n%s\n%-10s %12s %16s %12s %12s\n" "$workload" policy "alone (s)" "two at once (s)" "alone/best" "two/best"
  for policy in libgomp llmforge passive; do
    awk -v p="$policy" -v a="${alone[$policy]}" -v t="${two[$policy]}" -v b="$best" \
      'BEGIN {printf "%-10s %12.2f %16.2f %11.2fx %11.2fx\n", p, a, t, a / b, t / b}'
  done
  unset alone two
done
