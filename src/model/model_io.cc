#include "model/model_io.h"

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model/gguf_model.h"
#include "model/safetensors.h"

namespace llmforge {

void save_model(const Model& model, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::vector<TensorToWrite> tensors;
  for (const ParamInfo& p : model.layout().params()) {
    tensors.push_back({p.name, p.shape, model.params() + p.offset});
  }
  save_safetensors(dir + "/model.safetensors", tensors);
  write_file_atomic(dir + "/config.json", config_to_json(model.config()));
}

ModelConfig load_model_config(const std::string& dir) {
  if (is_gguf_file(dir)) return gguf_model_config(gguf::File::load_metadata(dir));
  std::string path = dir + "/config.json";
  if (!std::filesystem::exists(path)) {
    ErrorBuilder("model") << dir << " is not a model directory (no config.json)";
  }
  return config_from_json(read_file(path), path);
}

std::unique_ptr<Model> load_model(const std::string& dir, Precision precision) {
  if (is_gguf_file(dir)) return load_gguf_model(gguf::File::load(dir), precision);
  ModelConfig config = load_model_config(dir);
  std::string path = dir + "/model.safetensors";
  if (!std::filesystem::exists(path)) ErrorBuilder("model") << dir << ": no model.safetensors";
  SafetensorsFile file = SafetensorsFile::load(path);
  auto model = std::make_unique<Model>(config, precision);
  for (const ParamInfo& p : model->layout().params()) {
    auto it = file.tensors().find(p.name);
    if (it == file.tensors().end()) ErrorBuilder("model") << path << ": missing tensor " << p.name;
    if (it->second.shape != p.shape) {
      std::string got, want;
      for (auto d : it->second.shape) got += std::to_string(d) + ",";
      for (auto d : p.shape) want += std::to_string(d) + ",";
      ErrorBuilder("model") << path << ": tensor " << p.name << " has shape [" << got
                            << "] but config.json implies [" << want << "]";
    }
    file.read_f32(p.name, model->params() + p.offset, p.size);
  }
  for (const auto& [name, t] : file.tensors()) {
    if (model->layout().find(name)) continue;
    // Tolerated extras: a tied head saved anyway, and old HF rotary buffers.
    if (name == "lm_head.weight" && config.tie_embeddings) continue;
    if (name.find("rotary_emb.inv_freq") != std::string::npos) continue;
    ErrorBuilder("model") << path << ": unexpected tensor " << name
                          << " (does config.json match these weights?)";
  }
  return model;
}

}  // namespace llmforge
