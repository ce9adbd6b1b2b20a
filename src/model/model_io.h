// A model directory, laid out like a Hugging Face model so the weights open in that
// ecosystem unchanged:
//   config.json        LlamaConfig keys (plus "value_head")
//   model.safetensors  LlamaForCausalLM tensor names, F32
//   tokenizer.json     added by the tokenizer (not written here)
// Both files are written atomically; the config is written last, so a directory
// with a config always has a complete weights file next to it.
#pragma once

#include <memory>
#include <string>

#include "model/model.h"

namespace llmforge {

void save_model(const Model& model, const std::string& dir);

// Loads config.json and model.safetensors (F32, BF16 or F16), or a GGUF file when
// `dir` is one (model/gguf_model.h). Checks every shape;
// throws Error naming the file and tensor when something is missing or wrong.
std::unique_ptr<Model> load_model(const std::string& dir, Precision precision = Precision::kFp32);

// Only config.json (or a GGUF file's metadata).
ModelConfig load_model_config(const std::string& dir);

}  // namespace llmforge
