#include "idk/idk_eval.h"

#include <algorithm>
#include <cmath>

#include "core/svg_plot.h"
#include "data/text_utils.h"
#include "eval/answer_match.h"
#include "idk/refusal.h"
#include "idk/scored_generation.h"

namespace llmforge::idk {

HallucinationResult evaluate_hallucination(const Model& model, const Tokenizer& tok, const std::vector<QaItem>& qa,
                                           const std::vector<NobodyQuestion>& nobody,
                                           const std::vector<FactLabel>& labels, const HallucinationOptions& o) {
  std::map<std::pair<int, std::string>, bool> known;
  for (const FactLabel& l : labels) known[{l.person_id, l.attribute}] = l.known;
  SamplerSettings greedy;
  greedy.temperature = 0;
  std::vector<ScoredPrompt> prompts;
  for (const QaItem& q : qa) prompts.push_back({{{"user", q.question}}, greedy});
  for (const NobodyQuestion& q : nobody) prompts.push_back({{{"user", q.question}}, greedy});
  std::vector<ScoredReply> replies = generate_scored(model, tok, std::move(prompts), o.max_new_tokens, o.batch);

  HallucinationResult r;
  size_t k = 0;
  for (const QaItem& q : qa) {
    const ScoredReply& reply = replies[k++];
    FactReply f;
    f.person = q.person, f.split = q.split, f.attribute = q.attribute, f.question = q.question, f.reply = reply.text;
    f.refused = is_refusal(reply.text);
    f.correct = !f.refused && answer_matches(reply.text, q.answer);
    const AnswerConfidence c = answer_confidence(reply, q.question);
    f.first_token_entropy = c.first_token_entropy, f.mean_logprob = c.mean_logprob;
    SplitStats& s = r.by_split[q.split];
    s.correct.add(f.correct);
    s.refused.add(f.refused);
    if (!f.refused) s.selective.add(f.correct);
    if (auto it = known.find({q.person, q.attribute}); it != known.end()) {
      f.label = it->second ? "known" : "unknown";
      (it->second ? r.refused_known : r.refused_unknown).add(f.refused);
    }
    r.facts.push_back(std::move(f));
  }
  for (const NobodyQuestion& q : nobody) {
    const ScoredReply& reply = replies[k++];
    StrangerReply s{q.name, q.kind, q.attribute, q.question, reply.text, is_refusal(reply.text), 0, 0};
    const AnswerConfidence c = answer_confidence(reply, q.question);
    s.first_token_entropy = c.first_token_entropy, s.mean_logprob = c.mean_logprob;
    r.hallucination[q.kind].add(!s.refused);
    r.hallucination["all"].add(!s.refused);
    r.strangers.push_back(std::move(s));
  }
  return r;
}

namespace {

// Greedy replies are raw token bytes and may not be valid UTF-8; JSON needs it.
std::string valid_utf8(std::string s) {
  data::sanitize_utf8(s);
  return s;
}

nlohmann::json rate_json(const Rate& r) { return {{"hits", r.hits}, {"total", r.total}, {"rate", r.rate()}}; }

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.1f%%", 100 * v);
  return buf;
}

}  // namespace

nlohmann::json hallucination_to_json(const HallucinationResult& r) {
  nlohmann::json j;
  for (const auto& [kind, rate] : r.hallucination) j["hallucination"][kind] = rate_json(rate);
  for (const auto& [split, s] : r.by_split) {
    j["splits"][split] = {{"accuracy", s.correct.rate()},         {"correct", s.correct.hits},
                          {"total", s.correct.total},             {"refused", s.refused.hits},
                          {"coverage", s.coverage()},             {"selective_accuracy", s.selective.rate()},
                          {"answered", s.selective.total}};
  }
  if (r.refused_known.total) j["over_refusal"] = rate_json(r.refused_known);
  if (r.refused_unknown.total) j["refused_unknown"] = rate_json(r.refused_unknown);
  nlohmann::json facts = nlohmann::json::array(), strangers = nlohmann::json::array();
  for (const FactReply& f : r.facts) {
    facts.push_back({{"person", f.person}, {"split", f.split}, {"attribute", f.attribute}, {"question", f.question},
                     {"reply", valid_utf8(f.reply)}, {"correct", f.correct}, {"refused", f.refused}, {"label", f.label},
                     {"first_token_entropy", f.first_token_entropy}, {"mean_logprob", f.mean_logprob}});
  }
  for (const StrangerReply& s : r.strangers) {
    strangers.push_back({{"name", s.name}, {"kind", s.kind}, {"attribute", s.attribute}, {"question", s.question},
                         {"reply", valid_utf8(s.reply)}, {"refused", s.refused}, {"first_token_entropy", s.first_token_entropy},
                         {"mean_logprob", s.mean_logprob}});
  }
  j["facts"] = facts;
  j["strangers"] = strangers;
  return j;
}

