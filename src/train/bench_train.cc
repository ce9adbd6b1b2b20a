#include "train/bench_train.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/profiler.h"
#include "core/rng.h"
#include "core/timer.h"
#include "kernels/backend.h"
#include "train/adamw.h"
#include "train/losses.h"

namespace llmforge {

TrainBenchResult bench_train(const ModelConfig& config, int batch, int seq, int steps,
                             Precision precision, bool verbose) {
  TrainBenchResult r;
  r.peak_flops = cpu_backend().measure_gemm_flops(1024, precision, 5);
  Model model(config, precision);
  model.init_random(1);
  AdamW opt(model, AdamWConfig{});
  const size_t n = size_t(batch) * seq;
  Rng rng(7);
  std::vector<int32_t> tokens(n), targets(n);
  for (size_t i = 0; i < n; ++i) {
    tokens[i] = int32_t(rng.below(config.vocab_size));
    targets[i] = int32_t(rng.below(config.vocab_size));
  }
  std::vector<double> times;
  for (int s = 0; s < steps + 1; ++s) {  // step 0 warms up (allocation, primitive creation)
    Timer t;
    model.zero_grad();
    model.forward(tokens.data(), batch, seq);
    double loss = cross_entropy_backward(model, targets.data(), nullptr, 1.0 / n) / n;
    opt.step(model, 1e-4);
    double dt = t.seconds();
    if (s > 0) times.push_back(dt);
    if (s == 0) profile_reset();  // report only the measured steps
    if (verbose) {
      std::fprintf(stderr, "step %d: %.3f s, loss %.4f%s\n", s, dt, loss, s == 0 ? " (warm-up)" : "");
    }
  }
  std::sort(times.begin(), times.end());
  r.step_seconds = times[times.size() / 2];
  r.tokens_per_s = n / r.step_seconds;
  r.model_flops_per_token = 6.0 * double(config.num_parameters()) +
                            12.0 * config.n_layers * double(config.dim) * seq;
  r.mfu = r.tokens_per_s * r.model_flops_per_token / r.peak_flops;
  r.param_bytes = model.param_bytes();
  r.grad_bytes = model.grad_bytes();
  r.optimizer_bytes = opt.state_bytes();
  r.activation_bytes = model.activation_bytes();
  return r;
}

}  // namespace llmforge
