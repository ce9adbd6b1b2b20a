#include "rl/rm_reward.h"

#include <memory>

#include "core/error.h"
#include "model/model_io.h"
#include "rl/reward_model.h"

namespace llmforge {

WeightedReward reward_model_reward(const std::string& rm_dir, double weight) {
  auto model = std::shared_ptr<Model>(load_model(rm_dir));
  if (!model->config().value_head) ErrorBuilder("rl") << rm_dir << " is not a reward model (no value head)";
  auto tok = std::make_shared<Tokenizer>(Tokenizer::load(rm_dir));
  WeightedReward w;
  w.name = "reward_model";
  w.weight = weight;
  w.fn = [model, tok](const ScoredResponse& r) -> double {
    std::vector<int32_t> seq = render_scored(*tok, item_question(*r.item), r.text);
    if (int(seq.size()) > model->config().max_seq_len)
      ErrorBuilder("rl") << r.item->id << ": prompt and response (" << seq.size()
                         << " tokens) exceed the reward model's context of " << model->config().max_seq_len;
    return double(score_sequences(*model, {seq}, 1)[0]);
  };
  return w;
}

}  // namespace llmforge
