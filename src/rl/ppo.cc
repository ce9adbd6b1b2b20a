#include "rl/ppo.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/timer.h"
#include "infer/chat_format.h"
#include "model/model_io.h"
#include "rl/gold_eval.h"
#include "rl/grpo_batch.h"
#include "rl/ppo_loss.h"
#include "rl/preference.h"
#include "rl/prompt_source.h"
#include "rl/reward_model.h"
#include "rl/rollout.h"
#include "rl/task.h"
#include "rl/task_eval.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/metrics_log.h"
#include "train/train_loop.h"

namespace llmforge {
namespace {

// aux planes of a PPO micro-batch (rows * t floats each), at target positions.
enum PpoPlane { kPpoOldLogp = 0, kPpoRefLogp = 1, kPpoAdvantage = 2, kPpoOldValue = 3, kPpoReturn = 4, kPpoPlanes = 5 };

// Target positions of a micro-batch, row-major: the completion tokens in order.
std::vector<size_t> target_positions(const MicroBatch& b) {
  std::vector<size_t> pos;
  for (size_t i = 0; i < b.targets.size(); ++i)
    if (b.targets[i] >= 0) pos.push_back(i);
  return pos;
}

std::vector<float> host_values(Model& m, size_t n) {
  std::vector<float> v(n);
  m.kernels().copy_to_host(v.data(), m.values(), n * sizeof(float));
  return v;
}

struct PpoStep {
  double proxy = 0, gold = 0, kl = 0, length = 0, beta = 0, ev = 0, non_score = 0;
  double value_loss = 0, value_tokens = 0, value_clipped = 0;
  PpoLossStats policy;  // over every update of the step (the first has ratio 1)
  GrpoStats logits;     // entropy, of the first update (the rollout policy)
  bool first_update = true;
  long completion_tokens = 0;
  double rollout_seconds = 0;
};

}  // namespace

PpoSummary run_ppo(const PpoConfig& cfg) {
  if (cfg.policy_dir.empty() || cfg.reward_model_dir.empty() || cfg.prompts.empty())
    ErrorBuilder("rl") << "ppo needs a policy (SFT) model, a reward model and a prompts file";
  if (cfg.critic_init != "rm" && cfg.critic_init != "sft")
    ErrorBuilder("rl") << "critic_init must be rm or sft (got '" << cfg.critic_init << "')";
  if (cfg.prompts_per_step <= 0 || cfg.samples_per_prompt <= 0 || cfg.micro_batch <= 0 || cfg.ppo_epochs <= 0 ||
      cfg.max_new_tokens <= 0 || cfg.rollout_batch <= 0)
    ErrorBuilder("rl") << "prompts, samples, micro_batch, ppo_epochs, max_new_tokens and rollout_batch must be positive";
  if (cfg.prompts_per_step * cfg.samples_per_prompt < 2) ErrorBuilder("rl") << "whitening needs two sequences a step";
  Distributed dist;
  if (dist.world() > 1) ErrorBuilder("rl") << "PPO runs in one process";
  Timer total;
  PpoSummary summary;

  Tokenizer tok = Tokenizer::load(cfg.policy_dir);
  const std::vector<int32_t> stops{chat_end_token(tok)};
  std::vector<TaskItem> items = load_task_jsonl(cfg.prompts, AnswerCheck::kExact);
  std::vector<PersonFacts> facts;
  if (!cfg.world_dir.empty()) facts = read_people_facts(cfg.world_dir);
  std::unique_ptr<GoldPreference> gold = facts.empty() ? nullptr : std::make_unique<GoldPreference>(facts);
  std::vector<std::vector<int32_t>> prompt_tokens;
  std::vector<OpenPrompt> open;
  const ModelConfig pc = load_model_config(cfg.policy_dir);
  for (const TaskItem& it : items) {
    std::vector<int32_t> t = render_chat(tok, it.messages, true).tokens;
    if (int(t.size()) + 1 >= pc.max_seq_len) ErrorBuilder("rl") << it.id << ": prompt leaves no room to answer";
    prompt_tokens.push_back(std::move(t));
    open.push_back(gold ? open_prompt_from_text(facts, item_question(it)) : OpenPrompt{});
  }
  if (items.empty()) ErrorBuilder("rl") << cfg.prompts << ": no prompts";

  const int S = cfg.prompts_per_step * cfg.samples_per_prompt;
  const int n_micro = (S + cfg.micro_batch - 1) / cfg.micro_batch;
  TrainLoopConfig lc = train_loop_config("ppo", cfg.steps, n_micro, cfg);
  lc.updates_per_step = cfg.ppo_epochs;
  lc.measure_mfu = false;
  TrainLoop loop(lc, dist);
  const std::string& resume_from = loop.resume_dir();
  std::unique_ptr<Model> actor = load_model(resume_from.empty() ? cfg.policy_dir : resume_from, cfg.precision);
  std::unique_ptr<Model> reference = load_model(cfg.policy_dir, cfg.precision);
  std::unique_ptr<Model> rm = load_model(cfg.reward_model_dir, cfg.precision);
  if (!rm->config().value_head) ErrorBuilder("rl") << cfg.reward_model_dir << " is not a reward model (no value head)";
  std::unique_ptr<Model> critic;
  if (!resume_from.empty()) {
    critic = load_model(resume_from + "/critic", cfg.precision);
  } else {
    critic = cfg.critic_init == "rm" ? load_model(cfg.reward_model_dir, cfg.precision)
                                     : reward_model_from(*reference, cfg.seed);
  }
  AdamW critic_opt(*critic, cfg.adamw);
  AdaptiveKlController kl_ctl(cfg.beta, cfg.kl_target, cfg.kl_horizon);
  if (!resume_from.empty()) {
    // The critic, its AdamW state and beta at the checkpoint, so the run continues bitwise.
    const CheckpointMeta meta = load_training_state(resume_from + "/critic", *critic, critic_opt);
    auto it = meta.find("ppo.beta_bits");
    if (it == meta.end()) ErrorBuilder("rl") << resume_from << "/critic: no ppo.beta_bits in its training state";
    const uint64_t bits = std::stoull(it->second);
    double beta = 0;
    std::memcpy(&beta, &bits, sizeof beta);
    kl_ctl.set_beta(beta);
  }
  // Held-out evaluation: fixed prompts and sampling seeds, so every evaluation
  // compares the policies of the run on equal terms.
  std::vector<OpenPrompt> eval_open;
  std::unique_ptr<Model> heldout_rm;
  if (!cfg.eval_prompts.empty()) {
    if (!gold) ErrorBuilder("rl") << "held-out evaluation (" << cfg.eval_prompts << ") needs a world for the gold score";
    for (const TaskItem& it : load_task_jsonl(cfg.eval_prompts, AnswerCheck::kExact)) {
      OpenPrompt op = open_prompt_from_text(facts, item_question(it));
      if (op.person < 0) ErrorBuilder("rl") << cfg.eval_prompts << ": " << it.id << " names nobody of the world";
      eval_open.push_back(std::move(op));
    }
    if (eval_open.empty()) ErrorBuilder("rl") << cfg.eval_prompts << ": no prompts";
    if (!cfg.eval_reward_model_dir.empty()) {
      heldout_rm = load_model(cfg.eval_reward_model_dir, cfg.precision);
      if (!heldout_rm->config().value_head)
        ErrorBuilder("rl") << cfg.eval_reward_model_dir << " is not a reward model (no value head)";
    }
  } else if (!cfg.eval_reward_model_dir.empty()) {
    ErrorBuilder("rl") << "a held-out reward model needs held-out prompts (eval_prompts)";
  }
  PromptSource source(items.size(), cfg.seed, "ppo");
  loop.attach(*actor, source);
  summary.peak_model_bytes = actor->param_bytes() + actor->grad_bytes() + loop.optimizer().state_bytes() +
                             critic->param_bytes() + critic->grad_bytes() + critic_opt.state_bytes() +
                             reference->param_bytes() + rm->param_bytes();
  if (!cfg.quiet) {
    std::printf("ppo: actor and reference from %s, reward model %s, critic from the %s; %d prompts x %d samples a step "
                "in %d micro-batches, %d epochs; beta %.3g%s\n",
                cfg.policy_dir.c_str(), cfg.reward_model_dir.c_str(), cfg.critic_init == "rm" ? "reward model" : "SFT model",
                cfg.prompts_per_step, cfg.samples_per_prompt, n_micro, cfg.ppo_epochs, cfg.beta,
                cfg.kl_target > 0 ? " (adaptive)" : "");
    std::fflush(stdout);
  }

  RolloutConfig rc;
  rc.samples_per_prompt = cfg.samples_per_prompt;
  rc.sampling.temperature = cfg.temperature;
  rc.sampling.top_p = cfg.top_p;
  rc.max_new_tokens = cfg.max_new_tokens;
  rc.stop_tokens = stops;
  rc.max_batch = cfg.rollout_batch;
  const int V = pc.vocab_size;
  PpoStep step;
  long loop_step = 0;  // the step running now (held-out evaluations name it)
  bool critic_fresh = true;
  TrainHooks hooks;

  hooks.before_step = [&](long n, Model& m) {
    loop_step = n;
    step = PpoStep{};
    step.beta = kl_ctl.beta();
    std::vector<size_t> picked;
    std::vector<std::vector<int32_t>> prompts;
    for (int i = 0; i < cfg.prompts_per_step; ++i) {
      picked.push_back(source.next_prompt());
      prompts.push_back(prompt_tokens[picked.back()]);
    }
    const RolloutBatch batch = generate_rollouts(m, prompts, rc, cfg.seed * 1000003ull + uint64_t(n));
    step.rollout_seconds = batch.seconds;
    step.completion_tokens = batch.completion_tokens;
    summary.rollout_seconds += batch.seconds;
    std::vector<GrpoRow> rows;
    std::vector<int> lengths;
    std::vector<std::vector<int32_t>> scored;
    for (const Completion& c : batch.completions) {
      rows.push_back({&prompts[size_t(c.prompt)], &c, 0.0f});
      lengths.push_back(int(c.tokens.size()));
      std::vector<int32_t> s = prompts[size_t(c.prompt)];
      s.insert(s.end(), c.tokens.begin(), c.tokens.end());
      scored.push_back(std::move(s));
      step.length += double(c.tokens.size());
      if (gold) {
        const OpenPrompt& op = open[picked[size_t(c.prompt)]];
        if (op.person >= 0) step.gold += gold->score(op, completion_text(tok, c, stops)).gold;
      }
    }
    std::vector<float> scores = score_sequences(*rm, scored, cfg.micro_batch);
    std::vector<MicroBatch> micro = build_grpo_micro_batches(GrpoLossConfig{}, rows, n_micro, cfg.micro_batch);
    // Old log-probs (recorded at sampling), reference log-probs and old values, flat.
    std::vector<float> old_logp, ref_logp, values;
    for (MicroBatch& b : micro) {
      const size_t nb = size_t(b.rows) * size_t(b.t);
      b.aux.resize(nb * kPpoPlanes, 0.0f);
      std::vector<float> ref(nb, 0.0f);
      reference->forward(b.inputs.data(), b.rows, b.t);
      reference->for_each_logits_chunk([&](int r0, int rn, const float* logits) {
        token_logprobs(logits, b.targets.data() + r0, rn, V, cfg.temperature, ref.data() + r0);
      });
      critic->forward(b.inputs.data(), b.rows, b.t);
      const std::vector<float> v = host_values(*critic, nb);
      for (size_t p : target_positions(b)) {
        old_logp.push_back(b.aux[size_t(kPpoOldLogp) * nb + p]);
        ref_logp.push_back(ref[p]);
        values.push_back(v[p]);
      }
    }
    std::vector<float> kl;
    const std::vector<float> rewards = ppo_token_rewards(lengths, scores, old_logp.data(), ref_logp.data(),
                                                         kl_ctl.beta(), &kl);
    std::vector<float> adv(rewards.size()), ret(rewards.size());
    gae(lengths, rewards.data(), values.data(), cfg.gamma, cfg.lambda, adv.data(), ret.data());
    step.ev = explained_variance(values.data(), ret.data(), long(ret.size()));
    if (cfg.whiten_advantages && adv.size() >= 2) whiten(adv.data(), long(adv.size()));
    size_t at = 0;
    for (MicroBatch& b : micro) {
      const size_t nb = size_t(b.rows) * size_t(b.t);
      for (size_t p : target_positions(b)) {
        b.aux[size_t(kPpoRefLogp) * nb + p] = ref_logp[at];
        b.aux[size_t(kPpoAdvantage) * nb + p] = adv[at];
        b.aux[size_t(kPpoOldValue) * nb + p] = values[at];
        b.aux[size_t(kPpoReturn) * nb + p] = ret[at];
        ++at;
      }
    }
    const double ns = double(batch.completions.size());
    for (float s : scores) step.proxy += s;
    for (float k : kl) step.kl += k;
    for (size_t i = 0; i < rewards.size(); ++i) step.non_score += -kl_ctl.beta() * kl[i];
    step.proxy /= ns, step.gold /= ns, step.kl /= ns, step.length /= ns, step.non_score /= ns;
    kl_ctl.update(step.kl, ns);
    source.set(std::move(micro));
  };

  hooks.loss = [&](Model& m, const MicroBatch& b, double grad_scale) {
    const size_t nb = size_t(b.rows) * size_t(b.t);
    const float* old = b.aux.data() + size_t(kPpoOldLogp) * nb;
    const float* adv = b.aux.data() + size_t(kPpoAdvantage) * nb;
    double loss = 0;
    m.backward(
        [&](int r0, int rn, float* logits) {
          std::vector<float> lp(static_cast<size_t>(rn)), dl(static_cast<size_t>(rn), 0.0f);
          token_logprobs(logits, b.targets.data() + r0, rn, V, cfg.temperature, lp.data());
          std::vector<float> l, o, a, d;
          std::vector<int> idx;
          for (int i = 0; i < rn; ++i) {
            if (b.targets[size_t(r0 + i)] < 0) continue;
            idx.push_back(i), l.push_back(lp[size_t(i)]), o.push_back(old[r0 + i]), a.push_back(adv[r0 + i]);
          }
          if (!idx.empty()) {
            d.resize(idx.size());
            const double cnt = double(idx.size());
            loss += cnt * ppo_policy_loss(l.data(), o.data(), a.data(), long(idx.size()), cfg.epsilon, d.data(),
                                          &step.policy);
            for (size_t k = 0; k < idx.size(); ++k) dl[size_t(idx[k])] = float(d[k] * cnt * grad_scale);
          }
          grpo_logits_backward(logits, b.targets.data() + r0, dl.data(), rn, V, cfg.temperature,
                               step.first_update ? &step.logits : nullptr);
        },
        nullptr);
    // The critic on the same rows: the clipped value loss, accumulated until after_backward.
    if (critic_fresh) critic->zero_grad(), critic_fresh = false;
    critic->forward(b.inputs.data(), b.rows, b.t);
    const std::vector<float> v = host_values(*critic, nb);
    const std::vector<size_t> pos = target_positions(b);
    if (!pos.empty()) {
      std::vector<float> cur, oldv, ret, dv(pos.size());
      for (size_t p : pos) {
        cur.push_back(v[p]);
        oldv.push_back(b.aux[size_t(kPpoOldValue) * nb + p]);
        ret.push_back(b.aux[size_t(kPpoReturn) * nb + p]);
      }
      ValueLossStats vs;
      const double cnt = double(pos.size());
      const double vl = ppo_value_loss(cur.data(), oldv.data(), ret.data(), long(pos.size()), cfg.value_clip, dv.data(), &vs);
      step.value_loss += vl * cnt, step.value_tokens += cnt, step.value_clipped += vs.clipped;
      std::vector<float> dvalues(nb, 0.0f);
      for (size_t k = 0; k < pos.size(); ++k) dvalues[pos[k]] = float(dv[k] * cnt * grad_scale);
      critic->backward(LogitsGradFn(), dvalues.data());
    }
    return loss;
  };

  hooks.after_backward = [&](long, Model&) {
    const double norm = grad_norm(*critic);
    if (std::isfinite(norm)) critic_opt.step(*critic, cfg.critic_lr, norm);
    critic_fresh = true;
    step.first_update = false;
  };

  MetricsLog eval_log(eval_open.empty() || cfg.out_dir.empty() ? "" : cfg.out_dir + "/eval.jsonl",
                      loop.start_step() > 0);
  // One held-out evaluation of the actor after `step` steps, a line of eval.jsonl.
  auto evaluate_heldout = [&](Model& m, long step_no) {
    const GoldEval e = evaluate_gold(m, tok, *gold, eval_open, rm.get(), cfg.eval_samples, cfg.max_new_tokens,
                                     cfg.seed * 7919 + 17, heldout_rm.get(), cfg.eval_examples, reference.get());
    nlohmann::json line{{"step", step_no},
                        {"kl", e.kl},  // of these held-out answers from the reference
                        {"rollout_kl", step_no == 0 ? 0.0 : summary.last_kl},
                        {"gold", e.gold},
                        {"proxy", e.proxy},
                        {"length", e.length},
                        {"samples", e.samples}};
    if (heldout_rm) line["heldout_proxy"] = e.heldout_proxy;
    line["examples"] = nlohmann::json::array();
    for (const GoldSample& s : e.examples)
      line["examples"].push_back({{"prompt", s.prompt}, {"response", s.response}, {"gold", s.gold}, {"proxy", s.proxy}});
    eval_log.write(line);
    ++summary.evaluations;
    return e;
  };
  if (!eval_open.empty()) {
    if (loop.start_step() == 0) evaluate_heldout(*actor, 0);
    hooks.evaluate = [&](Model& m) {
      const GoldEval e = evaluate_heldout(m, loop_step);
      EvalResult r;
      // Lower is better for the loop's `best` checkpoint: the held-out reward
      // model's score, else the reward model's (never gold, which a real run lacks).
      r.loss = -(heldout_rm ? e.heldout_proxy : e.proxy);
      r.metrics = {{"eval_gold", e.gold}, {"eval_proxy", e.proxy}, {"eval_length", e.length}, {"eval_kl", e.kl}};
      if (heldout_rm) r.metrics["eval_heldout_proxy"] = e.heldout_proxy;
      char text[96];
      std::snprintf(text, sizeof text, "held-out gold %.3f proxy %.3f", e.gold, e.proxy);
      r.progress = text;
      return r;
    };
  }

  bool first = true;
  hooks.step_metrics = [&](long, const StepStats& stats, nlohmann::json& rec) {
    rec["proxy_score"] = step.proxy;
    if (gold) rec["gold_score"] = step.gold;
    rec["kl"] = step.kl;
    rec["beta"] = step.beta;
    rec["non_score_reward"] = step.non_score;
    rec["response_length"] = step.length;
    rec["explained_variance"] = std::isfinite(step.ev) ? step.ev : 0.0;
    const double tokens = std::max(1.0, step.policy.tokens);
    rec["clip_fraction"] = step.policy.clipped / tokens;
    rec["approx_kl"] = step.policy.approx_kl / tokens;
    rec["entropy"] = step.logits.entropy / std::max(1.0, tokens / cfg.ppo_epochs);  // first update's tokens
    rec["value_loss"] = step.value_tokens > 0 ? step.value_loss / step.value_tokens : 0.0;
    rec["value_clip_fraction"] = step.value_tokens > 0 ? step.value_clipped / step.value_tokens : 0.0;
    rec["rollout_seconds"] = step.rollout_seconds;
    rec["update_seconds"] = stats.seconds;  // the loop times the step after the rollout
    summary.update_seconds += stats.seconds;
    if (first) summary.first_proxy = step.proxy, summary.first_gold = step.gold, first = false;
    summary.last_proxy = step.proxy, summary.last_gold = step.gold, summary.last_kl = step.kl;
  };
  hooks.add_files = [&](const std::string& dir) {
    tok.save_tokenizer_json(dir + "/tokenizer.json");
    const double beta = kl_ctl.beta();
    uint64_t bits = 0;
    std::memcpy(&bits, &beta, sizeof bits);
    save_checkpoint(dir + "/critic", *critic, critic_opt, {{"ppo.beta_bits", std::to_string(bits)}});
  };

  TrainResult r = loop.run(hooks);
  summary.steps_done = r.steps_done;
  summary.model_dir = r.model_dir;
  if (!r.model_dir.empty()) summary.critic_dir = r.model_dir + "/critic";  // written by add_files
  summary.seconds = total.seconds();
  // The arenas grow to the largest batch they ran, so at the end they hold the peak.
  summary.activation_bytes = actor->activation_bytes() + critic->activation_bytes() +
                             reference->activation_bytes() + rm->activation_bytes();
  return summary;
}

}  // namespace llmforge
