// Training checkpoints: a model directory (config.json, model.safetensors) plus
// training_state.safetensors holding the AdamW moments and string metadata (step,
// RNG state, data position, ... as the training stage chooses).
//
// Atomicity: a new checkpoint directory is written under a temporary name and
// renamed into place, so it appears complete or not at all. When the directory
// exists already, each file is replaced atomically and both weight files carry the
// step they belong to; loading refuses a mix of two steps.
#pragma once

#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "model/model.h"
#include "train/adamw.h"

namespace llmforge {

using CheckpointMeta = std::map<std::string, std::string>;

// `add_files(dir)` (optional) adds files (a tokenizer) before the directory appears.
void save_checkpoint(const std::string& dir, const Model& model, const AdamW& optimizer,
                     const CheckpointMeta& meta,
                     const std::function<void(const std::string& dir)>& add_files = nullptr);

// Loads the optimizer state into `optimizer` (sized for `model`) and returns the
// metadata. The model itself is loaded with load_model(dir).
CheckpointMeta load_training_state(const std::string& dir, const Model& model, AdamW& optimizer);

// Writes a finished model (config.json, model.safetensors, then `add_files(dir)`)
// next to `dir` and swaps it into place, so `dir` is always either the previous
// complete model or the new one. Every training stage's final model goes this way.
void save_model_dir_atomic(const Model& model, const std::string& dir,
                           const std::function<void(const std::string& dir)>& add_files = nullptr);

// A run's checkpoints live in <root>/step_00000100, ... with text files <root>/latest
// and <root>/best naming one of them (shared by pretraining and SFT).
std::string checkpoint_step_name(long step);
// The name a pointer file holds (trailing whitespace removed), "" when it is absent.
std::string read_checkpoint_pointer(const std::string& path);
// Removes all but the `keep` most recent step_* directories of `root`, never
// `keep_also`. Each is renamed aside (step_N.pruned-PID) before it is deleted, so a
// kill never leaves a step_N that is half gone.
void prune_checkpoints(const std::string& root, int keep, const std::string& keep_also);
// config.json, model.safetensors and training_state.safetensors all present.
bool is_complete_checkpoint(const std::string& dir);
// Removes what killed saves and prunes left in `root` and its step folders
// (step_N.tmp-PID/, latest.tmp-PID, step_N.pruned-PID/, model.safetensors.tmp-PID)
// when process PID is gone. Returns how many were removed.
int remove_stale_temporaries(const std::string& root);

// The checkpoints of one training run (pretraining or SFT) under `root`: step
// directories, the `latest` and `best` pointers, and the best validation loss, which
// every checkpoint records so that a resumed run keeps judging "best" the same way.
class RunCheckpoints {
 public:
  RunCheckpoints(std::string root, int keep);

  // The directory `latest` points at, "" when the run has no checkpoint yet; the
  // newest complete step folder when that one is missing or incomplete. Constructing
  // removes the temporaries of killed saves (remove_stale_temporaries).
  std::string latest_dir() const;
  // Loads the optimizer state of `dir` (the model was loaded from it), restores the
  // best validation loss and returns the checkpoint's metadata.
  CheckpointMeta resume(const std::string& dir, const Model& model, AdamW& optimizer);

  // Writes step `step` with `meta`, then calls `add_files(dir)` (a tokenizer, say);
  // points `latest` at it, and `best` when `val_loss` is the lowest so far (or no
  // checkpoint is best yet); keeps the `keep` newest step directories and the best.
  void save(long step, const Model& model, const AdamW& optimizer, CheckpointMeta meta, double val_loss,
            const std::function<void(const std::string& dir)>& add_files = nullptr);

  double best_val_loss() const { return best_val_; }  // infinity before the first validation

 private:
  std::string root_;
  int keep_;
  std::string best_;
  double best_val_ = INFINITY;
};

}  // namespace llmforge
