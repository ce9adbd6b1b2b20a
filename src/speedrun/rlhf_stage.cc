#include "speedrun/rlhf_stage.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/atomic_file.h"
#include "core/resident_memory.h"
#include "core/timer.h"
#include "model/model_io.h"
#include "rl/preference.h"
#include "speedrun/speedrun.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
std::string percent(double v) { return fixed(100 * v, 1) + "%"; }

// Bytes of parameters, gradients and AdamW's two moments of a trained model, or the
// parameters alone of a frozen one.
double model_mib(const std::string& dir, bool trained) {
  const double floats = double(load_model_config(dir).num_parameters());
  return floats * 4 * (trained ? 4 : 1) / 1048576.0;
}

// What every policy is evaluated on: the same prompts and sampling seeds, the gold
// preference and the reward model.
struct PolicyEval {
  const std::string& rm_dir;
  const std::string& sft_dir;  // the reference the KL is measured from
  const GoldPreference& gold;
  const std::vector<OpenPrompt>& prompts;
  const SpeedrunPreset& p;
  uint64_t seed;

  // The mean gold score of the policy in `dir` (and the reward model's score).
  GoldEval operator()(const std::string& dir) const {
    std::unique_ptr<Model> policy = load_model(dir);
    std::unique_ptr<Model> rm = load_model(rm_dir);
    std::unique_ptr<Model> reference = load_model(sft_dir);
    Tokenizer tok = Tokenizer::load(dir);
    return evaluate_gold(*policy, tok, gold, prompts, rm.get(), p.rlhf_eval_samples, p.rm_max_new_tokens, seed,
                         nullptr, 0, reference.get());
  }
};

// The process's resident memory around one RL route: the high-water mark is reset
// when it starts, so peak() is the route's own peak (with what the process already held).
struct ResidentWatch {
  double before_mib = 0;
  bool reset = false;
  ResidentWatch() : reset(reset_peak_resident()) { before_mib = double(resident_bytes()) / 1048576.0; }
  double peak_mib() const { return double(peak_resident_bytes()) / 1048576.0; }
};

// The record of an RL route (PPO or GRPO) that ran `steps` in `seconds` and wrote its
// policy to `model_dir`: that policy evaluated, and a line saying so.
RlhfRoute route_record(const std::string& name, const std::string& out_dir, long steps, double seconds,
                       double model_mib, double activation_mib, const ResidentWatch& memory,
                       const std::string& model_dir, const PolicyEval& eval) {
  RlhfRoute r;
  r.name = name;
  r.activation_mib = activation_mib;
  r.resident_before_mib = memory.before_mib;
  r.peak_resident_mib = memory.reset ? memory.peak_mib() : 0;
  r.out_dir = out_dir;
  r.steps = steps;
  r.seconds = seconds;
  r.seconds_per_step = steps > 0 ? seconds / double(steps) : 0;
  r.model_mib = model_mib;
  r.eval = eval(model_dir);
  std::printf("   %s: %ld steps, gold %.3f, proxy %.3f after (%.1f s, peak resident %.0f MiB)\n", name.c_str(),
              steps, r.eval.gold, r.eval.proxy, seconds, r.peak_resident_mib);
  std::fflush(stdout);
  return r;
}

}  // namespace

