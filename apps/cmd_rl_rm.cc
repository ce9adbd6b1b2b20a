// `llmforge rm data`: preference data from the world (ranked responses of the chat
// model, ordered by the hidden gold preference); `llmforge rm train`: a reward
// model with the Bradley-Terry loss; `llmforge rm score`: a reward model's score of
// a conversation. (Named cmd_rl_* so it is built with the rl stage it needs.)
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "model/model_io.h"
#include "rl/preference_data.h"
#include "rl/reward_model.h"
#include "rl/rm_train.h"

namespace llmforge {
namespace {

int run_rm_data(int argc, char** argv) {
  CliOptions opts("llmforge rm data --model DIR --world DIR --out DIR [options]",
                  "Preference data from the world: open-ended prompts about its people, K responses each\n"
                  "sampled from the chat model, ranked by the hidden true preference (facts right and not\n"
                  "invented, what was asked covered, no repetition, a sensible length), optionally through a\n"
                  "noisy rater. Writes ranked.jsonl, pairs.jsonl and prompts.jsonl.");
  const PreferenceDataConfig d;
  add_model_dir_options(opts, "the chat model directory (required)");
  opts.add("world", "", "world directory of `llmforge world` (its people.jsonl) (required)")
      .add("out", d.out_dir, "output directory")
      .add("people", d.people, "whose prompts: all, qa (the SFT half) or heldout")
      .add("prompts", std::to_string(d.prompts), "prompts")
      .add("responses", std::to_string(d.responses), "responses per prompt (K)");
  add_response_sampling_options(opts, {d.max_new_tokens, d.temperature, d.top_p});
  opts.add("noise", option_number(d.noise), "rater noise: std of a Normal added to the gold score before ranking")
      .add("seed", std::to_string(d.seed), "prompt, sampling and rater seed");
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get("model").empty() || opts.get("world").empty()) ErrorBuilder("cli") << "--model and --world are required";
  PreferenceDataConfig c;
  apply_model_dir_settings(model_dir_from_options(opts), c);
  c.world_dir = opts.get("world");
  c.out_dir = opts.get("out");
  c.people = opts.get("people");
  c.prompts = int(opts.get_int("prompts"));
  c.responses = int(opts.get_int("responses"));
  apply_response_sampling(response_sampling_from_options(opts), c);
  c.noise = opts.get_double("noise");
  c.seed = uint64_t(opts.get_int("seed"));
  const PreferenceDataSummary s = make_preference_data(c);
  std::printf("%ld prompts x %d responses, %ld pairs (%ld identical, %ld ties skipped); mean gold %.3f, best-of-K gold %.3f; "
              "the true preference agrees with %.1f%% of the pairs; %.1f s\nwritten to %s\n",
              s.prompts, c.responses, s.pairs, s.skipped_identical, s.skipped_ties, s.gold_mean, s.gold_best_mean,
              100 * s.rater_agreement, s.seconds, c.out_dir.c_str());
  return 0;
}

int run_rm_train_command(int argc, char** argv) {
  CliOptions opts("llmforge rm train --model DIR --data PAIRS.jsonl --out DIR [options]",
                  "A reward model: the chat model's trunk with a scalar head on the last token, trained with\n"
                  "the Bradley-Terry loss on {prompt, chosen, rejected} pairs or ranked lists {prompt,\n"
                  "responses (best first)}; held-out pair accuracy against a length-only baseline.");
  const RmTrainConfig d;
  add_model_dir_options(opts, "the chat (SFT) model directory (required)");
  opts.add("data", "", "preference JSONL (required)")
      .add("eval-data", "", "held-out preference JSONL (default: the last --heldout of --data's lines)")
      .add("heldout", option_number(d.heldout_fraction), "fraction of --data's lines held out")
      .add("out", d.out_dir, "output: checkpoints/, metrics.jsonl, model/")
      .add("epochs", std::to_string(d.epochs), "passes over the training pairs")
      .add("pairs", std::to_string(d.pairs_per_step), "pairs per optimizer step")
      .add("micro-pairs", std::to_string(d.micro_pairs), "pairs per forward/backward")
      .add("seed", std::to_string(d.seed), "head initialisation and pair order")
      .add("eval-every", "0", "steps between held-out evaluations (0: only at the end)")
      .add("checkpoint-every", "0", "steps between checkpoints (0: only at the end)")
      .add_flag("resume", "continue from --out's latest checkpoint");
  add_optimizer_options(opts, d.schedule, d.adamw);
  add_precision_option(opts);
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get("model").empty() || opts.get("data").empty()) ErrorBuilder("cli") << "--model and --data are required";
  RmTrainConfig c;
  apply_model_dir_settings(model_dir_from_options(opts), c);
  c.data = opts.get("data");
  c.eval_data = opts.get("eval-data");
  c.heldout_fraction = opts.get_double("heldout");
  c.out_dir = opts.get("out");
  c.epochs = int(opts.get_int("epochs"));
  c.pairs_per_step = int(opts.get_int("pairs"));
  c.micro_pairs = int(opts.get_int("micro-pairs"));
  c.seed = uint64_t(opts.get_int("seed"));
  c.eval_every = int(opts.get_int("eval-every"));
  c.checkpoint_every = int(opts.get_int("checkpoint-every"));
  c.resume = opts.get_bool("resume");
  optimizer_from_options(opts, c.schedule, c.adamw);
  c.precision = precision_from_options(opts);
  const RmTrainSummary s = run_rm_train(c);
  std::printf("%ld steps; %ld training / %ld held-out pairs (%ld identical, %ld over-long skipped); %.1f s\n",
              s.steps_done, s.train_pairs, s.heldout_pairs, s.skipped_identical, s.skipped_long, s.seconds);
  if (s.heldout_pairs > 0)
    std::printf("held-out pair accuracy: before %.3f, after %.3f (loss %.4f); length-only baseline %.3f\n",
                s.before.accuracy, s.after.accuracy, s.after.loss, s.length_baseline);
  if (s.after.gold_pairs > 0)
    std::printf("against the true preference (%ld pairs with gold scores that differ): before %.3f, after %.3f; "
                "length-only baseline %.3f\n",
                s.after.gold_pairs, s.before.gold_accuracy, s.after.gold_accuracy, s.length_baseline_gold);
  if (s.model_dir.empty()) return 1;
  std::printf("reward model written to %s\n", s.model_dir.c_str());
  return 0;
}

