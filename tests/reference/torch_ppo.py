#!/usr/bin/env python3
"""PyTorch reference for llmforge's PPO estimators (tests only).

Written from the published formulas in the shape of TRL's PPOTrainer
(compute_rewards, compute_advantages with GAE, masked_whiten, loss): padded
(sequences, tokens) tensors with a response mask, float64, autograd for the
gradients, independently of the C++ code it checks.

Input directory: cases.json, a list of {"beta", "gamma", "lam", "epsilon",
"cliprange_value", "kl_target", "kl_horizon", "kl_init", "kl_value", "kl_steps"},
and case_<i>.safetensors with lengths, scores (S) and logp, ref_logp, old_logp,
values, new_values (N) laid out sequence after sequence.
Writes ref_<i>.safetensors: rewards, advantages, returns, whitened (N); pg_loss,
vf_loss, clipfrac, vf_clipfrac, explained_variance, kl_beta (1); dlogp, dvalues (N).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_llama import read_safetensors, write_safetensors  # noqa: E402


def masked_mean(x, mask):
    return (x * mask).sum() / mask.sum()


def masked_var(x, mask):
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    n = mask.sum()
    return var * n / (n - 1)  # unbiased, as TRL's masked_var


def masked_whiten(x, mask):
    mean, var = masked_mean(x, mask), masked_var(x, mask)
    return (x - mean) * torch.rsqrt(var + 1e-8)


def run(c, t):
    lengths = t["lengths"].long().tolist()
    S, L = len(lengths), max(lengths)
    index = torch.zeros(S, L, dtype=torch.long)
    mask = torch.zeros(S, L, dtype=torch.float64)
    at = 0
    for i, n in enumerate(lengths):
        for j in range(n):
            index[i, j] = at + j
            mask[i, j] = 1.0
        at += n
    N = at

    def pad(name):
        return t[name].double()[index] * mask

    logp_flat = t["logp"].double().clone().requires_grad_(True)
    logp = logp_flat[index] * mask
    ref, old, values = pad("ref_logp"), pad("old_logp"), pad("values")
    vpred_flat = t["new_values"].double().clone().requires_grad_(True)
    vpred = vpred_flat[index] * mask
    scores = t["scores"].double()

    # compute_rewards: -beta * (logp - ref) per token, the score on the last token.
    kl = old - ref  # rewards use the log-probs recorded at rollout time
    rewards = -c["beta"] * kl
    for i, n in enumerate(lengths):
        rewards[i, n - 1] += scores[i]
    rewards = rewards * mask

    # GAE, backwards over each padded row (values beyond a sequence are 0).
    adv_rev = []
    last = torch.zeros(S, dtype=torch.float64)
    for j in reversed(range(L)):
        nextv = values[:, j + 1] if j + 1 < L else torch.zeros(S, dtype=torch.float64)
        delta = rewards[:, j] + c["gamma"] * nextv - values[:, j]
        last = delta + c["gamma"] * c["lam"] * last
        last = last * mask[:, j]  # padding never feeds an earlier token
        adv_rev.append(last)
    advantages = torch.stack(adv_rev[::-1], dim=1)
    returns = advantages + values
    whitened = masked_whiten(advantages, mask).detach()

    # Clipped surrogate.
    ratio = torch.exp(logp - old)
    pg1 = -whitened * ratio
    pg2 = -whitened * torch.clamp(ratio, 1.0 - c["epsilon"], 1.0 + c["epsilon"])
    pg_loss = masked_mean(torch.max(pg1, pg2), mask)
    clipfrac = masked_mean((pg2 > pg1).double(), mask)
    # Clipped value loss.
    vclip = torch.clamp(vpred, values - c["cliprange_value"], values + c["cliprange_value"])
    vf1 = (vpred - returns.detach()) ** 2
    vf2 = (vclip - returns.detach()) ** 2
    vf_loss = 0.5 * masked_mean(torch.max(vf1, vf2), mask)
    vf_clipfrac = masked_mean((vf2 > vf1).double(), mask)
    (pg_loss + vf_loss).backward()

    flat = lambda x: torch.stack([x[i, j] for i, n in enumerate(lengths) for j in range(n)])  # noqa: E731
    r, v = flat(returns).detach(), flat(values)
    ev = 1 - torch.var(r - v, unbiased=False) / torch.var(r, unbiased=False)

    beta = c["kl_init"]
    for _ in range(c["kl_steps"]):
        err = min(max(c["kl_value"] / c["kl_target"] - 1, -0.2), 0.2)
        beta *= 1 + err * 1.0 / c["kl_horizon"]
    assert N == t["logp"].numel()
    one = lambda x: torch.tensor([float(x)])  # noqa: E731
    return {
        "rewards": flat(rewards), "advantages": flat(advantages).detach(), "returns": r,
        "whitened": flat(whitened), "pg_loss": one(pg_loss), "vf_loss": one(vf_loss),
        "clipfrac": one(clipfrac), "vf_clipfrac": one(vf_clipfrac), "explained_variance": one(ev),
        "kl_beta": one(beta), "dlogp": logp_flat.grad, "dvalues": vpred_flat.grad,
    }


def main():
    d = sys.argv[1]
    torch.set_num_threads(1)
    cases = json.load(open(os.path.join(d, "cases.json")))
    for i, c in enumerate(cases):
        t = read_safetensors(os.path.join(d, f"case_{i}.safetensors"))
        write_safetensors(os.path.join(d, f"ref_{i}.safetensors"), run(c, t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
