#include "speedrun/grpo_stage.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/atomic_file.h"
#include "core/svg_plot.h"
#include "core/timer.h"
#include "model/model_io.h"
#include "rl/arithmetic_task.h"
#include "rl/task_eval.h"
#include "sft/sft.h"
#include "speedrun/speedrun.h"
#include "tokenizer/tokenizer.h"
#include "train/distributed.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
std::string percent(double v) { return fixed(100 * v, 1) + "%"; }

GrpoConfig route_config(const SpeedrunPreset& p, const ArithmeticTaskOptions& task, uint64_t seed, bool resume,
                        Precision precision) {
  GrpoConfig c;
  c.task = "arithmetic";
  c.arithmetic = task;
  c.prompts_per_step = p.grpo_prompts;
  c.samples_per_prompt = p.grpo_group;
  c.max_new_tokens = p.grpo_max_new_tokens;
  c.loss.max_completion_length = p.grpo_max_new_tokens;
  // A step's samples decoded together: 256 sequences at once ran at 2985 tokens/s
  // against 2415 for 64 on the 2-core Xeon (bench_rollout --prompts 32 --tokens 56).
  // The default model's cache for 256 sequences of 120 tokens is about 250 MB.
  c.rollout_batch = std::max(64, p.grpo_prompts * p.grpo_group);
  c.schedule = {LrSchedule::Kind::kConstant, p.grpo_lr, p.grpo_lr, 0, 1, 0.2};
  c.eval_every = p.grpo_eval_every;
  c.eval_prompts = p.grpo_eval_prompts;
  c.checkpoint_every = 0;
  c.seed = seed;
  c.resume = resume;
  c.precision = precision;
  return c;
}

GrpoRouteRecord run_route(const std::string& name, GrpoConfig c) {
  GrpoRouteRecord r;
  r.name = name;
  r.start_model = c.model_dir;
  r.out_dir = c.out_dir;
  Timer t;
  std::printf("   %s: GRPO from %s, %ld steps of %d prompts x %d samples\n", name.c_str(), c.model_dir.c_str(), c.steps,
              c.prompts_per_step, c.samples_per_prompt);
  std::fflush(stdout);
  r.summary = run_grpo(c);
  r.seconds = t.seconds();
  auto log = read_metrics_log(c.out_dir + "/metrics.jsonl",
                              {"eval_accuracy", "accuracy", "response_length_mean", "think_tokens_mean"});
  r.eval_accuracy = {name + " held-out greedy", log["eval_accuracy"].step, log["eval_accuracy"].value};
  r.train_accuracy = {name + " rollout samples", log["accuracy"].step, log["accuracy"].value};
  r.length = {name + " response tokens", log["response_length_mean"].step, log["response_length_mean"].value};
  r.think = {name + " thinking tokens", log["think_tokens_mean"].step, log["think_tokens_mean"].value};
  auto show = [&](const char* when, const TaskEval& ev) {
    if (ev.items == 0) return;
    std::printf("   %s %s: held-out greedy accuracy %s, pass@1 %s, pass@%d %s, mean length %.1f\n", name.c_str(), when,
                percent(ev.greedy_accuracy).c_str(), percent(ev.pass_at_k.front().second).c_str(),
                ev.pass_at_k.back().first, percent(ev.pass_at_k.back().second).c_str(), ev.greedy_length);
  };
  show("before", r.summary.before);
  show("after", r.summary.after);
  std::fflush(stdout);
  return r;
}

// How the cold start ended, for the report: at its validation target or after all
// its epochs.
std::string cold_start_stop_text(const GrpoStageRecord& r) {
  if (r.cold_start_target <= 0) return "";
  std::ostringstream s;
  s << "The cold start was checked every quarter epoch (once an epoch while under a quarter of the target) on "
    << r.cold_start_check_items << " validation problems (training problems it never shows) and ";
  if (r.cold_start_at_target) {
    s << "stopped after " << fixed(r.cold_start_epochs, 1) << " epochs, when it answered ";
  } else {
    s << "ran all its " << fixed(r.cold_start_epochs, 1) << " epochs; its last check answered ";
  }
  s << (r.cold_start_check.y.empty() ? std::string("-") : percent(r.cold_start_check.y.back()))
    << " of them (target " << percent(r.cold_start_target) << "). ";
  return s.str();
}

}  // namespace