RmStageRecord run_rm_stage(const SpeedrunPreset& p, const std::string& out, const std::string& sft_model_dir,
                           const std::string& world_dir, uint64_t seed, bool resume, Precision precision) {
  RmStageRecord rec;
  rec.ran = true;
  Timer t;
  const std::string dir = out + "/rlhf";
  PreferenceDataConfig dc;
  dc.model_dir = sft_model_dir;
  dc.world_dir = world_dir;
  dc.out_dir = dir + "/prefs";
  dc.people = "qa";
  dc.prompts = p.rm_prompts;
  dc.responses = p.rm_responses;
  dc.max_new_tokens = p.rm_max_new_tokens;
  dc.noise = p.rm_noise;
  dc.seed = seed;
  rec.data = make_preference_data(dc);
  std::printf("   preferences: %ld prompts x %d responses, %ld pairs (%ld identical, %ld ties skipped); "
              "the true preference agrees with %s of them\n",
              rec.data.prompts, dc.responses, rec.data.pairs, rec.data.skipped_identical, rec.data.skipped_ties,
              percent(rec.data.rater_agreement).c_str());
  std::fflush(stdout);
  RmTrainConfig rc;
  rc.model_dir = sft_model_dir;
  rc.data = dc.out_dir + "/ranked.jsonl";
  rc.out_dir = dir + "/rm";
  rc.epochs = p.rm_epochs;
  rc.schedule = {LrSchedule::Kind::kCosine, p.rm_lr, p.rm_lr / 10, 5, 1, 0.2};
  rc.seed = seed;
  rc.resume = resume;
  rc.precision = precision;
  rc.quiet = true;
  rec.rm = run_rm_train(rc);
  rec.seconds = t.seconds();
  std::printf("   reward model: held-out pair accuracy %s (before training %s; length-only baseline %s), %ld pairs; "
              "against the true preference %s (baseline %s), %ld pairs\n",
              percent(rec.rm.after.accuracy).c_str(), percent(rec.rm.before.accuracy).c_str(),
              percent(rec.rm.length_baseline).c_str(), rec.rm.heldout_pairs, percent(rec.rm.after.gold_accuracy).c_str(),
              percent(rec.rm.length_baseline_gold).c_str(), rec.rm.after.gold_pairs);
  std::fflush(stdout);
  return rec;
}

RlhfStageRecord run_rlhf_stage(const SpeedrunPreset& p, const std::string& out, const std::string& sft_model_dir,
                               const std::string& world_dir, const RmStageRecord& rm, uint64_t seed, bool resume,
                               Precision precision) {
  RlhfStageRecord rec;
  rec.ran = true;
  const std::string dir = out + "/rlhf";
  const std::string rm_dir = rm.rm.model_dir;
  const std::vector<PersonFacts> facts = read_people_facts(world_dir);
  GoldPreference gold(facts);
  std::vector<int> qa;
  for (size_t i = 0; i < facts.size(); ++i)
    if (facts[i].qa_split) qa.push_back(int(i));
  // Fresh samples on the RL prompts' distribution (people of the SFT half), the same
  // sampling seeds for every policy.
  const std::vector<OpenPrompt> eval_prompts = make_open_prompts(facts, qa, p.rlhf_eval_prompts, seed + 101);
  const PolicyEval eval{rm_dir, sft_model_dir, gold, eval_prompts, p, seed + 7919};
  rec.sft = eval(sft_model_dir);
  std::printf("   SFT model: gold %.3f, proxy %.3f on %ld samples\n", rec.sft.gold, rec.sft.proxy, rec.sft.samples);

  PpoConfig pc;
  pc.policy_dir = sft_model_dir;
  pc.reward_model_dir = rm_dir;
  pc.prompts = out + "/rlhf/prefs/prompts.jsonl";
  pc.world_dir = world_dir;
  pc.out_dir = dir + "/ppo";
  pc.steps = p.rlhf_steps;
  pc.prompts_per_step = p.rlhf_prompts;
  pc.samples_per_prompt = p.rlhf_group;
  pc.max_new_tokens = p.rm_max_new_tokens;
  pc.beta = p.rlhf_beta;
  pc.schedule = {LrSchedule::Kind::kConstant, p.rlhf_lr, p.rlhf_lr, 0, 1, 0.2};
  pc.seed = seed;
  pc.resume = resume;
  pc.precision = precision;
  pc.quiet = true;
  Timer pt;
  const ResidentWatch ppo_memory;
  const PpoSummary ps = run_ppo(pc);
  const double ppo_seconds = pt.seconds();
  rec.ppo = route_record("PPO", pc.out_dir, ps.steps_done, ppo_seconds, double(ps.peak_model_bytes) / 1048576.0,
                         double(ps.activation_bytes) / 1048576.0, ppo_memory, ps.model_dir, eval);
  auto log = read_metrics_log(pc.out_dir + "/metrics.jsonl", {"proxy_score", "gold_score", "kl"});
  rec.proxy_vs_step = {"proxy (reward model)", log["proxy_score"].step, log["proxy_score"].value};
  rec.gold_vs_step = {"gold (true preference)", log["gold_score"].step, log["gold_score"].value};
  rec.proxy_vs_kl = {"proxy (reward model)", log["kl"].value, log["proxy_score"].value};
  rec.gold_vs_kl = {"gold (true preference)", log["kl"].value, log["gold_score"].value};

  GrpoConfig gc;
  gc.model_dir = sft_model_dir;
  gc.task = pc.prompts;
  gc.heldout = 0;
  gc.rewards = "";
  gc.custom_rewards.push_back(reward_model_reward(rm_dir, 1.0));
  gc.out_dir = dir + "/grpo";
  gc.steps = p.rlhf_steps;
  gc.prompts_per_step = p.rlhf_prompts;
  gc.samples_per_prompt = std::max(2, p.rlhf_group);
  gc.max_new_tokens = p.rm_max_new_tokens;
  gc.loss.max_completion_length = p.rm_max_new_tokens;
  gc.schedule = {LrSchedule::Kind::kConstant, p.rlhf_lr, p.rlhf_lr, 0, 1, 0.2};
  gc.eval_every = 0;
  gc.checkpoint_every = 0;
  gc.seed = seed;
  gc.resume = resume;
  gc.precision = precision;
  gc.quiet = true;
  Timer gt;
  const ResidentWatch grpo_memory;
  const GrpoSummary gs = run_grpo(gc);
  const double grpo_seconds = gt.seconds();
  // The reward model sits inside the reward function: its parameters are counted
  // here, its activations (one scoring batch) only in the resident peak.
  rec.grpo = route_record("GRPO", gc.out_dir, gs.steps_done, grpo_seconds,
                          double(gs.model_state_bytes) / 1048576.0 + model_mib(rm_dir, false),
                          double(gs.activation_bytes) / 1048576.0, grpo_memory, gs.model_dir, eval);
  return rec;
}

