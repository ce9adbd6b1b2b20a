#!/usr/bin/env python3
"""MinHash signatures: llmforge against datatrove's algorithm, in the same run.

datatrove itself cannot be installed here (no pip), so this file carries its
signature code path (MinhashDedupSignature.get_shingles / get_signature with the
FineWeb settings: simplify_text, word 5-grams, a 32-bit hash per shingle, 112
permutations (a*x+b) mod (2^61-1) in numpy, 14 bands of 8) written out in plain
Python + numpy, the libraries datatrove uses. The only substitution: words come
from str.split() after simplify_text (which already removed punctuation) instead
of NLTK's tokenizer, which would only be slower.

usage: minhash_peer.py BENCH_DATA_BINARY TEXTS.jsonl
(TEXTS.jsonl is written by `bench_data` into its --dir)
"""
import hashlib
import json
import re
import struct
import subprocess
import sys
import time
import unicodedata

import numpy as np

MERSENNE_PRIME = np.uint64((1 << 61) - 1)
MAX_HASH_32 = np.uint64((1 << 32) - 1)
N_GRAMS, N_BUCKETS, HASHES_PER_BUCKET = 5, 14, 8

PUNCT = re.compile(r"[^\w\s]|_")
SPACES = re.compile(r"\s+")
DIGITS = re.compile(r"\d")


def simplify_text(text):
    text = text.lower()
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = DIGITS.sub("0", text)
    text = PUNCT.sub(" ", text)
    return SPACES.sub(" ", text).strip()


def sha1_hash32(s):
    return struct.unpack("<I", hashlib.sha1(s.encode("utf-8")).digest()[:4])[0]


def shingles(text):
    words = simplify_text(text).split()
    grams = [" ".join(words[i:i + N_GRAMS]) for i in range(max(1, len(words) - N_GRAMS + 1))]
    return np.fromiter((sha1_hash32(g) for g in grams), dtype=np.uint64).reshape((-1, 1))


def main():
    binary, texts_path = sys.argv[1], sys.argv[2]
    texts = [json.loads(line)["text"] for line in open(texts_path, encoding="utf-8")]
    mbytes = sum(len(t.encode("utf-8")) for t in texts) / 1048576
    gen = np.random.RandomState(seed=42)
    n = N_BUCKETS * HASHES_PER_BUCKET
    a = gen.randint(1, MERSENNE_PRIME, dtype=np.uint64, size=(1, n))
    b = gen.randint(0, MERSENNE_PRIME, dtype=np.uint64, size=(1, n))
    t0 = time.process_time()
    with np.errstate(over="ignore"):
        for text in texts:
            phv = np.bitwise_and((shingles(text) * a + b) % MERSENNE_PRIME, MAX_HASH_32)
            sig = np.min(phv, axis=0).astype(np.uint32)
            _ = [x.tolist() for x in np.split(sig, N_BUCKETS)]
    peer = mbytes / (time.process_time() - t0)
    out = subprocess.run([binary, "--minhash-texts", texts_path], capture_output=True, text=True, check=True).stdout
    ours = float(re.search(r"([0-9.]+) MB/s per core", out).group(1))
    print(f"texts: {len(texts)} documents, {mbytes:.2f} MB")
    print(f"datatrove algorithm (python+numpy): {peer:8.2f} MB/s per core")
    print(f"llmforge MinHash (C++):             {ours:8.2f} MB/s per core")
    print(f"ratio llmforge / datatrove algorithm: {ours / peer:.1f}x")


if __name__ == "__main__":
    main()
