#include "rl/preference.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/rng.h"
#include "eval/answer_match.h"

namespace llmforge {
namespace {

constexpr int kAll[] = {world::kBirthDate, world::kBirthCity, world::kUniversity,
                        world::kField,     world::kEmployer,  world::kEmployerCity};

struct PromptKind {
  const char* text;  // "{name}" is replaced
  std::vector<int> asked;
};

const std::vector<PromptKind>& prompt_kinds() {
  static const std::vector<PromptKind> kinds = {
      {"Tell me about {name}.", {std::begin(kAll), std::end(kAll)}},
      {"Write a short bio of {name}.", {std::begin(kAll), std::end(kAll)}},
      {"Describe the education and career of {name}.",
       {world::kUniversity, world::kField, world::kEmployer, world::kEmployerCity}},
      {"What do you know about the early life of {name}?", {world::kBirthDate, world::kBirthCity}},
  };
  return kinds;
}

bool is_word_char(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u >= 0x80;
}

std::vector<std::string> words_of(const std::string& normalized) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : normalized) {
    if (is_word_char(c)) {
      cur += c;
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string require_string(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) ErrorBuilder("rlhf") << where << ": missing field \"" << key << "\"";
  if (!it->is_string()) ErrorBuilder("rlhf") << where << ": field \"" << key << "\" is not a string";
  return it->get<std::string>();
}

}  // namespace

bool contains_phrase(const std::string& text, const std::string& phrase) {
  if (phrase.empty()) return false;
  for (size_t pos = text.find(phrase); pos != std::string::npos; pos = text.find(phrase, pos + 1)) {
    const bool left = pos == 0 || !is_word_char(text[pos - 1]);
    const size_t end = pos + phrase.size();
    const bool right = end >= text.size() || !is_word_char(text[end]);
    if (left && right) return true;
  }
  return false;
}

std::vector<OpenPrompt> make_open_prompts(const std::vector<PersonFacts>& w, const std::vector<int>& people, int n,
                                          uint64_t seed) {
  if (people.empty() || n <= 0) return {};
  const auto& kinds = prompt_kinds();
  std::vector<std::pair<int, int>> all;  // (person, kind)
  for (int p : people)
    for (int k = 0; k < int(kinds.size()); ++k) all.push_back({p, k});
  Rng rng(seed * 0x9E3779B97F4A7C15ull + 17);
  shuffle_in_place(all, rng);
  std::vector<OpenPrompt> out;
  for (int i = 0; i < n; ++i) {
    const auto [p, k] = all[size_t(i) % all.size()];
    OpenPrompt op;
    op.person = p;
    op.text = kinds[size_t(k)].text;
    op.text.replace(op.text.find("{name}"), 6, w[size_t(p)].name);
    op.asked = kinds[size_t(k)].asked;
    out.push_back(std::move(op));
  }
  return out;
}

std::vector<PersonFacts> facts_of(const world::World& w) {
  std::vector<PersonFacts> out;
  for (const world::Person& p : w.people) {
    PersonFacts f{p.name(), {}, p.qa_split};
    for (int a = 0; a < world::kAttributeCount; ++a) f.values.push_back(p.value(a));
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<PersonFacts> read_people_facts(const std::string& world_dir) {
  const std::string path = world_dir + "/people.jsonl";
  std::ifstream in(path);
  if (!in) ErrorBuilder("rlhf") << "cannot open " << path << " (a world directory from `llmforge world`)";
  std::vector<PersonFacts> out;
  std::string line;
  long lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineno);
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      PersonFacts f{j.at("name").get<std::string>(), {}, j.value("split", "") == "qa"};
      for (int a = 0; a < world::kAttributeCount; ++a)
        f.values.push_back(j.at("attributes").at(world::attribute_name(a)).get<std::string>());
      if (j.at("id").get<int>() != int(out.size())) ErrorBuilder("rlhf") << where << ": ids must be 0, 1, 2, ... in order";
      out.push_back(std::move(f));
    } catch (const nlohmann::json::exception& e) {
      ErrorBuilder("rlhf") << where << ": " << e.what();
    }
  }
  if (out.empty()) ErrorBuilder("rlhf") << path << " lists no people";
  return out;
}

OpenPrompt open_prompt_from_text(const std::vector<PersonFacts>& people, const std::string& text) {
  OpenPrompt op;
  op.text = text;
  op.person = -1;
  size_t best_len = 0;
  const std::string t = normalize_reply_text(text);
  for (size_t i = 0; i < people.size(); ++i) {
    const std::string name = normalize_answer_text(people[i].name);
    if (name.size() > best_len && contains_phrase(t, name)) op.person = int(i), best_len = name.size();
  }
  op.asked.assign(std::begin(kAll), std::end(kAll));
  if (op.person < 0) return op;
  for (const PromptKind& k : prompt_kinds()) {
    std::string filled = k.text;
    filled.replace(filled.find("{name}"), 6, people[size_t(op.person)].name);
    if (filled == text) op.asked = k.asked;
  }
  return op;
}

