#!/usr/bin/env bash
# Training throughput, llmforge vs PyTorch (Debian python3-torch) on the same machine,
# same model, batch and optimizer, in one run. Prints tokens/s, MFU and the ratio of
# our tokens/s to PyTorch's best mode (fp32 or bf16 autocast) for three model sizes.
# Usage: bench/train/run.sh [steps]   (build first: scripts/build.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${LLMFORGE_BUILD_DIR:-$root/build}/llmforge"
steps="${1:-3}"
python=/usr/bin/python3
threads=$(nproc)
# PyTorch's bf16 autocast needs AVX512_BF16/AMX to be fast; elsewhere it falls back
# to slow reference kernels (about 1% of its fp32 speed here), so it is measured
# only where the CPU has them, or when BF16=1 asks for it anyway.
modes=fp32
if grep -qE 'avx512_bf16|amx_bf16' /proc/cpuinfo || [ "${BF16:-0}" = 1 ]; then modes=fp32,bf16; fi

configs=(
  "2M   --dim 128 --layers 4 --heads 4 --kv-heads 4 --ffn 384 --vocab 4096 --seq 256 --micro-batch 8"
  "14M  --dim 384 --layers 6 --heads 6 --kv-heads 6 --ffn 1024 --vocab 4096 --seq 256 --micro-batch 8"
  "51M  --dim 640 --layers 8 --heads 10 --kv-heads 10 --ffn 1792 --vocab 8192 --seq 256 --micro-batch 8"
)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); torch modes: $modes"
printf "%-5s %12s %8s %14s %14s %8s\n" config "ours tok/s" MFU "torch fp32" "torch bf16" ratio
for line in "${configs[@]}"; do
  name=${line%% *}; args=${line#* }
  ours_out=$("$bin" bench train $args --steps "$steps" --precision fp32)
  ours=$(sed -n 's/.*tokens\/s: \([0-9.]*\).*/\1/p' <<<"$ours_out")
  mfu=$(sed -n 's/.*MFU: \([0-9.]*%\).*/\1/p' <<<"$ours_out")
  torch_out=$("$python" "$root/bench/train/torch_train.py" $args --steps "$steps" --threads "$threads" --modes "$modes")
  tf=$(awk '/torch fp32/ {print $4}' <<<"$torch_out")
  tb=$(awk '/torch bf16/ {print $4}' <<<"$torch_out")
  [ -z "$tb" ] && tb="n/a"
  best=$(awk -v a="$tf" -v b="$tb" 'BEGIN {print (b != "n/a" && b + 0 > a + 0 ? b : a)}')
  ratio=$(awk -v o="$ours" -v b="$best" 'BEGIN {printf "%.2fx", o / b}')
  printf "%-5s %12s %8s %14s %14s %8s\n" "$name" "$ours" "$mfu" "$tf" "$tb" "$ratio"
done