void print_hallucination(std::FILE* out, const HallucinationResult& r) {
  std::fprintf(out, "hallucination (questions about people who occur nowhere; a reply that is not a refusal asserts a fact)\n");
  for (const auto& [kind, rate] : r.hallucination) {
    std::fprintf(out, "  %-22s %s  (%ld of %ld asserted)\n", kind.c_str(), pct(rate.rate()).c_str(), rate.hits, rate.total);
  }
  std::fprintf(out, "  %-10s %9s %9s %9s %10s\n", "people", "accuracy", "coverage", "selective", "refused");
  for (const auto& [split, s] : r.by_split) {
    std::fprintf(out, "  %-10s %9s %9s %9s %10ld\n", split.c_str(), pct(s.correct.rate()).c_str(), pct(s.coverage()).c_str(),
                 pct(s.selective.rate()).c_str(), s.refused.hits);
  }
  if (r.refused_known.total) {
    std::fprintf(out, "  over-refusal (refused facts labelled known) %s (%ld of %ld)\n", pct(r.refused_known.rate()).c_str(),
                 r.refused_known.hits, r.refused_known.total);
  }
  if (r.refused_unknown.total) {
    std::fprintf(out, "  refused facts labelled unknown %s (%ld of %ld)\n", pct(r.refused_unknown.rate()).c_str(),
                 r.refused_unknown.hits, r.refused_unknown.total);
  }
}

std::string confidence_plot_svg(const std::vector<std::pair<std::string, const HallucinationResult*>>& panels) {
  // One bin width for every panel, so before and after compare directly.
  double top = 0.5;
  for (const auto& [title, r] : panels) {
    for (const FactReply& f : r->facts) top = std::max(top, f.first_token_entropy);
    for (const StrangerReply& s : r->strangers) top = std::max(top, s.first_token_entropy);
  }
  const int bins = 12;
  const double width = top / bins * 1.0001;
  auto histogram = [&](const std::string& label, const std::vector<double>& values) {
    PlotSeries s{label + " (" + std::to_string(values.size()) + ")", {}, {}};
    std::vector<double> counts(bins, 0.0);
    for (double v : values) counts[size_t(std::min(bins - 1, int(v / width)))] += 1;
    for (int b = 0; b < bins; ++b) {
      s.x.push_back((b + 0.5) * width);
      s.y.push_back(values.empty() ? NAN : counts[size_t(b)] / double(values.size()));
    }
    return s;
  };
  std::vector<PlotPanel> out;
  for (const auto& [title, r] : panels) {
    std::vector<double> known, unknown, nobody;
    for (const FactReply& f : r->facts) {
      if (f.label == "known") known.push_back(f.first_token_entropy);
      if (f.label == "unknown") unknown.push_back(f.first_token_entropy);
    }
    for (const StrangerReply& s : r->strangers) nobody.push_back(s.first_token_entropy);
    PlotPanel p{title, "entropy of the answer's first value token (nats)", "share of questions", false, {}};
    p.series = {histogram("known facts", known), histogram("unknown facts", unknown),
                histogram("never-seen people", nobody)};
    out.push_back(std::move(p));
  }
  return render_svg(out);
}

}  // namespace llmforge::idk
