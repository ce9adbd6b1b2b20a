#include "model/model_io.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model/param_layout.h"
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

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out;
  for (auto d : shape) out += std::to_string(d) + ",";
  return out;
}

// config.json decides what is allocated; the weights file is what there is. Every
// tensor the config implies is checked against the file's header (name, shape)
// before anything config-sized is allocated, so num_hidden_layers 1e9 or
// intermediate_size 1e9 next to a small file is an error naming both files, not
// gigabytes allocated or std::bad_alloc. The layer count is checked first, so that
// even the table of expected tensors stays as small as the file.
void check_sizes_before_allocating(const ModelConfig& config, const SafetensorsFile& file,
                                   const std::string& dir) {
  const std::string path = dir + "/model.safetensors";
  int64_t layers_in_file = 0;
  for (const auto& [name, t] : file.tensors()) {
    if (name.rfind("model.layers.", 0) != 0) continue;
    const int64_t i = std::atoll(name.c_str() + 13);
    layers_in_file = std::max(layers_in_file, i + 1);
  }
  if (config.n_layers > layers_in_file) {
    ErrorBuilder("model") << dir << "/config.json: num_hidden_layers is " << config.n_layers
                          << " but " << path << " has " << layers_in_file << " layers";
  }
  const ParamLayout layout(config);
  for (const ParamInfo& p : layout.params()) {
    auto it = file.tensors().find(p.name);
    if (it == file.tensors().end()) ErrorBuilder("model") << path << ": missing tensor " << p.name;
    if (it->second.shape != p.shape) {
      ErrorBuilder("model") << path << ": tensor " << p.name << " has shape [" << shape_text(it->second.shape)
                            << "] but config.json implies [" << shape_text(p.shape) << "]";
    }
  }
}

}  // namespace

std::unique_ptr<Model> load_model(const std::string& dir, Precision precision) {
  if (is_gguf_file(dir)) return load_gguf_model(gguf::File::load(dir), precision);
  ModelConfig config = load_model_config(dir);
  std::string path = dir + "/model.safetensors";
  if (!std::filesystem::exists(path)) ErrorBuilder("model") << dir << ": no model.safetensors";
  SafetensorsFile file = SafetensorsFile::load(path);
  check_sizes_before_allocating(config, file, dir);
  auto model = std::make_unique<Model>(config, precision);
  for (const ParamInfo& p : model->layout().params())
    file.read_f32(p.name, model->params() + p.offset, p.size);
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
