// `llmforge export gguf --model DIR --out FILE.gguf [--type f32|f16|bf16|q8_0]`: one
// file that llama.cpp (and ollama, LM Studio, node-llama-cpp) runs: the weights under
// llama.cpp's names and rotary layout, the tokenizer and the chat template. The
// halves: model/gguf_model.h and tokenizer/gguf_vocab.h.
#include <cstdio>
#include <filesystem>

#include "apps/command.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "model/gguf_model.h"
#include "model/model_io.h"
#include "tokenizer/gguf_vocab.h"

namespace llmforge {
namespace {

int run_export_gguf(int argc, char** argv) {
  CliOptions opts("llmforge export gguf --model DIR --out FILE.gguf [options]",
                  "Writes a model as one GGUF file (llama architecture, byte-level BPE tokenizer,\n"
                  "chat template) for llama.cpp and the programs built on it. Norms stay f32;\n"
                  "with q8_0, matrices whose rows are not a multiple of 32 values are f16.");
  opts.add("model", "", "model directory (config.json, model.safetensors, tokenizer.json)")
      .add("out", "", "GGUF file to write (atomically)")
      .add("type", "f32", "weight type: f32, f16, bf16 or q8_0")
      .add("tokenizer", "", "tokenizer to embed instead of the model directory's")
      .add("name", "", "general.name in the file (none: the model directory's name)")
      .add_flag("allow-inexact-tokenizer",
                "export a split pattern llama.cpp does not implement exactly, with its closest "
                "pre-tokenizer (a warning says what differs)");
  if (!opts.parse(argc, argv)) return 0;
  const std::string dir = opts.get("model"), out = opts.get("out");
  if (dir.empty() || out.empty()) ErrorBuilder("cli") << "--model DIR and --out FILE.gguf are required";
  auto type = gguf::tensor_type_from_name(opts.get("type"));
  if (!type) ErrorBuilder("cli") << "--type " << opts.get("type") << ": want f32, f16, bf16 or q8_0";

  auto model = load_model(dir);
  Tokenizer tok = Tokenizer::load(opts.get("tokenizer").empty() ? dir : opts.get("tokenizer"));
  std::string name = opts.get("name");
  if (name.empty()) name = std::filesystem::path(dir).lexically_normal().filename().string();
  if (name.empty() || name == ".") name = "llmforge";

  gguf::Writer writer;
  add_model_to_gguf(*model, *type, name, &writer);
  add_tokenizer_to_gguf(tok, model->config().vocab_size, opts.get_bool("allow-inexact-tokenizer"), &writer);
  writer.write(out, model->param_bytes() > (size_t(64) << 20));
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(out, ec);
  std::printf("wrote %s: %s, %.2fM parameters, %.1f MiB, pre-tokenizer %s\n", out.c_str(),
              gguf::tensor_type_name(*type), model->config().num_parameters() / 1e6,
              double(bytes) / (1 << 20), gguf_pretokenizer_for(tok.pattern()).name.c_str());
  return 0;
}

const bool kRegistered = register_command(
    {"export gguf", "write a model as a GGUF file for llama.cpp (f32, f16, bf16, q8_0)",
     run_export_gguf});

}  // namespace
}  // namespace llmforge
