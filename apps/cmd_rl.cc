// `llmforge rl grpo`: reinforcement learning with GRPO on a verifiable task (the
// built-in arithmetic, or a JSONL of {prompt or messages, answer}); writes
// <out>/model, metrics.jsonl (plot it with `llmforge plot`), transcripts.json.
// `llmforge rl task`: writes the built-in task's splits and cold-start
// conversations as JSONL (for `llmforge sft` and for a look at the data).
#include <cstdio>
#include <filesystem>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "rl/grpo.h"
#include "rl/rm_reward.h"

namespace llmforge {
namespace {

std::string num(double v) { return option_number(v); }

void add_task_options(CliOptions& opts, const GrpoConfig& d) {
  opts.add("task", d.task, "built-in task (arithmetic) or a JSONL file of {prompt or messages, answer[, check]}")
      .add("eval-task", "", "JSONL of held-out items (default: the task's own split, or its last --heldout lines)")
      .add("heldout", std::to_string(d.heldout), "JSONL task without --eval-task: items held out from its end")
      .add("check", answer_check_name(d.check), "JSONL answer rule: exact, numeric or phrase")
      .add("operands", std::to_string(d.arithmetic.operands), "arithmetic: numbers per expression")
      .add("max-value", std::to_string(d.arithmetic.max_value),
           "arithmetic: largest first number and partial result (match the world's practice text)")
      .add("max-operand", std::to_string(d.arithmetic.max_operand), "arithmetic: largest operand after the first")
      .add("train-items", std::to_string(d.arithmetic.train), "arithmetic: training problems")
      .add("heldout-items", std::to_string(d.arithmetic.heldout), "arithmetic: held-out problems")
      .add("cold-start", std::to_string(d.arithmetic.cold_start), "arithmetic: worked examples for the SFT cold start")
      .add("think-format", think_format_name(d.arithmetic.think_format),
           "arithmetic: the cold start's worked answers: steps (\"13 + 7 = 20\") or rest (\"13 + 7 = 20, 20 - 9\")");
}

void task_from_options(const CliOptions& opts, GrpoConfig& c) {
  c.task = opts.get("task");
  c.eval_task = opts.get("eval-task");
  c.heldout = int(opts.get_int("heldout"));
  c.check = parse_answer_check(opts.get("check"));
  c.arithmetic.operands = int(opts.get_int("operands"));
  c.arithmetic.max_value = int(opts.get_int("max-value"));
  c.arithmetic.max_operand = int(opts.get_int("max-operand"));
  c.arithmetic.train = int(opts.get_int("train-items"));
  c.arithmetic.heldout = int(opts.get_int("heldout-items"));
  c.arithmetic.cold_start = int(opts.get_int("cold-start"));
  c.arithmetic.think_format = parse_think_format(opts.get("think-format"));
}

int run_grpo_command(int argc, char** argv) {
  CliOptions opts("llmforge rl grpo --model DIR --task NAME_OR_JSONL --out DIR [options]",
                  "Reinforcement learning with GRPO: G samples per prompt from the policy, rewards from\n"
                  "checking the answers, advantages relative to each prompt's group, a clipped policy\n"
                  "update against the log-probs of the policy that sampled (TRL's GRPOTrainer defaults).");
  const GrpoConfig d;
  add_model_dir_options(opts, "starting model directory (config.json, model.safetensors, tokenizer.json) (required)");
  add_task_options(opts, d);
  opts.add("template", "chat", "prompt template: chat (a chat model) or r1zero (a base model, \"Question: ...\\nAnswer: <think>\")")
      .add("rewards", d.rewards, "weighted rewards: correctness, format, overlong, steps (arithmetic; e.g. correctness=1,format=0.2,overlong=1)")
      .add("reward-model", "", "a reward model directory (`llmforge rm train`) as a further reward (RLHF; --rewards \"\" for it alone)")
      .add("reward-model-weight", "1", "weight of --reward-model's score")
      .add("overlong-cache", std::to_string(d.overlong_cache), "overlong reward's soft band in tokens (0: a quarter of --max-new-tokens)");
  add_run_options(opts,
                  {d.out_dir, d.steps, d.seed, d.eval_every, d.checkpoint_every, d.keep_checkpoints,
                   d.max_bad_steps, d.log_interval_s, d.resume},
                  "output: checkpoints/, metrics.jsonl, transcripts.json, model/", "optimizer steps (one rollout each)");
  opts.add("prompts", std::to_string(d.prompts_per_step), "prompts per step")
      .add("group", std::to_string(d.samples_per_prompt), "samples per prompt (G, TRL's num_generations)");
  add_response_sampling_options(opts, {d.max_new_tokens, d.loss.temperature, d.top_p}, /*loss_uses_temperature=*/true);
  opts.add("rollout-batch", std::to_string(d.rollout_batch), "sequences decoded together")
      .add("micro-batch", std::to_string(d.micro_batch), "rows per forward/backward")
      .add("iterations", std::to_string(d.num_iterations), "optimizer updates per rollout batch (mu)")
      .add("loss-type", loss_type_name(d.loss.loss_type), "aggregation: grpo, bnpo, dapo or dr_grpo")
      .add("importance", importance_level_name(d.loss.importance), "ratio level: token or sequence (GSPO)")
      .add("scale-rewards", reward_scaling_name(d.scaling), "advantage scaling: group, batch or none (Dr. GRPO)")
      .add("epsilon", num(d.loss.epsilon_low), "clip range below 1 (and above, unless --epsilon-high)")
      .add("epsilon-high", "", "clip range above 1 (DAPO's clip-higher: 0.28)")
      .add("delta", "0", "two-sided clipping: upper bound on the ratio (0: off)")
      .add("beta", num(d.loss.beta), "KL coefficient to the starting model (0: no reference model)")
      .add_flag("dynamic-sampling", "drop groups whose rewards are all equal (DAPO)")
      .add_flag("mask-truncated", "leave completions cut at --max-new-tokens out of the loss (overlong filtering)")
      .add("eval-prompts", std::to_string(d.eval_prompts), "held-out items evaluated (0: all)")
      .add("eval-samples", "0", "samples per held-out item for pass@k (0: --group)");
  add_optimizer_options(opts, d.schedule, d.adamw);
  add_precision_option(opts);
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get("model").empty()) ErrorBuilder("cli") << "--model DIR is required";

