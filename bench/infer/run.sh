#!/usr/bin/env bash
# Inference throughput, llmforge's KV-cache engine vs PyTorch (Debian python3-torch)
# on the same machine in one run: prefill and decode tokens/s at batch 1 and 32 for the
# three engine shapes, plus decode against the memory-bandwidth bound (bench_infer).
# Usage: bench/infer/run.sh [prompt] [steps]   (build first: scripts/build.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${LLMFORGE_BUILD_DIR:-$root/build}"
prompt="${1:-128}"
steps="${2:-32}"
threads=$(nproc)
ours=$("$build/bench/infer/bench_infer" --prompt "$prompt" --steps "$steps")
echo "$ours"
echo
declare -A shape=(
  [2M]="--dim 128 --layers 4 --heads 4 --kv-heads 4 --ffn 384 --vocab 4096"
  [14M]="--dim 384 --layers 6 --heads 6 --kv-heads 6 --ffn 1024 --vocab 4096"
  [51M]="--dim 640 --layers 8 --heads 10 --kv-heads 10 --ffn 1792 --vocab 8192"
)
printf "%-5s %5s %14s %14s %8s %14s %14s %8s\n" model batch "ours prefill" "torch prefill" ratio \
  "ours decode" "torch decode" ratio
for name in 2M 14M 51M; do
  for batch in 1 32; do
    row=$(awk -v n="$name" -v b="$batch" '$1 == n && $2 == b' <<<"$ours")
    op=$(awk '{print $3}' <<<"$row"); od=$(awk '{print $4}' <<<"$row")
    t=$(/usr/bin/python3 "$root/bench/infer/torch_decode.py" ${shape[$name]} --prompt "$prompt" \
        --steps "$steps" --batch "$batch" --threads "$threads")
    tp=$(awk '{print $4}' <<<"$t"); td=$(awk '{print $7}' <<<"$t")
    printf "%-5s %5s %14s %14s %7.2fx %14s %14s %7.2fx\n" "$name" "$batch" "$op" "$tp" \
      "$(awk -v a="$op" -v b="$tp" 'BEGIN {print a / b}')" "$od" "$td" \
      "$(awk -v a="$od" -v b="$td" 'BEGIN {print a / b}')"
  done
done
