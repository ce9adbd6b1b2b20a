#!/usr/bin/env python3
"""PyTorch reference for llmforge's GRPO loss (tests only).

Written from the published formulas in the shape of TRL's GRPOTrainer._compute_loss
(padded (sequences, tokens) tensors with a completion mask, autograd for the
gradient), in float64, independently of the C++ code it checks.

Input directory: cases.json, a list of cases, each
  {"name", "loss_type", "importance", "scaling", "epsilon_low", "epsilon_high",
   "delta" (0: off), "beta", "max_completion_length", "temperature", "group_size",
   "n_micro"}
and case_<i>.safetensors with
  logits (N, V); targets (N) (floats holding ints; -1: not a completion token);
  old_logp, ref_logp (N); rewards (S); seq_start, seq_length, seq_micro (S).
Writes ref_<i>.safetensors: loss (1), dlogits (N, V), advantages (S),
clip_low, clip_high (1) (TRL's masked means).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_llama import read_safetensors, write_safetensors  # noqa: E402


def advantages_of(rewards, group_size, scaling):
    grouped = rewards.view(-1, group_size)
    mean = grouped.mean(dim=1).repeat_interleave(group_size)
    if scaling == "batch":
        std = rewards.std().expand_as(rewards)
    else:
        std = grouped.std(dim=1).repeat_interleave(group_size)
    adv = rewards - mean
    if scaling != "none":
        adv = adv / (std + 1e-4)
    return adv


def case_loss(c, t):
    logits = t["logits"].double().requires_grad_(True)
    targets = t["targets"].long()
    n_seq = t["seq_start"].numel()
    starts = t["seq_start"].long().tolist()
    lengths = t["seq_length"].long().tolist()
    micro = t["seq_micro"].long().tolist()
    L = max(max(lengths), 1)

    logps = torch.log_softmax(logits / c["temperature"], dim=-1)
    safe_targets = targets.clamp(min=0)
    token_logp = logps.gather(1, safe_targets.unsqueeze(1)).squeeze(1)

    # Padded (S, L) tensors, as the trainer holds completions.
    index = torch.zeros(n_seq, L, dtype=torch.long)
    mask = torch.zeros(n_seq, L, dtype=torch.float64)
    for i in range(n_seq):
        for j in range(lengths[i]):
            index[i, j] = starts[i] + j
            mask[i, j] = 1.0
    per_token_logps = token_logp[index]
    old = t["old_logp"].double()[index]
    ref = t["ref_logp"].double()[index]

    adv = advantages_of(t["rewards"].double(), c["group_size"], c["scaling"])

    log_ratio = per_token_logps - old
    if c["importance"] == "token":
        log_w = log_ratio
    else:
        log_w = ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).unsqueeze(-1)
    coef_1 = torch.exp(log_w)
    coef_2 = torch.clamp(coef_1, 1 - c["epsilon_low"], 1 + c["epsilon_high"])
    if c["delta"] > 0:
        coef_1 = torch.clamp(coef_1, max=c["delta"])
    l1 = coef_1 * adv.unsqueeze(1)
    l2 = coef_2 * adv.unsqueeze(1)
    per_token_loss = -torch.min(l1, l2)
    if c["beta"] > 0:
        x = ref - per_token_logps
        per_token_loss = per_token_loss + c["beta"] * (torch.exp(x) - x - 1)

    lt = c["loss_type"]
    if lt == "grpo":
        loss = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
    elif lt == "bnpo":
        # Each micro-batch normalised by its own tokens, then averaged over the
        # step's micro-batches (TRL's local batch with gradient accumulation).
        loss = torch.zeros((), dtype=torch.float64)
        for m in range(c["n_micro"]):
            rows = [i for i in range(n_seq) if micro[i] == m]
            if rows:
                r = torch.tensor(rows)
                loss = loss + (per_token_loss[r] * mask[r]).sum() / mask[r].sum().clamp(min=1.0)
        loss = loss / c["n_micro"]
    elif lt == "dapo":
        loss = (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)
    elif lt == "dr_grpo":
        loss = (per_token_loss * mask).sum() / (per_token_loss.size(0) * c["max_completion_length"])
    else:
        raise ValueError(lt)
    loss.backward()

    a = adv.unsqueeze(1)
    low = ((coef_1 < 1 - c["epsilon_low"]) & (a < 0)).expand_as(mask).double()
    high = ((coef_1 > 1 + c["epsilon_high"]) & (a > 0)).expand_as(mask).double()
    denom = mask.sum().clamp(min=1.0)
    return {
        "loss": loss.detach().reshape(1),
        "dlogits": logits.grad.detach(),
        "advantages": adv.detach(),
        "clip_low": ((low * mask).sum() / denom).reshape(1),
        "clip_high": ((high * mask).sum() / denom).reshape(1),
    }


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "cases.json")) as f:
        cases = json.load(f)
    for i, c in enumerate(cases):
        t = read_safetensors(os.path.join(d, f"case_{i}.safetensors"))
        write_safetensors(os.path.join(d, f"ref_{i}.safetensors"), case_loss(c, t))
    print(f"torch_grpo: {len(cases)} cases")


if __name__ == "__main__":
    main()
