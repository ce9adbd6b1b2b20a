// `llmforge eval icl`: few-shot accuracy of a base model on a pattern task as the
// number of in-context examples grows.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "apps/command.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "eval/icl.h"
#include "model/model_io.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {
namespace {

constexpr int kByteVocab = 257;  // llmforge quickstart models: 256 bytes + BOS

int run_eval_icl(int argc, char** argv) {
  CliOptions opts("llmforge eval icl --model DIR [options]",
                  "Measures in-context learning: greedy accuracy on a pattern task given 0, 1, 4\n"
                  "and 8 examples in the prompt (\"input -> output\" lines).");
  opts.add("model", "", "model directory (required)")
      .add("tokenizer", "", "tokenizer (default: the model directory's tokenizer.json; byte-level "
                            "for 257-token models without one)")
      .add("task", "copy", "copy, swap or first")
      .add("shots", "0,1,4,8", "comma-separated numbers of examples")
      .add("trials", "50", "queries per number of examples")
      .add("seed", "1", "seed for the queries and examples")
      .add("json", "", "also write the results to this JSON file");
  if (!opts.parse(argc, argv)) return 0;
  const std::string dir = opts.get("model");
  if (dir.empty()) ErrorBuilder("cli") << "--model is required";
  auto model = load_model(dir);
  std::vector<int> shots;
  {
    std::stringstream in(opts.get("shots"));
    std::string item;
    while (std::getline(in, item, ',')) {
      try {
        shots.push_back(std::stoi(item));
      } catch (const std::exception&) {
        ErrorBuilder("cli") << "--shots: '" << item << "' is not a number";
      }
      if (shots.back() < 0) ErrorBuilder("cli") << "--shots must not be negative";
    }
  }
  int trials = int(opts.get_int("trials"));
  if (trials <= 0) ErrorBuilder("cli") << "--trials must be positive";

  IclTextCodec codec;
  std::shared_ptr<Tokenizer> tok;
  std::string tok_name = opts.get("tokenizer");
  if (tok_name.empty() && std::filesystem::exists(dir + "/tokenizer.json")) tok_name = dir;
  if (!tok_name.empty()) {
    tok = std::make_shared<Tokenizer>(Tokenizer::load(tok_name));
    codec.encode = [tok](const std::string& s) {
      std::vector<int32_t> out;
      for (uint32_t id : tok->encode_ordinary(s)) out.push_back(int32_t(id));
      return out;
    };
    codec.decode = [tok](const std::vector<int32_t>& ids) {
      std::vector<uint32_t> u;
      for (int32_t id : ids) u.push_back(uint32_t(id));
      return tok->decode_text(u);
    };
    codec.bos = int32_t(tok->bos_id());
  } else if (model->config().vocab_size == kByteVocab) {
    codec = byte_level_codec();
  } else {
    ErrorBuilder("eval") << dir << " has no tokenizer.json; pass --tokenizer";
  }

  auto points = evaluate_icl(*model, codec, opts.get("task"), shots, trials,
                             uint64_t(opts.get_int("seed")));
  std::printf("in-context learning, task %s, %d trials each\n%10s %10s\n", opts.get("task").c_str(),
              trials, "examples", "accuracy");
  nlohmann::json results = nlohmann::json::array();
  for (const auto& p : points) {
    std::printf("%10d %9.1f%%\n", p.examples, 100.0 * p.accuracy());
    results.push_back({{"examples", p.examples}, {"correct", p.correct}, {"trials", p.trials},
                       {"accuracy", p.accuracy()}});
  }
  if (!opts.get("json").empty()) {
    write_file_atomic(opts.get("json"),
                      nlohmann::json{{"task", opts.get("task")}, {"results", results}}.dump(2) + "\n");
  }
  return 0;
}

const bool kRegistered = register_command(
    {"eval icl", "few-shot accuracy of a base model as in-context examples grow", run_eval_icl});

}  // namespace
}  // namespace llmforge
