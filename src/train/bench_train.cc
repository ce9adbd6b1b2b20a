#include "train/bench_train.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/profiler.h"
#include "core/rng.h"
#include "train/throughput.h"
#include "train/train_loop.h"

namespace llmforge {
namespace {

// The same random tokens every step: throughput does not depend on the data.
class RandomTokens : public BatchSource {
 public:
  RandomTokens(int vocab, int rows, int t) : rows_(rows), t_(t) {
    const size_t n = size_t(rows) * t;
    Rng rng(7);
    tokens_.resize(n);
    targets_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      tokens_[i] = int32_t(rng.below(vocab));
      targets_[i] = int32_t(rng.below(vocab));
    }
  }
  void next(MicroBatch& b) override {
    b.rows = rows_, b.t = t_;
    b.inputs = tokens_;
    b.targets = targets_;
    b.real_tokens = long(tokens_.size());
  }
  CheckpointMeta position() const override { return {}; }
  void restore(const CheckpointMeta&) override {}

 private:
  int rows_, t_;
  std::vector<int32_t> tokens_, targets_;
};

}  // namespace

TrainBenchResult bench_train(const ModelConfig& config, int batch, int seq, int steps,
                             Precision precision, bool verbose) {
  TrainBenchResult r;
  r.peak_flops = measure_peak_flops(precision, 5);
  Model model(config, precision);
  model.init_random(1);
  RandomTokens source(config.vocab_size, batch, seq);

  // Step 1 warms up (allocation, primitive creation); the rest are measured.
  TrainLoopConfig lc;
  lc.stage = "bench";
  lc.steps = steps + 1;
  lc.schedule = {LrSchedule::Kind::kConstant, 1e-4, 1e-4, 0, lc.steps, 0.2};
  lc.quiet = true;
  lc.show_progress = false;
  lc.measure_mfu = false;
  Distributed dist;
  TrainLoop loop(lc, dist);
  loop.attach(model, source);
  std::vector<double> times;
  TrainHooks hooks;
  hooks.after_step = [&](long step, const StepStats& s) {
    if (step > 1) times.push_back(s.seconds);
    if (step == 1) profile_reset();  // report only the measured steps
    if (verbose) {
      std::fprintf(stderr, "step %ld: %.3f s, loss %.4f%s\n", step - 1, s.seconds, s.loss,
                   step == 1 ? " (warm-up)" : "");
    }
  };
  loop.run(hooks);
  std::sort(times.begin(), times.end());
  r.step_seconds = times[times.size() / 2];
  r.tokens_per_s = double(batch) * seq / r.step_seconds;
  r.model_flops_per_token = training_flops_per_token(config, seq);
  r.mfu = model_flops_utilization(r.tokens_per_s, r.model_flops_per_token, r.peak_flops);
  r.param_bytes = model.param_bytes();
  r.grad_bytes = model.grad_bytes();
  r.optimizer_bytes = loop.optimizer().state_bytes();
  r.activation_bytes = model.activation_bytes();
  return r;
}

}  // namespace llmforge
