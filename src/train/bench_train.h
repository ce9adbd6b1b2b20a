// Throughput of full training steps (forward, backward, AdamW) on random tokens:
// the measurement behind `llmforge bench train` and bench/train.
#pragma once

#include "model/config.h"
#include "kernels/precision.h"

namespace llmforge {

struct TrainBenchResult {
  double tokens_per_s = 0;
  double step_seconds = 0;   // median over measured steps
  double model_flops_per_token = 0;  // 6 N + 12 L d T
  double peak_flops = 0;     // measured GEMM peak for the precision used
  double mfu = 0;            // achieved model FLOP/s over peak
  size_t param_bytes = 0, grad_bytes = 0, optimizer_bytes = 0, activation_bytes = 0;
};

TrainBenchResult bench_train(const ModelConfig& config, int batch, int seq, int steps,
                             Precision precision, bool verbose);

}  // namespace llmforge
