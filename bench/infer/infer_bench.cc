// Inference throughput of the KV-cache engine: prefill and decode tokens/s at batch 1
// and batch 32 for the engine's three benchmark shapes (bench/train/run.sh), with the
// weight bytes each decode step reads against the machine's measured memory
// bandwidth. Decoding reads every weight once per step whatever the batch, so at
// batch 1 bandwidth / (weight bytes per token) is the ceiling; batching divides the
// bytes per token by the batch size.
// Usage: bench_infer [--prompt 128] [--steps 64] [--quick] [--only 2M|14M|51M]
//        bench_infer --bandwidth   (prints the measured read bandwidth in GB/s only)
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/timer.h"
#include "infer/engine.h"
#include "model/model.h"

using namespace llmforge;

namespace {

// Read bandwidth: sums a 512 MiB array on all threads, best of 3 (GB/s). Sixteen
// independent accumulators (two AVX registers' worth) keep the loop bound by memory
// rather than by the latency of one chain of additions.
double measure_read_bandwidth() {
  const size_t n = size_t(128) << 20;  // floats
  std::vector<float> a(n, 1.0f);
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    Timer t;
    float sum = 0;
#pragma omp parallel reduction(+ : sum)
    {
      float acc[16] = {};
#pragma omp for schedule(static)
      for (size_t blk = 0; blk < n / 16; ++blk) {
        const float* p = a.data() + blk * 16;
        for (int j = 0; j < 16; ++j) acc[j] += p[j];
      }
      for (int j = 0; j < 16; ++j) sum += acc[j];
    }
    const double s = t.seconds();
    if (sum < 0) std::printf("impossible\n");
    best = std::max(best, n * sizeof(float) / s / 1e9);
  }
  return best;
}

struct Shape {
  const char* name;
  int dim, layers, heads, kv_heads, ffn, vocab;
};

}  // namespace

int main(int argc, char** argv) {
  int prompt = 128, steps = 64;
  bool quick = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--prompt") && i + 1 < argc) prompt = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc) steps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else if (!std::strcmp(argv[i], "--bandwidth")) {  // the bound alone (bench/infer/llama_cpp.sh)
      std::printf("%.2f\n", measure_read_bandwidth());
      return 0;
    }
  }
  const Shape shapes[] = {{"2M", 128, 4, 4, 4, 384, 4096},
                          {"14M", 384, 6, 6, 6, 1024, 4096},
                          {"51M", 640, 8, 10, 10, 1792, 8192}};
  const double bw = measure_read_bandwidth();
  std::printf("threads %d, measured read bandwidth %.1f GB/s; prompt %d tokens, %d decode steps\n",
              omp_get_max_threads(), bw, prompt, steps);
  std::printf("%-5s %5s %14s %14s %16s %16s %12s\n", "model", "batch", "prefill tok/s",
              "decode tok/s", "weight MB/token", "bound tok/s", "of bound");
  for (const Shape& sh : shapes) {
    if (!only.empty() && only != sh.name) continue;
    ModelConfig c;
    c.dim = sh.dim, c.n_layers = sh.layers, c.n_heads = sh.heads, c.n_kv_heads = sh.kv_heads;
    c.ffn_dim = sh.ffn, c.vocab_size = sh.vocab, c.max_seq_len = prompt + steps + 1;
    Model m(c);
    m.init_random(1);
    // Bytes a decode step reads: every matrix once (the tied embedding as the LM head;
    // the embedding lookup itself reads only one row per token), and the norms.
    const double weight_bytes = double(m.n_param_floats()) * sizeof(float);
    for (int batch : {1, 32}) {
      if (quick && batch == 32 && sh.dim > 384) continue;
      InferenceEngine e(m, batch, c.max_seq_len);
      std::vector<int32_t> tokens(prompt);
      for (int i = 0; i < prompt; ++i) tokens[i] = (i * 7919 + 13) % c.vocab_size;
      std::vector<float> logits(size_t(batch) * c.vocab_size);
      e.prefill(0, tokens.data(), prompt, 0, logits.data());  // warm-up: primitives, pages
      Timer tp;
      for (int s = 0; s < batch; ++s) e.prefill(s, tokens.data(), prompt, 0, logits.data());
      const double prefill_tps = double(batch) * prompt / tp.seconds();
      std::vector<int32_t> next(batch, 1);
      std::vector<int> slots(batch), pos(batch);
      for (int s = 0; s < batch; ++s) slots[s] = s;
      Timer td;
      for (int step = 0; step < steps; ++step) {
        std::fill(pos.begin(), pos.end(), prompt + step);
        e.decode(next.data(), slots.data(), pos.data(), batch, logits.data());
        for (int s = 0; s < batch; ++s) {
          const float* l = logits.data() + size_t(s) * c.vocab_size;
          next[s] = int32_t(std::max_element(l, l + c.vocab_size) - l);
        }
      }
      const double decode_tps = double(batch) * steps / td.seconds();
      const double bytes_per_token = weight_bytes / batch;
      const double bound = bw * 1e9 / bytes_per_token;
      std::printf("%-5s %5d %14.0f %14.1f %16.2f %16.0f %11.0f%%\n", sh.name, batch, prefill_tps,
                  decode_tps, bytes_per_token / 1e6, bound, 100.0 * decode_tps / bound);
    }
  }
  return 0;
}
