"""Summary of bench/rl/overoptimisation.sh: per beta, the gold (true preference)
and proxy (reward model) scores of held-out answers against the KL from the SFT
model; where gold peaked and how far it fell while the proxy rose; the checkpoint
early stopping on the held-out reward model keeps; sample answers at the gold
peak and at the end. Usage: overoptimisation_summary.py OUT BETA...
"""
import json
import sys


def read_jsonl(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a run killed mid-line
    return rows


def last_per_step(rows):
    """A resumed run appends: keep the last line of every step, in step order."""
    by_step = {r["step"]: r for r in rows}
    return [by_step[s] for s in sorted(by_step)]


def fmt(x, d=3):
    return f"{x:.{d}f}"


def rollout_curve(metrics, window=10):
    """Training rollouts' proxy and gold per step, as a moving mean over `window` steps."""
    steps = [r for r in metrics if "proxy_score" in r]
    out = []
    for i in range(len(steps)):
        w = steps[max(0, i - window + 1): i + 1]
        out.append((steps[i]["step"], sum(r["kl"] for r in w) / len(w),
                    sum(r["proxy_score"] for r in w) / len(w), sum(r.get("gold_score", 0) for r in w) / len(w)))
    return out


def main():
    out, betas = sys.argv[1], sys.argv[2:]
    print(open(f"{out}/machine.txt").read().strip() + "\n")
    print("Held-out answers (fixed prompts about the held-out people, fixed sampling seeds), scored by the world's "
          "gold preference, the reward model PPO optimises (proxy) and a second reward model trained on other "
          "preferences (held-out RM). KL: per response, of these held-out answers from the SFT model (the sampled tokens' log-ratios).\n")
    print("| beta | steps | KL at end | gold: SFT | gold peak (step, KL) | gold at end | fall from peak | "
          "proxy: SFT | proxy at gold peak | proxy at end | early stop on held-out RM (step, KL) | gold there |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    samples = []
    for beta in betas:
        ev = last_per_step(read_jsonl(f"{out}/ppo-beta-{beta}/eval.jsonl"))
        if len(ev) < 2:
            print(f"| {beta} | (no evaluations) |")
            continue
        sft, end = ev[0], ev[-1]
        peak = max(ev, key=lambda r: r["gold"])
        stop = max(ev[1:], key=lambda r: r.get("heldout_proxy", r["proxy"]))
        fall = peak["gold"] - end["gold"]
        rel = 100 * fall / abs(peak["gold"]) if peak["gold"] != 0 else float("nan")
        print(f"| {beta} | {end['step']} | {fmt(end['kl'])} | {fmt(sft['gold'])} | {fmt(peak['gold'])} "
              f"({peak['step']}, {fmt(peak['kl'])}) | {fmt(end['gold'])} | {fmt(fall)} ({rel:.0f}% of the peak) | "
              f"{fmt(sft['proxy'])} | {fmt(peak['proxy'])} | {fmt(end['proxy'])} | {stop['step']}, {fmt(stop['kl'])} | "
              f"{fmt(stop['gold'])} |")
        samples.append((beta, peak, end))
    print("\nTraining rollouts (the prompts PPO optimises; moving mean over 10 steps), every 20th step:\n")
    for beta in betas:
        curve = rollout_curve(last_per_step(read_jsonl(f"{out}/ppo-beta-{beta}/metrics.jsonl")))
        if not curve:
            continue
        print(f"beta {beta}: " + "; ".join(f"step {s} KL {fmt(k, 2)} proxy {fmt(p, 2)} gold {fmt(g, 2)}"
                                           for s, k, p, g in curve[19::20]))
        print()
    print("Sample answers at the gold peak and at the end (the first held-out prompts):\n")
    for beta, peak, end in samples:
        for label, row in (("gold peak", peak), ("end", end)):
            print(f"beta {beta}, {label} (step {row['step']}):")
            for e in row["examples"][:3]:
                print(f"- {e['prompt']} -> {json.dumps(e['response'], ensure_ascii=False)} "
                      f"(gold {fmt(e['gold'], 2)}, proxy {fmt(e['proxy'], 2)})")
            print()


if __name__ == "__main__":
    main()
