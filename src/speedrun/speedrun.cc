#include "speedrun/speedrun.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/timer.h"
#include "data/pipeline.h"
#include "data/token_shard.h"
#include "data/tokenizer_encoder.h"
#include "eval/knowledge_probe.h"
#include "eval/world_icl.h"
#include "eval/world_eval.h"
#include "model/model_io.h"
#include "pretrain/pretrain.h"
#include "sft/sft.h"
#include "speedrun/noise_score.h"
#include "speedrun/report.h"
#include "speedrun/search_stage.h"
#include "tokenizer/trainer.h"
#include "train/data_loader.h"
#include "train/distributed.h"
#include "world/world_io.h"

namespace llmforge {
namespace fs = std::filesystem;

namespace {

void banner(const std::string& stage, const std::string& what) {
  std::printf("\n== %s: %s\n", stage.c_str(), what.c_str());
  std::fflush(stdout);
}

// Runs `body` as a named stage and records its wall time.
template <typename F>
void stage(SpeedrunRecord& record, const std::string& name, const std::string& what, F&& body) {
  banner(name, what);
  Timer timer;
  body();
  record.stages.push_back({name, timer.seconds()});
  std::printf("   %s done in %.1f s\n", name.c_str(), timer.seconds());
  std::fflush(stdout);
}

// The data pipeline with every filter and the dedup switched off: turns already
// clean JSONL (and the arithmetic and list practice text, which no web-text quality filter
// would keep) into token shards.
data::PipelineConfig tokenize_only(const std::vector<std::string>& inputs, const std::string& out, int threads) {
  data::PipelineConfig c;
  c.inputs = inputs;
  c.output_dir = out;
  c.input_format = "jsonl";
  c.threads = threads;
  c.language_filter = false;
  c.gopher_repetition.enabled = false;
  c.gopher_quality.enabled = false;
  c.c4.enabled = false;
  c.fineweb.enabled = false;
  c.pii.enabled = false;
  c.dedup_exact = false;
  c.dedup_minhash = false;
  c.jsonl_zstd_level = 0;
  c.val_fraction = 0.03;
  return c;
}

}  // namespace

std::vector<std::string> speedrun_stage_names() {
  return {"world", "data", "tokenizer", "pretrain", "sft", "eval", "idk", "search", "grpo", "rm", "rlhf"};
}

SpeedrunResult run_speedrun(const SpeedrunConfig& config) {
  const SpeedrunPreset& p = config.preset;
  const std::vector<std::string> names = speedrun_stage_names();
  const auto last = config.stop_after.empty() ? names.end() : std::find(names.begin(), names.end(), config.stop_after);
  // The stages through eval make the chat model and its report, so they always run.
  const auto first_optional = std::find(names.begin(), names.end(), "eval");
  if (!config.stop_after.empty() && (last == names.end() || last < first_optional)) {
    ErrorBuilder("speedrun") << "cannot stop after '" << config.stop_after
                             << "': the stage to stop after is one of eval, idk, search, grpo, rm, rlhf";
  }
  for (const std::string& s : config.skip) {
    const auto at = std::find(names.begin(), names.end(), s);
    if (at == names.end() || at <= first_optional) {
      ErrorBuilder("speedrun") << "cannot skip '" << s << "': the stages to skip are among idk, search, grpo, rm, rlhf";
    }
  }
  auto runs = [&](const char* name) {
    if (std::find(config.skip.begin(), config.skip.end(), name) != config.skip.end()) return false;
    return last == names.end() || std::find(names.begin(), last + 1, name) != last + 1;
  };
  const std::string out = config.out_dir;
  const std::string world_dir = out + "/world", data_dir = out + "/data", tokens_dir = out + "/tokens",
                    tokenizer_path = out + "/tokenizer/tokenizer.json";
  // A fresh run starts clean (a data run refuses an output folder made from other
  // inputs); --resume keeps everything so pretraining and SFT continue from their
  // latest checkpoints.
  if (!config.resume) {
    for (const char* sub : {"world", "data", "tokens", "tokenizer", "pretrain", "sft", "plots", "idk", "rl", "rlhf"}) {
      fs::remove_all(out + "/" + sub);
    }
  }
  if (!config.resume) fs::remove_all(out + "/search");
  fs::create_directories(out);
  Distributed dist;  // a world of one unless launched by mpirun
  SpeedrunRecord record;
  record.preset = p.name;
  record.out_dir = out;
  record.precision = precision_name(config.precision);
  record.cpu = cpu_description();
  Timer total;
  std::printf("llmforge speedrun, preset %s (%s on a 2-core machine), output in %s\n", p.name.c_str(),
              p.expected_time.c_str(), out.c_str());

  world::World world;
  stage(record, "world", "people, their web pages, noise, conversations, evaluation questions", [&] {
    world = world::generate_world(p.world);
    world::write_world(world, world_dir);
    std::printf("   %zu people (%zu with QA training, the rest held out), %zu pages in the crawl, "
                "%zu SFT conversations\n",
                world.people.size(), world.people.size() / 2, world.pages.size(), world.sft_train.size());
  });
  record.people = long(world.people.size());
  record.pages = long(world.pages.size());
  record.sft_train = long(world.sft_train.size());
  record.sft_val = long(world.sft_val.size());
  record.system_prompt = world.system_prompt;

  stage(record, "data", "extract, filter and deduplicate the crawl", [&] {
    data::PipelineConfig c;
    c.inputs = {world_dir + "/crawl"};
    c.output_dir = data_dir;
    c.threads = config.threads;
    c.jsonl_zstd_level = 0;
    c.explain = 2;
    record.data_stats = data::run_pipeline(c);
    record.noise = score_data_run(world_dir, data_dir);
    std::printf("   noise removal against the planted labels: precision %.3f, recall %.3f (%ld noise pages)\n",
                record.noise.precision(), record.noise.recall(), record.noise.noise);
  });

  stage(record, "tokenizer", "train BPE on the clean text, write token shards", [&] {
    TrainerOptions o;
    o.vocab_size = uint32_t(p.vocab_size);
    o.n_threads = config.threads;
    BpeTrainer trainer(o);
    // The clean crawl and the practice text outside it: the tokenizer and the shards read the same inputs.
    std::vector<std::string> inputs = {data_dir + "/clean", world_dir + "/arithmetic.jsonl",
                                       world_dir + "/lists.jsonl"};
    // Worlds written before reading documents existed have no such file.
    if (fs::exists(world_dir + "/reading.jsonl")) inputs.push_back(world_dir + "/reading.jsonl");
    for (const std::string& input : inputs) trainer.add_file(input);
    Tokenizer tok = trainer.train();
    fs::create_directories(out + "/tokenizer");
    tok.save_tokenizer_json(tokenizer_path);
    record.vocab_size = int(tok.vocab_size());
    fs::remove_all(tokens_dir);  // shards depend on the tokenizer just trained
    data::PipelineConfig c = tokenize_only(inputs, tokens_dir, config.threads);
    c.tokenizer = data::make_tokenizer_factory(tokenizer_path);
    data::RunStats s = data::run_pipeline(c);
    double bytes = 0;
    for (const auto& [name, count] : s.stages()) {
      if (name == "extract") bytes = double(count.bytes_out);
    }
    for (const auto& shard : find_shards(tokens_dir, "train")) {
      record.train_tokens += double(data::TokenShard(shard).size());  // from the header
    }
    record.text_bytes_per_token = record.train_tokens > 0 ? bytes / record.train_tokens : 0;
    std::printf("   vocabulary %d, %.0f training tokens\n", record.vocab_size, record.train_tokens);
  });

  PretrainSummary pre;
  stage(record, "pretrain", "a base model from random weights", [&] {
    PretrainConfig c;
    c.data_dir = tokens_dir;
    c.tokenizer = tokenizer_path;
    c.out_dir = out + "/pretrain";
    c.model = p.model;
    c.steps = p.pretrain_steps;
    c.micro_batch = p.pretrain_micro_batch;
    c.batch_tokens = p.pretrain_batch_tokens;
    c.schedule = {LrSchedule::Kind::kCosine, p.pretrain_lr, p.pretrain_lr / 10, p.pretrain_warmup, p.pretrain_steps, 0.2};
    c.seed = p.world.seed;
    c.eval_every = int(std::max<long>(1, p.pretrain_steps / 10));
    c.checkpoint_every = int(std::max<long>(1, p.pretrain_steps / 4));
    c.resume = config.resume;
    c.precision = config.precision;
    // Samples show the base model is an autocomplete: it continues a page.
    const world::Person& heldout = world.people[1];
    c.sample_prompts = {heldout.name() + " was born in", heldout.name() + " works for", "17 + 25 ="};
    c.sample_tokens = 24;
    pre = run_pretraining(c, dist);
  });
  record.model = load_model_config(pre.model_dir);  // the vocabulary comes from the tokenizer
  record.pretrain_steps = pre.steps_done;
  record.pretrain_tokens_per_s = pre.tokens_per_s;
  record.pretrain_val_loss = pre.val_loss;
  record.pretrain_val_bpb = pre.val_bits_per_byte;
  record.pretrain_curves = read_loss_curves(out + "/pretrain/metrics.jsonl");

  SftSummary sft;
  stage(record, "sft", "fine-tune the base model into a chat model", [&] {
    SftConfig c;
    c.model_dir = pre.model_dir;
    c.train_file = world_dir + "/sft/train.jsonl";
    c.val_file = world_dir + "/sft/val.jsonl";
    c.out_dir = out + "/sft";
    c.epochs = p.sft_epochs;
    c.micro_batch = p.sft_micro_batch;
    c.schedule = {LrSchedule::Kind::kCosine, p.sft_lr, p.sft_lr / 10, 10, 1, 0.2};
    c.seed = p.world.seed;
    c.eval_every = p.sft_eval_every;
    c.checkpoint_every = p.sft_eval_every * 4;
    c.replay_data = p.sft_replay_rows > 0 ? tokens_dir : "";
    c.replay_rows = p.sft_replay_rows;
    c.replay_weight = p.sft_replay_weight;
    c.resume = config.resume;
    c.precision = config.precision;
    sft = run_sft(c, dist);
  });
  record.sft_steps = sft.steps_done;
  record.sft_val_loss = sft.val_loss;
  record.sft_curves = read_loss_curves(out + "/sft/metrics.jsonl");

  stage(record, "eval", "ask the chat model about every person and about itself", [&] {
    std::unique_ptr<Model> model = load_model(sft.model_dir);
    Tokenizer tok = Tokenizer::load(sft.model_dir + "/tokenizer.json");
    auto qa = subsample_qa_items(load_qa_items(world_dir + "/eval/qa.jsonl"), p.eval_per_split);
    auto identity = load_identity_items(world_dir + "/eval/identity.jsonl");
    record.eval = evaluate_world(*model, tok, qa, identity, ChatEvalOptions{});
    // What the base model knew of the same facts: the ceiling for held-out accuracy.
    std::unique_ptr<Model> base = load_model(pre.model_dir);
    record.base_probe = probe_knowledge(*base, tok, qa, ChatEvalOptions{});
    // In-context learning: the base model picks the asked-for fact up from examples alone.
    WorldIclOptions icl;
    icl.queries_per_attribute = p.icl_queries_per_attribute;
    icl.shots = p.icl_shots;
    record.base_icl = evaluate_world_icl(*base, tok, load_qa_items(world_dir + "/eval/qa.jsonl"), icl);
    ValidationSet val = load_validation_set(find_shards(tokens_dir, "val"), model->config().max_seq_len, 64, &tok);
    record.eval.validation = evaluate_validation(*model, val, 8);
    record.eval.has_validation = true;
    record.eval.validation_windows = val.windows;
    record.eval.validation_seq_len = val.seq_len;
    print_world_eval(stdout, record.eval, 4);
    std::printf("\nthe base model, completing the same facts (\"... Kenji Marsh comes from\"):\n");
    print_world_eval(stdout, record.base_probe, 0);
    std::printf("\n");
    print_world_icl(stdout, record.base_icl);
  });

  if (runs("idk")) stage(record, "idk", "self-interrogation: label what the chat model knows, teach it to say \"I'm not sure\"", [&] {
    record.idk =
        run_idk_stage(p, world_dir, sft.model_dir, pre.model_dir, tokens_dir, out + "/idk", config.resume,
                      config.precision, dist);
  });

  // After idk: the search SFT data asks about what its labels call unknown.
  SearchStageRecord search_record;
  const bool searched = p.search_stage && !world.post_crawl_people.empty() && runs("search");
  if (searched) {
    stage(record, "search", "index, search SFT data, fine-tuning, accuracy with and without search", [&] {
      search_record = run_search_stage(p, world, out, data_dir + "/clean", sft.model_dir, config.resume,
                                     config.precision, dist);
    });
  }
  if (runs("grpo")) stage(record, "grpo", "reinforcement learning on arithmetic: R1 (cold start, then GRPO) and R1-Zero", [&] {
    record.grpo = run_grpo_stage(p, out, pre.model_dir, p.world.seed, config.resume, config.precision);
  });

  if (runs("rm")) stage(record, "rm", "preferences ranked by the true preference, a Bradley-Terry reward model", [&] {
    record.rm = run_rm_stage(p, out, sft.model_dir, world_dir, p.world.seed, config.resume, config.precision);
  });
  if (runs("rlhf")) stage(record, "rlhf", "PPO and GRPO against the reward model, proxy vs gold score", [&] {
    record.rlhf = run_rlhf_stage(p, out, sft.model_dir, world_dir, record.rm, p.world.seed, config.resume,
                                 config.precision);
  });

  record.chat_command = "./build/llmforge chat --model " + sft.model_dir + " --system \"" + world.system_prompt + "\"";
  record.total_seconds = total.seconds();
  SpeedrunResult result;
  result.report_path = write_speedrun_report(record);
  if (searched) append_search_report(out, search_record);
  auto acc = [&](const char* split) {
    const Tally* t = record.eval.split_tally(split);
    return t ? t->accuracy() : 0.0;
  };
  result.qa_trained_accuracy = acc("qa");
  result.qa_heldout_accuracy = acc("heldout");
  result.identity_accuracy = record.eval.identity.accuracy();
  result.noise_precision = record.noise.precision();
  result.noise_recall = record.noise.recall();
  result.val_bits_per_byte = record.eval.validation.bits_per_byte;
  result.seconds = record.total_seconds;
  result.chat_model_dir = sft.model_dir;
  result.chat_command = record.chat_command;
  return result;
}

}  // namespace llmforge
