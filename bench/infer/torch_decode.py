# PyTorch peer for bench/infer: the same Llama shapes, random weights, prefill of a
# prompt and greedy decode with a preallocated KV cache, fp32 on the CPU, so that
# bench/infer/run.sh can print our tokens/s against PyTorch's in the same run.
# Usage: torch_decode.py --dim D --layers L --heads H --kv-heads K --ffn F --vocab V
#                        --prompt P --steps S --batch B --threads N
import argparse
import time

import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
for name in ["dim", "layers", "heads", "kv-heads", "ffn", "vocab", "prompt", "steps", "batch", "threads"]:
    p.add_argument("--" + name, type=int, required=True)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
C, L, H, KV, FF, V = a.dim, a.layers, a.heads, a.kv_heads, a.ffn, a.vocab
HD = C // H
T = a.prompt + a.steps + 1
w = lambda *s: torch.randn(*s) * 0.02
emb = w(V, C)
layers = [dict(n1=torch.ones(C), q=w(H * HD, C), k=w(KV * HD, C), v=w(KV * HD, C), o=w(C, H * HD),
               n2=torch.ones(C), g=w(FF, C), u=w(FF, C), d=w(C, FF)) for _ in range(L)]
nf = torch.ones(C)
inv = 1.0 / (10000.0 ** (torch.arange(0, HD, 2).float() / HD))
ang = torch.outer(torch.arange(T).float(), inv)
cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)


def rms(x, wt):
    return wt * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5)


def rope(x, pos):  # x (B, h, t, HD)
    c, s = cos[pos], sin[pos]
    x1, x2 = x[..., : HD // 2], x[..., HD // 2:]
    return x * c + torch.cat([-x2, x1], -1) * s


def forward(tokens, start, kc, vc):  # tokens (B, t); positions start..start+t-1
    B, t = tokens.shape
    pos = torch.arange(start, start + t)
    x = emb[tokens]
    for i, l in enumerate(layers):
        h = rms(x, l["n1"])
        q = (h @ l["q"].T).view(B, t, H, HD).transpose(1, 2)
        k = (h @ l["k"].T).view(B, t, KV, HD).transpose(1, 2)
        v = (h @ l["v"].T).view(B, t, KV, HD).transpose(1, 2)
        q, k = rope(q, pos), rope(k, pos)
        kc[i][:, :, start:start + t] = k
        vc[i][:, :, start:start + t] = v
        K = kc[i][:, :, : start + t].repeat_interleave(H // KV, 1)
        Vv = vc[i][:, :, : start + t].repeat_interleave(H // KV, 1)
        # Debian's torch 1.13 has no scaled_dot_product_attention.
        sc = (q @ K.transpose(-1, -2)) / (HD ** 0.5)
        if t > 1:
            keys = torch.arange(start + t)
            sc = sc.masked_fill(keys[None, :] > pos[:, None], float("-inf"))
        att = sc.softmax(-1) @ Vv
        x = x + att.transpose(1, 2).reshape(B, t, C) @ l["o"].T
        h = rms(x, l["n2"])
        x = x + (F.silu(h @ l["g"].T) * (h @ l["u"].T)) @ l["d"].T
    return rms(x[:, -1], nf) @ emb.T


with torch.inference_mode():
    B = a.batch
    kc = [torch.zeros(B, KV, T, HD) for _ in range(L)]
    vc = [torch.zeros(B, KV, T, HD) for _ in range(L)]
    prompt = (torch.arange(a.prompt) * 7919 + 13) % V
    forward(prompt.view(1, -1), 0, [k[:1] for k in kc], [v[:1] for v in vc])  # warm-up
    t0 = time.perf_counter()
    for s in range(B):  # one sequence at a time, as our engine prefills
        forward(prompt.view(1, -1), 0, [k[s:s + 1] for k in kc], [v[s:s + 1] for v in vc])
    prefill = B * a.prompt / (time.perf_counter() - t0)
    nxt = torch.ones(B, 1, dtype=torch.long)
    t0 = time.perf_counter()
    for step in range(a.steps):
        logits = forward(nxt, a.prompt + step, kc, vc)
        nxt = logits.argmax(-1, keepdim=True)
    decode = B * a.steps / (time.perf_counter() - t0)
    print(f"torch prefill tok/s {prefill:.1f} decode tok/s {decode:.1f}")