GrpoStageRecord run_grpo_stage(const SpeedrunPreset& p, const std::string& out, const std::string& base_model_dir,
                               uint64_t seed, bool resume, Precision precision) {
  GrpoStageRecord rec;
  rec.ran = true;
  const std::string dir = out + "/rl";
  std::filesystem::create_directories(dir + "/task");
  ArithmeticTaskOptions task;
  task.seed = seed;
  task.train = p.grpo_train_items;
  task.heldout = p.grpo_heldout_items;
  task.cold_start = p.grpo_cold_start;
  task.operands = p.grpo_operands;
  task.max_value = p.world.arithmetic_max;  // the range of the practice text the base model learned
  task.think_format = parse_think_format(p.grpo_think_format);
  if (p.grpo_cold_start_target > 0) task.validation = p.grpo_cold_start_check_items;
  ArithmeticTask t = make_arithmetic_task(task);
  write_task_jsonl(dir + "/task/train.jsonl", t.train);
  write_task_jsonl(dir + "/task/heldout.jsonl", t.heldout);
  write_conversations_jsonl(dir + "/task/cold_start.jsonl", t.cold_start);
  rec.train_items = int(t.train.size());
  rec.heldout_items = std::min<int>(int(t.heldout.size()), p.grpo_eval_prompts);
  rec.cold_start_examples = int(t.cold_start.size());
  rec.operands = task.operands;
  rec.max_value = task.max_value;
  rec.example = t.train.front().messages.front().content;
  rec.think_format = think_format_name(task.think_format);
  if (!t.cold_start.empty()) {
    // One line in the report: its line breaks written as \n.
    for (char ch : t.cold_start.front().back().content) {
      rec.worked_example += ch == '\n' ? std::string("\\n") : std::string(1, ch);
    }
  }
  rec.lr = p.grpo_lr;
  const Tokenizer tok = Tokenizer::load(base_model_dir + "/tokenizer.json");
  {
    std::unique_ptr<Model> base = load_model(base_model_dir);
    rec.base_steps = probe_arithmetic_steps(*base, tok, t.heldout, 200);
    std::printf("   base model: %d of %d single steps of held-out answers right (\"%s\")\n", rec.base_steps.correct,
                rec.base_steps.steps, rec.base_steps.samples.empty() ? "" : rec.base_steps.samples[0].c_str());
  }

  // R1: cold start on worked examples, then GRPO. Like DeepSeek-R1 it starts from the
  // base model, so the two routes differ only by the cold start; the worked chats
  // teach the chat format as well as the think format.
  Timer cold_timer;
  SftConfig sc;
  sc.model_dir = base_model_dir;
  sc.train_file = dir + "/task/cold_start.jsonl";
  sc.out_dir = dir + "/cold_start";
  sc.epochs = p.grpo_cold_start_epochs;
  // Rows of 4 packed chats: 16-row steps gave 15 updates in three epochs and a model
  // that never closed </think> (loss 2.17); 4-row steps give 75 and the format (0.89).
  sc.micro_batch = 4;
  sc.schedule = {LrSchedule::Kind::kCosine, p.grpo_cold_start_lr, p.grpo_cold_start_lr / 10, 5, 1, 0.2};
  sc.eval_every = 1000000;  // no validation set
  // Where a fixed epoch count lands is decided by rounding near a sharp transition:
  // sixteen epochs gave 93% held-out on one seed and 52% on another (and 69% on the
  // first with one thread instead of two). Stopping at a validation accuracy gives
  // GRPO the same kind of starting point on every seed and machine.
  rec.cold_start_target = p.grpo_cold_start_target;
  rec.cold_start_check_items = int(t.validation.size());
  if (p.grpo_cold_start_target > 0) {
    // Every quarter epoch: on the default preset validation accuracy went 36% -> 66%
    // -> 82% in two epochs (seed 1), and with checks every half epoch one run still
    // jumped from 38% to 64% between two of them.
    // A check of 100 problems costs about a second, as much as ten training steps,
    // so while the model is far below the target (under a quarter of it; the first
    // ten epochs or so) only every fourth check runs: once an epoch. The cold start
    // keeps no checkpoint before its end, so a resumed one starts over and checks at
    // the same steps.
    sc.check_every_epochs = 0.25;
    sc.check = [&, calls = 0, last = -1.0](Model& m) mutable {
      EvalResult r;
      if (last >= 0 && last < p.grpo_cold_start_target / 4 && calls++ % 4 != 3) {
        r.progress = "check " + percent(last);
        return r;
      }
      calls = 0;
      TaskEvalOptions eo;
      eo.prompt_template = PromptTemplate::kChat;
      eo.max_new_tokens = p.grpo_max_new_tokens;
      eo.samples = 0;
      eo.transcripts = 0;
      eo.max_batch = 128;  // the whole validation set in one batch
      const TaskEval ev = evaluate_task(m, tok, t.validation, eo);
      last = ev.greedy_accuracy;
      r.loss = 1 - ev.greedy_accuracy;  // the `best` checkpoint: the most right
      r.metrics["check_accuracy"] = ev.greedy_accuracy;
      r.metrics["check_format"] = ev.greedy_format;
      r.progress = "check " + percent(ev.greedy_accuracy);
      r.stop = ev.greedy_accuracy >= p.grpo_cold_start_target;
      return r;
    };
  }
  sc.checkpoint_every = 0;
  sc.seed = seed;
  sc.resume = resume;
  sc.precision = precision;
  sc.quiet = true;
  Distributed dist;
  std::printf("   R1 cold start: SFT of the base model on %d worked think-format examples", rec.cold_start_examples);
  if (sc.check) {
    std::printf(", until %s of %d validation problems are right (at most %g epochs)",
                percent(p.grpo_cold_start_target).c_str(), rec.cold_start_check_items, sc.epochs);
  }
  std::printf("\n");
  std::fflush(stdout);
  SftSummary cold = run_sft(sc, dist);
  rec.cold_start_steps = cold.steps_done;
  rec.cold_start_epochs = sc.epochs * double(cold.steps_done) / double(std::max(1L, cold.total_steps));
  rec.cold_start_at_target = cold.stopped_at_goal;
  rec.cold_start_seconds = cold_timer.seconds();
  if (sc.check) {
    auto log = read_metrics_log(sc.out_dir + "/metrics.jsonl", {"check_accuracy"});
    rec.cold_start_check = {"cold start: validation greedy", log["check_accuracy"].step, log["check_accuracy"].value};
    std::printf("   R1 cold start: %s after %ld steps (%.1f epochs), validation greedy accuracy %s\n",
                cold.stopped_at_goal ? "reached the target" : "ran all its epochs", cold.steps_done,
                rec.cold_start_epochs,
                rec.cold_start_check.y.empty() ? "-" : percent(rec.cold_start_check.y.back()).c_str());
    std::fflush(stdout);
  }

  GrpoConfig r1 = route_config(p, task, seed, resume, precision);
  r1.model_dir = cold.model_dir;
  r1.out_dir = dir + "/r1";
  r1.steps = p.grpo_steps;
  r1.prompt_template = PromptTemplate::kChat;
  r1.rewards = "correctness=1,format=0.2";
  rec.r1 = run_route("R1", r1);

  // R1-Zero: the base model, the template opens its thinking; the base model never
  // saw <|end|>, so it also stops at <|bos|> (where its documents end).
  GrpoConfig zero = route_config(p, task, seed, resume, precision);
  zero.model_dir = base_model_dir;
  zero.out_dir = dir + "/r1zero";
  zero.steps = p.grpo_r1zero_steps;
  zero.prompt_template = PromptTemplate::kR1Zero;
  zero.rewards = "correctness=1,format=0.2";
  rec.r1zero = run_route("R1-Zero", zero);
  return rec;
}