int run_rm_score(int argc, char** argv) {
  CliOptions opts("llmforge rm score --model RM_DIR (--prompt TEXT --response TEXT | --file JSONL)",
                  "Scores conversations with a reward model: one prompt and response, or every line of a\n"
                  "JSONL file of {prompt, response} (prints one JSON line each, with the score added).");
  add_model_dir_options(opts, "reward model directory (required)");
  opts.add("prompt", "", "the user's message")
      .add("response", "", "the assistant's response")
      .add("file", "", "JSONL of {prompt, response}");
  if (!opts.parse(argc, argv)) return 0;
  const ModelDirSettings m = model_dir_from_options(opts);
  if (m.model.empty()) ErrorBuilder("cli") << "--model is required";
  Tokenizer tok = Tokenizer::load(m.tokenizer.empty() ? m.model : m.tokenizer);
  std::unique_ptr<Model> rm = load_model(m.model);
  std::vector<nlohmann::json> items;
  if (!opts.get("file").empty()) {
    std::ifstream in(opts.get("file"));
    if (!in) ErrorBuilder("rlhf") << "cannot open " << opts.get("file");
    std::string line;
    long n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("prompt") || !j.contains("response") || !j["prompt"].is_string() ||
          !j["response"].is_string())
        ErrorBuilder("rlhf") << opts.get("file") << ":" << n << ": expected {\"prompt\": string, \"response\": string}";
      items.push_back(std::move(j));
    }
  } else {
    items.push_back({{"prompt", opts.get("prompt")}, {"response", opts.get("response")}});
  }
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& j : items) seqs.push_back(render_scored(tok, j["prompt"], j["response"]));
  const std::vector<float> scores = score_sequences(*rm, seqs);
  for (size_t i = 0; i < items.size(); ++i) {
    items[i]["score"] = scores[i];
    std::printf("%s\n", items[i].dump().c_str());
  }
  return 0;
}

const bool kRegistered =
    register_command({"rm data", "preference data from the world: ranked chat-model responses", run_rm_data}) &&
    register_command({"rm train", "train a reward model on preference pairs (Bradley-Terry)", run_rm_train_command}) &&
    register_command({"rm score", "score conversations with a reward model", run_rm_score});

}  // namespace
}  // namespace llmforge
