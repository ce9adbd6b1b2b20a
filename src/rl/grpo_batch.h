// From a scored rollout to the micro-batches of one GRPO optimizer step.
//
// Each completion is one row: the prompt and the completion, with targets only on
// the completion's tokens (a stop token included), so the loss never sees the
// prompt. The per-position numbers the loss reads go in MicroBatch::aux as four
// planes of rows * t floats:
//   aux[0]  old log-prob of the target (recorded when it was sampled)
//   aux[1]  reference log-prob (beta > 0; else 0)
//   aux[2]  the sequence's advantage
//   aux[3]  the sequence's aggregation coefficient c_i (grpo_loss.h)
// MicroBatch::weights stays empty: the loop's weight is the number of completion
// tokens, and the loss (rl/grpo_trainer.cc) scales by c_i itself.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"
#include "rl/grpo_loss.h"
#include "rl/rollout.h"
#include "train/micro_batch.h"

namespace llmforge {

enum AuxPlane { kAuxOldLogp = 0, kAuxRefLogp = 1, kAuxAdvantage = 2, kAuxCoef = 3, kAuxPlanes = 4 };

struct GrpoRow {
  const std::vector<int32_t>* prompt = nullptr;
  const Completion* completion = nullptr;
  float advantage = 0;
};

// Lays rows out in `n_micro` micro-batches of at most `rows_per_micro` rows each
// (rows in order; a micro-batch left without rows gets one row with no targets),
// with the coefficients of `cfg`'s aggregation over all of them.
std::vector<MicroBatch> build_grpo_micro_batches(const GrpoLossConfig& cfg, const std::vector<GrpoRow>& rows,
                                                 int n_micro, int rows_per_micro);

// The completion spans of a micro-batch's rows (one per row with targets), with the
// advantage from aux; coef (one per span) from aux too.
std::vector<GrpoSequence> micro_batch_sequences(const MicroBatch& b, std::vector<double>* coef);

// The GRPO loss of a micro-batch after model.forward(b.inputs, b.rows, b.t): runs
// Model::backward with d(loss)/d(logits) (gradients accumulate) and returns
// sum_i c_i sum_t l_it over its sequences. Token-level ratios go chunk by chunk;
// sequence-level ones read every log-prob first (one more pass over the head).
double grpo_micro_batch_backward(Model& model, const MicroBatch& b, const GrpoLossConfig& cfg,
                                 GrpoStats* stats);

}  // namespace llmforge
