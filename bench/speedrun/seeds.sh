#!/usr/bin/env bash
# The speedrun's key numbers over several seeds: each seed is a different world,
# initialisation and data order, so a different base model. A result that moves with
# the seed (or with the CPU's floating-point path) is reported as mean, min and max.
# Usage: bench/speedrun/seeds.sh [--preset default] [--seeds 3] [--out runs/seeds] [speedrun options...]
#   ONEDNN_MAX_CPU_ISA=AVX2 bench/speedrun/seeds.sh   takes oneDNN's AVX2 paths on an AVX-512 machine.
# Prints one row per seed and the mean/min/max; writes OUT/seeds.json. Seeds already
# finished (OUT/seed-N/report.json) are not run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${LLMFORGE_BUILD_DIR:-$root/build}/llmforge"
preset=default; seeds=3; out=runs/seeds; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
mkdir -p "$out"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no), ONEDNN_MAX_CPU_ISA=${ONEDNN_MAX_CPU_ISA:-unset}; $(date -u +%F)"
for seed in $(seq 1 "$seeds"); do
  dir="$out/seed-$seed"
  if [ -f "$dir/report.json" ]; then echo "seed $seed: done before ($dir)"; continue; fi
  echo "seed $seed: llmforge speedrun --preset $preset --seed $seed --out $dir ${extra[*]}"
  "$bin" speedrun --preset "$preset" --seed "$seed" --out "$dir" "${extra[@]}" > "$out/seed-$seed.log" 2>&1 \
    || { echo "seed $seed failed, see $out/seed-$seed.log"; exit 1; }
done
/usr/bin/python3 - "$out" "$seeds" "$preset" <<'PY'
import json, sys
out, seeds, preset = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cols = [("trained QA", lambda r: r["eval"]["qa"]["qa"]["accuracy"]),
        ("held-out QA", lambda r: r["eval"]["qa"]["heldout"]["accuracy"]),
        ("base completes", lambda r: r["base_probe"]["qa"]["heldout"]["accuracy"]),
        ("identity", lambda r: r["eval"]["identity"]["accuracy"]),
        ("ICL 0-shot", lambda r: r["base_icl"]["overall"][0]["accuracy"]),
        ("ICL max-shot", lambda r: r["base_icl"]["overall"][-1]["accuracy"]),
        ("minutes", lambda r: r["seconds"] / 60)]
rows = []
runs_on = set()  # precision and CPU of each seed's pretraining and SFT
for s in range(1, seeds + 1):
    r = json.load(open("%s/seed-%d/report.json" % (out, s)))
    runs_on.add("%s, %s" % (r.get("precision", "fp32"), r.get("cpu", "CPU not recorded")))
    row = []
    for _, f in cols:
        try:
            row.append(f(r))
        except (KeyError, IndexError):
            row.append(float("nan"))
    rows.append(row)
def fmt(name, v):
    return "%14.1f" % v if name == "minutes" else "%13.1f%%" % (100 * v)
print("\npreset %s, %d seeds" % (preset, seeds))
print("%-8s" % "seed" + "".join("%14s" % n for n, _ in cols))
for s, row in enumerate(rows, 1):
    print("%-8s" % s + "".join(fmt(n, v) for (n, _), v in zip(cols, row)))
summary = {}
for label, agg in (("mean", lambda v: sum(v) / len(v)), ("min", min), ("max", max)):
    vals = [agg([row[i] for row in rows]) for i in range(len(cols))]
    summary[label] = dict(zip([n for n, _ in cols], vals))
    print("%-8s" % label + "".join(fmt(n, v) for (n, _), v in zip(cols, vals)))
print("pretraining and SFT in " + "; ".join(sorted(runs_on)))
gap = [row[2] - row[1] for row in rows]
print("held-out QA below what the base model completes: at most %.1f points" % (100 * max(gap)))
json.dump({"preset": preset, "seeds": rows, "columns": [n for n, _ in cols], "summary": summary},
          open(out + "/seeds.json", "w"), indent=2)
PY
