#include "train/checkpoint.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "model/model_io.h"
#include "model/safetensors.h"

namespace llmforge {

namespace fs = std::filesystem;

static void write_files(const std::string& dir, const Model& model, const AdamW& opt,
                        const CheckpointMeta& meta) {
  const std::string step = std::to_string(opt.step_count());
  std::vector<TensorToWrite> weights;
  for (const ParamInfo& p : model.layout().params())
    weights.push_back({p.name, p.shape, model.params() + p.offset});
  save_safetensors(dir + "/model.safetensors", weights, {{"llmforge.step", step}});
  write_file_atomic(dir + "/config.json", config_to_json(model.config()));
  CheckpointMeta state_meta = meta;
  state_meta["llmforge.step"] = step;
  int64_t n = int64_t(opt.size());
  AdamW& mut = const_cast<AdamW&>(opt);  // save only reads the moments
  save_safetensors(dir + "/training_state.safetensors",
                   {{"adamw.m", {n}, mut.m()}, {"adamw.v", {n}, mut.v()}}, state_meta);
}

void save_checkpoint(const std::string& dir, const Model& model, const AdamW& optimizer,
                     const CheckpointMeta& meta,
                     const std::function<void(const std::string& dir)>& add_files) {
  if (fs::exists(dir)) {
    write_files(dir, model, optimizer, meta);
    if (add_files) add_files(dir);
    return;
  }
  fs::path target(dir);
  std::string tmp = target.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  write_files(tmp, model, optimizer, meta);
  // Extra files (the tokenizer) go in before the rename, so the directory appears
  // with everything a loader needs or not at all.
  if (add_files) add_files(tmp);
  fs::rename(tmp, target);
  fs::path parent = target.parent_path();
  fsync_directory(parent.empty() ? "." : parent.string());
}

void save_model_dir_atomic(const Model& model, const std::string& dir,
                           const std::function<void(const std::string&)>& add_files) {
  const std::string tmp = dir + ".tmp-" + std::to_string(::getpid());
  const std::string old = dir + ".old-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  save_model(model, tmp);
  if (add_files) add_files(tmp);
  if (fs::exists(dir)) fs::rename(dir, old);
  fs::rename(tmp, dir);
  fs::remove_all(old);
  fs::path parent = fs::path(dir).parent_path();
  fsync_directory(parent.empty() ? "." : parent.string());
}

CheckpointMeta load_training_state(const std::string& dir, const Model& model, AdamW& optimizer) {
  std::string path = dir + "/training_state.safetensors";
  if (!fs::exists(path)) ErrorBuilder("checkpoint") << dir << ": no training_state.safetensors";
  SafetensorsFile state = SafetensorsFile::load(path);
  SafetensorsFile weights = SafetensorsFile::load(dir + "/model.safetensors");
  CheckpointMeta meta = state.metadata();
  auto step = meta.find("llmforge.step");
  auto wstep = weights.metadata().find("llmforge.step");
  if (step == meta.end()) ErrorBuilder("checkpoint") << path << ": no llmforge.step metadata";
  if (wstep != weights.metadata().end() && wstep->second != step->second) {
    ErrorBuilder("checkpoint") << dir << ": model.safetensors is from step " << wstep->second
                               << " but training_state.safetensors from step " << step->second
                               << " (interrupted save?)";
  }
  if (optimizer.size() != model.n_param_floats()) {
    ErrorBuilder("checkpoint") << "optimizer does not match the model";
  }
  for (const char* name : {"adamw.m", "adamw.v"}) {
    if (!state.has(name)) ErrorBuilder("checkpoint") << path << ": missing " << name;
    if (state.tensors().at(name).shape != std::vector<int64_t>{int64_t(optimizer.size())}) {
      ErrorBuilder("checkpoint") << path << ": " << name << " does not match the model size";
    }
  }
  state.read_f32("adamw.m", optimizer.m(), optimizer.size());
  state.read_f32("adamw.v", optimizer.v(), optimizer.size());
  optimizer.set_step_count(std::stol(step->second));
  return meta;
}

std::string checkpoint_step_name(long step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step_%08ld", step);
  return buf;
}

std::string read_checkpoint_pointer(const std::string& path) {
  if (!fs::exists(path)) return "";
  std::string s = read_file(path);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

namespace {

// "step_" and digits only: step_00000047.tmp-123 and step_00000047.pruned-123 are
// leftovers, not checkpoints.
bool is_step_name(const std::string& name) {
  if (name.rfind("step_", 0) != 0 || name.size() == 5) return false;
  return std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The PID in a "<name>.tmp-PID" / "<name>.pruned-PID" leftover, or 0.
long leftover_pid(const std::string& name) {
  for (const char* tag : {".tmp-", ".pruned-"}) {
    size_t at = name.rfind(tag);
    if (at == std::string::npos) continue;
    const std::string digits = name.substr(at + std::strlen(tag));
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    return std::atol(digits.c_str());
  }
  return 0;
}

bool process_alive(long pid) { return pid == ::getpid() || ::kill(pid_t(pid), 0) == 0 || errno == EPERM; }

}  // namespace

bool is_complete_checkpoint(const std::string& dir) {
  return fs::is_regular_file(dir + "/config.json") && fs::is_regular_file(dir + "/model.safetensors") &&
         fs::is_regular_file(dir + "/training_state.safetensors");
}

void prune_checkpoints(const std::string& root, int keep, const std::string& keep_also) {
  std::vector<std::string> steps;
  for (const auto& e : fs::directory_iterator(root)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && is_step_name(name)) steps.push_back(name);
  }
  std::sort(steps.begin(), steps.end());
  for (size_t i = 0; i + keep < steps.size(); ++i) {
    if (steps[i] == keep_also) continue;
    // Renamed aside first (one atomic step), then deleted: a kill in between leaves a
    // ".pruned-PID" folder that no loader takes for a checkpoint, removed next time.
    const std::string aside = root + "/" + steps[i] + ".pruned-" + std::to_string(::getpid());
    fs::rename(root + "/" + steps[i], aside);
    fsync_directory(root);
    fs::remove_all(aside);
  }
}

int remove_stale_temporaries(const std::string& root) {
  int removed = 0;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return 0;
  std::vector<fs::path> dirs = {root};
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory() && is_step_name(e.path().filename().string())) dirs.push_back(e.path());
  for (const fs::path& d : dirs) {
    std::vector<fs::path> stale;
    for (const auto& e : fs::directory_iterator(d, ec)) {
      const long pid = leftover_pid(e.path().filename().string());
      // A live process may still be writing it (two runs sharing a folder).
      if (pid > 0 && !process_alive(pid)) stale.push_back(e.path());
    }
    for (const fs::path& p : stale) {
      fs::remove_all(p, ec);
      if (!ec) ++removed;
    }
  }
  if (removed > 0) {
    LLMF_LOG(Info) << "[checkpoint] removed " << removed << " leftover temporar"
                   << (removed == 1 ? "y" : "ies") << " of killed saves under " << root;
  }
  return removed;
}

RunCheckpoints::RunCheckpoints(std::string root, int keep)
    : root_(std::move(root)), keep_(keep), best_(read_checkpoint_pointer(root_ + "/best")) {
  remove_stale_temporaries(root_);
}

std::string RunCheckpoints::latest_dir() const {
  const std::string name = read_checkpoint_pointer(root_ + "/latest");
  if (name.empty()) return "";
  if (is_complete_checkpoint(root_ + "/" + name)) return root_ + "/" + name;
  // `latest` names a folder that is gone or incomplete (a kill between writes, or
  // damage by hand): the newest complete step folder is the one to resume from.
  std::vector<std::string> steps;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    const std::string n = e.path().filename().string();
    if (e.is_directory() && is_step_name(n) && is_complete_checkpoint(e.path().string()))
      steps.push_back(n);
  }
  if (steps.empty()) {
    ErrorBuilder("checkpoint") << root_ << "/latest names " << name
                               << ", which is missing or incomplete, and no other complete "
                                  "checkpoint exists";
  }
  std::sort(steps.begin(), steps.end());
  LLMF_LOG(Warn) << "[checkpoint] " << root_ << "/latest names " << name
                 << ", which is missing or incomplete; using " << steps.back();
  return root_ + "/" + steps.back();
}

CheckpointMeta RunCheckpoints::resume(const std::string& dir, const Model& model, AdamW& optimizer) {
  CheckpointMeta meta = load_training_state(dir, model, optimizer);
  auto it = meta.find("best_val_loss");
  if (it != meta.end()) best_val_ = std::stod(it->second);
  return meta;
}

void RunCheckpoints::save(long step, const Model& model, const AdamW& optimizer, CheckpointMeta meta,
                          double val_loss, const std::function<void(const std::string&)>& add_files) {
  const std::string name = checkpoint_step_name(step), dir = root_ + "/" + name;
  const bool is_best = val_loss < best_val_ || best_.empty();
  if (val_loss < best_val_) best_val_ = val_loss;
  meta["best_val_loss"] = std::to_string(best_val_);
  save_checkpoint(dir, model, optimizer, meta, add_files);
  write_file_atomic(root_ + "/latest", name + "\n");
  if (is_best) {
    best_ = name;
    write_file_atomic(root_ + "/best", name + "\n");
  }
  prune_checkpoints(root_, keep_, best_);
}

}  // namespace llmforge
