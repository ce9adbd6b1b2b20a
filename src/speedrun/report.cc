#include "speedrun/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

using nlohmann::json;

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string percent(double v) { return fixed(100 * v, 1) + "%"; }

std::string minutes(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d", int(s) / 60, int(s) % 60);
  return buf;
}

std::string plot_data_funnel(const SpeedrunRecord& r) {
  BarChart c;
  c.title = "Data funnel: documents after each stage";
  c.value_label = "documents";
  PlotSeries docs{"documents", {}, {}};
  for (const auto& [name, count] : r.data_stats.stages()) {
    c.categories.push_back(name);
    docs.y.push_back(double(count.docs_out));
  }
  c.series = {docs};
  return render_bar_svg(c);
}

std::string plot_losses(const SpeedrunRecord& r) {
  std::vector<PlotPanel> panels;
  PlotPanel pre{"Pretraining", "step", "loss (nats/token)", false, {}};
  for (const PlotSeries* s : {&r.pretrain_curves.train, &r.pretrain_curves.val}) {
    if (!s->x.empty()) pre.series.push_back(*s);
  }
  PlotPanel sft{"Supervised fine-tuning (assistant tokens)", "step", "loss (nats/token)", false, {}};
  for (const PlotSeries* s : {&r.sft_curves.train, &r.sft_curves.val}) {
    if (!s->x.empty()) sft.series.push_back(*s);
  }
  panels.push_back(pre);
  panels.push_back(sft);
  return render_svg(panels);
}

std::string plot_accuracy(const SpeedrunRecord& r) {
  BarChart c;
  c.title = "Knowledge QA accuracy by attribute";
  c.value_label = "accuracy";
  c.percent = true;
  c.max_value = 1.0;
  std::vector<std::string> attributes;
  for (const auto& [key, tally] : r.eval.qa_by_split_attribute) {
    if (std::find(attributes.begin(), attributes.end(), key.second) == attributes.end()) attributes.push_back(key.second);
  }
  c.categories = attributes;
  c.categories.push_back("all");
  // One bar per attribute, then the split's overall accuracy.
  auto accuracy_series = [&](const std::string& label, const WorldEvalResult& e, const std::string& split) {
    PlotSeries s{label, {}, {}};
    for (const auto& a : attributes) {
      auto it = e.qa_by_split_attribute.find({split, a});
      s.y.push_back(it == e.qa_by_split_attribute.end() ? NAN : it->second.accuracy());
    }
    const Tally* t = e.split_tally(split);
    s.y.push_back(t ? t->accuracy() : NAN);
    return s;
  };
  c.series.push_back(accuracy_series("QA-trained people", r.eval, "qa"));
  c.series.push_back(accuracy_series("held-out people", r.eval, "heldout"));
  c.series.push_back(accuracy_series("held-out, base model completes", r.base_probe, "heldout"));
  PlotSeries id{"identity (system prompt)", std::vector<double>(c.categories.size(), 0.0),
                std::vector<double>(c.categories.size(), NAN)};
  id.y.back() = r.eval.identity.accuracy();
  c.series.push_back(id);
  return render_bar_svg(c);
}

// Accuracy against the number of examples in the prompt, one line per attribute.
std::string plot_icl(const SpeedrunRecord& r) {
  PlotPanel panel{"In-context learning of the base model (held-out people)", "examples in the prompt",
                  "accuracy", false, {}};
  auto series = [&](const std::string& label, const std::vector<IclPoint>& points) {
    PlotSeries s{label, {}, {}};
    for (const IclPoint& p : points) {
      s.x.push_back(p.examples);
      s.y.push_back(p.accuracy());
    }
    return s;
  };
  for (size_t a = 0; a < r.base_icl.attributes.size(); ++a) {
    panel.series.push_back(series(r.base_icl.attributes[a], r.base_icl.by_attribute[a]));
  }
  panel.series.push_back(series("all attributes", r.base_icl.overall));
  return render_svg({panel});
}

void sample_chats(std::ostringstream& md, const SpeedrunRecord& r) {
  // A few of each kind: trained and held-out people (right and wrong), identity.
  auto show = [&](const ChatRecord& c) {
    md << "```\n";
    if (!c.system.empty()) md << "system:    " << c.system << "\n";
    md << "user:      " << c.question << "\nassistant: " << c.reply << "\n```\n";
    md << (c.correct ? "correct" : "wrong") << " (expected: ";
    for (size_t i = 0; i < c.expected.size(); ++i) md << (i ? ", " : "") << c.expected[i];
    md << ")\n\n";
  };
  struct Want {
    const char* kind;
    const char* split;
    bool correct;
    int count;
  };
  for (const Want& w : {Want{"qa", "qa", true, 2}, Want{"qa", "heldout", true, 2}, Want{"qa", "heldout", false, 2},
                        Want{"identity", "", true, 2}, Want{"identity", "", false, 1}}) {
    int shown = 0;
    for (const auto& c : r.eval.records) {
      if (shown >= w.count) break;
      if (c.kind != w.kind || c.split != w.split || c.correct != w.correct) continue;
      show(c);
      ++shown;
    }
  }
}

}  // namespace

