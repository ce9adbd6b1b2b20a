#include "rl/rm_train.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/timer.h"
#include "infer/chat_format.h"
#include "model/model_io.h"
#include "rl/preference.h"
#include "rl/reward_model.h"
#include "train/distributed.h"
#include "train/train_loop.h"

namespace llmforge {
namespace {

struct TokenPair {
  std::vector<int32_t> chosen, rejected;
  int gold_sign = 0;  // +1: chosen truly better, -1: rejected truly better, 0: equal or unknown
};

int gold_sign(const PreferencePair& p) {
  if (std::isnan(p.chosen_gold) || std::isnan(p.rejected_gold) || p.chosen_gold == p.rejected_gold) return 0;
  return p.chosen_gold > p.rejected_gold ? 1 : -1;
}

// Pairs in an order shuffled per epoch from (seed, epoch); (epoch, cursor) is the
// whole position a checkpoint needs.
class PairSource : public BatchSource {
 public:
  PairSource(const std::vector<TokenPair>& pairs, int micro_pairs, uint64_t seed)
      : pairs_(pairs), micro_pairs_(micro_pairs), seed_(seed) {}
  void next(MicroBatch& out) override {
    std::vector<const std::vector<int32_t>*> c, r;
    for (int i = 0; i < micro_pairs_; ++i) {
      const TokenPair& p = pairs_[next_index()];
      c.push_back(&p.chosen), r.push_back(&p.rejected);
    }
    out = build_rm_micro_batch(c, r);
  }
  CheckpointMeta position() const override {
    return {{"rm.epoch", std::to_string(epoch_)}, {"rm.cursor", std::to_string(cursor_)}};
  }
  void restore(const CheckpointMeta& meta) override {
    epoch_ = std::stoull(meta.at("rm.epoch"));
    cursor_ = std::stoull(meta.at("rm.cursor"));
  }

 private:
  size_t next_index() {
    if (order_epoch_ != epoch_) {
      order_.resize(pairs_.size());
      for (size_t i = 0; i < order_.size(); ++i) order_[i] = uint32_t(i);
      Rng rng(seed_ * 0x9E3779B97F4A7C15ull + epoch_ + 1);
      shuffle_in_place(order_, rng);
      order_epoch_ = epoch_;
    }
    const size_t i = order_[cursor_];
    if (++cursor_ == order_.size()) cursor_ = 0, ++epoch_;
    return i;
  }
  const std::vector<TokenPair>& pairs_;
  int micro_pairs_;
  uint64_t seed_;
  uint64_t epoch_ = 0, cursor_ = 0, order_epoch_ = UINT64_MAX;
  std::vector<uint32_t> order_;
};

RmEval evaluate_pairs(Model& model, const std::vector<TokenPair>& pairs, int micro_pairs) {
  RmEval ev;
  RmStats stats;
  double loss = 0;
  std::vector<float> margins;
  for (size_t i = 0; i < pairs.size(); i += size_t(micro_pairs)) {
    std::vector<const std::vector<int32_t>*> c, r;
    for (size_t j = i; j < std::min(pairs.size(), i + size_t(micro_pairs)); ++j)
      c.push_back(&pairs[j].chosen), r.push_back(&pairs[j].rejected);
    const MicroBatch b = build_rm_micro_batch(c, r);
    model.forward(b.inputs.data(), b.rows, b.t);
    loss += rm_micro_batch_eval(model, b, &stats, &margins);
  }
  ev.pairs = long(pairs.size());
  if (ev.pairs > 0) {
    ev.accuracy = stats.correct / stats.pairs;
    ev.loss = loss / stats.pairs;
    ev.margin = stats.margin / stats.pairs;
  }
  double gold_correct = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].gold_sign == 0) continue;
    ++ev.gold_pairs;
    // A tie counts half, as in the length baseline.
    const double m = double(margins[i]) * pairs[i].gold_sign;
    gold_correct += m > 0 ? 1.0 : m == 0 ? 0.5 : 0.0;
  }
  if (ev.gold_pairs > 0) ev.gold_accuracy = gold_correct / double(ev.gold_pairs);
  return ev;
}

}  // namespace

