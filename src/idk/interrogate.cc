#include "idk/interrogate.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/text_utils.h"
#include "eval/answer_match.h"
#include "idk/refusal.h"
#include "idk/scored_generation.h"
#include "world/world.h"

namespace llmforge::idk {

namespace {

using nlohmann::json;

int attribute_index(const std::string& name) {
  for (int a = 0; a < world::kAttributeCount; ++a) {
    if (name == world::attribute_name(a)) return a;
  }
  ErrorBuilder("idk") << "no question templates for the attribute '" << name << "'";
  return -1;
}

std::string fill_name(std::string t, const std::string& name) {
  for (size_t pos = 0; (pos = t.find("{name}", pos)) != std::string::npos; pos += name.size()) t.replace(pos, 6, name);
  return t;
}

// The value a reply states, normalized, for agreement between replies.
std::string reply_value(const std::string& reply, const std::string& question) {
  if (is_refusal(reply)) return "refusal";
  const ValueSpan v = answer_value_span(reply, question);
  return normalize_answer_text(std::string_view(reply).substr(v.begin, v.end - v.begin));
}

// Sampled replies are raw token bytes and may not be valid UTF-8; JSON needs it.
std::vector<std::string> valid_utf8(std::vector<std::string> v) {
  for (std::string& s : v) data::sanitize_utf8(s);
  return v;
}

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  return z ^ (z >> 31);
}

}  // namespace

void label_fact(FactLabel& l, const std::vector<std::string>& values, double known_threshold) {
  const size_t n = l.correct.size();
  LLMF_CHECK(n > 0 && values.size() == n) << "replies " << n << " values " << values.size();
  const double right = double(std::count(l.correct.begin(), l.correct.end(), true));
  std::map<std::string, int> counts;
  int most = 0;
  for (const std::string& v : values) most = std::max(most, ++counts[v]);
  l.correct_share = right / double(n);
  l.agreement = double(most) / double(n);
  l.known = l.correct_share >= known_threshold && l.agreement >= known_threshold;
}

std::vector<FactLabel> interrogate(const Model& model, const Tokenizer& tok, const std::vector<WorldPerson>& people,
                                   const Judge& judge, const InterrogateOptions& o, const Judge* truth_check) {
  if (o.samples <= 0) ErrorBuilder("idk") << "samples per fact must be positive";
  if (!(o.temperature > 0)) ErrorBuilder("idk") << "interrogation samples need a temperature above 0";
  if (o.known_threshold <= 0 || o.known_threshold > 1) ErrorBuilder("idk") << "the known threshold must be in (0, 1]";
  std::vector<FactLabel> labels;
  std::vector<JudgeItem> items;
  std::vector<ScoredPrompt> prompts;
  for (const WorldPerson& p : people) {
    if (std::find(o.groups.begin(), o.groups.end(), p.split) == o.groups.end()) continue;
    for (const auto& [attribute, value] : p.facts) {
      const auto& templates = world::question_templates(attribute_index(attribute));
      FactLabel l;
      l.person = p.name, l.person_id = p.id, l.group = p.split, l.attribute = attribute, l.truth = value;
      l.judge = judge.name();
      for (int k = 0; k < o.samples; ++k) {
        l.questions.push_back(fill_name(templates[size_t(k) % templates.size()], p.name));
        ScoredPrompt sp;
        sp.chat = {{"user", l.questions.back()}};
        sp.sampling.temperature = o.temperature;
        sp.sampling.seed = mix(mix(o.seed, uint64_t(p.id)), uint64_t(labels.size() * 1000 + size_t(k)));
        prompts.push_back(std::move(sp));
      }
      items.push_back({p.id, p.name, attribute, "", value});
      labels.push_back(std::move(l));
    }
  }
  std::vector<ScoredReply> replies = generate_scored(model, tok, std::move(prompts), o.max_new_tokens, o.batch);

  size_t r = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    FactLabel& l = labels[i];
    std::vector<std::string> values;
    double entropy = 0, logprob = 0;
    int truth_same = 0;
    for (int k = 0; k < o.samples; ++k, ++r) {
      const ScoredReply& reply = replies[r];
      JudgeItem item = items[i];
      item.question = l.questions[size_t(k)];
      const bool ok = judge.correct(item, reply.text);
      if (truth_check) truth_same += truth_check->correct(item, reply.text) == ok;
      l.answers.push_back(reply.text);
      l.correct.push_back(ok);
      values.push_back(reply_value(reply.text, item.question));
      const AnswerConfidence c = answer_confidence(reply, item.question);
      entropy += c.first_token_entropy;
      logprob += c.mean_logprob;
    }
    l.first_token_entropy = entropy / o.samples;
    l.mean_logprob = logprob / o.samples;
    if (truth_check) l.truth_judge_agrees = double(truth_same) / o.samples;
    label_fact(l, values, o.known_threshold);
  }
  return labels;
}

