#!/usr/bin/env bash
# Reward-model over-optimisation, measured against the true preference (issue 17).
# PPO optimises the speedrun's reward model (the proxy) for many steps; the world's
# gold preference scores the same answers. Proxy and gold are plotted against the
# KL from the SFT model for each beta, and early stopping is tried without gold: a
# second reward model, trained on other preferences (about the other half of the
# people), scores held-out answers, and its best step is the checkpoint kept.
#
# Usage: bench/rl/overoptimisation.sh SPEEDRUN_DIR [--out DIR] [--steps N] [--eval-every N]
#                                     [--betas "0 0.1"] [--lr LR] [--eval-prompts N]
#   SPEEDRUN_DIR: a finished `llmforge speedrun` folder (sft/model, rlhf/rm/model,
#   rlhf/prefs/prompts.jsonl, world/). Writes OUT/summary.md, OUT/*.svg and one PPO
#   run per beta (OUT/ppo-beta-B/eval.jsonl holds sample answers per evaluation).
#   Runs that finished before (OUT/.../model/config.json) are not run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${LLMFORGE_BUILD_DIR:-$root/build}/llmforge"
[ $# -ge 1 ] || { sed -n 2,16p "$0"; exit 2; }
run="$1"; shift
out=runs/overoptimisation; steps=200; eval_every=10; betas="0 0.1"; lr=3e-5; eval_prompts=48
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --eval-every) eval_every="$2"; shift 2 ;;
    --betas) betas="$2"; shift 2 ;;
    --lr) lr="$2"; shift 2 ;;
    --eval-prompts) eval_prompts="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for f in sft/model/config.json rlhf/rm/model/config.json rlhf/prefs/prompts.jsonl world/people.jsonl; do
  [ -e "$run/$f" ] || { echo "$run/$f missing: is $run a finished speedrun?" >&2; exit 1; }
done
mkdir -p "$out"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no); $(date -u +%F)" | tee "$out/machine.txt"

# The held-out reward model: preferences over answers about the held-out people
# (the policy's prompts are about the SFT half), another seed, the same recipe.
if [ ! -f "$out/heldout-rm/model/config.json" ]; then
  "$bin" rm data --model "$run/sft/model" --world "$run/world" --out "$out/heldout-prefs" --people heldout \
    --prompts 400 --responses 4 --max-new-tokens 64 --noise 0.1 --seed 2
  "$bin" rm train --model "$run/sft/model" --data "$out/heldout-prefs/ranked.jsonl" --out "$out/heldout-rm" \
    --epochs 2 --lr 1e-4
fi
# Held-out prompts for the evaluations: about the held-out people, fixed.
head -n "$eval_prompts" "$out/heldout-prefs/prompts.jsonl" > "$out/eval-prompts.jsonl"

for beta in $betas; do
  dir="$out/ppo-beta-$beta"
  [ -f "$dir/model/config.json" ] && { echo "beta $beta: done before ($dir)"; continue; }
  echo "beta $beta: $steps PPO steps at lr $lr, evaluated every $eval_every"
  "$bin" rl ppo --model "$run/sft/model" --reward-model "$run/rlhf/rm/model" \
    --prompts "$run/rlhf/prefs/prompts.jsonl" --world "$run/world" --out "$dir" \
    --steps "$steps" --beta "$beta" --lr "$lr" \
    --eval-prompts "$out/eval-prompts.jsonl" --eval-reward-model "$out/heldout-rm/model" \
    --eval-every "$eval_every" --checkpoint-every "$eval_every"
  # Gold on its own axis: its scale is a tenth of the reward models'.
  "$bin" plot --metrics "$dir/metrics.jsonl" --x eval_kl --keys eval_proxy,eval_heldout_proxy \
    --out "$out/beta-$beta-proxy-vs-kl.svg"
  "$bin" plot --metrics "$dir/metrics.jsonl" --x eval_kl --keys eval_gold --out "$out/beta-$beta-gold-vs-kl.svg"
  "$bin" plot --metrics "$dir/metrics.jsonl" --keys proxy_score,gold_score,kl,eval_gold,eval_proxy \
    --out "$out/beta-$beta-steps.svg"
done
/usr/bin/python3 "$root/bench/rl/overoptimisation_summary.py" "$out" $betas | tee "$out/summary.md"
