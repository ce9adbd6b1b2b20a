// A reward model as an RL reward (`llmforge rl grpo --reward-model DIR`): the score
// of [user: the item's question, assistant: the response] at its last token.
// A response too long for the reward model's context is an Error("rl") naming the
// item (rewards.h reports a throwing reward by name).
#pragma once

#include <string>

#include "rl/rewards.h"

namespace llmforge {

// Loads the reward model (and its tokenizer) once; the returned reward holds them.
WeightedReward reward_model_reward(const std::string& rm_dir, double weight);

}  // namespace llmforge
