#!/usr/bin/env python3
"""PyTorch reference for llmforge's Llama model (tests only).

Loads a llmforge/Hugging Face model directory (config.json + model.safetensors)
and an inputs file, and writes a fixture with the logits, values, loss, every
parameter gradient, and the losses of N AdamW steps, for the C++ parity test.

The model is written from torch primitives, following transformers'
modeling_llama.py (rotate-half RoPE, repeat_kv GQA, RMSNorm in fp32, SwiGLU).

inputs.safetensors: tokens, targets (F32 holding integers, shape (B,T)),
weights (B,T) per-token loss weights, value_coef (B,T) (only with a value head).
Loss = sum(w * CE) / sum(w) + sum(value_coef * values).
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F16": np.float16, "I32": np.int32, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[base + b:base + end]
        if e["dtype"] == "BF16":
            u16 = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[e["dtype"]])
        out[name] = torch.from_numpy(arr.astype(np.float32).reshape(e["shape"]).copy())
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().to(torch.float32).contiguous().numpy()
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rmsnorm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rope_cos_sin(T, hd, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2).float() / hd))
    t = torch.arange(T).float()
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(P, cfg, tokens):
    B, T = tokens.shape
    C, NH = cfg["hidden_size"], cfg["num_attention_heads"]
    NKV = cfg.get("num_key_value_heads", NH)
    hd = C // NH
    eps = cfg["rms_norm_eps"]
    cos, sin = rope_cos_sin(T, hd, cfg.get("rope_theta", 10000.0))
    x = P["model.embed_tokens.weight"][tokens]
    mask = torch.full((T, T), float("-inf")).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rmsnorm(x, P[p + "input_layernorm.weight"], eps)
        q = (h @ P[p + "self_attn.q_proj.weight"].T).view(B, T, NH, hd).transpose(1, 2)
        k = (h @ P[p + "self_attn.k_proj.weight"].T).view(B, T, NKV, hd).transpose(1, 2)
        v = (h @ P[p + "self_attn.v_proj.weight"].T).view(B, T, NKV, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(NH // NKV, dim=1)
        v = v.repeat_interleave(NH // NKV, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        att = F.softmax(att, dim=-1) @ v
        att = att.transpose(1, 2).reshape(B, T, C)
        x = x + att @ P[p + "self_attn.o_proj.weight"].T
        h = rmsnorm(x, P[p + "post_attention_layernorm.weight"], eps)
        g = h @ P[p + "mlp.gate_proj.weight"].T
        u = h @ P[p + "mlp.up_proj.weight"].T
        x = x + (F.silu(g) * u) @ P[p + "mlp.down_proj.weight"].T
    x = rmsnorm(x, P["model.norm.weight"], eps)
    head = P["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else P["lm_head.weight"]
    logits = x @ head.T
    values = (x @ P["score.weight"].T).squeeze(-1) if "score.weight" in P else None
    return logits, values


def loss_fn(P, cfg, inp):
    logits, values = forward(P, cfg, inp["tokens"].long())
    V = logits.shape[-1]
    ce = F.cross_entropy(logits.reshape(-1, V), inp["targets"].long().reshape(-1), reduction="none")
    w = inp["weights"].reshape(-1)
    loss = (ce * w).sum() / w.sum()
    if values is not None:
        loss = loss + (inp["value_coef"] * values).sum()
    return loss, logits, values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--adam-steps", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    args = ap.parse_args()

    torch.set_num_threads(1)
    cfg = json.load(open(args.model + "/config.json"))
    P = read_safetensors(args.model + "/model.safetensors")
    inp = read_safetensors(args.inputs)
    for t in P.values():
        t.requires_grad_(True)

    loss, logits, values = loss_fn(P, cfg, inp)
    loss.backward()
    out = {"logits": logits, "loss": loss.reshape(1)}
    if values is not None:
        out["values"] = values
    for name, t in P.items():
        out["grad." + name] = t.grad.clone()

    # AdamW: decay on linear-layer matrices, none on norms and the token embedding.
    decay = [t for n, t in P.items() if t.dim() == 2 and n != "model.embed_tokens.weight"]
    no_decay = [t for n, t in P.items() if not (t.dim() == 2 and n != "model.embed_tokens.weight")]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95), eps=1e-8, foreach=False)
    losses = []
    for _ in range(args.adam_steps):
        opt.zero_grad()
        loss, _, _ = loss_fn(P, cfg, inp)
        loss.backward()
        if args.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(list(P.values()), args.grad_clip)
        opt.step()
        losses.append(loss.item())
    out["adam_losses"] = torch.tensor(losses, dtype=torch.float64).float()
    write_safetensors(args.out, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
