// The decode step's matrix products alone: every matrix of a model shape (46M by
// default, or --shape 124M) multiplied by m rows through KernelBackend::linear in each
// storage type, and through the fp32 oneDNN matmul the engine used before (the
// "onednn" row), best of --iters passes. Prints ms per pass and the weight bytes
// streamed per second; at m = 1 that is the kernels' share of memory bandwidth.
// --cpu-time times by the process's CPU time instead of the wall clock: on a loaded
// machine with OMP_NUM_THREADS=1 that still measures the kernel, not the scheduler.
// Usage: bench_linear [--shape 46M|124M] [--rows 1] [--iters 30] [--cpu-time]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <ctime>

#include "infer/weight_store.h"
#include "model/model.h"

using namespace llmforge;

int main(int argc, char** argv) {
  std::string shape = "46M";
  int rows = 1, iters = 30;
  bool cpu_time = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--shape") && i + 1 < argc) shape = argv[++i];
    else if (!std::strcmp(argv[i], "--rows") && i + 1 < argc) rows = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--iters") && i + 1 < argc) iters = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--cpu-time")) cpu_time = true;
  }
  auto now = [cpu_time] {
    timespec ts;
    clock_gettime(cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
  };
  ModelConfig c;
  if (shape == "124M") {
    c.dim = 768, c.n_layers = 12, c.n_heads = c.n_kv_heads = 12, c.ffn_dim = 2048, c.vocab_size = 50304;
  } else {
    c.dim = 640, c.n_layers = 8, c.n_heads = c.n_kv_heads = 10, c.ffn_dim = 1792, c.vocab_size = 4096;
    c.tie_embeddings = false;
  }
  Model m(c);
  m.init_random(1);
  const KernelBackend& kb = m.kernels();
  std::vector<float> x(size_t(rows) * std::max(c.dim, c.ffn_dim), 0.01f);
  std::vector<float> y(size_t(rows) * std::max(c.vocab_size, c.ffn_dim));
  std::printf("shape %s, %d row(s), best of %d passes\n%-7s %10s %10s %10s\n", shape.c_str(), rows,
              iters, "type", "MB/pass", "ms/pass", "GB/s");
  for (int variant = 0; variant < 4; ++variant) {
    const WeightType t = variant == 3 ? WeightType::kF32 : WeightType(variant);
    const WeightStore s(m, t);
    std::vector<const WeightMatrix*> all{&s.lm_head()};
    for (int l = 0; l < c.n_layers; ++l) {
      const WeightStore::Layer& L = s.layer(l);
      for (const WeightMatrix* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down})
        all.push_back(w);
    }
    double best = 1e30;
    for (int it = 0; it < iters + 2; ++it) {
      const double t0 = now();
      for (const WeightMatrix* w : all) {
        if (variant == 3) {
          kb.matmul(x.data(), static_cast<const float*>(w->data), y.data(), rows, w->n, w->k,
                    false, true, false, Precision::kFp32);
        } else {
          kb.linear(y.data(), x.data(), *w, rows, false);
        }
      }
      if (it >= 2) best = std::min(best, now() - t0);
    }
    const double mb = s.bytes_per_token() / 1e6;
    std::printf("%-7s %10.1f %10.3f %10.2f\n", variant == 3 ? "onednn" : weight_type_name(t), mb,
                best * 1e3, mb / 1e3 / best);
  }
  return 0;
}
