// `llmforge eval`: knowledge QA, identity and validation bits per byte of a chat model
// on a synthetic world (eval/world_eval.h).
// `llmforge eval icl`: few-shot accuracy of a base model on a pattern task as the
// number of in-context examples grows.
// main() prefers the two-word command, so `eval icl ...` and `eval --model ...` both
// reach the right one.
#include <algorithm>
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
#include "eval/knowledge_probe.h"
#include "eval/world_eval.h"
#include "eval/world_icl.h"
#include "idk/idk_eval.h"
#include "model/model_io.h"
#include "train/data_loader.h"
#include "train/validation.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {
namespace {

constexpr int kByteVocab = 257;  // byte-level models: 256 bytes + BOS

int run_eval_icl(int argc, char** argv) {
  CliOptions opts("llmforge eval icl --model DIR [--world DIR] [options]",
                  "Measures in-context learning: greedy accuracy on a task given 0, 1, 4 and 8\n"
                  "examples in the prompt (\"input -> output\" lines). With --world, the task is\n"
                  "the model's own domain: \"NAME -> VALUE\" lines about the world's people, where\n"
                  "only the examples say which fact is asked (held-out people are queried; shots\n"
                  "0,1,2,4,8 by default). Without it, a word-pattern task (--task).");
  opts.add("model", "", "model directory (required)")
      .add("tokenizer", "", "tokenizer (default: the model directory's tokenizer.json; byte-level "
                            "for 257-token models without one)")
      .add("world", "", "world directory (llmforge world --out DIR): few-shot facts about its people")
      .add("task", "copy", "without --world: copy, swap or first")
      .add("shots", "", "comma-separated numbers of examples (default 0,1,4,8; with --world 0,1,2,4,8)")
      .add("trials", "50", "queries per number of examples (with --world: per attribute)")
      .add("seed", "1", "seed for the queries and examples")
      .add("out", "", "also write the results to this JSON file")
      .add_alias("json", "out");
  if (!opts.parse(argc, argv)) return 0;
  const std::string dir = opts.get("model");
  if (dir.empty()) ErrorBuilder("cli") << "--model is required";
  auto model = load_model(dir);
  std::vector<int> shots;
  {
    const bool world_task = !opts.get("world").empty();
    std::stringstream in(opts.get("shots").empty() ? (world_task ? "0,1,2,4,8" : "0,1,4,8") : opts.get("shots"));
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

  if (!opts.get("world").empty()) {
    if (!tok) ErrorBuilder("eval") << "--world needs the model's tokenizer (" << dir << "/tokenizer.json or --tokenizer)";
    WorldIclOptions o;
    o.shots = shots;
    o.queries_per_attribute = trials;
    o.seed = uint64_t(opts.get_int("seed"));
    WorldIclResult r = evaluate_world_icl(*model, *tok, load_qa_items(opts.get("world") + "/eval/qa.jsonl"), o);
    print_world_icl(stdout, r);
    if (!opts.get("out").empty()) write_file_atomic(opts.get("out"), world_icl_to_json(r).dump(2) + "\n");
    return 0;
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
  if (!opts.get("out").empty()) {
    write_file_atomic(opts.get("out"),
                      nlohmann::json{{"task", opts.get("task")}, {"results", results}}.dump(2) + "\n");
  }
  return 0;
}

int run_eval_world(int argc, char** argv) {
  CliOptions opts("llmforge eval --model DIR --world DIR [options]   (few-shot: llmforge eval icl)",
                  "Evaluates a chat model on a synthetic world (llmforge world --out DIR):\n"
                  "accuracy on knowledge questions about people whose QA was in SFT training\n"
                  "(trained) and people whose facts were only in pretraining text (held-out), per\n"
                  "attribute; identity answers under a system prompt; and, with --data, bits per\n"
                  "byte on the validation token shards. Greedy replies, batched.\n"
                  "With --probe it asks a base model instead, the way it learned: it continues\n"
                  "each fact as a page would state it (\"... Kenji Marsh comes from\") and scores\n"
                  "the sentence.");
  opts.add("model", "", "chat model directory (required)")
      .add("world", "", "world directory with eval/qa.jsonl and eval/identity.jsonl (required)")
      .add("tokenizer", "", "tokenizer name or path (empty: the model directory's tokenizer.json)")
      .add("data", "", "data pipeline output with val token shards: adds validation bits/byte")
      .add("val-windows", "32", "validation windows (of the model's context length) with --data")
      .add("micro-batch", "4", "validation windows per forward pass")
      .add_alias("val-batch", "micro-batch")
      .add("out", "", "also write the results (tallies and every chat) to this JSON file")
      .add("max-questions", "0", "at most this many QA questions per split, evenly spaced (0: all)")
      .add("max-new-tokens", "48", "reply length limit in tokens")
      .add("max-batch", "32", "chats decoded together (KV-cache slots)")
      .add_alias("batch", "max-batch")
      .add("show", "4", "sample chats to print")
      .add_flag("probe", "base model: complete fact statements instead of chatting (no identity items)")
      .add("labels", "", "interrogation labels (llmforge interrogate): adds over-refusal on known facts")
      .add("confidence-plot", "", "write the answer-confidence histogram (known vs unknown facts) to this SVG");
  if (!opts.parse(argc, argv)) return 0;
  const std::string dir = opts.get("model"), world = opts.get("world");
  if (dir.empty()) ErrorBuilder("cli") << "--model is required";
  if (world.empty()) ErrorBuilder("cli") << "--world is required";
  ChatEvalOptions options;
  options.max_new_tokens = int(opts.get_int("max-new-tokens"));
  options.batch = int(opts.get_int("max-batch"));
  if (options.max_new_tokens <= 0) ErrorBuilder("cli") << "--max-new-tokens must be positive";
  if (options.batch <= 0) ErrorBuilder("cli") << "--batch must be positive";
  const int val_windows = int(opts.get_int("val-windows"));
  const int val_batch = int(opts.get_int("micro-batch"));
  if (val_windows <= 0 || val_batch <= 0)
    ErrorBuilder("cli") << "--val-windows and --val-batch must be positive";

  // Read every input before the slow parts, so a bad file fails at once.
  std::vector<QaItem> qa = subsample_qa_items(load_qa_items(world + "/eval/qa.jsonl"),
                                              int(opts.get_int("max-questions")));
  const bool probe = opts.get_bool("probe");
  std::vector<IdentityItem> identity;
  if (!probe) identity = load_identity_items(world + "/eval/identity.jsonl");
  if (probe && std::none_of(qa.begin(), qa.end(), [](const QaItem& q) { return !q.statement.empty(); })) {
    ErrorBuilder("eval") << world << "/eval/qa.jsonl has no \"statement\" fields to probe with "
                         << "(written by llmforge world since the knowledge probe exists)";
  }
  // Hallucination: worlds with the "nobody" group (eval/nobody.jsonl) are asked about it too.
  const bool hallucination = !probe && std::filesystem::exists(world + "/eval/nobody.jsonl");
  std::vector<idk::NobodyQuestion> nobody;
  std::vector<idk::FactLabel> labels;
  if (hallucination) nobody = idk::read_nobody_questions(world);
  if (!opts.get("labels").empty()) labels = idk::read_labels(opts.get("labels"));
  if ((!labels.empty() || !opts.get("confidence-plot").empty()) && !hallucination) {
    ErrorBuilder("eval") << "--labels and --confidence-plot need a chat model and a world with eval/nobody.jsonl";
  }
  auto model = load_model(dir);
  const Tokenizer tok =
      Tokenizer::load(opts.get("tokenizer").empty() ? dir : opts.get("tokenizer"));
  if (tok.vocab_size() > uint32_t(model->config().vocab_size)) {
    ErrorBuilder("eval") << "the tokenizer has " << tok.vocab_size() << " tokens but the model "
                         << model->config().vocab_size;
  }

  WorldEvalResult r = probe ? probe_knowledge(*model, tok, qa, options) : evaluate_world(*model, tok, qa, identity, options);
  if (!opts.get("data").empty()) {
    auto shards = find_shards(opts.get("data"), "val");
    if (shards.empty()) ErrorBuilder("eval") << opts.get("data") << ": no val-*.bin token shards";
    ValidationSet val = load_validation_set(shards, model->config().max_seq_len, val_windows, &tok);
    for (const auto* ids : {&val.inputs, &val.targets}) {
      for (int32_t id : *ids) {
        if (id < 0 || id >= model->config().vocab_size)
          ErrorBuilder("eval") << "validation token " << id << " is outside the model's vocabulary";
      }
    }
    r.validation = evaluate_validation(*model, val, val_batch);
    r.has_validation = true;
    r.validation_windows = val.windows;
    r.validation_seq_len = val.seq_len;
  }
  print_world_eval(stdout, r, int(opts.get_int("show")));
  idk::HallucinationResult h;
  if (hallucination) {
    h = idk::evaluate_hallucination(*model, tok, qa, nobody, labels, {options.max_new_tokens, options.batch});
    std::printf("\n");
    idk::print_hallucination(stdout, h);
    if (!opts.get("confidence-plot").empty()) {
      write_file_atomic(opts.get("confidence-plot"), idk::confidence_plot_svg({{"model " + dir, &h}}));
    }
  }
  if (!opts.get("out").empty()) {
    nlohmann::json j = world_eval_to_json(r);
    if (hallucination) j["hallucination"] = idk::hallucination_to_json(h);
    j["model"] = dir;
    j["world"] = world;
    j["max_new_tokens"] = options.max_new_tokens;
    write_file_atomic(opts.get("out"), j.dump(2) + "\n");
  }
  return 0;
}

const bool kRegistered = register_command(
    {"eval icl", "few-shot accuracy of a base model as in-context examples grow", run_eval_icl});
const bool kRegisteredWorld = register_command(
    {"eval", "knowledge QA, identity and val bits/byte of a chat model on a synthetic world",
     run_eval_world});

}  // namespace
}  // namespace llmforge
