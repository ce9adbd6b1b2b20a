#include "train/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
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
                     const CheckpointMeta& meta) {
  if (fs::exists(dir)) {
    write_files(dir, model, optimizer, meta);
    return;
  }
  fs::path target(dir);
  std::string tmp = target.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  write_files(tmp, model, optimizer, meta);
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

void prune_checkpoints(const std::string& root, int keep, const std::string& keep_also) {
  std::vector<std::string> steps;
  for (const auto& e : fs::directory_iterator(root)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && name.rfind("step_", 0) == 0 && name.find(".tmp") == std::string::npos)
      steps.push_back(name);
  }
  std::sort(steps.begin(), steps.end());
  for (size_t i = 0; i + keep < steps.size(); ++i) {
    if (steps[i] != keep_also) fs::remove_all(root + "/" + steps[i]);
  }
}

RunCheckpoints::RunCheckpoints(std::string root, int keep)
    : root_(std::move(root)), keep_(keep), best_(read_checkpoint_pointer(root_ + "/best")) {}

std::string RunCheckpoints::latest_dir() const {
  const std::string name = read_checkpoint_pointer(root_ + "/latest");
  return name.empty() ? "" : root_ + "/" + name;
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
  save_checkpoint(dir, model, optimizer, meta);
  if (add_files) add_files(dir);
  write_file_atomic(root_ + "/latest", name + "\n");
  if (is_best) {
    best_ = name;
    write_file_atomic(root_ + "/best", name + "\n");
  }
  prune_checkpoints(root_, keep_, best_);
}

}  // namespace llmforge