std::string grpo_report_markdown(const GrpoStageRecord& r, const std::string& out_dir) {
  PlotPanel acc{"Arithmetic accuracy over GRPO steps", "RL step", "accuracy", false,
                {r.r1.eval_accuracy, r.r1.train_accuracy, r.r1zero.eval_accuracy, r.r1zero.train_accuracy}};
  PlotPanel len{"Response length over GRPO steps", "RL step", "tokens", false,
                {r.r1.length, r.r1.think, r.r1zero.length, r.r1zero.think}};
  std::vector<PlotPanel> panels{acc, len};
  if (!r.cold_start_check.y.empty()) {
    panels.push_back({"R1 cold start: validation accuracy", "SFT step", "accuracy", false, {r.cold_start_check}});
  }
  std::filesystem::create_directories(out_dir + "/plots");
  write_file_atomic(out_dir + "/plots/grpo.svg", render_svg(panels));

  std::ostringstream md;
  md << "## GRPO: reinforcement learning on arithmetic\n\n"
     << "Multi-step arithmetic with " << r.operands << " numbers (\"" << r.example
     << "\"): every step of a worked answer is a line of the\n"
     << "arithmetic practice text the base model was pretrained on (one digit added to or taken from a number, every "
        "number in [0, "
     << r.max_value << "]); the whole expression at once is not. The base model completes "
     << percent(r.base_steps.accuracy()) << " (" << r.base_steps.correct << "/" << r.base_steps.steps
     << ") of the single steps of held-out answers (\"13 + 7 =\" continued after <|bos|> and two other steps). "
     << r.train_items << " training and " << r.heldout_items << " held-out problems (never in training).\n"
     << "R1: a cold start (" << r.cold_start_steps << " SFT steps on " << r.cold_start_examples
     << " worked \"<think>...</think>answer\" chats in the \"" << r.think_format << "\" think format, "
     << fixed(r.cold_start_seconds, 1) << " s; \"" << r.worked_example << "\"), then GRPO. "
     << cold_start_stop_text(r)
     << "R1-Zero: GRPO from the base model with the template \"Question: ...\\nAnswer: <think>\".\n"
     << "Rewards: correctness 1, format 0.2; G samples per prompt; learning rate " << r.lr
     << "; TRL's defaults otherwise (dapo loss, eps 0.2, beta 0).\n\n"
     << "![GRPO curves](plots/grpo.svg)\n\n"
     << "| route | RL steps | held-out greedy before | after | pass@1 before | after | pass@k before | after | "
        "mean length before | after | rollout tok/s | time (s) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const GrpoRouteRecord* route : {&r.r1, &r.r1zero}) {
    const GrpoSummary& s = route->summary;
    auto pk = [](const TaskEval& ev, bool last) {
      if (ev.pass_at_k.empty()) return std::string("-");
      const auto& p = last ? ev.pass_at_k.back() : ev.pass_at_k.front();
      return (last ? "pass@" + std::to_string(p.first) + " " : std::string()) + percent(p.second);
    };
    md << "| " << route->name << " | " << s.steps_done << " | " << percent(s.before.greedy_accuracy) << " | "
       << percent(s.after.greedy_accuracy) << " | " << pk(s.before, false) << " | " << pk(s.after, false) << " | "
       << pk(s.before, true) << " | " << pk(s.after, true) << " | " << fixed(s.before.greedy_length, 1) << " | "
       << fixed(s.after.greedy_length, 1) << " | " << fixed(s.rollout_tokens_per_s, 0) << " | "
       << fixed(route->seconds, 1) << " |\n";
  }
  md << "\n### Sample transcripts (held-out, greedy, after GRPO)\n\n";
  for (const GrpoRouteRecord* route : {&r.r1, &r.r1zero}) {
    for (const Transcript& t : route->summary.after.transcripts) {
      md << "**" << route->name << "**, " << t.question << " (answer " << t.answer << ", "
         << (t.correct ? "correct" : "wrong") << "):\n\n```\n" << t.response << "\n```\n\n";
    }
  }
  return md.str();
}