GoldPreference::GoldPreference(std::vector<PersonFacts> people, GoldOptions options)
    : people_(std::move(people)), options_(options) {
  std::map<std::string, std::set<int>> values;
  for (const PersonFacts& p : people_)
    for (int a : kAll) values[normalize_answer_text(p.values[size_t(a)])].insert(a);
  for (auto& [text, attrs] : values) domain_.push_back({text, {attrs.begin(), attrs.end()}});
}

int GoldPreference::person_in(const std::string& prompt_text) const {
  return open_prompt_from_text(people_, prompt_text).person;
}

GoldScore GoldPreference::score(const OpenPrompt& prompt, const std::string& response) const {
  GoldScore s;
  const PersonFacts& person = people_.at(size_t(prompt.person));
  const std::string text = normalize_reply_text(response);
  int covered = 0;
  for (int a : prompt.asked) covered += contains_phrase(text, normalize_answer_text(person.values[size_t(a)]));
  s.coverage = prompt.asked.empty() ? 0.0 : double(covered) / double(prompt.asked.size());
  // A stated value is invented when it is not this person's value of any attribute
  // it could be (a city may be a birth city or an employer's city).
  std::set<std::string> own;
  for (int a : kAll) own.insert(normalize_answer_text(person.values[size_t(a)]));
  for (const DomainValue& d : domain_) {
    if (own.count(d.text)) continue;
    if (contains_phrase(text, d.text)) s.invented += 1;
  }
  const std::vector<std::string> words = words_of(text);
  if (words.size() >= 3) {
    std::set<std::string> distinct;
    const size_t n = words.size() - 2;
    for (size_t i = 0; i < n; ++i) distinct.insert(words[i] + ' ' + words[i + 1] + ' ' + words[i + 2]);
    s.repetition = 1.0 - double(distinct.size()) / double(n);
  }
  const double nw = double(words.size());
  if (nw < options_.min_words) {
    s.length = (options_.min_words - nw) / options_.min_words;
  } else if (nw > options_.max_words) {
    s.length = std::min(1.0, (nw - options_.max_words) / options_.max_words);
  }
  s.gold = s.coverage - options_.invented_cost * s.invented - s.repetition - options_.length_cost * s.length;
  return s;
}

std::vector<PreferencePair> expand_ranked(const std::string& prompt, const std::vector<std::string>& ranked,
                                          long* skipped, const std::vector<double>& gold) {
  std::vector<PreferencePair> out;
  for (size_t i = 0; i < ranked.size(); ++i)
    for (size_t j = i + 1; j < ranked.size(); ++j) {
      if (ranked[i] == ranked[j]) {
        if (skipped) ++*skipped;
        continue;
      }
      out.push_back({prompt, ranked[i], ranked[j], "", 0});
      if (gold.size() == ranked.size()) out.back().chosen_gold = gold[i], out.back().rejected_gold = gold[j];
    }
  return out;
}

PreferenceSet load_preferences(const std::string& path) {
  std::ifstream in(path);
  if (!in) ErrorBuilder("rlhf") << "cannot open preference file " << path;
  PreferenceSet set;
  std::string line;
  long lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineno);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      ErrorBuilder("rlhf") << where << ": not JSON (" << e.what() << ")";
    }
    if (!j.is_object()) ErrorBuilder("rlhf") << where << ": expected a JSON object";
    ++set.lines;
    const std::string prompt = require_string(j, "prompt", where);
    std::vector<PreferencePair> pairs;
    if (j.contains("responses")) {
      const nlohmann::json& r = j["responses"];
      if (!r.is_array() || r.size() < 2)
        ErrorBuilder("rlhf") << where << ": \"responses\" must be a list of at least two strings, best first";
      std::vector<std::string> ranked;
      for (size_t i = 0; i < r.size(); ++i) {
        if (!r[i].is_string()) ErrorBuilder("rlhf") << where << ": responses[" << i << "] is not a string";
        ranked.push_back(r[i].get<std::string>());
      }
      std::vector<double> gold;
      if (j.contains("gold")) {
        const nlohmann::json& g = j["gold"];
        if (!g.is_array() || g.size() != r.size())
          ErrorBuilder("rlhf") << where << ": \"gold\" must be a list of one number per response";
        for (size_t i = 0; i < g.size(); ++i) {
          if (!g[i].is_number()) ErrorBuilder("rlhf") << where << ": gold[" << i << "] is not a number";
          gold.push_back(g[i].get<double>());
        }
      }
      pairs = expand_ranked(prompt, ranked, &set.skipped_identical, gold);
      ++set.ranked_lines;
    } else {
      PreferencePair p{prompt, require_string(j, "chosen", where), require_string(j, "rejected", where), "", 0};
      if (p.chosen == p.rejected) {
        ++set.skipped_identical;
      } else {
        pairs.push_back(std::move(p));
      }
    }
    for (PreferencePair& p : pairs) {
      p.source = where;
      p.group = set.groups;
      set.pairs.push_back(std::move(p));
    }
    ++set.groups;
  }
  return set;
}

}  // namespace llmforge
