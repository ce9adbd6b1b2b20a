#!/usr/bin/env python3
"""PyTorch reference for llmforge's reward-model loss (tests only).

The Bradley-Terry pairwise loss of InstructGPT / TRL's RewardTrainer,
  loss = mean_i -log sigmoid(r(chosen_i) - r(rejected_i)),
with r the scalar head ("score.weight") of torch_llama.py's model read at each
row's last token, and autograd for every parameter's gradient.

Usage: torch_rm.py MODEL_DIR INPUTS OUT. INPUTS: tokens (2P, T) (floats holding
ints), last (2P): row 2i is pair i's chosen, row 2i+1 its rejected response.
Writes loss (1), rewards (2P) and grad.<name> for every parameter.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_llama import forward, read_safetensors, write_safetensors  # noqa: E402


def main():
    model, inputs, out = sys.argv[1:4]
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(model, "config.json")))
    P = read_safetensors(os.path.join(model, "model.safetensors"))
    for t in P.values():
        t.requires_grad_(True)
    inp = read_safetensors(inputs)
    tokens = inp["tokens"].long()
    last = inp["last"].long()
    _, values = forward(P, cfg, tokens)
    rewards = values[torch.arange(tokens.shape[0]), last]
    chosen, rejected = rewards[0::2], rewards[1::2]
    loss = -F.logsigmoid(chosen - rejected).mean()
    loss.backward()
    res = {"loss": loss.reshape(1), "rewards": rewards}
    for name, t in P.items():
        res["grad." + name] = t.grad.clone()
    write_safetensors(out, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