nlohmann::json labels_summary(const std::vector<FactLabel>& labels) {
  json j;
  struct Sum {
    long n = 0;
    double entropy = 0, logprob = 0;
  };
  std::map<std::string, Sum> by_label;
  std::map<std::string, std::map<std::string, long>> groups;
  double agree = 0;
  long checked = 0;
  for (const FactLabel& l : labels) {
    const std::string label = l.known ? "known" : "unknown";
    groups[l.group][label] += 1;
    Sum& s = by_label[label];
    ++s.n, s.entropy += l.first_token_entropy, s.logprob += l.mean_logprob;
    if (l.truth_judge_agrees >= 0) agree += l.truth_judge_agrees, ++checked;
  }
  for (const auto& [group, counts] : groups) {
    j["groups"][group] = {{"known", counts.count("known") ? counts.at("known") : 0},
                          {"unknown", counts.count("unknown") ? counts.at("unknown") : 0}};
  }
  for (const auto& [label, s] : by_label) {
    j["confidence"][label] = {{"facts", s.n}, {"mean_first_token_entropy", s.entropy / double(s.n)},
                              {"mean_logprob", s.logprob / double(s.n)}};
  }
  j["facts"] = labels.size();
  if (!labels.empty()) j["judge"] = labels.front().judge;
  if (checked) j["truth_judge_agrees"] = agree / double(checked);
  return j;
}

void write_labels(const std::string& path, const std::vector<FactLabel>& labels) {
  std::string out;
  for (const FactLabel& l : labels) {
    json j = {{"person", l.person},           {"person_id", l.person_id},
              {"group", l.group},             {"attribute", l.attribute},
              {"truth", l.truth},             {"label", l.known ? "known" : "unknown"},
              {"agreement", l.agreement},     {"correct_share", l.correct_share},
              {"answers", valid_utf8(l.answers)},         {"correct", l.correct},
              {"questions", l.questions},     {"mean_logprob", l.mean_logprob},
              {"first_token_entropy", l.first_token_entropy}, {"judge", l.judge}};
    if (l.truth_judge_agrees >= 0) j["truth_judge_agrees"] = l.truth_judge_agrees;
    out += j.dump() + "\n";
  }
  write_file_atomic(path, out);
}

std::vector<FactLabel> read_labels(const std::string& path) {
  std::ifstream in(path);
  if (!in) ErrorBuilder("idk") << path << ": cannot open (labels from `llmforge interrogate`)";
  std::vector<FactLabel> labels;
  std::string line;
  for (long n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) ErrorBuilder("idk") << path << ":" << n << ": not a JSON object";
    try {
      FactLabel l;
      l.person = j.at("person").get<std::string>();
      l.person_id = j.at("person_id").get<int>();
      l.group = j.at("group").get<std::string>();
      l.attribute = j.at("attribute").get<std::string>();
      l.truth = j.value("truth", "");
      const std::string label = j.at("label").get<std::string>();
      if (label != "known" && label != "unknown") throw std::runtime_error("\"label\" must be known or unknown, not \"" + label + "\"");
      l.known = label == "known";
      l.agreement = j.at("agreement").get<double>();
      l.correct_share = j.at("correct_share").get<double>();
      l.answers = j.at("answers").get<std::vector<std::string>>();
      if (j.contains("correct")) l.correct = j["correct"].get<std::vector<bool>>();
      if (j.contains("questions")) l.questions = j["questions"].get<std::vector<std::string>>();
      if (!l.correct.empty() && l.correct.size() != l.answers.size()) throw std::runtime_error("\"correct\" and \"answers\" differ in length");
      l.mean_logprob = j.at("mean_logprob").get<double>();
      l.first_token_entropy = j.at("first_token_entropy").get<double>();
      l.judge = j.value("judge", "");
      l.truth_judge_agrees = j.value("truth_judge_agrees", -1.0);
      labels.push_back(std::move(l));
    } catch (const std::exception& e) {
      ErrorBuilder("idk") << path << ":" << n << ": " << e.what();
    }
  }
  if (labels.empty()) ErrorBuilder("idk") << path << ": no labels";
  return labels;
}

}  // namespace llmforge::idk
