#include "sft/sft.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/log.h"
#include "model/model_io.h"
#include "sft/conversations.h"
#include "sft/sft_batcher.h"
#include "tokenizer/tokenizer.h"
#include "train/data_loader.h"
#include "train/losses.h"
#include "train/train_loop.h"

namespace llmforge {
namespace {

// Masked mean loss over every validation conversation, one conversation a row
// (never packed, so a conversation's loss does not depend on its neighbours), rows
// grouped by length so that little is padding.
struct Validation {
  std::vector<std::vector<std::vector<const SftConversation*>>> batches;
  std::vector<int> widths;
};

Validation make_validation(const std::vector<SftConversation>& convs, int micro_batch) {
  std::vector<const SftConversation*> sorted;
  for (const SftConversation& c : convs) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) {
    return a->tokens.size() < b->tokens.size();
  });
  Validation v;
  for (size_t i = 0; i < sorted.size(); i += size_t(micro_batch)) {
    std::vector<std::vector<const SftConversation*>> rows;
    int width = 1;
    for (size_t j = i; j < std::min(sorted.size(), i + size_t(micro_batch)); ++j) {
      rows.push_back({sorted[j]});
      width = std::max(width, int(sorted[j]->tokens.size()) - 1);
    }
    v.batches.push_back(std::move(rows));
    v.widths.push_back(width);
  }
  return v;
}

double evaluate(Model& model, const Validation& val) {
  double nats = 0, weight = 0;
  SftBatch b;
  for (size_t i = 0; i < val.batches.size(); ++i) {
    make_sft_batch(val.batches[i], val.widths[i], b);
    model.forward(b.inputs.data(), b.rows, b.t);
    nats += cross_entropy_eval(model, b.targets.data(), b.weights.data());
    weight += b.weight_sum();
  }
  return weight > 0 ? nats / weight : NAN;
}

// SFT rows in the batcher's order. With several processes each draws every
// process's micro-batches and keeps its own (the k-th of each group of `world`),
// so all ranks hold the same position and together see exactly the rows one
// process with `world` times the accumulation would. With replay, each
// micro-batch gets `replay_rows` more rows of pretraining text (each process
// reads its own part of the replay windows' order).
class SftSource : public BatchSource {
 public:
  SftSource(SftBatcher& batcher, int rows, uint64_t seed, int rank, int world, DataLoader* replay,
            int replay_rows, float replay_weight)
      : batcher_(batcher), rows_(rows), seed_(seed), rank_(rank), world_(world), replay_(replay),
        replay_rows_(replay_rows), replay_weight_(replay_weight) {}
  void next(MicroBatch& b) override {
    for (int r = 0; r < world_; ++r) batcher_.next_batch(rows_, r == rank_ ? b : scratch_);
    if (replay_ && replay_rows_ > 0) append_replay(b);
  }
  CheckpointMeta position() const override {
    SftDataPosition pos = batcher_.position();
    CheckpointMeta meta{{"sft.epoch", std::to_string(pos.epoch)},
                        {"sft.cursor", std::to_string(pos.cursor)},
                        {"sft.seed", std::to_string(seed_)}};
    if (replay_) {
      meta["sft.replay_epoch"] = std::to_string(replay_->position().epoch);
      meta["sft.replay_cursor"] = std::to_string(replay_->position().cursor);
    }
    return meta;
  }
  void restore(const CheckpointMeta& meta) override {
    batcher_.set_position({std::stoull(meta.at("sft.epoch")), std::stoull(meta.at("sft.cursor"))});
    if (!replay_) return;
    auto epoch = meta.find("sft.replay_epoch"), cursor = meta.find("sft.replay_cursor");
    if (epoch == meta.end() || cursor == meta.end()) {
      ErrorBuilder("sft") << "the checkpoint was written without replay; resume it without --replay";
    }
    replay_->set_position({std::stoull(epoch->second), std::stoull(cursor->second)});
  }

 private:
  // Replay windows are as wide as the SFT rows (packed rows are the full context;
  // a padded batch keeps the first b.t tokens of each window).
  void append_replay(MicroBatch& b) {
    replay_->next_batch(replay_rows_, window_inputs_, window_targets_);
    const int full = int(window_inputs_.size() / size_t(replay_rows_));
    const size_t t = size_t(b.t);
    if (b.weights.empty()) b.weights.assign(b.targets.size(), 1.0f);
    for (int r = 0; r < replay_rows_; ++r) {
      const int32_t* in = window_inputs_.data() + size_t(r) * full;
      const int32_t* tg = window_targets_.data() + size_t(r) * full;
      b.inputs.insert(b.inputs.end(), in, in + t);
      b.targets.insert(b.targets.end(), tg, tg + t);
      b.weights.insert(b.weights.end(), t, replay_weight_);
    }
    b.rows += replay_rows_;
    b.real_tokens += long(replay_rows_) * b.t;
  }

