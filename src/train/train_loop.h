// The training loop that every stage drives: pretraining, SFT, the throughput bench
// and the RL stages to come. A stage supplies a model, a source of micro-batches and
// hooks; the loop owns everything between them, the same way for all of them.
//
// One optimizer step N (numbered from 1 in every log line, metrics record and
// checkpoint name):
//   1. hooks.before_step: an RL stage's rollout phase (generate with the current
//      weights, score, and queue what its source hands out next).
//   2. `accum` micro-batches from the source (this process's share).
//   3. Their loss weight summed over all processes, so the step's loss is a mean
//      over every counted target of the step, however they are split into
//      micro-batches and processes.
//   4. `updates_per_step` optimizer updates over these same micro-batches (several
//      epochs over one RL batch; 1 otherwise), each: zero the gradients, forward
//      and hooks.loss backward per micro-batch with grad_scale 1 / weight,
//      hooks.after_backward, sum gradients and loss across processes, then the
//      non-finite guard and clipping + AdamW at the schedule's learning rate.
//   5. One metrics.jsonl record (step, loss, lr, grad_norm, tokens, tokens_per_s,
//      mfu, time, validation at eval_every and the last step, hooks.step_metrics),
//      samples at sample_every, a checkpoint at checkpoint_every and the last step,
//      and the live progress line.
// A step whose loss or gradient norm is not finite makes no update; it is logged
// as "step N: non-finite ..." and {"step": N, "skipped": true}, and max_bad_steps
// of them in a row stop the run (no final model; the last checkpoint stays).
// An evaluation may also say the run's goal is met (EvalResult::stop, e.g. the R1
// cold start once the model solves enough validation problems): that step becomes
// the last, its checkpoint records it, and a resumed run ends there too.
// At the end the final model is swapped into out_dir/model atomically, then the
// last samples are drawn.
//
// Resume: the latest checkpoint in out_dir/checkpoints holds weights, AdamW state,
// the step and the source's position, so a resumed run continues bitwise
// identically. With several MPI processes every one runs the loop; only rank 0
// writes files and prints.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/model.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/lr_schedule.h"
#include "train/metrics_log.h"
#include "train/micro_batch.h"

namespace llmforge {

// Where a stage's micro-batches come from.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // Fills `out` with this process's next micro-batch.
  virtual void next(MicroBatch& out) = 0;
  // The data position, stored in every checkpoint and restored on resume.
  virtual CheckpointMeta position() const = 0;
  virtual void restore(const CheckpointMeta& meta) = 0;
};

// The loss of one micro-batch: builds d(loss)/d(logits) as a LogitsGradFn and
// d(loss)/d(values), each scaled by `grad_scale`, runs Model::backward with them
// (after the loop's forward of batch.inputs) and returns the summed, unscaled loss
// (its weighted sum over targets). The default is cross_entropy_backward.
using MicroBatchLoss =
    std::function<double(Model& model, const MicroBatch& batch, double grad_scale)>;

// What one optimizer step did, for hooks that add metrics or time steps.
struct StepStats {
  double loss = 0;       // mean over the step's counted targets (first update's)
  double weight = 0;     // counted targets (sum of weights) over all processes
  double grad_norm = 0;  // before clipping (first update's)
  double lr = 0;
  long tokens = 0;     // real tokens over all processes
  double seconds = 0;  // the step's wall time
};

struct EvalResult {
  double loss = NAN;       // lower is better: picks the `best` checkpoint
  nlohmann::json metrics;  // fields for the step's record, e.g. {"val_loss": ..., "val_bpb": ...}
  std::string progress;    // for the final progress line, e.g. "val 2.1234 (1.234 bits/byte)"
  bool stop = false;       // the goal is met: this step is the run's last
};

struct TrainHooks {
  std::function<void(long step, Model& model)> before_step;     // step N about to run
  MicroBatchLoss loss;                                          // empty: cross-entropy
  std::function<void(long step, Model& model)> after_backward;  // before the all-reduce
  std::function<EvalResult(Model& model)> evaluate;             // empty: no validation
  std::function<void(long step, Model& model)> sample;          // rank 0 only
  // Extra fields for step N's metrics record (RL: reward, KL, ...).
  std::function<void(long step, const StepStats& stats, nlohmann::json& record)> step_metrics;
  // Files written next to the weights of every checkpoint and the final model.
  std::function<void(const std::string& dir)> add_files;
  // After each step that was not skipped (the bench times steps with it).
  std::function<void(long step, const StepStats& stats)> after_step;
};

