#include "rl/prompt_source.h"

#include "core/error.h"

namespace llmforge {

void PromptSource::next(MicroBatch& out) {
  LLMF_CHECK(next_ < batches_.size()) << "more micro-batches asked for than the rollout made";
  out = batches_[next_++];
}

CheckpointMeta PromptSource::position() const {
  const OrderPosition pos = order_.position();
  return {{prefix_ + ".epoch", std::to_string(pos.epoch)}, {prefix_ + ".cursor", std::to_string(pos.cursor)}};
}

void PromptSource::restore(const CheckpointMeta& meta) {
  order_.set_position({std::stoull(meta.at(prefix_ + ".epoch")), std::stoull(meta.at(prefix_ + ".cursor"))});
}

}  // namespace llmforge
