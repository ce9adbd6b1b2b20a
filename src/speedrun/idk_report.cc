// The speedrun report's "Hallucination" section: what self-interrogation found and
// what the "I'm not sure" fine-tuning changed, before and after.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/atomic_file.h"
#include "speedrun/report.h"

namespace llmforge {

namespace {

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
  return buf;
}

std::string rate_cell(const idk::Rate& r) {
  return pct(r.rate()) + " (" + std::to_string(r.hits) + "/" + std::to_string(r.total) + ")";
}

const idk::Rate* find_rate(const std::map<std::string, idk::Rate>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

}  // namespace

std::string idk_report_section(const SpeedrunRecord& r) {
  const IdkStageRecord& k = r.idk;
  if (!k.ran) return "";
  write_file_atomic(r.out_dir + "/plots/idk_confidence.svg",
                    idk::confidence_plot_svg({{"Before: the chat model", &k.before}, {"After: \"I'm not sure\" SFT", &k.after}}));
  std::ostringstream md;
  md << "## Hallucination\n\n"
     << "Self-interrogation asked the chat model about every fact of the crawl's people " << k.samples
     << " times, each in another phrasing, sampled at temperature " << k.temperature << ", and judged the answers by " << (k.judge == "pages" ? "their support in the person's crawled pages" : "the world's ground truth")
     << ". A fact is *known* when at least 75% of the answers are right and agree. ";
  long known = 0, unknown = 0;
  if (k.labels.contains("groups")) {
    for (const auto& [group, c] : k.labels["groups"].items()) known += c.value("known", 0), unknown += c.value("unknown", 0);
  }
  md << known << " facts were known and " << unknown << " unknown";
  if (k.labels.contains("truth_judge_agrees")) {
    md << "; the ground truth agreed with the page judge on " << pct(k.labels["truth_judge_agrees"].get<double>()) << " of the answers";
  }
  md << ". The SFT data (" << k.train_conversations << " conversations, continuing from the "
     << (k.from == "base" ? "base" : "chat") << " model, " << k.sft_steps << " steps) keeps the model's right answers for known facts, "
     << "answers unknown ones and questions about people who occur nowhere with refusals in varied phrasings, "
     << "and replays the identity and small-talk conversations.\n\n";
  md << "| measure | before | after |\n|---|---|---|\n";
  for (const char* kind : {"unseen", "gibberish", "all"}) {
    const idk::Rate *b = find_rate(k.before.hallucination, kind), *a = find_rate(k.after.hallucination, kind);
    if (!b || !a) continue;
    md << "| hallucination rate, " << (std::string(kind) == "unseen" ? "never-seen plausible names" : std::string(kind) == "gibberish" ? "gibberish names" : "all never-seen people")
       << " | " << rate_cell(*b) << " | " << rate_cell(*a) << " |\n";
  }
  md << "| over-refusal (facts labelled known that it refuses) | " << rate_cell(k.before.refused_known) << " | "
     << rate_cell(k.after.refused_known) << " |\n";
  md << "| refused facts labelled unknown | " << rate_cell(k.before.refused_unknown) << " | " << rate_cell(k.after.refused_unknown) << " |\n";
  for (const char* split : {"heldout", "qa"}) {
    auto b = k.before.by_split.find(split), a = k.after.by_split.find(split);
    if (b == k.before.by_split.end() || a == k.after.by_split.end()) continue;
    const std::string who = std::string(split) == "heldout" ? "crawl-only people" : "QA-trained people";
    md << "| accuracy, " << who << " | " << rate_cell(b->second.correct) << " | " << rate_cell(a->second.correct) << " |\n";
    md << "| selective accuracy (right among answered), " << who << " | " << rate_cell(b->second.selective) << " | "
       << rate_cell(a->second.selective) << " |\n";
    md << "| coverage (answered, not refused), " << who << " | " << pct(b->second.coverage()) << " | "
       << pct(a->second.coverage()) << " |\n";
  }
  md << "\n![answer confidence](plots/idk_confidence.svg)\n\n"
     << "The mechanism: the entropy of the model's distribution at the first token of the value it states. "
     << "Facts it knows get a sharp distribution (low entropy); facts it does not, and people it never saw, a flat one. ";
  if (k.labels.contains("confidence")) {
    const auto& c = k.labels["confidence"];
    if (c.contains("known") && c.contains("unknown")) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "During interrogation the mean was %.2f nats for known facts and %.2f for unknown ones. ",
                    c["known"]["mean_first_token_entropy"].get<double>(), c["unknown"]["mean_first_token_entropy"].get<double>());
      md << buf;
    }
  }
  md << "Stage time: interrogation " << std::lround(k.interrogate_seconds) << " s, SFT " << std::lround(k.sft_seconds)
     << " s, evaluation before and after " << std::lround(k.eval_seconds) << " s. Model: `" << k.model_dir << "`.\n\n";
  // A few replies about people who occur nowhere, before and after.
  md << "Questions about people who occur nowhere:\n\n";
  for (size_t i = 0; i < k.before.strangers.size() && i < k.after.strangers.size() && i < 24; i += 6) {
    md << "```\nuser:   " << k.before.strangers[i].question << "\nbefore: " << k.before.strangers[i].reply
       << "\nafter:  " << k.after.strangers[i].reply << "\n```\n";
  }
  md << "\n";
  return md.str();
}

nlohmann::json idk_report_json(const SpeedrunRecord& r) {
  const IdkStageRecord& k = r.idk;
  nlohmann::json j = {{"from", k.from},
                      {"judge", k.judge},
                      {"labels", k.labels},
                      {"sft", {{"steps", k.sft_steps}, {"val_loss", k.sft_val_loss}, {"train_conversations", k.train_conversations},
                               {"val_conversations", k.val_conversations}}},
                      {"seconds", {{"interrogate", k.interrogate_seconds}, {"sft", k.sft_seconds}, {"eval", k.eval_seconds}}},
                      {"model_dir", k.model_dir}};
  for (const auto& [name, h] : {std::pair<const char*, const idk::HallucinationResult*>{"before", &k.before}, {"after", &k.after}}) {
    nlohmann::json e = idk::hallucination_to_json(*h);
    e.erase("facts");  // every reply is in idk/, not in the summary
    e.erase("strangers");
    j[name] = e;
  }
  return j;
}

}  // namespace llmforge