struct TrainLoopConfig {
  std::string stage = "train";  // progress label and error context
  std::string out_dir;          // checkpoints/, metrics.jsonl, model/; "": writes nothing
  long steps = 1;               // optimizer steps of the whole run
  int accum = 1;                // micro-batches per process per step
  int updates_per_step = 1;     // optimizer updates over one step's micro-batches
  LrSchedule schedule;          // total_steps is set to `steps`
  AdamWConfig adamw;
  int eval_every = 0;        // 0: validation only at the end
  int sample_every = 0;      // 0: samples only at the end
  int checkpoint_every = 0;  // 0: a checkpoint only at the end
  int keep_checkpoints = 2;  // recent checkpoints kept besides the best one
  int max_bad_steps = 5;
  bool resume = false;  // continue from out_dir/checkpoints/latest
  double log_interval_s = 10.0;
  bool quiet = false;         // no arenas line
  bool show_progress = true;  // the live progress line on stderr
  bool measure_mfu = true;    // measure the GEMM peak first (MFU is 0 otherwise)
  bool save_final_model = true;
  // Rows x seq of a forward run before training to size the activation arena, so
  // the arenas line is complete (0: none); seq is also the T of the MFU formula.
  int size_rows = 0, size_seq = 0;
};

// The loop settings every stage config repeats (out_dir, schedule, adamw, the
// checkpoint and logging intervals, resume, quiet), copied from any config that has
// them under these names; a field a config lacks keeps the loop's default.
template <class StageConfig>
TrainLoopConfig train_loop_config(const std::string& stage, long steps, int accum, const StageConfig& cfg) {
  TrainLoopConfig lc;
  lc.stage = stage;
  lc.steps = steps;
  lc.accum = accum;
  lc.out_dir = cfg.out_dir;
  lc.schedule = cfg.schedule;
  lc.adamw = cfg.adamw;
  if constexpr (requires { cfg.eval_every; }) lc.eval_every = cfg.eval_every;
  if constexpr (requires { cfg.sample_every; }) lc.sample_every = cfg.sample_every;
  lc.checkpoint_every = cfg.checkpoint_every;
  lc.keep_checkpoints = cfg.keep_checkpoints;
  lc.max_bad_steps = cfg.max_bad_steps;
  lc.resume = cfg.resume;
  lc.log_interval_s = cfg.log_interval_s;
  if constexpr (requires { cfg.quiet; }) lc.quiet = cfg.quiet;
  return lc;
}

struct TrainResult {
  long start_step = 0;    // 0, or the step a resumed run started after
  long steps_done = 0;    // the last step run (counts resumed steps)
  double train_loss = 0;  // the last good step's
  double val_loss = -1;   // the last validation; -1 without one
  double best_val_loss = -1;
  nlohmann::json last_eval;  // the last validation's metrics
  double tokens_per_s = 0;   // tokens (all processes) per second of training steps
  bool stopped_non_finite = false;
  bool stopped_at_goal = false;     // an evaluation said stop (or the resumed checkpoint had)
  std::string model_dir;            // out_dir/model; empty when stopped or out_dir is ""
  std::vector<double> step_losses;  // this run's steps (NaN: skipped)
  std::vector<std::pair<long, double>> val_losses;  // (step, loss) of this run
};

class TrainLoop {
 public:
  TrainLoop(TrainLoopConfig config, Distributed& dist);

  // The latest checkpoint under out_dir/checkpoints, "" when there is none: what
  // a resumed run will load (a stage may need its shape before building the loop).
  static std::string latest_checkpoint(const std::string& out_dir);
  // The checkpoint a resumed run loads its model from ("" for a fresh start).
  const std::string& resume_dir() const { return resume_dir_; }
  long start_step() const { return start_step_; }

  // Takes the stage's model (loaded from resume_dir() when that is not empty),
  // creates the optimizer and restores its state and the source's position.
  void attach(Model& model, BatchSource& source);
  AdamW& optimizer() { return *opt_; }
  // Appends a record to metrics.jsonl (rank 0; after attach), e.g. a text sample.
  void log(const nlohmann::json& record);

  TrainResult run(const TrainHooks& hooks);

 private:
  void save_checkpoint_at(long step, double val_loss, const TrainHooks& hooks, bool at_goal);

  TrainLoopConfig cfg_;
  Distributed& dist_;
  std::unique_ptr<RunCheckpoints> checkpoints_;
  std::string resume_dir_;
  long start_step_ = 0;
  bool resumed_at_goal_ = false;  // the resumed checkpoint is where an evaluation said stop
  Model* model_ = nullptr;
  BatchSource* source_ = nullptr;
  std::unique_ptr<AdamW> opt_;
  std::unique_ptr<MetricsLog> metrics_;
};

}  // namespace llmforge
