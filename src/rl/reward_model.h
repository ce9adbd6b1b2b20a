// The reward model: the chat model's trunk with a scalar value head ("score.weight",
// model/model.h) read at the last token of a conversation, trained on preference
// pairs with the Bradley-Terry loss
//   loss = mean over pairs of -log sigmoid(r(chosen) - r(rejected))
// (InstructGPT; TRL's RewardTrainer without a margin).
//
// A conversation is scored as rendered by the chat format (infer/chat_format.h):
// the user's prompt, then the assistant's response closed by <|end|>; the score is
// the value at that <|end|>, the last token, so it has read the whole response.
//
// A micro-batch holds P pairs as 2P rows: row 2i the chosen, row 2i+1 the rejected
// response, right-padded to the longest; aux (rows) holds each row's last index.
// One target (weight 1) per pair marks it for the loop's weight, so the loop's
// step loss is the mean over the step's pairs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"
#include "tokenizer/tokenizer.h"
#include "train/micro_batch.h"

namespace llmforge {

// Tokens of the conversation [user: prompt, assistant: response], ending in <|end|>.
std::vector<int32_t> render_scored(const Tokenizer& tok, const std::string& prompt, const std::string& response);

// Bradley-Terry over n pairs: returns sum_i -log sigmoid(chosen_i - rejected_i) and
// sets d(that sum)/d(chosen_i) and d/d(rejected_i) (either may be null);
// correct counts chosen_i > rejected_i (ties count half).
double bradley_terry(const float* chosen, const float* rejected, int n, float* dchosen, float* drejected,
                     double* correct);

// P pairs (chosen, rejected) of token sequences into one micro-batch (see above).
MicroBatch build_rm_micro_batch(const std::vector<const std::vector<int32_t>*>& chosen,
                                const std::vector<const std::vector<int32_t>*>& rejected);

struct RmStats {
  double pairs = 0, correct = 0, margin = 0;  // margin: sum of r(chosen) - r(rejected)
  void add(const RmStats& o) { pairs += o.pairs, correct += o.correct, margin += o.margin; }
};

// After model.forward(b.inputs, b.rows, b.t): the summed Bradley-Terry loss of its
// pairs; runs Model::backward with dvalues scaled by grad_scale (no LM-head term).
double rm_micro_batch_backward(Model& model, const MicroBatch& b, double grad_scale, RmStats* stats);

// Forward only: the summed loss of a micro-batch's pairs, and their stats.
// `margins`, when given, gets r(chosen) - r(rejected) of each pair appended.
double rm_micro_batch_eval(Model& model, const MicroBatch& b, RmStats* stats, std::vector<float>* margins = nullptr);

// A reward model initialised from a chat model: its parameters copied, the value
// head drawn from Normal(0, head_std) with `seed`. Throws Error("rlhf") when the
// chat model has a value head already (it is a reward model, not a chat model).
std::unique_ptr<Model> reward_model_from(const Model& chat, uint64_t seed, float head_std = 0.02f);

// Scores of token sequences (each scored at its last token), `batch` rows a forward.
// Throws Error("rlhf") for a model without a value head or a sequence longer than
// its context.
std::vector<float> score_sequences(Model& model, const std::vector<std::vector<int32_t>>& seqs, int batch = 16);

}  // namespace llmforge
