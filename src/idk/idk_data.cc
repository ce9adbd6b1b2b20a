#include "idk/idk_data.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/text_utils.h"
#include "idk/refusal.h"
#include "sft/conversations.h"
#include "world/world.h"

namespace llmforge::idk {

namespace {

// The reply to train for a known fact: the most common of the replies judged right.
std::string best_answer(const FactLabel& l) {
  std::map<std::string, int> counts;
  std::string best;
  int most = 0;
  for (size_t i = 0; i < l.answers.size(); ++i) {
    if (!l.correct.empty() && !l.correct[i]) continue;
    if (++counts[l.answers[i]] > most) most = counts[l.answers[i]], best = l.answers[i];
  }
  return best;
}

bool names_anyone(const Chat& c, const std::vector<std::string>& names) {
  for (const ChatMessage& m : c) {
    for (const std::string& n : names) {
      if (m.content.find(n) != std::string::npos) return true;
    }
  }
  return false;
}

std::string fill_name(std::string t, const std::string& name) {
  for (size_t pos = 0; (pos = t.find("{name}", pos)) != std::string::npos; pos += name.size()) t.replace(pos, 6, name);
  return t;
}

}  // namespace

IdkData build_idk_data(const std::vector<FactLabel>& labels, const std::vector<WorldStranger>& strangers,
                       const std::vector<Chat>& replay, const IdkDataOptions& o) {
  if (o.phrasings_per_fact <= 0 || o.questions_per_stranger < 0)
    ErrorBuilder("idk") << "phrasings per fact must be positive and questions per stranger not negative";
  IdkData d;
  Rng rng(o.seed);
  std::vector<std::string> names;
  long item = 0;
  for (const FactLabel& l : labels) {
    if (names.empty() || names.back() != l.person) names.push_back(l.person);
    std::string answer = l.known ? best_answer(l) : "";
    if (l.known && answer.empty()) continue;  // "known" with no right reply: a hand-edited file
    (l.known ? d.known : d.unknown) += 1;
    auto& set = item++ % 10 == 9 ? d.val : d.train;
    const size_t n = l.questions.size();
    if (n == 0) ErrorBuilder("idk") << "the label of " << l.person << "'s " << l.attribute << " has no questions";
    const size_t start = rng.below(n);
    for (int k = 0; k < o.phrasings_per_fact && size_t(k) < n; ++k) {
      const std::string& q = l.questions[(start + size_t(k)) % n];
      set.push_back({{"user", q}, {"assistant", l.known ? answer : refusal_reply(l.person, rng)}});
    }
  }
  long stranger_index = 0;
  for (const WorldStranger& s : strangers) {
    if (!s.train) continue;
    ++d.strangers;
    auto& set = stranger_index++ % 10 == 9 ? d.val : d.train;
    const int first = int(rng.below(world::kAttributeCount));
    for (int k = 0; k < o.questions_per_stranger; ++k) {
      const auto& templates = world::question_templates((first + k) % world::kAttributeCount);
      set.push_back({{"user", fill_name(templates[rng.below(templates.size())], s.name)},
                     {"assistant", refusal_reply(s.name, rng)}});
    }
  }
  for (const Chat& c : replay) {
    if (names_anyone(c, names)) {
      ++d.replay_dropped;
      continue;
    }
    d.train.push_back(c);
    ++d.replayed;
  }
  shuffle_in_place(d.train, rng);
  return d;
}

IdkData write_idk_sft(const std::vector<FactLabel>& labels, const std::string& world_dir, const std::string& out_dir,
                      const IdkDataOptions& options) {
  IdkData d = build_idk_data(labels, read_world_strangers(world_dir), read_chats_jsonl(world_dir + "/sft/train.jsonl"),
                             options);
  std::vector<std::string> names;
  for (const FactLabel& l : labels) names.push_back(l.person);
  for (const Chat& c : read_chats_jsonl(world_dir + "/sft/val.jsonl")) {
    if (!names_anyone(c, names)) d.val.push_back(c);
  }
  std::filesystem::create_directories(out_dir);
  write_chats_jsonl(out_dir + "/train.jsonl", d.train);
  write_chats_jsonl(out_dir + "/val.jsonl", d.val);
  return d;
}

void write_chats_jsonl(const std::string& path, const std::vector<Chat>& chats) {
  std::string out;
  for (const Chat& c : chats) {
    nlohmann::json messages = nlohmann::json::array();
    for (const ChatMessage& m : c) {
      std::string content = m.content;  // a sampled answer may hold a stray byte
      data::sanitize_utf8(content);
      messages.push_back({{"role", m.role}, {"content", content}});
    }
    out += nlohmann::json{{"messages", messages}}.dump() + "\n";
  }
  write_file_atomic(path, out);
}

std::vector<Chat> read_chats_jsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) ErrorBuilder("idk") << path << ": cannot open";
  std::vector<Chat> chats;
  std::string line;
  for (long n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    chats.push_back(parse_conversation_line(line, path + ":" + std::to_string(n)));
  }
  return chats;
}

}  // namespace llmforge::idk
