// `llmforge rl ppo`: RLHF with PPO against a reward model (rl/ppo.h).
#include <cstdio>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "rl/ppo.h"

namespace llmforge {
namespace {

int run_ppo_command(int argc, char** argv) {
  CliOptions opts("llmforge rl ppo --model SFT_DIR --reward-model RM_DIR --prompts JSONL --out DIR [options]",
                  "RLHF with PPO: the actor samples responses, the reward model scores them, the reward is\n"
                  "that score minus beta times the per-token KL to the frozen reference, a critic estimates\n"
                  "values for GAE, and clipped policy and value losses update actor and critic for several\n"
                  "epochs per batch. With --world, the true (gold) preference is logged next to the proxy.");
  const PpoConfig d;
  auto num = [](double v) { return option_number(v); };
  opts.add("model", "", "the SFT chat model: the actor's start and the reference (required)")
      .add("reward-model", "", "reward model directory from `llmforge rm train` (required)")
      .add("critic-init", d.critic_init, "critic's start: rm (the reward model) or sft (the SFT model, new head)")
      .add("prompts", "", "JSONL of {prompt, ...} (e.g. rm data's prompts.jsonl) (required)")
      .add("world", "", "world directory (people.jsonl) for the gold score")
      .add("out", d.out_dir, "output: checkpoints/, metrics.jsonl, model/, critic/")
      .add("steps", std::to_string(d.steps), "optimizer steps (one rollout batch each)")
      .add("seed", std::to_string(d.seed), "prompt order and sampling seed")
      .add("prompts-per-step", std::to_string(d.prompts_per_step), "prompts per step")
      .add("group", std::to_string(d.samples_per_prompt), "samples per prompt");
  add_response_sampling_options(opts, {d.max_new_tokens, d.temperature, d.top_p}, /*loss_uses_temperature=*/true);
  opts.add("rollout-batch", std::to_string(d.rollout_batch), "sequences decoded together")
      .add("micro-batch", std::to_string(d.micro_batch), "rows per forward/backward")
      .add("ppo-epochs", std::to_string(d.ppo_epochs), "updates per rollout batch")
      .add("epsilon", num(d.epsilon), "policy clip range")
      .add("value-clip", num(d.value_clip), "value clip range")
      .add("gamma", num(d.gamma), "discount")
      .add("lambda", num(d.lambda), "GAE lambda")
      .add("beta", num(d.beta), "KL coefficient (initial, with --kl-target)")
      .add("kl-target", num(d.kl_target), "adaptive KL controller's target per sequence (0: fixed beta)")
      .add("kl-horizon", num(d.kl_horizon), "adaptive KL controller's horizon")
      .add_flag("no-whiten", "leave advantages unwhitened")
      .add("critic-lr", num(d.critic_lr), "critic learning rate")
      .add("eval-prompts", "", "held-out prompts JSONL (needs --world): gold and proxy scores of fixed samples "
                               "before, every --eval-every steps and after, in eval.jsonl")
      .add("eval-reward-model", "", "a held-out reward model (trained on other preferences) that scores the "
                                    "evaluations too and picks the best checkpoint: early stopping without gold")
      .add("eval-every", "0", "steps between held-out evaluations (0: before and after only)")
      .add("eval-samples", std::to_string(d.eval_samples), "answers per held-out prompt")
      .add("checkpoint-every", "0", "steps between checkpoints (0: only at the end)")
      .add_flag("resume", "continue from --out's latest checkpoint (bitwise)");
  add_optimizer_options(opts, d.schedule, d.adamw);
  add_precision_option(opts);
  if (!opts.parse(argc, argv)) return 0;
  PpoConfig c;
  c.policy_dir = opts.get("model");
  c.reward_model_dir = opts.get("reward-model");
  c.critic_init = opts.get("critic-init");
  c.prompts = opts.get("prompts");
  if (c.policy_dir.empty() || c.reward_model_dir.empty() || c.prompts.empty())
    ErrorBuilder("cli") << "--model, --reward-model and --prompts are required";
  c.world_dir = opts.get("world");
  c.out_dir = opts.get("out");
  c.steps = opts.get_int("steps");
  c.seed = uint64_t(opts.get_int("seed"));
  c.prompts_per_step = int(opts.get_int("prompts-per-step"));
  c.samples_per_prompt = int(opts.get_int("group"));
  apply_response_sampling(response_sampling_from_options(opts), c);
  c.rollout_batch = int(opts.get_int("rollout-batch"));
  c.micro_batch = int(opts.get_int("micro-batch"));
  c.ppo_epochs = int(opts.get_int("ppo-epochs"));
  c.epsilon = opts.get_double("epsilon");
  c.value_clip = opts.get_double("value-clip");
  c.gamma = opts.get_double("gamma");
  c.lambda = opts.get_double("lambda");
  c.beta = opts.get_double("beta");
  c.kl_target = opts.get_double("kl-target");
  c.kl_horizon = opts.get_double("kl-horizon");
  c.whiten_advantages = !opts.get_bool("no-whiten");
  c.critic_lr = opts.get_double("critic-lr");
  c.eval_prompts = opts.get("eval-prompts");
  c.eval_reward_model_dir = opts.get("eval-reward-model");
  c.eval_every = int(opts.get_int("eval-every"));
  c.eval_samples = int(opts.get_int("eval-samples"));
  c.checkpoint_every = int(opts.get_int("checkpoint-every"));
  c.resume = opts.get_bool("resume");
  optimizer_from_options(opts, c.schedule, c.adamw);
  c.precision = precision_from_options(opts);
  const PpoSummary s = run_ppo(c);
  std::printf("%ld steps in %.1f s (rollouts %.1f s, updates %.1f s); proxy score %.3f -> %.3f", s.steps_done, s.seconds,
              s.rollout_seconds, s.update_seconds, s.first_proxy, s.last_proxy);
  if (!c.world_dir.empty()) std::printf(", gold score %.3f -> %.3f", s.first_gold, s.last_gold);
  std::printf(", KL %.3f; models and optimizer states %.1f MiB, activations %.1f MiB\n", s.last_kl,
              s.peak_model_bytes / 1048576.0, s.activation_bytes / 1048576.0);
  if (s.evaluations > 0) std::printf("%ld held-out evaluations in %s/eval.jsonl\n", s.evaluations, c.out_dir.c_str());
  if (s.model_dir.empty()) return 1;
  std::printf("actor written to %s, critic (and its optimizer state) to %s\n", s.model_dir.c_str(), s.critic_dir.c_str());
  return 0;
}

const bool kRegistered =
    register_command({"rl ppo", "RLHF with PPO: actor, critic, frozen reference and a reward model", run_ppo_command});

}  // namespace
}  // namespace llmforge
