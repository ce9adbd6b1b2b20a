#include "rl/grpo.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/timer.h"
#include "model/model_io.h"
#include "rl/grpo_batch.h"
#include "rl/prompt_source.h"
#include "rl/rewards.h"
#include "rl/rollout.h"
#include "train/distributed.h"
#include "train/train_loop.h"

namespace llmforge {
namespace {

// What one step's rollout and updates measured, for its metrics record.
struct StepRecord {
  double reward_mean = 0, reward_std = 0, accuracy = 0, format = 0;
  double length_mean = 0, length_max = 0, think_mean = 0, truncated = 0;
  double zero_std_groups = 0;
  long rows_kept = 0, rows_total = 0;
  long completion_tokens = 0;
  double rollout_seconds = 0;
  GrpoStats loss;
};

void add_eval(nlohmann::json& rec, const TaskEval& ev) {
  rec["eval_accuracy"] = ev.greedy_accuracy;
  rec["eval_length"] = ev.greedy_length;
  rec["eval_format"] = ev.greedy_format;
  for (auto [k, v] : ev.pass_at_k) rec["eval_pass@" + std::to_string(k)] = v;
}

}  // namespace

std::pair<std::vector<TaskItem>, std::vector<TaskItem>> load_grpo_task(const GrpoConfig& cfg) {
  if (cfg.task == "arithmetic") {
    ArithmeticTask t = make_arithmetic_task(cfg.arithmetic);
    return {std::move(t.train), std::move(t.heldout)};
  }
  if (!std::filesystem::exists(cfg.task)) {
    ErrorBuilder("rl") << "task '" << cfg.task << "' is neither a built-in task (arithmetic) nor a file";
  }
  std::vector<TaskItem> train = load_task_jsonl(cfg.task, cfg.check), heldout;
  if (!cfg.eval_task.empty()) {
    heldout = load_task_jsonl(cfg.eval_task, cfg.check);
  } else if (cfg.heldout > 0) {
    if (size_t(cfg.heldout) >= train.size())
      ErrorBuilder("rl") << "holding out " << cfg.heldout << " of " << train.size() << " items leaves none to train on";
    heldout.assign(train.end() - cfg.heldout, train.end());
    train.resize(train.size() - size_t(cfg.heldout));
  }
  return {std::move(train), std::move(heldout)};
}

GrpoSummary run_grpo(const GrpoConfig& cfg) {
  if (cfg.model_dir.empty()) ErrorBuilder("rl") << "no model directory given";
  cfg.loss.validate();
  if (cfg.prompts_per_step <= 0 || cfg.samples_per_prompt < 2)
    ErrorBuilder("rl") << "need at least one prompt and two samples per prompt a step (a group of one has no advantage)";
  if (cfg.micro_batch <= 0 || cfg.num_iterations <= 0 || cfg.max_new_tokens <= 0 || cfg.rollout_batch <= 0)
    ErrorBuilder("rl") << "micro_batch, num_iterations, max_new_tokens and rollout_batch must be positive";
  if (cfg.eval_every < 0) ErrorBuilder("rl") << "eval_every must not be negative";
  if (!(cfg.top_p > 0 && cfg.top_p <= 1)) ErrorBuilder("rl") << "top_p must be in (0, 1]";
  Distributed dist;
  if (dist.world() > 1) ErrorBuilder("rl") << "GRPO runs in one process (got " << dist.world() << ")";
  Timer total;

  Tokenizer tok = Tokenizer::load(cfg.tokenizer.empty() ? cfg.model_dir : cfg.tokenizer);
  chat_end_token(tok);  // fails early for a tokenizer without the chat tokens
  const ModelConfig base_config = load_model_config(cfg.model_dir);
  RewardOptions ro;
  ro.max_completion_length = cfg.max_new_tokens;
  ro.overlong_cache = cfg.overlong_cache;
  std::vector<WeightedReward> rewards;
  if (!cfg.rewards.empty() || cfg.custom_rewards.empty()) rewards = parse_rewards(cfg.rewards, ro);
  rewards.insert(rewards.end(), cfg.custom_rewards.begin(), cfg.custom_rewards.end());

  // Task and prompts; one the context cannot hold is dropped, by name.
  auto [train_all, heldout_all] = load_grpo_task(cfg);
  GrpoSummary summary;
  struct Prompted {
    std::vector<TaskItem> items;
    std::vector<RenderedPrompt> prompts;
  };
  auto render_all = [&](std::vector<TaskItem>& items, const char* split) {
    Prompted p;
    long dropped = 0;
    for (TaskItem& item : items) {
      RenderedPrompt r = render_task_prompt(tok, item, cfg.prompt_template);
      if (int(r.tokens.size()) + 1 >= base_config.max_seq_len) {
        if (dropped < 5) {
          LLMF_LOG(Warn) << "prompt " << item.id << " (" << split << ") has " << r.tokens.size()
                         << " tokens; the context of " << base_config.max_seq_len << " leaves no room to answer: skipped";
        }
        ++dropped;
        continue;
      }
      p.items.push_back(std::move(item));
      p.prompts.push_back(std::move(r));
    }
    if (dropped > 5) {
      LLMF_LOG(Warn) << dropped << " " << split << " prompts longer than the context skipped";
    }
    summary.dropped_prompts += dropped;
    return p;
  };
  Prompted train = render_all(train_all, "train");
  Prompted heldout = render_all(heldout_all, "held-out");
  if (train.items.empty()) ErrorBuilder("rl") << "no training prompt fits the model's context";
  if (cfg.eval_prompts > 0 && int(heldout.items.size()) > cfg.eval_prompts) {
    heldout.items.resize(size_t(cfg.eval_prompts));
    heldout.prompts.resize(size_t(cfg.eval_prompts));
  }
  summary.train_items = long(train.items.size());
  summary.heldout_items = long(heldout.items.size());
  const std::vector<int32_t> stops = template_stop_tokens(tok, cfg.prompt_template);

  const int G = cfg.samples_per_prompt;
  const int rows_per_step = cfg.prompts_per_step * G;
  const int n_micro = (rows_per_step + cfg.micro_batch - 1) / cfg.micro_batch;
  TrainLoopConfig lc = train_loop_config("grpo", cfg.steps, n_micro, cfg);
  lc.updates_per_step = cfg.num_iterations;
  lc.measure_mfu = false;
  TrainLoop loop(lc, dist);
  const std::string& resume_from = loop.resume_dir();
  std::unique_ptr<Model> model = load_model(resume_from.empty() ? cfg.model_dir : resume_from, cfg.precision);
  std::unique_ptr<Model> reference;
  if (cfg.loss.beta > 0) reference = load_model(cfg.model_dir, cfg.precision);  // frozen: the start
  PromptSource source(train.items.size(), cfg.seed, "rl");
  loop.attach(*model, source);

  const ModelConfig& mc = model->config();
  if (!cfg.quiet) {
    std::printf("model: %s, %.2fM parameters (dim %d, %d layers, context %d)%s\n", cfg.model_dir.c_str(),
                mc.num_parameters() / 1e6, mc.dim, mc.n_layers, mc.max_seq_len,
                reference ? ", a frozen reference copy for the KL term" : "");
    std::printf("task: %s, %ld training and %ld held-out prompts (%ld skipped as too long), template %s, rewards %s\n",
                cfg.task.c_str(), summary.train_items, summary.heldout_items, summary.dropped_prompts,
                cfg.prompt_template == PromptTemplate::kChat ? "chat" : "r1zero", cfg.rewards.c_str());
    std::printf("grpo: %d prompts x %d samples a step in %d micro-batches of %d rows, %d update(s) each; "
                "loss %s, %s-level ratios, eps %.2g/%.2g, beta %.3g, advantages scaled by %s std\n",
                cfg.prompts_per_step, G, n_micro, cfg.micro_batch, cfg.num_iterations,
                loss_type_name(cfg.loss.loss_type), importance_level_name(cfg.loss.importance),
                cfg.loss.epsilon_low, cfg.loss.epsilon_high, cfg.loss.beta, reward_scaling_name(cfg.scaling));
    std::fflush(stdout);
  }

  TaskEvalOptions eo;
  eo.prompt_template = cfg.prompt_template;
  eo.max_new_tokens = cfg.max_new_tokens;
  eo.samples = cfg.eval_samples > 0 ? cfg.eval_samples : G;
  eo.temperature = cfg.loss.temperature;
  eo.top_p = cfg.top_p;
  eo.seed = cfg.seed + 7919;  // the same samples' seeds at every evaluation
  eo.max_batch = cfg.rollout_batch;
  if (loop.start_step() == 0 && !heldout.items.empty()) {
    summary.before = evaluate_task(*model, tok, heldout.items, eo);
    nlohmann::json rec{{"step", 0}};
    add_eval(rec, summary.before);
    loop.log(rec);
    if (!cfg.quiet) {
      std::printf("held-out before GRPO: greedy accuracy %.3f", summary.before.greedy_accuracy);
      for (auto [k, v] : summary.before.pass_at_k) std::printf(", pass@%d %.3f", k, v);
      std::printf("\n");
      std::fflush(stdout);
    }
  }

  RolloutConfig rc;
  rc.samples_per_prompt = G;
  rc.sampling.temperature = cfg.loss.temperature;
  rc.sampling.top_p = cfg.top_p;
  rc.max_new_tokens = cfg.max_new_tokens;
  rc.stop_tokens = stops;
  rc.max_batch = cfg.rollout_batch;

  StepRecord step;
  double rollout_seconds = 0, update_seconds = 0;
  long rollout_tokens = 0, update_tokens = 0;
  TrainHooks hooks;
  hooks.before_step = [&](long n, Model& m) {
    step = StepRecord{};
    std::vector<size_t> picked;
    std::vector<std::vector<int32_t>> prompts;
    for (int i = 0; i < cfg.prompts_per_step; ++i) {
      picked.push_back(source.next_prompt());
      prompts.push_back(train.prompts[picked.back()].tokens);
    }
    const RolloutBatch batch = generate_rollouts(m, prompts, rc, cfg.seed * 1000003ull + uint64_t(n));
    step.rollout_seconds = batch.seconds;
    step.completion_tokens = batch.completion_tokens;
    rollout_seconds += batch.seconds;
    rollout_tokens += batch.completion_tokens;
    // Rewards.
    std::vector<double> reward(batch.completions.size());
    for (size_t i = 0; i < batch.completions.size(); ++i) {
      const Completion& c = batch.completions[i];
      const size_t item = picked[size_t(c.prompt)];
      ScoredResponse r;
      r.item = &train.items[item];
      r.text = train.prompts[item].response_prefix + completion_text(tok, c, stops);
      r.tokens = int(c.tokens.size());
      r.truncated = c.truncated();
      reward[i] = score_response(rewards, r);
      step.accuracy += check_answer(*r.item, r.text);
      step.format += format_reward(r);
      step.length_mean += r.tokens;
      step.length_max = std::max(step.length_max, double(r.tokens));
      step.think_mean += double(tok.encode(think_text(r.text), AllowedSpecial::as_text()).size());
      step.truncated += r.truncated;
      step.reward_mean += reward[i];
    }
    const double n_all = double(batch.completions.size());
    step.reward_mean /= n_all;
    for (double r : reward) step.reward_std += (r - step.reward_mean) * (r - step.reward_mean);
    step.reward_std = std::sqrt(step.reward_std / std::max(1.0, n_all - 1));
    step.accuracy /= n_all, step.format /= n_all, step.length_mean /= n_all, step.think_mean /= n_all;
    step.truncated /= n_all;
    std::vector<uint8_t> zero_std;
    const std::vector<float> adv = group_advantages(reward, G, cfg.scaling, &zero_std);
    for (size_t i = 0; i < zero_std.size(); i += size_t(G)) step.zero_std_groups += zero_std[i];
    step.zero_std_groups /= double(cfg.prompts_per_step);
    // Rows: dynamic sampling drops equal-reward groups, overlong filtering cut-off answers.
    std::vector<GrpoRow> rows;
    for (size_t i = 0; i < batch.completions.size(); ++i) {
      const Completion& c = batch.completions[i];
      if (cfg.dynamic_sampling && zero_std[i]) continue;
      if (cfg.mask_truncated && c.truncated()) continue;
      rows.push_back({&prompts[size_t(c.prompt)], &c, adv[i]});
    }
    step.rows_total = long(batch.completions.size());
    step.rows_kept = long(rows.size());
    std::vector<MicroBatch> micro = build_grpo_micro_batches(cfg.loss, rows, n_micro, cfg.micro_batch);
    if (reference) {
      // Reference log-probs of the same targets, from the frozen starting model.
      const int V = mc.vocab_size;
      for (MicroBatch& b : micro) {
        const size_t nb = size_t(b.rows) * size_t(b.t);
        reference->forward(b.inputs.data(), b.rows, b.t);
        float* ref = b.aux.data() + size_t(kAuxRefLogp) * nb;
        reference->for_each_logits_chunk([&](int r0, int rows_n, const float* logits) {
          token_logprobs(logits, b.targets.data() + r0, rows_n, V, cfg.loss.temperature, ref + r0);
        });
      }
    }
    source.set(std::move(micro));
  };

  hooks.loss = [&](Model& m, const MicroBatch& b, double grad_scale) {
    // The micro-batch's coefficients already normalise the step's loss; the loop
    // divides what we return by its weight (grad_scale = 1 / weight), so undo that.
    return grpo_micro_batch_backward(m, b, cfg.loss, &step.loss) / grad_scale;
  };

  hooks.step_metrics = [&](long, const StepStats& stats, nlohmann::json& rec) {
    rec["reward_mean"] = step.reward_mean;
    rec["reward_std"] = step.reward_std;
    rec["accuracy"] = step.accuracy;
    rec["format"] = step.format;
    rec["response_length_mean"] = step.length_mean;
    rec["response_length_max"] = step.length_max;
    rec["think_tokens_mean"] = step.think_mean;
    rec["truncated"] = step.truncated;
    rec["zero_std_groups"] = step.zero_std_groups;
    rec["rows_kept"] = step.rows_kept;
    const double tokens = std::max(1.0, step.loss.tokens);
    rec["clip_low"] = step.loss.clipped_low / tokens;
    rec["clip_high"] = step.loss.clipped_high / tokens;
    rec["entropy"] = step.loss.entropy / tokens;
    if (cfg.loss.beta > 0) rec["kl"] = step.loss.kl / tokens;
    rec["rollout_tokens_per_s"] = step.rollout_seconds > 0 ? double(step.completion_tokens) / step.rollout_seconds : 0.0;
    const double upd = double(stats.tokens) * cfg.num_iterations;
    rec["update_tokens_per_s"] = stats.seconds > 0 ? upd / stats.seconds : 0.0;
    update_seconds += stats.seconds;
    update_tokens += long(upd);
  };

  if (!heldout.items.empty()) {
    hooks.evaluate = [&](Model& m) {
      EvalResult r;
      summary.after = evaluate_task(m, tok, heldout.items, eo);
      r.loss = 1.0 - summary.after.greedy_accuracy;  // the best checkpoint is the most accurate
      add_eval(r.metrics, summary.after);
      char text[64];
      std::snprintf(text, sizeof text, "held-out accuracy %.3f", summary.after.greedy_accuracy);
      r.progress = text;
      return r;
    };
  }
  hooks.add_files = [&](const std::string& dir) { tok.save_tokenizer_json(dir + "/tokenizer.json"); };

  TrainResult r = loop.run(hooks);
  summary.steps_done = r.steps_done;
  summary.model_dir = r.model_dir;
  summary.stopped_non_finite = r.stopped_non_finite;
  summary.rollout_tokens_per_s = rollout_seconds > 0 ? double(rollout_tokens) / rollout_seconds : 0;
  summary.update_tokens_per_s = update_seconds > 0 ? double(update_tokens) / update_seconds : 0;
  summary.seconds = total.seconds();
  summary.model_state_bytes = model->param_bytes() + model->grad_bytes() + loop.optimizer().state_bytes() +
                              (reference ? reference->param_bytes() : 0);
  summary.activation_bytes = model->activation_bytes() + (reference ? reference->activation_bytes() : 0);
  if (!cfg.out_dir.empty()) {
    nlohmann::json t;
    auto transcripts = [](const TaskEval& ev) {
      nlohmann::json list = nlohmann::json::array();
      for (const Transcript& x : ev.transcripts)
        list.push_back({{"question", x.question}, {"answer", x.answer}, {"response", x.response}, {"correct", x.correct}});
      return list;
    };
    t["before"] = transcripts(summary.before);
    t["after"] = transcripts(summary.after);
    write_file_atomic(cfg.out_dir + "/transcripts.json", t.dump(2) + "\n");
  }
  return summary;
}

}  // namespace llmforge
