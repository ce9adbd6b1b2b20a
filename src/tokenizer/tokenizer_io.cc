// Tokenizer::load and the save methods: picks the file format.
#include <filesystem>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/hf_format.h"
#include "tokenizer/tiktoken_format.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

Tokenizer Tokenizer::load(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(name_or_path);
  if (fs::is_directory(p, ec)) {
    fs::path json = p / "tokenizer.json";
    if (!fs::is_regular_file(json, ec))
      ErrorBuilder("tokenizer") << "model directory " << name_or_path << " has no tokenizer.json";
    return load_tokenizer_json(json.string());
  }
  if (gguf::looks_like_gguf(name_or_path)) return tokenizer_from_gguf(gguf::File::load_metadata(name_or_path));
  if (fs::is_regular_file(p, ec)) {
    if (p.extension() == ".tiktoken") return load_tiktoken_file(name_or_path);
    if (p.extension() == ".json") {
      std::string stem = p.stem().string();
      for (const std::string& n : builtin_encoding_names()) {
        if (stem == n) return load_npm_encoding_json(name_or_path, n);
      }
      return load_tokenizer_json(name_or_path);
    }
    ErrorBuilder("tokenizer") << name_or_path
                                    << ": unknown tokenizer file type (want .tiktoken or tokenizer.json)";
  }
  for (const std::string& n : builtin_encoding_names()) {
    if (name_or_path == n) {
      std::string file = find_builtin_encoding(n);
      if (fs::path(file).extension() == ".tiktoken") return load_tiktoken_file(file);
      return load_npm_encoding_json(file, n);
    }
  }
  std::string names;
  for (const std::string& n : builtin_encoding_names()) names += " " + n;
  ErrorBuilder("tokenizer") << "'" << name_or_path
                                  << "' is neither a tokenizer file, a model directory, nor a "
                                     "built-in encoding (" << names.substr(1) << ")";
}

void Tokenizer::save_tokenizer_json(const std::string& path) const { write_tokenizer_json(*this, path); }
void Tokenizer::save_tiktoken(const std::string& path) const { write_tiktoken_file(*this, path); }

}  // namespace llmforge
