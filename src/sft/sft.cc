#include "sft/sft.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/arena.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/timer.h"
#include "model/model_io.h"
#include "pretrain/metrics_log.h"
#include "sft/conversations.h"
#include "sft/sft_batcher.h"
#include "tokenizer/tokenizer.h"
#include "train/checkpoint.h"
#include "train/losses.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

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

// Writes the final model next to `dir` and swaps it into place, so `dir` is always
// either the previous complete model or the new one.
void save_final_model(const Model& model, const Tokenizer& tok, const std::string& dir) {
  const std::string tmp = dir + ".tmp-" + std::to_string(::getpid());
  const std::string old = dir + ".old-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  save_model(model, tmp);
  tok.save_tokenizer_json(tmp + "/tokenizer.json");
  if (fs::exists(dir)) fs::rename(dir, old);
  fs::rename(tmp, dir);
  fs::remove_all(old);
  fs::path parent = fs::path(dir).parent_path();
  fsync_directory(parent.empty() ? "." : parent.string());
}

}  // namespace

SftSummary run_sft(const SftConfig& cfg) {
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
  if (summary.dropped_too_long > 0) {
    LLMF_LOG(Warn) << "dropped " << train.dropped_too_long << " training and "
                   << valset.dropped_too_long << " validation conversations longer than "
                   << t + 1 << " tokens (raise --seq to keep them)";
  }
  SftBatcher batcher(train.conversations, t, cfg.packing, cfg.seed);
  Validation val = make_validation(valset.conversations, cfg.micro_batch);
  const long rows_per_step = long(cfg.micro_batch) * cfg.grad_accum;
  summary.rows_per_epoch = batcher.rows_per_epoch();
  const long total_steps =
      cfg.steps > 0 ? cfg.steps
                    : std::max(1L, long(std::ceil(cfg.epochs * double(batcher.rows_per_epoch()) /
                                                  double(rows_per_step))));
  summary.total_steps = total_steps;

  // Model and optimizer, from the base model or resumed.
  const std::string ckpt_root = cfg.out_dir + "/checkpoints";
  fs::create_directories(ckpt_root);
  RunCheckpoints checkpoints(ckpt_root, cfg.keep_checkpoints);
  const std::string resume_from = cfg.resume ? checkpoints.latest_dir() : "";
  std::unique_ptr<Model> model = load_model(resume_from.empty() ? cfg.model_dir : resume_from, cfg.precision);
  if (model->config().vocab_size != base_config.vocab_size) {
    ErrorBuilder("sft") << "checkpoint " << resume_from << " does not match the base model "
                        << cfg.model_dir;
  }
  AdamW opt(*model, cfg.adamw);
  long start_step = 0;
  if (!resume_from.empty()) {
    CheckpointMeta meta = checkpoints.resume(resume_from, *model, opt);
    start_step = std::stol(meta.at("sft.step"));
    batcher.set_position({std::stoull(meta.at("sft.epoch")), std::stoull(meta.at("sft.cursor"))});
    LLMF_LOG(Info) << "resumed from " << resume_from << " at step " << start_step;
  } else if (cfg.resume) {
    LLMF_LOG(Info) << "no checkpoint to resume in " << ckpt_root << "; starting from "
                   << cfg.model_dir;
  }
  LrSchedule schedule = cfg.schedule;
  schedule.total_steps = total_steps;

  const ModelConfig& mc = model->config();
  {
    std::vector<int32_t> zeros(size_t(cfg.micro_batch) * t, 0);
    model->forward(zeros.data(), cfg.micro_batch, t);  // sizes the activation arena
  }
  if (!cfg.quiet) {
    std::printf("model: %s, %.2fM parameters (dim %d, %d layers, vocab %d, context %d), %s\n",
                cfg.model_dir.c_str(), mc.num_parameters() / 1e6, mc.dim, mc.n_layers,
                mc.vocab_size, mc.max_seq_len, precision_name(cfg.precision));
    std::printf("data: %ld training conversations (%ld tokens, %ld on assistant turns), "
                "%ld validation; %ld dropped as longer than %d tokens\n",
                summary.train_conversations, train.tokens, train.assistant_tokens,
                summary.val_conversations, summary.dropped_too_long, t + 1);
    std::printf("batch: %ld rows per step = %d micro-batches x %d rows of %d tokens (%s), "
                "%ld rows per epoch, %ld steps (%.2f epochs)\n",
                rows_per_step, cfg.grad_accum, cfg.micro_batch, t,
                cfg.packing ? "packed" : "padded", batcher.rows_per_epoch(), total_steps,
                double(total_steps * rows_per_step) / double(batcher.rows_per_epoch()));
    std::printf("arenas: parameters %s, gradients %s, optimizer %s, activations %s\n",
                format_bytes(model->param_bytes()).c_str(), format_bytes(model->grad_bytes()).c_str(),
                format_bytes(opt.state_bytes()).c_str(),
                format_bytes(model->activation_bytes()).c_str());
    std::fflush(stdout);
  }

  MetricsLog metrics(cfg.out_dir + "/metrics.jsonl", start_step > 0);
  auto save = [&](long step, double val_loss) {
    SftDataPosition pos = batcher.position();
    CheckpointMeta meta{{"sft.step", std::to_string(step)},
                        {"sft.epoch", std::to_string(pos.epoch)},
                        {"sft.cursor", std::to_string(pos.cursor)},
                        {"sft.seed", std::to_string(cfg.seed)}};
    checkpoints.save(step, *model, opt, meta, val_loss,
                     [&](const std::string& dir) { tok.save_tokenizer_json(dir + "/tokenizer.json"); });
  };

  Progress progress("sft", total_steps - start_step, "steps", cfg.log_interval_s);
  std::vector<SftBatch> micro(size_t(cfg.grad_accum));
  int bad_in_a_row = 0;
  long tokens_seen = 0;
  double train_seconds = 0;
  double last_val = NAN;
  long step = start_step;
  for (; step < total_steps; ++step) {
    Timer step_timer;
    // The whole step's rows first: the loss is a mean over all their assistant tokens.
    double weight = 0;
    long step_tokens = 0;
    for (SftBatch& b : micro) {
      batcher.next_batch(cfg.micro_batch, b);
      weight += b.weight_sum();
      step_tokens += b.real_tokens;
    }
    model->zero_grad();
    double loss_sum = 0;
    if (weight > 0) {
      for (SftBatch& b : micro) {
        model->forward(b.inputs.data(), b.rows, b.t);
        loss_sum += cross_entropy_backward(*model, b.targets.data(), b.weights.data(), 1.0 / weight);
      }
    }
    const double loss = weight > 0 ? loss_sum / weight : 0.0;
    const double norm = grad_norm(*model);
    const double lr = schedule.at(step);
    tokens_seen += step_tokens;
    const bool finite = std::isfinite(loss) && std::isfinite(norm);
    summary.step_losses.push_back(finite ? loss : NAN);
    if (!finite) {
      ++bad_in_a_row;
      LLMF_LOG(Warn) << "step " << step << ": non-finite loss " << loss << " or gradient norm "
                     << norm << "; step skipped (" << bad_in_a_row << " in a row)";
      metrics.write({{"step", step + 1}, {"skipped", true}, {"loss", nullptr}});
      if (bad_in_a_row >= cfg.max_bad_steps) {
        summary.stopped_non_finite = true;
        const std::string last = checkpoints.latest_dir();
        LLMF_LOG(Error) << "stopping: " << bad_in_a_row << " non-finite steps in a row; last good "
                        << "checkpoint: " << (last.empty() ? "none" : last);
        ++step;
        break;
      }
      continue;
    }
    bad_in_a_row = 0;
    if (weight > 0) opt.step(*model, lr, norm);
    summary.train_loss = loss;
    const double dt = step_timer.seconds();
    train_seconds += dt;
    const double tok_s = double(step_tokens) / dt;
    const bool last_step = step + 1 == total_steps;
    const SftDataPosition pos = batcher.position();
    nlohmann::json record{{"step", step + 1},
                          {"loss", loss},
                          {"lr", lr},
                          {"grad_norm", norm},
                          {"tokens", tokens_seen},
                          {"assistant_tokens", long(weight)},
                          {"tokens_per_s", tok_s},
                          {"epoch", double(pos.epoch) + double(pos.cursor) / double(train.conversations.size())},
                          {"time", progress.elapsed()}};
    if (!val.batches.empty() && ((step + 1) % cfg.eval_every == 0 || last_step)) {
      last_val = evaluate(*model, val);
      summary.val_loss = last_val;
      summary.val_losses.push_back({step + 1, last_val});
      record["val_loss"] = last_val;
    }
    metrics.write(record);
    if ((cfg.checkpoint_every > 0 && (step + 1) % cfg.checkpoint_every == 0) || last_step) {
      save(step + 1, std::isnan(last_val) ? loss : last_val);
    }
    char extra[160];
    int n = std::snprintf(extra, sizeof extra, "loss %.4f", loss);
    if (!std::isnan(last_val)) n += std::snprintf(extra + n, sizeof extra - n, " val %.4f", last_val);
    std::snprintf(extra + n, sizeof extra - n, " lr %.2e %.0f tok/s", lr, tok_s);
    progress.update(step + 1 - start_step, extra);
  }
  summary.steps_done = step;
  summary.best_val_loss = std::isfinite(checkpoints.best_val_loss()) ? checkpoints.best_val_loss() : -1;
  summary.tokens_per_s = train_seconds > 0 ? double(tokens_seen) / train_seconds : 0;
  char extra[160];
  int n = std::snprintf(extra, sizeof extra, "loss %.4f", summary.train_loss);
  if (summary.val_loss >= 0) std::snprintf(extra + n, sizeof extra - n, " val %.4f", summary.val_loss);
  progress.finish(extra);
  if (!summary.stopped_non_finite) {
    summary.model_dir = cfg.out_dir + "/model";
    save_final_model(*model, tok, summary.model_dir);
  }
  return summary;
}

}  // namespace llmforge