RmTrainSummary run_rm_train(const RmTrainConfig& cfg) {
  if (cfg.model_dir.empty()) ErrorBuilder("rlhf") << "no starting (chat) model directory given";
  if (cfg.data.empty()) ErrorBuilder("rlhf") << "no preference file given";
  if (cfg.epochs <= 0 || cfg.pairs_per_step <= 0 || cfg.micro_pairs <= 0)
    ErrorBuilder("rlhf") << "epochs, pairs_per_step and micro_pairs must be positive";
  if (cfg.eval_data.empty() && !(cfg.heldout_fraction >= 0 && cfg.heldout_fraction < 1))
    ErrorBuilder("rlhf") << "heldout_fraction must be in [0, 1)";
  Distributed dist;
  if (dist.world() > 1) ErrorBuilder("rlhf") << "reward-model training runs in one process";
  Timer total;
  RmTrainSummary summary;

  Tokenizer tok = Tokenizer::load(cfg.tokenizer.empty() ? cfg.model_dir : cfg.tokenizer);
  chat_end_token(tok);
  const ModelConfig base = load_model_config(cfg.model_dir);

  PreferenceSet data = load_preferences(cfg.data);
  summary.skipped_identical = data.skipped_identical;
  std::vector<PreferencePair> train_pairs, heldout_pairs;
  if (!cfg.eval_data.empty()) {
    PreferenceSet ev = load_preferences(cfg.eval_data);
    summary.skipped_identical += ev.skipped_identical;
    train_pairs = std::move(data.pairs);
    heldout_pairs = std::move(ev.pairs);
  } else {
    const int held_groups = int(double(data.groups) * cfg.heldout_fraction + 0.5);
    for (PreferencePair& p : data.pairs)
      (p.group >= data.groups - held_groups ? heldout_pairs : train_pairs).push_back(std::move(p));
  }
  auto tokenize = [&](const std::vector<PreferencePair>& in) {
    std::vector<TokenPair> out;
    for (const PreferencePair& p : in) {
      TokenPair t{render_scored(tok, p.prompt, p.chosen), render_scored(tok, p.prompt, p.rejected), gold_sign(p)};
      if (int(std::max(t.chosen.size(), t.rejected.size())) > base.max_seq_len) {
        if (summary.skipped_long < 5) {
          LLMF_LOG(Warn) << p.source << ": a pair longer than the context of " << base.max_seq_len << " tokens: skipped";
        }
        ++summary.skipped_long;
        continue;
      }
      out.push_back(std::move(t));
    }
    return out;
  };
  const std::vector<TokenPair> train = tokenize(train_pairs), heldout = tokenize(heldout_pairs);
  if (train.empty()) ErrorBuilder("rlhf") << cfg.data << ": no preference pair left to train on";
  summary.train_pairs = long(train.size());
  summary.heldout_pairs = long(heldout.size());
  long gold_pairs = 0;
  for (const TokenPair& p : heldout) {
    const double longer = p.chosen.size() > p.rejected.size() ? 1.0 : p.chosen.size() == p.rejected.size() ? 0.5 : 0.0;
    summary.length_baseline += longer;
    if (p.gold_sign != 0) summary.length_baseline_gold += p.gold_sign > 0 ? longer : 1.0 - longer, ++gold_pairs;
  }
  if (!heldout.empty()) summary.length_baseline /= double(heldout.size());
  if (gold_pairs > 0) summary.length_baseline_gold /= double(gold_pairs);

  const int accum = (cfg.pairs_per_step + cfg.micro_pairs - 1) / cfg.micro_pairs;
  const long steps_per_epoch = std::max<long>(1, long(train.size()) / (long(accum) * cfg.micro_pairs));
  TrainLoopConfig lc = train_loop_config("rm", steps_per_epoch * cfg.epochs, accum, cfg);
  lc.measure_mfu = false;
  TrainLoop loop(lc, dist);
  std::unique_ptr<Model> model;
  if (!loop.resume_dir().empty()) {
    model = load_model(loop.resume_dir(), cfg.precision);
  } else {
    std::unique_ptr<Model> chat = load_model(cfg.model_dir, cfg.precision);
    model = reward_model_from(*chat, cfg.seed);
  }
  PairSource source(train, cfg.micro_pairs, cfg.seed);
  loop.attach(*model, source);
  if (!cfg.quiet) {
    std::printf("reward model from %s: %ld training and %ld held-out pairs (%ld identical and %ld over-long skipped); "
                "%ld steps of %d pairs (%d micro-batches)\n",
                cfg.model_dir.c_str(), summary.train_pairs, summary.heldout_pairs, summary.skipped_identical,
                summary.skipped_long, lc.steps, accum * cfg.micro_pairs, accum);
    std::fflush(stdout);
  }
  if (loop.start_step() == 0 && !heldout.empty()) {
    summary.before = evaluate_pairs(*model, heldout, cfg.micro_pairs);
    nlohmann::json rec{{"step", 0},
                       {"val_accuracy", summary.before.accuracy},
                       {"val_loss", summary.before.loss},
                       {"length_baseline", summary.length_baseline}};
    if (summary.before.gold_pairs > 0) {
      rec["val_gold_accuracy"] = summary.before.gold_accuracy;
      rec["length_baseline_gold"] = summary.length_baseline_gold;
    }
    loop.log(rec);
  }

  RmStats step_stats;
  TrainHooks hooks;
  hooks.before_step = [&](long, Model&) { step_stats = RmStats{}; };
  hooks.loss = [&](Model& m, const MicroBatch& b, double grad_scale) {
    return rm_micro_batch_backward(m, b, grad_scale, &step_stats);
  };
  hooks.step_metrics = [&](long, const StepStats&, nlohmann::json& rec) {
    if (step_stats.pairs > 0) {
      rec["accuracy"] = step_stats.correct / step_stats.pairs;
      rec["margin"] = step_stats.margin / step_stats.pairs;
    }
  };
  if (!heldout.empty()) {
    hooks.evaluate = [&](Model& m) {
      summary.after = evaluate_pairs(m, heldout, cfg.micro_pairs);
      EvalResult r;
      r.loss = summary.after.loss;
      r.metrics = {{"val_loss", summary.after.loss}, {"val_accuracy", summary.after.accuracy},
                   {"val_margin", summary.after.margin}};
      if (summary.after.gold_pairs > 0) r.metrics["val_gold_accuracy"] = summary.after.gold_accuracy;
      char text[96];
      std::snprintf(text, sizeof text, "held-out accuracy %.3f, loss %.4f", summary.after.accuracy, summary.after.loss);
      r.progress = text;
      return r;
    };
  }
  hooks.add_files = [&](const std::string& dir) { tok.save_tokenizer_json(dir + "/tokenizer.json"); };
  TrainResult r = loop.run(hooks);
  summary.steps_done = r.steps_done;
  summary.model_dir = r.model_dir;
  summary.seconds = total.seconds();
  return summary;
}

}  // namespace llmforge
