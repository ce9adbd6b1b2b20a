#include "train/train_loop.h"

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/timer.h"
#include "model/safetensors.h"
#include "train/losses.h"
#include "train/throughput.h"

namespace llmforge {

namespace fs = std::filesystem;

namespace {

// In a checkpoint's metadata: "1" where an evaluation said the run's goal was met.
constexpr const char* kGoalMetKey = "train.goal_met";

// The step a checkpoint was taken after. Checkpoints from before the shared loop
// carry it as sft.step (SFT) or only as the optimizer's update count (pretraining,
// which never differed from the step there unless a step had been skipped).
long checkpoint_step(const CheckpointMeta& meta) {
  for (const char* key : {"train.step", "sft.step", "llmforge.step"}) {
    auto it = meta.find(key);
    if (it != meta.end()) return std::stol(it->second);
  }
  ErrorBuilder("checkpoint") << "no step in the checkpoint's metadata";
}

double default_loss(Model& model, const MicroBatch& b, double grad_scale) {
  return cross_entropy_backward(model, b.targets.data(), b.weights_or_null(), grad_scale);
}

}  // namespace

TrainLoop::TrainLoop(TrainLoopConfig config, Distributed& dist)
    : cfg_(std::move(config)), dist_(dist) {
  if (cfg_.steps <= 0 || cfg_.accum <= 0 || cfg_.updates_per_step <= 0) {
    ErrorBuilder(cfg_.stage) << "steps, accumulation and updates per step must be positive";
  }
  if (cfg_.eval_every < 0 || cfg_.checkpoint_every < 0 || cfg_.sample_every < 0) {
    ErrorBuilder(cfg_.stage) << "eval, sample and checkpoint intervals must not be negative";
  }
  if (cfg_.keep_checkpoints < 1) ErrorBuilder(cfg_.stage) << "keep_checkpoints must be at least 1";
  if (cfg_.out_dir.empty()) return;
  const std::string ckpt_root = cfg_.out_dir + "/checkpoints";
  if (dist_.is_root()) fs::create_directories(ckpt_root);
  dist_.barrier();
  checkpoints_ = std::make_unique<RunCheckpoints>(ckpt_root, cfg_.keep_checkpoints);
  if (cfg_.resume) resume_dir_ = checkpoints_->latest_dir();
}

std::string TrainLoop::latest_checkpoint(const std::string& out_dir) {
  const std::string root = out_dir + "/checkpoints";
  const std::string name = read_checkpoint_pointer(root + "/latest");
  return name.empty() ? "" : root + "/" + name;
}

void TrainLoop::attach(Model& model, BatchSource& source) {
  model_ = &model;
  source_ = &source;
  opt_ = std::make_unique<AdamW>(model, cfg_.adamw);
  const bool root = dist_.is_root();
  if (!resume_dir_.empty()) {
    CheckpointMeta meta = checkpoints_->resume(resume_dir_, model, *opt_);
    start_step_ = checkpoint_step(meta);
    resumed_at_goal_ = meta.count(kGoalMetKey) && meta.at(kGoalMetKey) == "1";
    source.restore(meta);
    if (root) LLMF_LOG(Info) << "resumed from " << resume_dir_ << " at step " << start_step_;
  } else if (cfg_.resume && root) {
    LLMF_LOG(Info) << "no checkpoint to resume in " << cfg_.out_dir
                   << "/checkpoints; starting fresh";
  }
  const bool write = root && !cfg_.out_dir.empty();
  metrics_ =
      std::make_unique<MetricsLog>(write ? cfg_.out_dir + "/metrics.jsonl" : "", start_step_ > 0);
}

void TrainLoop::log(const nlohmann::json& record) {
  if (metrics_) metrics_->write(record);
}

void TrainLoop::save_checkpoint_at(long step, double val_loss, const TrainHooks& hooks, bool at_goal) {
  if (!checkpoints_) return;
  const uint64_t crc = crc32_of(model_->params(), model_->n_param_floats() * sizeof(float));
  if (!dist_.all_equal(crc)) {
    ErrorBuilder(cfg_.stage) << "weights differ across processes at step " << step
                             << " (non-deterministic all-reduce?)";
  }
  if (!dist_.is_root()) return;
  CheckpointMeta meta = source_->position();
  meta["train.step"] = std::to_string(step);
  meta["world"] = std::to_string(dist_.world());
  if (at_goal) meta[kGoalMetKey] = "1";
  checkpoints_->save(step, *model_, *opt_, meta, val_loss, hooks.add_files);
}

TrainResult TrainLoop::run(const TrainHooks& hooks) {
  LLMF_CHECK(model_ && source_) << "TrainLoop::run before attach";
  Model& model = *model_;
  AdamW& opt = *opt_;
  const bool root = dist_.is_root();
  const MicroBatchLoss loss_fn = hooks.loss ? hooks.loss : MicroBatchLoss(default_loss);
  LrSchedule schedule = cfg_.schedule;
  schedule.total_steps = cfg_.steps;

  const int seq = cfg_.size_seq > 0 ? cfg_.size_seq : model.config().max_seq_len;
  const double peak = cfg_.measure_mfu ? measure_peak_flops(model.precision(), 3) : 0.0;
  const double flops_per_token = training_flops_per_token(model.config(), seq);
  if (cfg_.size_rows > 0 && cfg_.size_seq > 0) {
    std::vector<int32_t> zeros(size_t(cfg_.size_rows) * cfg_.size_seq, 0);
    model.forward(zeros.data(), cfg_.size_rows, cfg_.size_seq);  // sizes the activation arena
  }
  if (root && !cfg_.quiet) {
    std::printf("%s\n", arenas_line(model.param_bytes(), model.grad_bytes(), opt.state_bytes(),
                                    model.activation_bytes())
                            .c_str());
    std::fflush(stdout);
  }

  TrainResult result;
  result.start_step = start_step_;
  Progress progress(cfg_.stage, cfg_.steps - start_step_, "steps", cfg_.log_interval_s);
  std::vector<MicroBatch> micro(size_t(cfg_.accum));
  int bad_in_a_row = 0;
  long tokens_seen = 0;
  double train_seconds = 0;
  double last_val = NAN;
  std::string last_eval_text;
  long step = start_step_;
  result.stopped_at_goal = resumed_at_goal_;
  if (resumed_at_goal_ && root) {
    LLMF_LOG(Info) << "step " << start_step_ << " met the run's goal; no more steps";
  }
  for (; step < cfg_.steps && !result.stopped_at_goal; ++step) {
    const long n = step + 1;  // the step's number in logs, metrics and checkpoints
    if (hooks.before_step) hooks.before_step(n, model);
    Timer step_timer;
    // The whole step's micro-batches first: the loss is a mean over all of them.
    double weight = 0, tokens = 0;
    for (MicroBatch& b : micro) {
      source_->next(b);
      weight += b.weight_sum();
      tokens += double(b.real_tokens);
    }
    double sums[2] = {weight, tokens};
    dist_.all_reduce_sum(sums, 2);
    weight = sums[0];
    StepStats stats;
    stats.weight = weight;
    stats.tokens = long(sums[1]);
    stats.lr = schedule.at(step);
    bool finite = true;
    double last_update_loss = 0;
    for (int u = 0; u < cfg_.updates_per_step && finite; ++u) {
      model.zero_grad();
      double loss_sum = 0;
      if (weight > 0) {
        for (MicroBatch& b : micro) {
          model.forward(b.inputs.data(), b.rows, b.t);
          loss_sum += loss_fn(model, b, 1.0 / weight);
        }
      }
      if (hooks.after_backward) hooks.after_backward(n, model);
      dist_.all_reduce_sum(model.grads(), model.n_param_floats());
      dist_.all_reduce_sum(&loss_sum, 1);
      const double loss = weight > 0 ? loss_sum / weight : 0.0;
      const double norm = grad_norm(model);
      if (u == 0) stats.loss = loss, stats.grad_norm = norm;
      last_update_loss = loss;
      finite = std::isfinite(loss) && std::isfinite(norm);
      if (finite && weight > 0) opt.step(model, stats.lr, norm);
    }
    tokens_seen += stats.tokens;
    result.step_losses.push_back(finite ? stats.loss : NAN);
    if (!finite) {
      ++bad_in_a_row;
      if (root) {
        LLMF_LOG(Warn) << "step " << n << ": non-finite loss " << stats.loss << " or gradient norm "
                       << stats.grad_norm << "; step skipped (" << bad_in_a_row << " in a row)";
      }
      log({{"step", n}, {"skipped", true}, {"loss", nullptr}});
      if (bad_in_a_row >= cfg_.max_bad_steps) {
        result.stopped_non_finite = true;
        if (root) {
          const std::string last = checkpoints_ ? checkpoints_->latest_dir() : "";
          LLMF_LOG(Error) << "stopping: " << bad_in_a_row
                          << " non-finite steps in a row; last good "
                          << "checkpoint: " << (last.empty() ? "none" : last);
        }
        ++step;
        break;
      }
      continue;
    }
    bad_in_a_row = 0;
    result.train_loss = stats.loss;
    stats.seconds = step_timer.seconds();
    train_seconds += stats.seconds;
    const double tok_s = double(stats.tokens) / stats.seconds;
    const double mfu = model_flops_utilization(tok_s / dist_.world(), flops_per_token, peak);
    bool last_step = n == cfg_.steps;
    nlohmann::json record{{"step", n},
                          {"loss", stats.loss},
                          {"lr", stats.lr},
                          {"grad_norm", stats.grad_norm},
                          {"tokens", tokens_seen},
                          {"tokens_per_s", tok_s},
                          {"mfu", mfu},
                          {"time", progress.elapsed()}};
    if (cfg_.updates_per_step > 1) record["last_update_loss"] = last_update_loss;
    if (hooks.step_metrics) hooks.step_metrics(n, stats, record);
    if (hooks.evaluate && ((cfg_.eval_every > 0 && n % cfg_.eval_every == 0) || last_step)) {
      EvalResult e = hooks.evaluate(model);
      last_val = e.loss;
      result.val_loss = e.loss;
      result.last_eval = e.metrics;
      last_eval_text = e.progress;
      result.val_losses.push_back({n, e.loss});
      for (auto it = e.metrics.begin(); it != e.metrics.end(); ++it) record[it.key()] = it.value();
      if (e.stop) {
        result.stopped_at_goal = last_step = true;
        record["goal_met"] = true;
      }
    }
    log(record);
    if (hooks.after_step) hooks.after_step(n, stats);
    if (hooks.sample && root && cfg_.sample_every > 0 && n % cfg_.sample_every == 0 && !last_step) {
      hooks.sample(n, model);
    }
    if ((cfg_.checkpoint_every > 0 && n % cfg_.checkpoint_every == 0) || last_step) {
      save_checkpoint_at(n, std::isnan(last_val) ? stats.loss : last_val, hooks, result.stopped_at_goal);
    }
    if (root && cfg_.show_progress) {
      char extra[200];
      int len = std::snprintf(extra, sizeof extra, "loss %.4f", stats.loss);
      // The evaluation's own words where it has them ("check 48%" is not a loss).
      if (!last_eval_text.empty()) {
        len += std::snprintf(extra + len, sizeof extra - len, " %.60s", last_eval_text.c_str());
      } else if (!std::isnan(last_val)) {
        len += std::snprintf(extra + len, sizeof extra - len, " val %.4f", last_val);
      }
      std::snprintf(extra + len, sizeof extra - len, " lr %.2e %.0f tok/s MFU %.1f%%", stats.lr,
                    tok_s, 100.0 * mfu);
      progress.update(n - start_step_, extra);
    }
  }
  result.steps_done = step;
  if (checkpoints_ && std::isfinite(checkpoints_->best_val_loss())) {
    result.best_val_loss = checkpoints_->best_val_loss();
  }
  result.tokens_per_s = train_seconds > 0 ? double(tokens_seen) / train_seconds : 0;
  if (root && cfg_.show_progress) {
    char extra[64];
    std::snprintf(extra, sizeof extra, "loss %.4f", result.train_loss);
    progress.finish(std::string(extra) + (last_eval_text.empty() ? "" : " " + last_eval_text));
  }
  if (result.stopped_non_finite) return result;
  if (!cfg_.out_dir.empty() && cfg_.save_final_model) {
    result.model_dir = cfg_.out_dir + "/model";
    if (root) save_model_dir_atomic(model, result.model_dir, hooks.add_files);
  }
  if (hooks.sample && root) hooks.sample(step, model);
  return result;
}

}  // namespace llmforge
