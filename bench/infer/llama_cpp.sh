#!/usr/bin/env bash
# Decode speed at batch 1 against llama.cpp on the same weights (issue 18): for each
# model and weight type, `llama-bench -p 0 -n 128 -t 2` on a GGUF file written by
# `llmforge export gguf`, and `llmforge generate --temperature 0` on the same file
# (128 tokens, batch 1, 2 threads), alternated in the same run, each `--repeats`
# times; prints tok/s (median), the ratio ours / llama.cpp, and the bandwidth bound
# (measured read bandwidth / weight bytes per decode step).
#
# llama.cpp is built from source outside the repo (see bench/RESULTS.md), e.g.
#   cmake -S llama.cpp -B build -DGGML_NATIVE=ON -DLLAMA_CURL=OFF
#   cmake --build build --target llama-bench llama-cli -j2
# Usage: LLAMA_CPP_BIN_DIR=/path/to/llama.cpp/build/bin bench/infer/llama_cpp.sh
#          [--models 46M,124M] [--types f32,bf16,q8_0] [--repeats 3] [--work DIR]
# Random-init models (speed does not depend on training): 46M = the "medium" pretrain
# shape with a 4096 vocabulary (untied), 124M = the "gpt2" preset (50304, tied). Both programs run under the same default OpenMP settings.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${LLMFORGE_BUILD_DIR:-$root/build}"
models="46M,124M"
types="f32,bf16,q8_0"
repeats=3
work="${TMPDIR:-/tmp}/llmforge-llama-bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --types) types="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "${LLAMA_CPP_BIN_DIR:-}" ] || [ ! -x "${LLAMA_CPP_BIN_DIR}/llama-bench" ]; then
  echo "llama_cpp.sh: set LLAMA_CPP_BIN_DIR to a directory holding llama.cpp's llama-bench" >&2
  echo "  (LLAMA_CPP_BIN_DIR='${LLAMA_CPP_BIN_DIR:-}'; build llama.cpp as the header says)" >&2
  exit 2
fi
lf="$build/llmforge"
[ -x "$lf" ] || { echo "llama_cpp.sh: $lf missing (build first: scripts/build.sh)" >&2; exit 2; }
threads=2
export OMP_NUM_THREADS=$threads

declare -A shape=(
  [46M]="--dim 640 --layers 8 --heads 10 --ffn 1792 --vocab 4096 --seq 512 --no-tied"
  [124M]="--dim 768 --layers 12 --heads 12 --ffn 2048 --vocab 50304 --seq 1024 --tied"
)
mkdir -p "$work"
# A tokenizer per vocabulary size, as large as the model's (a random model emits any
# id, and generate must be able to print it): 50304 tokens need tens of MB of varied
# text, for which Debian's Python sources serve (python3 is a project dependency).
# A few minutes, once per work directory.
tokenizer_for() {  # vocab -> directory
  local d="$work/tok-$1"
  if [ ! -f "$d/tokenizer.json" ]; then
    find /usr/lib/python3.11 /usr/lib/python3/dist-packages -name '*.py' 2> /dev/null | sort |
      head -3000 > "$work/corpus-files.txt"
    "$lf" tokenizer train --out "$d" --vocab-size "$1" $(cat "$work/corpus-files.txt") > /dev/null
  fi
  echo "$d"
}
IFS=, read -ra model_list <<<"$models"
IFS=, read -ra type_list <<<"$types"
for m in "${model_list[@]}"; do
  dir="$work/$m"
  tok=$(tokenizer_for "$(sed -n 's/.*--vocab \([0-9]*\).*/\1/p' <<<"${shape[$m]}")")
  if [ ! -f "$dir/model.safetensors" ] || ! cmp -s "$tok/tokenizer.json" "$dir/tokenizer.json"; then
    "$lf" init --out "$dir" ${shape[$m]} > /dev/null
    cp "$tok/tokenizer.json" "$tok/tokenizer.tiktoken" "$dir/"
  fi
  for t in "${type_list[@]}"; do
    [ "$dir/model-$t.gguf" -nt "$dir/tokenizer.json" ] || "$lf" export gguf --model "$dir" --out "$dir/model-$t.gguf" --type "$t" > /dev/null
  done
done

bw=$("$build/bench/infer/bench_infer" --bandwidth)
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
llama_once() {  # tok/s of one llama-bench run
  "$LLAMA_CPP_BIN_DIR/llama-bench" -m "$1" -p 0 -n 128 -t $threads -r 1 -o csv 2> /dev/null |
    python3 -c 'import csv, sys; print(list(csv.DictReader(sys.stdin))[-1]["avg_ts"])'
}
ours_once() {  # tok/s and MB per step of one llmforge generate run
  "$lf" generate --model "$1" --weights "$2" --temperature 0 --max-tokens 128 --ignore-eos \
    --prompt "The" 2>&1 > /dev/null | sed -n 's/.*(\([0-9.]*\) tok\/s); weights [a-z0-9_]*, \([0-9.]*\) MB.*/\1 \2/p'
}
echo "date $(date -u +%FT%TZ); cpu: $(lscpu | sed -n 's/^Model name: *//p'); threads $threads;" \
  "load $(cut -d' ' -f1-3 /proc/loadavg); read bandwidth ${bw} GB/s; median of $repeats runs each"
echo "llama.cpp: ${LLAMA_CPP_BIN_DIR}"
printf "%-5s %-5s %12s %12s %7s %10s %11s %9s %9s\n" model type "llama tok/s" "ours tok/s" ratio \
  "MB/token" "bound tok/s" "llama %" "ours %"
for m in "${model_list[@]}"; do
  for t in "${type_list[@]}"; do
    file="$work/$m/model-$t.gguf"
    ll=(); oo=(); mb=0
    for ((r = 0; r < repeats; ++r)); do
      ll+=("$(llama_once "$file")")
      read -r tps mb < <(ours_once "$file" "$t")
      oo+=("$tps")
    done
    lm=$(printf "%s\n" "${ll[@]}" | median)
    om=$(printf "%s\n" "${oo[@]}" | median)
    bound=$(awk -v b="$bw" -v m="$mb" 'BEGIN {print b * 1e3 / m}')
    printf "%-5s %-5s %12.1f %12.1f %6.2fx %10.1f %11.0f %8.0f%% %8.0f%%   (llama: %s; ours: %s)\n" \
      "$m" "$t" "$lm" "$om" "$(awk -v a="$om" -v b="$lm" 'BEGIN {print a / b}')" "$mb" "$bound" \
      "$(awk -v a="$lm" -v b="$bound" 'BEGIN {print 100 * a / b}')" \
      "$(awk -v a="$om" -v b="$bound" 'BEGIN {print 100 * a / b}')" "${ll[*]}" "${oo[*]}"
  done
done
