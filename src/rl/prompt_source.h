// The BatchSource of GRPO and PPO: training prompts are drawn in a per-epoch shuffled
// order (the checkpointed position, under "<prefix>.epoch" / "<prefix>.cursor"), and
// the micro-batches the current step's rollout made are handed to the training loop
// in turn. Not thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "train/shuffled_order.h"
#include "train/train_loop.h"

namespace llmforge {

class PromptSource : public BatchSource {
 public:
  // `key_prefix` names the checkpoint entries ("rl" for GRPO, "ppo" for PPO: the
  // names older checkpoints carry).
  PromptSource(size_t n_prompts, uint64_t seed, std::string key_prefix)
      : order_(n_prompts, seed, kRlShuffle), prefix_(std::move(key_prefix)) {}

  // Index of the next training prompt.
  size_t next_prompt() { return order_.next(); }
  // The micro-batches of this step's rollout.
  void set(std::vector<MicroBatch> batches) { batches_ = std::move(batches), next_ = 0; }

  void next(MicroBatch& out) override;
  CheckpointMeta position() const override;
  void restore(const CheckpointMeta& meta) override;

 private:
  ShuffledOrder order_;
  std::string prefix_;
  std::vector<MicroBatch> batches_;
  size_t next_ = 0;
};

}  // namespace llmforge