std::string rlhf_report_markdown(const RmStageRecord& rm, const RlhfStageRecord& r, const std::string& out_dir) {
  PlotPanel kl{"PPO: proxy and gold score against KL from the reference", "KL (nats per response)", "score", false,
               {r.proxy_vs_kl, r.gold_vs_kl}};
  PlotPanel steps{"PPO: proxy and gold score over RL steps", "RL step", "score", false, {r.proxy_vs_step, r.gold_vs_step}};
  std::filesystem::create_directories(out_dir + "/plots");
  write_file_atomic(out_dir + "/plots/rlhf.svg", render_svg({kl, steps}));
  std::ostringstream md;
  md << "## RLHF: reward model, PPO and GRPO against the true preference\n\n"
     << "Open-ended prompts about people of the SFT half (\"Tell me about X\", \"Write a short bio of X\", ...); "
     << rm.data.prompts << " prompts x " << rm.data.responses / std::max<long>(1, rm.data.prompts)
     << " responses of the chat model, ranked by the hidden gold score (facts stated, none invented, no repetition, "
        "8-80 words) through a rater with noise; " << rm.data.pairs << " pairs, " << percent(rm.data.rater_agreement)
     << " of them agree with the true preference.\n\n"
     << "| held-out pairs judged by | pairs | accuracy before | accuracy after | length-only baseline |\n"
     << "|---|---|---|---|---|\n| the rater's ranking (noisy) | " << rm.rm.heldout_pairs << " | "
     << percent(rm.rm.before.accuracy) << " | " << percent(rm.rm.after.accuracy) << " | "
     << percent(rm.rm.length_baseline) << " |\n| the true preference (gold scores differ) | " << rm.rm.after.gold_pairs
     << " | " << percent(rm.rm.before.gold_accuracy) << " | " << percent(rm.rm.after.gold_accuracy) << " | "
     << percent(rm.rm.length_baseline_gold) << " |\n\nThe reward model (Bradley-Terry, SFT trunk + scalar head) "
        "trained in " << fixed(rm.seconds, 1) << " s, preference data included.\n\n"
     << "![proxy and gold](plots/rlhf.svg)\n\n"
     << "Evaluation: " << r.sft.samples << " fresh samples per policy on open prompts about the SFT half's people "
        "(the RL prompts' distribution), the same prompts and sampling seeds for every policy.\n\n"
     << "| policy | RL steps | gold score | proxy score | KL from SFT | mean length | models + gradients + optimizer "
        "(MiB) | activations (MiB) | peak resident (MiB) | time per step (s) |\n|---|---|---|---|---|---|---|---|---|---|\n"
     << "| SFT | 0 | " << fixed(r.sft.gold, 3) << " | " << fixed(r.sft.proxy, 3) << " | " << fixed(r.sft.kl, 2) << " | "
     << fixed(r.sft.length, 1) << " | - | - | - | - |\n";
  for (const RlhfRoute* x : {&r.ppo, &r.grpo})
    md << "| " << x->name << " | " << x->steps << " | " << fixed(x->eval.gold, 3) << " | " << fixed(x->eval.proxy, 3)
       << " | " << fixed(x->eval.kl, 2) << " | " << fixed(x->eval.length, 1) << " | " << fixed(x->model_mib, 1) << " | "
       << fixed(x->activation_mib, 1)
       << " | " << (x->peak_resident_mib > 0 ? fixed(x->peak_resident_mib, 0) : std::string("-")) << " | "
       << fixed(x->seconds_per_step, 2) << " |\n";
  md << "\nPPO holds four models (actor and critic trained, reference and reward model frozen); GRPO two (the "
        "policy trained, the reward model frozen; no reference at beta 0, no critic). Activations are the trained "
        "and frozen models' activation arenas at their largest batch (GRPO's reward model, inside its reward "
        "function, only in the peak). Peak resident is the process's high-water mark while the route ran (Linux "
        "VmHWM, reset as it starts), KV caches of the rollouts and allocator slack included; the process held "
     << fixed(r.ppo.resident_before_mib, 0) << " MiB before PPO and " << fixed(r.grpo.resident_before_mib, 0)
     << " MiB before GRPO.\n\n";
  return md.str();
}

