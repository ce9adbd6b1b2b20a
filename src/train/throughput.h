// The throughput figures every training command reports, defined once: model FLOPs
// per token, MFU against a measured GEMM peak, and the "arenas: ..." memory line.
#pragma once

#include <cstddef>
#include <string>

#include "kernels/precision.h"
#include "model/config.h"

namespace llmforge {

// FLOPs of one training step per token: 6 N for the forward and backward products
// through every weight, plus 12 L d T for attention scores and weighted values
// (the PaLM paper's count, used for MFU).
double training_flops_per_token(const ModelConfig& config, int seq_len);

// Measured FLOP/s of a 1024^3 matrix product at `precision`: the MFU denominator
// (`repeats` timed runs, the best one counts).
double measure_peak_flops(Precision precision, int repeats);

// Achieved model FLOP/s of one process over its peak: tokens_per_s is this
// process's own throughput.
double model_flops_utilization(double tokens_per_s, double flops_per_token, double peak_flops);

// "arenas: parameters 1.2 MiB, gradients ..., optimizer ..., activations ..."
std::string arenas_line(size_t param_bytes, size_t grad_bytes, size_t optimizer_bytes,
                        size_t activation_bytes);

}  // namespace llmforge
