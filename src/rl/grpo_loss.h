// The GRPO objective, as published (Shao et al. 2024) and as TRL's GRPOTrainer
// implements it, with the variants that followed, each an option defaulting to TRL:
//
//   advantages   A_i = (r_i - mean(group)) / (std + 1e-4)   scaling: group std (GRPO,
//                the default), batch std (Lite PPO) or none (Dr. GRPO); std is the
//                unbiased one, as torch.std.
//   ratio        rho_t = exp(logp_t - old_logp_t) per token (default), or one
//                rho_i = exp(mean_t(logp_t - old_logp_t)) per sequence (GSPO).
//   clipping     l_t = -min(min(rho, delta) A, clamp(rho, 1 - eps_low, 1 + eps_high) A)
//                eps_high > eps_low is DAPO's clip-higher; delta (off by default) is
//                the two-sided clip of INTELLECT-2.
//   KL           + beta * (exp(ref - logp) - (ref - logp) - 1), the k3 estimator;
//                beta 0 (the default) needs no reference model.
//   aggregation  grpo:    mean over each sequence's tokens, then over sequences
//                bnpo:    mean over the tokens of each micro-batch, then over micro-batches
//                dapo:    mean over every token of the optimizer step (the default)
//                dr_grpo: sum over tokens / (sequences * max_completion_length)
// Every aggregation is a per-sequence coefficient c_i on the sum of its token terms
// (grpo_sequence_coefficients), so the loss of a step is sum_i c_i sum_t l_it however
// its sequences are split into micro-batches. "mean over sequences" is over the
// whole step (the published formula); TRL's per-micro-batch mean divided by the
// accumulation steps equals it when micro-batches hold equally many sequences.
//
// log-probabilities are of softmax(logits / temperature), as TRL computes them,
// so d(loss)/d(logits) = dlogp * (onehot(target) - softmax(logits / T)) / T.
//
// Dimension letters: N tokens (rows of logits), V vocabulary, S sequences.
// Pure functions over arrays, no model: tests/reference/torch_grpo.py checks the
// loss and d(loss)/d(logits) of every option against PyTorch autograd.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmforge {

enum class GrpoLossType { kGrpo, kBnpo, kDapo, kDrGrpo };
enum class RewardScaling { kGroup, kBatch, kNone };
enum class ImportanceLevel { kToken, kSequence };

// Names as TRL spells them ("grpo", "bnpo", "dapo", "dr_grpo"; "group", "batch",
// "none"; "token", "sequence"); parse_* throws Error("rl") naming the choices.
const char* loss_type_name(GrpoLossType t);
GrpoLossType parse_loss_type(const std::string& s);
const char* reward_scaling_name(RewardScaling s);
RewardScaling parse_reward_scaling(const std::string& s);
const char* importance_level_name(ImportanceLevel l);
ImportanceLevel parse_importance_level(const std::string& s);

struct GrpoLossConfig {
  GrpoLossType loss_type = GrpoLossType::kDapo;
  ImportanceLevel importance = ImportanceLevel::kToken;
  double epsilon_low = 0.2;
  double epsilon_high = 0.2;
  double delta = 0;  // > 0: upper bound on the unclipped ratio (two-sided clipping)
  double beta = 0;   // KL coefficient
  int max_completion_length = 256;  // dr_grpo's constant normaliser
  double temperature = 1.0;         // logits are divided by it before the softmax

  // Throws Error("rl") naming the first bad field.
  void validate() const;
};

// Group-relative advantages of rewards laid out group after group (S = groups *
// group_size). zero_std (optional, S) marks the members of groups whose rewards
// are all equal (std within 1e-8 of 0, torch.isclose's default), whose advantage is 0.
std::vector<float> group_advantages(const std::vector<double>& rewards, int group_size,
                                    RewardScaling scaling, std::vector<uint8_t>* zero_std = nullptr);

// One sequence's completion tokens in flat per-token arrays: [start, start + length),
// in micro-batch `micro_batch` of the step (0 .. n_micro - 1; bnpo only).
struct GrpoSequence {
  long start = 0;
  int length = 0;
  int micro_batch = 0;
  float advantage = 0;
};

// c_i of each sequence for the config's aggregation over the step's sequences
// (all of them, every micro-batch and process).
std::vector<double> grpo_sequence_coefficients(const GrpoLossConfig& cfg,
                                               const std::vector<GrpoSequence>& seqs, int n_micro);

// What the loss saw, summed over tokens (divide by `tokens` for means).
struct GrpoStats {
  double tokens = 0;
  double clipped_low = 0;   // rho < 1 - eps_low with A < 0 (TRL's low_clip)
  double clipped_high = 0;  // rho > 1 + eps_high with A > 0
  double kl = 0;            // k3 against the reference (beta > 0 only)
  double entropy = 0;       // of softmax(logits / T), from grpo_logits_backward
  void add(const GrpoStats& o);
};

// Loss and d(loss)/d(logp) of the sequences' tokens: returns sum_i c_i sum_t l_it and
// fills dlogp (same indexing as logp). ref_logp may be null when beta is 0. Tokens
// outside every sequence are left untouched in dlogp.
double grpo_policy_loss(const GrpoLossConfig& cfg, const std::vector<GrpoSequence>& seqs,
                        const std::vector<double>& coef, const float* logp, const float* old_logp,
                        const float* ref_logp, float* dlogp, GrpoStats* stats);

// The token-level loss of one token (importance kToken), for a caller that sees
// tokens one chunk at a time: returns l_t and sets *dlogp = d l_t / d logp_t.
double grpo_token_term(const GrpoLossConfig& cfg, float logp, float old_logp, float ref_logp,
                       float advantage, double* dlogp, GrpoStats* stats);

// log softmax(logits / T)[target] of n rows (n, V) into logp (n).
void token_logprobs(const float* logits, const int32_t* targets, int n, int vocab,
                    double temperature, float* logp);
// Overwrites logits (n, V) with d(loss)/d(logits) = dlogp (onehot - p) / T for rows
// with target >= 0 (rows without a target get zeros); adds their entropy to stats.
void grpo_logits_backward(float* logits, const int32_t* targets, const float* dlogp, int n,
                          int vocab, double temperature, GrpoStats* stats);

}  // namespace llmforge