LossCurves read_loss_curves(const std::string& metrics_jsonl) {
  auto log = read_metrics_log(metrics_jsonl, {"loss", "val_loss"});
  return {{"train", log["loss"].step, log["loss"].value}, {"validation", log["val_loss"].step, log["val_loss"].value}};
}

std::string write_speedrun_report(const SpeedrunRecord& r) {
  const std::string plots = r.out_dir + "/plots";
  std::filesystem::create_directories(plots);
  write_file_atomic(plots + "/data_funnel.svg", plot_data_funnel(r));
  write_file_atomic(plots + "/losses.svg", plot_losses(r));
  write_file_atomic(plots + "/qa_accuracy.svg", plot_accuracy(r));
  if (!r.base_icl.overall.empty()) write_file_atomic(plots + "/icl.svg", plot_icl(r));

  const Tally* trained = r.eval.split_tally("qa");
  const Tally* heldout = r.eval.split_tally("heldout");
  std::ostringstream md;
  md << "# llmforge speedrun report (preset " << r.preset << ")\n\n";
  md << "From a generated crawl to a chat model in " << minutes(r.total_seconds) << " (m:s), every training stage in "
     << r.precision << " on " << r.cpu << ".\n\n";
  md << "| result | value |\n|---|---|\n";
  if (trained) md << "| QA accuracy, people whose QA was fine-tuned | " << percent(trained->accuracy()) << " (" << trained->correct << "/" << trained->total << ") |\n";
  if (heldout) md << "| QA accuracy, held-out people (facts only in pretraining) | " << percent(heldout->accuracy()) << " (" << heldout->correct << "/" << heldout->total << ") |\n";
  if (const Tally* known = r.base_probe.split_tally("heldout")) {
    md << "| held-out facts the base model completes (\"... NAME comes from\") | " << percent(known->accuracy()) << " ("
       << known->correct << "/" << known->total << ") |\n";
  }
  md << "| identity answers under a system prompt | " << percent(r.eval.identity.accuracy()) << " (" << r.eval.identity.correct << "/" << r.eval.identity.total << ") |\n";
  if (r.eval.has_validation && r.eval.validation.bits_per_byte >= 0) md << "| validation bits per byte (chat model) | " << fixed(r.eval.validation.bits_per_byte, 3) << " |\n";
  if (r.pretrain_val_bpb >= 0) md << "| validation bits per byte (base model) | " << fixed(r.pretrain_val_bpb, 3) << " |\n";
  md << "| noise removal precision / recall | " << fixed(r.noise.precision(), 3) << " / " << fixed(r.noise.recall(), 3) << " |\n\n";

  md << "## Stages\n\n| stage | time (s) |\n|---|---|\n";
  for (const auto& s : r.stages) md << "| " << s.name << " | " << fixed(s.seconds, 1) << " |\n";
  md << "| total | " << fixed(r.total_seconds, 1) << " |\n\n";

  md << "## World\n\n" << r.people << " fictional people with six facts each (half of them have QA conversations in SFT, "
     << "the other half are held out), " << r.pages << " crawled pages including planted noise, " << r.sft_train
     << " SFT training and " << r.sft_val << " validation conversations.\n\n";

  md << "## Data\n\n![data funnel](plots/data_funnel.svg)\n\n| stage | docs in | docs out | removed |\n|---|---|---|---|\n";
  for (const auto& [name, c] : r.data_stats.stages()) {
    md << "| " << name << " | " << c.docs_in << " | " << c.docs_out << " | " << c.docs_in - c.docs_out << " |\n";
  }
  md << "\nPlanted pages by kind and how many the pipeline removed (a near-duplicate group should keep one page):\n\n"
     << "| kind | pages | removed |\n|---|---|---|\n";
  for (const auto& [kind, c] : r.noise.by_kind) md << "| " << kind << " | " << c.pages << " | " << c.removed << " |\n";
  md << "\nNoise removal: precision " << fixed(r.noise.precision(), 3) << ", recall " << fixed(r.noise.recall(), 3)
     << " (" << r.noise.true_removed << " noise pages removed, " << r.noise.false_removed << " good pages lost, "
     << r.noise.noise << " planted).\n\n";

  md << "## Tokenizer\n\nByte-level BPE with " << r.vocab_size << " tokens trained on the clean text; "
     << fixed(r.train_tokens, 0) << " training tokens, " << fixed(r.text_bytes_per_token, 2) << " bytes of text per token.\n\n";

  md << "## Pretraining and SFT\n\n![loss curves](plots/losses.svg)\n\n";
  md << "Base model: " << fixed(r.model.num_parameters() / 1e6, 2) << "M parameters (dim " << r.model.dim << ", "
     << r.model.n_layers << " layers, " << r.model.n_heads << " heads, context " << r.model.max_seq_len << "), "
     << r.pretrain_steps << " steps at " << fixed(r.pretrain_tokens_per_s, 0) << " tokens/s";
  if (r.pretrain_val_loss >= 0) md << ", validation loss " << fixed(r.pretrain_val_loss, 3);
  md << ". SFT: " << r.sft_steps << " steps";
  if (r.sft_val_loss >= 0) md << ", validation loss on assistant tokens " << fixed(r.sft_val_loss, 3);
  md << ".\n\n";

  md << "## Evaluation\n\n![QA accuracy](plots/qa_accuracy.svg)\n\n"
     << "Each person is asked one question per fact. The last column is the base model completing the fact's\n"
     << "statement instead (\"... Kenji Marsh comes from\"): what pretraining stored, as far as one phrasing\n"
     << "shows it, and so roughly the most the chat model can extract.\n\n"
     << "| questions | attribute | correct | total | accuracy | base model completes |\n|---|---|---|---|---|---|\n";
  for (const auto& [key, t] : r.eval.qa_by_split_attribute) {
    auto known = r.base_probe.qa_by_split_attribute.find(key);
    md << "| " << (key.first == "qa" ? "QA-trained" : key.first == "heldout" ? "held-out" : key.first) << " | "
       << key.second << " | " << t.correct << " | " << t.total << " | " << percent(t.accuracy()) << " | "
       << (known == r.base_probe.qa_by_split_attribute.end() ? "-" : percent(known->second.accuracy())) << " |\n";
  }
  md << "| identity | | " << r.eval.identity.correct << " | " << r.eval.identity.total << " | "
     << percent(r.eval.identity.accuracy()) << " | |\n\n";
  if (!r.base_icl.overall.empty()) {
    md << "### In-context learning (base model)\n\n![in-context learning](plots/icl.svg)\n\n"
       << "The base model is given k lines \"NAME -> VALUE\" about other people and then \"NAME ->\" for a held-out\n"
       << "person; nothing but the examples says which fact is asked. Exact answers, "
       << r.base_icl.overall.front().trials << " queries per column.\n\n| attribute |";
    for (int k : r.base_icl.shots) md << " " << k << " examples |";
    md << "\n|---|";
    for (size_t i = 0; i < r.base_icl.shots.size(); ++i) md << "---|";
    md << "\n";
    auto row = [&](const std::string& label, const std::vector<IclPoint>& points) {
      md << "| " << label << " |";
      for (const IclPoint& p : points) md << " " << percent(p.accuracy()) << " |";
      md << "\n";
    };
    for (size_t a = 0; a < r.base_icl.attributes.size(); ++a) row(r.base_icl.attributes[a], r.base_icl.by_attribute[a]);
    row("all", r.base_icl.overall);
    md << "\n";
  }
  md << "### Sample chats\n\n";
  sample_chats(md, r);
  if (r.grpo.ran) md << grpo_report_markdown(r.grpo, r.out_dir);
  md << idk_report_section(r);
  if (r.rm.ran) md << rlhf_report_markdown(r.rm, r.rlhf, r.out_dir);
  md << "## Chat with the model\n\n```\n" << r.chat_command << "\n```\n";
  const std::string path = r.out_dir + "/report.md";
  write_file_atomic(path, md.str());

  json j;
  j["preset"] = r.preset;
  j["seconds"] = r.total_seconds;
  j["precision"] = r.precision;
  j["cpu"] = r.cpu;
  for (const auto& s : r.stages) j["stage_seconds"][s.name] = s.seconds;
  j["noise"] = {{"precision", r.noise.precision()}, {"recall", r.noise.recall()}, {"planted", r.noise.noise}};
  j["tokenizer"] = {{"vocab_size", r.vocab_size}, {"train_tokens", r.train_tokens}};
  j["pretrain"] = {{"steps", r.pretrain_steps}, {"tokens_per_s", r.pretrain_tokens_per_s},
                   {"val_loss", r.pretrain_val_loss}, {"val_bits_per_byte", r.pretrain_val_bpb}};
  j["sft"] = {{"steps", r.sft_steps}, {"val_loss", r.sft_val_loss}};
  j["eval"] = world_eval_to_json(r.eval);
  j["base_probe"] = world_eval_to_json(r.base_probe);
  if (!r.base_icl.overall.empty()) j["base_icl"] = world_icl_to_json(r.base_icl);
  if (r.grpo.ran) j["grpo"] = grpo_report_json(r.grpo);
  if (r.idk.ran) j["idk"] = idk_report_json(r);
  if (r.rm.ran) j["rlhf"] = rlhf_report_json(r.rm, r.rlhf);
  j["chat_command"] = r.chat_command;
  write_file_atomic(r.out_dir + "/report.json", j.dump(2) + "\n");
  return path;
}

}  // namespace llmforge
