// A tiny random model and a tiny trained tokenizer for inference and server tests:
// written to a model directory (config.json, model.safetensors, tokenizer.json) as
// `llmforge serve --model DIR` expects. Random weights with a larger init scale so
// that logits are far from ties (greedy comparisons are then robust to rounding).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "model/model.h"
#include "model/model_io.h"
#include "tokenizer/trainer.h"

namespace llmforge::testing {

inline Tokenizer train_tiny_tokenizer() {
  std::vector<std::string> docs;
  const char* words[] = {"the", "model", "reads", "tokens", "and", "writes", "text", "hello",
                         "world", "a", "cat", "sat", "on", "mat", "2+2=4", "llm"};
  for (int d = 0; d < 200; ++d) {
    std::string s;
    for (int i = 0; i < 12; ++i) s += std::string(words[(d * 7 + i * 3) % 16]) + " ";
    docs.push_back(s);
  }
  TrainerOptions o;
  o.vocab_size = 256 + 64 + 11;
  o.n_threads = 1;
  BpeTrainer t(o);
  t.add_documents(docs);
  return t.train();
}

inline ModelConfig tiny_config(int vocab) {
  ModelConfig c;
  c.vocab_size = vocab;
  c.dim = 64;
  c.ffn_dim = 128;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.max_seq_len = 256;
  return c;
}

// Writes the model directory once per process; returns its path.
inline std::string tiny_model_dir(const std::string& dir) {
  std::filesystem::create_directories(dir);
  Tokenizer tok = train_tiny_tokenizer();
  Model m(tiny_config(int(tok.vocab_size())));
  m.init_random(7, 0.2f);
  save_model(m, dir);
  tok.save_tokenizer_json(dir + "/tokenizer.json");
  return dir;
}

}  // namespace llmforge::testing