nlohmann::json rlhf_report_json(const RmStageRecord& rm, const RlhfStageRecord& r) {
  auto ev = [](const GoldEval& e) {
    return nlohmann::json{{"samples", e.samples}, {"gold", e.gold}, {"proxy", e.proxy}, {"length", e.length}, {"kl", e.kl}};
  };
  auto route = [&](const RlhfRoute& x) {
    return nlohmann::json{{"steps", x.steps},
                          {"seconds", x.seconds},
                          {"seconds_per_step", x.seconds_per_step},
                          {"model_mib", x.model_mib},
                          {"activation_mib", x.activation_mib},
                          {"peak_resident_mib", x.peak_resident_mib},
                          {"resident_before_mib", x.resident_before_mib},
                          {"eval", ev(x.eval)},
                          {"out_dir", x.out_dir}};
  };
  nlohmann::json j;
  j["preferences"] = {{"prompts", rm.data.prompts}, {"pairs", rm.data.pairs},
                      {"rater_agreement", rm.data.rater_agreement}};
  j["reward_model"] = {{"heldout_pairs", rm.rm.heldout_pairs},
                       {"accuracy_before", rm.rm.before.accuracy},
                       {"accuracy", rm.rm.after.accuracy},
                       {"length_baseline", rm.rm.length_baseline},
                       {"gold_pairs", rm.rm.after.gold_pairs},
                       {"gold_accuracy_before", rm.rm.before.gold_accuracy},
                       {"gold_accuracy", rm.rm.after.gold_accuracy},
                       {"length_baseline_gold", rm.rm.length_baseline_gold},
                       {"model", rm.rm.model_dir}};
  if (r.ran) j["sft"] = ev(r.sft), j["ppo"] = route(r.ppo), j["grpo"] = route(r.grpo);
  return j;
}

}  // namespace llmforge