nlohmann::json grpo_report_json(const GrpoStageRecord& r) {
  auto eval = [](const TaskEval& ev) {
    nlohmann::json j{{"items", ev.items}, {"greedy_accuracy", ev.greedy_accuracy}, {"greedy_length", ev.greedy_length},
                     {"greedy_format", ev.greedy_format}};
    for (auto [k, v] : ev.pass_at_k) j["pass_at_k"][std::to_string(k)] = v;
    return j;
  };
  auto route = [&](const GrpoRouteRecord& x) {
    return nlohmann::json{{"steps", x.summary.steps_done},
                          {"before", eval(x.summary.before)},
                          {"after", eval(x.summary.after)},
                          {"rollout_tokens_per_s", x.summary.rollout_tokens_per_s},
                          {"update_tokens_per_s", x.summary.update_tokens_per_s},
                          {"seconds", x.seconds},
                          {"model", x.summary.model_dir}};
  };
  return {{"train_items", r.train_items}, {"heldout_items", r.heldout_items}, {"operands", r.operands},
          {"max_value", r.max_value}, {"lr", r.lr}, {"think_format", r.think_format},
          {"base_step_accuracy", r.base_steps.accuracy()}, {"base_steps", r.base_steps.steps},
          {"cold_start_examples", r.cold_start_examples}, {"cold_start_steps", r.cold_start_steps},
          {"cold_start_epochs", r.cold_start_epochs}, {"cold_start_target", r.cold_start_target},
          {"cold_start_at_target", r.cold_start_at_target},
          {"cold_start_check_accuracy", r.cold_start_check.y.empty() ? nlohmann::json(nullptr)
                                                                     : nlohmann::json(r.cold_start_check.y.back())},
          {"r1", route(r.r1)}, {"r1zero", route(r.r1zero)}};
}

}  // namespace llmforge