  GrpoConfig c;
  apply_model_dir_settings(model_dir_from_options(opts), c);
  task_from_options(opts, c);
  c.prompt_template = parse_prompt_template(opts.get("template"));
  c.rewards = opts.get("rewards");
  c.overlong_cache = int(opts.get_int("overlong-cache"));
  if (!opts.get("reward-model").empty())
    c.custom_rewards.push_back(reward_model_reward(opts.get("reward-model"), opts.get_double("reward-model-weight")));
  apply_run_settings(run_from_options(opts), c);
  c.prompts_per_step = int(opts.get_int("prompts"));
  c.samples_per_prompt = int(opts.get_int("group"));
  const ResponseSampling sampling = response_sampling_from_options(opts);
  c.max_new_tokens = sampling.max_new_tokens;
  c.loss.temperature = sampling.temperature;
  c.top_p = sampling.top_p;
  c.rollout_batch = int(opts.get_int("rollout-batch"));
  c.micro_batch = int(opts.get_int("micro-batch"));
  c.num_iterations = int(opts.get_int("iterations"));
  c.loss.loss_type = parse_loss_type(opts.get("loss-type"));
  c.loss.importance = parse_importance_level(opts.get("importance"));
  c.scaling = parse_reward_scaling(opts.get("scale-rewards"));
  c.loss.epsilon_low = opts.get_double("epsilon");
  c.loss.epsilon_high = opts.get("epsilon-high").empty() ? c.loss.epsilon_low : opts.get_double("epsilon-high");
  c.loss.delta = opts.get_double("delta");
  c.loss.beta = opts.get_double("beta");
  c.loss.max_completion_length = c.max_new_tokens;
  c.dynamic_sampling = opts.get_bool("dynamic-sampling");
  c.mask_truncated = opts.get_bool("mask-truncated");
  c.eval_prompts = int(opts.get_int("eval-prompts"));
  c.eval_samples = int(opts.get_int("eval-samples"));
  optimizer_from_options(opts, c.schedule, c.adamw);
  c.precision = precision_from_options(opts);

  GrpoSummary s = run_grpo(c);
  std::printf("%ld steps; rollouts %.0f tokens/s, updates %.0f tokens/s; %.1f s\n", s.steps_done,
              s.rollout_tokens_per_s, s.update_tokens_per_s, s.seconds);
  auto show = [](const char* when, const TaskEval& ev) {
    if (ev.items == 0) return;
    std::printf("held-out %s: greedy accuracy %.3f (%d items), mean length %.1f", when, ev.greedy_accuracy, ev.items,
                ev.greedy_length);
    for (auto [k, v] : ev.pass_at_k) std::printf(", pass@%d %.3f", k, v);
    std::printf("\n");
  };
  show("before", s.before);
  show("after", s.after);
  if (s.model_dir.empty()) return 1;
  std::printf("model written to %s\n", s.model_dir.c_str());
  std::printf("plot the run:  llmforge plot --metrics %s/metrics.jsonl --keys accuracy,response_length_mean --out %s/curves.svg\n",
              c.out_dir.c_str(), c.out_dir.c_str());
  return 0;
}

int run_task_command(int argc, char** argv) {
  CliOptions opts("llmforge rl task --out DIR [options]",
                  "Writes the built-in arithmetic task as JSONL: train.jsonl and heldout.jsonl\n"
                  "({prompt, answer, check}) and cold_start.jsonl (worked think-format chats for\n"
                  "`llmforge sft`, the R1 route's cold start).");
  const GrpoConfig d;
  opts.add("out", "runs/arithmetic", "output directory").add("seed", std::to_string(d.arithmetic.seed), "problem seed");
  add_task_options(opts, d);
  if (!opts.parse(argc, argv)) return 0;
  GrpoConfig c;
  task_from_options(opts, c);
  if (c.task != "arithmetic") ErrorBuilder("cli") << "rl task writes the built-in arithmetic task only";
  c.arithmetic.seed = uint64_t(opts.get_int("seed"));
  const std::string out = opts.get("out");
  std::filesystem::create_directories(out);
  ArithmeticTask t = make_arithmetic_task(c.arithmetic);
  write_task_jsonl(out + "/train.jsonl", t.train);
  write_task_jsonl(out + "/heldout.jsonl", t.heldout);
  write_conversations_jsonl(out + "/cold_start.jsonl", t.cold_start);
  std::printf("%zu training and %zu held-out problems, %zu cold-start conversations in %s\n", t.train.size(),
              t.heldout.size(), t.cold_start.size(), out.c_str());
  return 0;
}

const bool kRegistered =
    register_command({"rl grpo", "reinforcement learning with GRPO on a verifiable task", run_grpo_command}) &&
    register_command({"rl task", "write the built-in arithmetic task and its cold-start chats as JSONL", run_task_command});

}  // namespace
}  // namespace llmforge
