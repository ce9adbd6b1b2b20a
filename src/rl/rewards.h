// Reward functions for verifiable tasks, composed with weights:
//   correctness  1 when the answer checks (task.h), else 0
//   format       1 when the response is "<think>reasoning</think>answer": one think
//                block, not empty, at the start, and a non-empty answer after it
//   overlong     DAPO's soft overlong punishment: 0 up to max_len - cache tokens, then
//                falling linearly to -1 at max_len; -1 for a response cut off there
//   steps        built-in arithmetic only: the share of the worked steps
//                (rl/arithmetic_task.h) that the think block's lines get right, in
//                order, up to the first wrong one (either think format). A verifiable
//                process reward: a sample that copies two of three operands right
//                earns more than one that copies none, though neither answer checks.
// Spec on the command line: "correctness=1,format=0.2,overlong=1".
// A reward function that throws is reported by name with the item it was scoring
// (Error("rl")), never as a crash.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rl/task.h"

namespace llmforge {

struct ScoredResponse {
  const TaskItem* item = nullptr;
  std::string text;       // the response: the template's prefix plus the decoded completion
  int tokens = 0;         // completion tokens
  bool truncated = false;  // ended at the length limit, not a stop token
};

using RewardFn = std::function<double(const ScoredResponse& r)>;

struct WeightedReward {
  std::string name;
  double weight = 1;
  RewardFn fn;
};

struct RewardOptions {
  int max_completion_length = 256;  // overlong: the hard limit
  int overlong_cache = 0;           // overlong: the soft band; 0: a quarter of the limit
};

// Parses "name=weight,..." (a name alone: weight 1). Throws Error("rl") for an
// unknown name, a bad weight, or an empty spec.
std::vector<WeightedReward> parse_rewards(const std::string& spec, const RewardOptions& options);

double correctness_reward(const ScoredResponse& r);
double format_reward(const ScoredResponse& r);
double overlong_reward(const ScoredResponse& r, int max_len, int cache);
// Error("rl") naming the item when it is not a built-in arithmetic question.
double arithmetic_steps_reward(const ScoredResponse& r);

// The text between the first "<think>" and "</think>" ("" when there is none).
std::string think_text(const std::string& response);

// sum of weight * fn over `rewards`; each function's value into parts (one per reward).
double score_response(const std::vector<WeightedReward>& rewards, const ScoredResponse& r,
                      std::vector<double>* parts = nullptr);

}  // namespace llmforge