  SftBatcher& batcher_;
  int rows_;
  uint64_t seed_;
  int rank_, world_;
  DataLoader* replay_;
  int replay_rows_;
  float replay_weight_;
  MicroBatch scratch_;
  std::vector<int32_t> window_inputs_, window_targets_;
};

}  // namespace


SftSummary run_sft(const SftConfig& cfg, Distributed& dist) {
  if (cfg.model_dir.empty()) ErrorBuilder("sft") << "no base model directory given";
  if (cfg.train_file.empty()) ErrorBuilder("sft") << "no training file given";
  if (cfg.micro_batch <= 0 || cfg.grad_accum <= 0) {
    ErrorBuilder("sft") << "micro_batch and grad_accum must be positive";
  }
  if (cfg.steps < 0 || (cfg.steps == 0 && !(cfg.epochs > 0))) {
    ErrorBuilder("sft") << "give a positive number of steps or epochs";
  }
  if (cfg.eval_every <= 0) ErrorBuilder("sft") << "eval_every must be positive";
  if (cfg.keep_checkpoints < 1) ErrorBuilder("sft") << "keep_checkpoints must be at least 1";
  if (cfg.replay_rows < 0) ErrorBuilder("sft") << "replay_rows must not be negative";
  if (cfg.replay_rows > 0 && cfg.replay_data.empty()) ErrorBuilder("sft") << "replay rows need replay data (token shards)";
  if (!(cfg.replay_weight >= 0) || !std::isfinite(cfg.replay_weight)) {
    ErrorBuilder("sft") << "replay_weight must be a finite number >= 0";
  }
  const bool root = dist.is_root();

  Tokenizer tok = Tokenizer::load(cfg.tokenizer.empty() ? cfg.model_dir : cfg.tokenizer);
  chat_end_token(tok);  // fails early for a tokenizer without the chat tokens
  const ModelConfig base_config = load_model_config(cfg.model_dir);
  if (tok.vocab_size() > uint32_t(base_config.vocab_size)) {
    ErrorBuilder("sft") << "tokenizer has " << tok.vocab_size() << " tokens but the model "
                        << cfg.model_dir << " only " << base_config.vocab_size;
  }
  const int t = cfg.seq_len > 0 ? cfg.seq_len : base_config.max_seq_len;
  if (t > base_config.max_seq_len) {
    ErrorBuilder("sft") << "seq_len " << t << " is longer than the model's context "
                        << base_config.max_seq_len;
  }

  // Data.
  SftSummary summary;
  SftConversationSet train = load_conversations(cfg.train_file, tok, long(t) + 1);
  SftConversationSet valset;
  if (!cfg.val_file.empty()) valset = load_conversations(cfg.val_file, tok, long(t) + 1);
  summary.train_conversations = long(train.conversations.size());
  summary.val_conversations = long(valset.conversations.size());
  summary.dropped_too_long = train.dropped_too_long + valset.dropped_too_long;
  if (summary.dropped_too_long > 0 && root) {
    LLMF_LOG(Warn) << "dropped " << train.dropped_too_long << " training and "
                   << valset.dropped_too_long << " validation conversations longer than "
                   << t + 1 << " tokens (raise --seq to keep them)";
  }
  SftBatcher batcher(train.conversations, t, cfg.packing, cfg.seed);
  Validation val = make_validation(valset.conversations, cfg.micro_batch);
  const long rows_per_step = long(cfg.micro_batch) * cfg.grad_accum * dist.world();
  summary.rows_per_epoch = batcher.rows_per_epoch();
  const long total_steps =
      cfg.steps > 0 ? cfg.steps
                    : std::max(1L, long(std::ceil(cfg.epochs * double(batcher.rows_per_epoch()) /
                                                  double(rows_per_step))));
  summary.total_steps = total_steps;

  TrainLoopConfig lc = train_loop_config("sft", total_steps, cfg.grad_accum, cfg);
  if (cfg.check) {
    if (!(cfg.check_every_epochs > 0)) ErrorBuilder("sft") << "check_every_epochs must be positive";
    lc.eval_every = int(std::max(1.0, std::round(cfg.check_every_epochs * double(batcher.rows_per_epoch()) /
                                                  double(rows_per_step))));
  }
  lc.size_rows = cfg.micro_batch + std::max(0, cfg.replay_rows), lc.size_seq = t;
  TrainLoop loop(lc, dist);

  // Model, from the base model or resumed.
  const std::string& resume_from = loop.resume_dir();
  std::unique_ptr<Model> model = load_model(resume_from.empty() ? cfg.model_dir : resume_from, cfg.precision);
  if (model->config().vocab_size != base_config.vocab_size) {
    ErrorBuilder("sft") << "checkpoint " << resume_from << " does not match the base model "
                        << cfg.model_dir;
  }
  std::unique_ptr<DataLoader> replay;
  if (!cfg.replay_data.empty() && cfg.replay_rows > 0) {
    replay = std::make_unique<DataLoader>(find_shards(cfg.replay_data, "train"), t,
                                          /*align_to_documents=*/true, cfg.seed, dist.rank(), dist.world());
    if (replay->vocab_size() > uint32_t(model->config().vocab_size)) {
      ErrorBuilder("sft") << "replay shards in " << cfg.replay_data << " use " << replay->vocab_size()
                          << " token ids but the model has " << model->config().vocab_size;
    }
  }
  SftSource source(batcher, cfg.micro_batch, cfg.seed, dist.rank(), dist.world(), replay.get(),
                   cfg.replay_rows, float(cfg.replay_weight));
  loop.attach(*model, source);

  const ModelConfig& mc = model->config();
  if (!cfg.quiet && root) {
    std::printf("model: %s, %.2fM parameters (dim %d, %d layers, vocab %d, context %d), %s\n",
                cfg.model_dir.c_str(), mc.num_parameters() / 1e6, mc.dim, mc.n_layers,
                mc.vocab_size, mc.max_seq_len, precision_name(cfg.precision));
    std::printf("data: %ld training conversations (%ld tokens, %ld on assistant turns), "
                "%ld validation; %ld dropped as longer than %d tokens\n",
                summary.train_conversations, train.tokens, train.assistant_tokens,
                summary.val_conversations, summary.dropped_too_long, t + 1);
    std::printf("batch: %ld rows per step = %d micro-batches x %d rows of %d tokens (%s) x %d processes, "
                "%ld rows per epoch, %ld steps (%.2f epochs)\n",
                rows_per_step, cfg.grad_accum, cfg.micro_batch, t, cfg.packing ? "packed" : "padded",
                dist.world(), batcher.rows_per_epoch(), total_steps,
                double(total_steps * rows_per_step) / double(batcher.rows_per_epoch()));
    if (replay) {
      std::printf("replay: %d rows of pretraining text (%s, %llu windows) per micro-batch, loss weight %g "
                  "per token\n",
                  cfg.replay_rows, cfg.replay_data.c_str(), (unsigned long long)replay->window_count(),
                  cfg.replay_weight);
    }
    std::fflush(stdout);
  }

  TrainHooks hooks;
  if (!val.batches.empty() || cfg.check) {
    hooks.evaluate = [&](Model& m) {
      EvalResult r;
      if (!val.batches.empty()) {
        r.loss = evaluate(m, val);
        r.metrics["val_loss"] = r.loss;
        char text[32];
        std::snprintf(text, sizeof text, "val %.4f", r.loss);
        r.progress = text;
      }
      if (cfg.check) {
        EvalResult c = cfg.check(m);
        for (auto it = c.metrics.begin(); it != c.metrics.end(); ++it) r.metrics[it.key()] = it.value();
        if (val.batches.empty()) r.loss = c.loss;
        r.progress += (r.progress.empty() || c.progress.empty() ? "" : " ") + c.progress;
        r.stop = c.stop;
      }
      return r;
    };
  }
  hooks.step_metrics = [&](long, const StepStats& stats, nlohmann::json& record) {
    const SftDataPosition pos = batcher.position();
    // With replay the step's weight also counts replay targets.
    record[replay ? "loss_weight" : "assistant_tokens"] = replay ? stats.weight : double(long(stats.weight));
    record["epoch"] = double(pos.epoch) + double(pos.cursor) / double(train.conversations.size());
  };
  hooks.add_files = [&](const std::string& dir) { tok.save_tokenizer_json(dir + "/tokenizer.json"); };

  TrainResult r = loop.run(hooks);
  summary.steps_done = r.steps_done;
  summary.train_loss = r.train_loss;
  summary.val_loss = r.val_loss;
  summary.best_val_loss = r.best_val_loss;
  summary.model_dir = r.model_dir;
  summary.step_losses = std::move(r.step_losses);
  summary.val_losses = std::move(r.val_losses);
  summary.tokens_per_s = r.tokens_per_s;
  summary.stopped_non_finite = r.stopped_non_finite;
  summary.stopped_at_goal = r.stopped_at_goal;
  return summary;
}

}  // namespace llmforge
