// `llmforge speedrun`: the whole pipeline, crawl to chat, on the synthetic world.
#include <cstdio>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/cpu_features.h"
#include "core/error.h"
#include "rl/arithmetic_task.h"
#include "speedrun/speedrun.h"

namespace llmforge {
namespace {

// bf16 where the CPU has a native bf16 product: there it trains 1.5x faster (AMX, the
// preset's shape) and reached the same accuracy over three seeds (bench/RESULTS.md,
// "Speedrun"); elsewhere bf16 is emulated and slower than fp32.
Precision native_training_precision() {
  const CpuFeatures& f = cpu_features();
  return f.avx512_bf16 || f.amx_bf16 ? Precision::kBf16 : Precision::kFp32;
}

int run_speedrun_command(int argc, char** argv) {
  CliOptions opts("llmforge speedrun [options]",
                  "Runs the whole pipeline on a generated world: crawl -> data pipeline ->\n"
                  "tokenizer -> pretraining -> SFT -> evaluation, then the post-training stages\n"
                  "(idk, search, grpo, rm, rlhf) -> report.md, and prints the command to chat\n"
                  "with the result. Presets (times on 2 cores):\n  tiny     " +
                      speedrun_preset("tiny").expected_time + ", a smoke test\n  default  " +
                      speedrun_preset("default").expected_time);
  opts.add("preset", "default", "tiny or default")
      .add("out", "runs/speedrun", "output folder (cleared first unless --resume)")
      .add("seed", "1", "world, initialisation and data-order seed")
      .add("people", "", "override the preset's number of people")
      .add("pretrain-steps", "", "override the preset's pretraining steps")
      .add("sft-epochs", "", "override the preset's SFT epochs")
      .add("idk-from", "", "idk stage: fine-tune refusals into the chat model (chat) or from the base model (base)")
      .add("idk-judge", "", "idk stage: judge answers by the world's truth (truth) or the crawled pages (pages)")
      .add("idk-epochs", "", "override the preset's idk fine-tuning epochs")
      .add("reading-documents", "",
           "override the preset's reading documents in pretraining (a profile of someone named nowhere else, then "
           "questions answered from it)")
      .add("reading-conversations", "",
           "override the preset's reading conversations in SFT (a profile pasted above questions about its person)")
      .add("reading-questions", "", "override the preset's questions per reading document or conversation")
      .add("search-fresh-people", "",
           "override the preset's people invented for the search fine-tuning alone (reading practice)")
      .add("search-fresh-search-share", "",
           "override the share of those fresh people who also get a search conversation")
      .add("search-direct-paraphrases", "",
           "override the preset's direct answers per known fact of a QA-trained person in the search fine-tuning")
      .add("arithmetic-documents", "", "override the preset's arithmetic practice documents in pretraining")
      .add("arithmetic-max", "", "override the largest number in the arithmetic practice text and the GRPO task")
      .add("grpo-operands", "", "override the preset's numbers per expression of the GRPO arithmetic task")
      .add("grpo-steps", "", "override the preset's GRPO steps of the R1 route")
      .add("grpo-think-format", "", "override the think format of the R1 cold start: steps or rest")
      .add("grpo-cold-start-target", "",
           "override the validation accuracy at which the R1 cold start stops (0: run all its epochs)")
      .add("grpo-cold-start-epochs", "", "override the R1 cold start's epochs (at most, with a target)")
      .add("skip", "", "post-training stages not to run, comma-separated (idk, search, grpo, rm, rlhf)")
      .add("stop-after", "", "the last stage to run: eval (the chat model's numbers only), idk, search, grpo, rm or rlhf")
      .add("precision", "auto",
           "matrix products of every training stage: fp32, bf16, or auto: bf16 where the CPU multiplies bf16 natively "
           "(AVX512_BF16 or AMX), fp32 elsewhere")
      .add_flag("resume", "continue pretraining and SFT from their latest checkpoints");
  add_threads_option(opts, "data pipeline and tokenizer");
  if (!opts.parse(argc, argv)) return 0;
  SpeedrunConfig config;
  config.preset = speedrun_preset(opts.get("preset"));
  config.preset.world.seed = uint64_t(opts.get_int("seed"));
  if (opts.given("people")) config.preset.world.people = int(opts.get_int("people"));
  if (opts.given("pretrain-steps")) config.preset.pretrain_steps = opts.get_int("pretrain-steps");
  if (opts.given("sft-epochs")) config.preset.sft_epochs = opts.get_double("sft-epochs");
  if (opts.given("idk-from")) config.preset.idk_from = opts.get("idk-from");
  if (opts.given("idk-judge")) config.preset.idk_judge = opts.get("idk-judge");
  if (opts.given("idk-epochs")) config.preset.idk_epochs = opts.get_double("idk-epochs");
  if (opts.given("reading-documents")) config.preset.world.reading_documents = int(opts.get_int("reading-documents"));
  if (opts.given("reading-conversations")) {
    config.preset.world.reading_conversations = int(opts.get_int("reading-conversations"));
  }
  if (opts.given("reading-questions")) config.preset.world.reading_questions = int(opts.get_int("reading-questions"));
  if (opts.given("search-fresh-people")) config.preset.search_fresh_people = int(opts.get_int("search-fresh-people"));
  if (opts.given("search-direct-paraphrases")) {
    config.preset.search_direct_paraphrases = int(opts.get_int("search-direct-paraphrases"));
  }
  if (opts.given("search-fresh-search-share")) {
    config.preset.search_fresh_search_share = opts.get_double("search-fresh-search-share");
  }
  if (opts.given("arithmetic-documents")) {
    config.preset.world.arithmetic_documents = int(opts.get_int("arithmetic-documents"));
  }
  if (opts.given("arithmetic-max")) config.preset.world.arithmetic_max = int(opts.get_int("arithmetic-max"));
  if (opts.given("grpo-operands")) config.preset.grpo_operands = int(opts.get_int("grpo-operands"));
  if (opts.given("grpo-steps")) config.preset.grpo_steps = opts.get_int("grpo-steps");
  if (opts.given("grpo-cold-start-target")) {
    config.preset.grpo_cold_start_target = opts.get_double("grpo-cold-start-target");
    if (!(config.preset.grpo_cold_start_target >= 0 && config.preset.grpo_cold_start_target <= 1)) {
      ErrorBuilder("speedrun") << "--grpo-cold-start-target must be in [0, 1], got "
                               << opts.get("grpo-cold-start-target");
    }
  }
  if (opts.given("grpo-cold-start-epochs")) {
    config.preset.grpo_cold_start_epochs = opts.get_double("grpo-cold-start-epochs");
    if (!(config.preset.grpo_cold_start_epochs > 0)) {
      ErrorBuilder("speedrun") << "--grpo-cold-start-epochs must be positive, got "
                               << opts.get("grpo-cold-start-epochs");
    }
  }
  if (opts.given("grpo-think-format")) {
    config.preset.grpo_think_format = think_format_name(parse_think_format(opts.get("grpo-think-format")));
  }
  if (opts.given("skip")) config.skip = split_comma_list(opts.get("skip"));
  if (config.preset.pretrain_steps <= 0) ErrorBuilder("cli") << "--pretrain-steps must be positive";
  config.out_dir = opts.get("out");
  config.threads = threads_from_options(opts);
  config.resume = opts.get_bool("resume");
  config.stop_after = opts.get("stop-after");
  config.precision = opts.get("precision") == "auto" ? native_training_precision() : parse_precision(opts.get("precision"));
  SpeedrunResult r = run_speedrun(config);
  std::printf("\nspeedrun finished in %.1f min: QA accuracy %.1f%% (QA-trained people), %.1f%% (held-out "
              "people), identity %.1f%%, noise removal precision %.3f recall %.3f\n",
              r.seconds / 60, 100 * r.qa_trained_accuracy, 100 * r.qa_heldout_accuracy, 100 * r.identity_accuracy,
              r.noise_precision, r.noise_recall);
  std::printf("report: %s\n\nchat with the model:\n  %s\n", r.report_path.c_str(), r.chat_command.c_str());
  return 0;
}

const bool kRegistered = register_command(
    {"speedrun", "the whole pipeline on a generated world: crawl to chat model, with a report",
     run_speedrun_command});

}  // namespace
}  // namespace llmforge
