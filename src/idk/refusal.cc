#include "idk/refusal.h"

#include "eval/answer_match.h"

namespace llmforge::idk {

namespace {

// Lowercased, with "’" already folded to "'" by the caller.
const char* const kMarkers[] = {"not sure",        "don't know",       "do not know",     "no information",
                                "not familiar",    "never heard",      "cannot say",      "can't say",
                                "no reliable",     "don't have any",   "do not have any", "not aware of",
                                "unable to answer", "more context"};

}  // namespace

bool is_refusal(std::string_view reply) {
  std::string r = normalize_reply_text(reply);
  for (size_t pos = 0; (pos = r.find("\xE2\x80\x99", pos)) != std::string::npos;) r.replace(pos, 3, "'");
  for (const char* m : kMarkers) {
    if (r.find(m) != std::string::npos) return true;
  }
  return false;
}

const std::vector<std::string>& refusal_templates() {
  // Varied, so the model learns to decline rather than one sentence; the first is
  // the article's.
  static const std::vector<std::string> kTemplates = {
      "I'm not sure. Could you give me more context?",
      "I'm not sure who {name} is. Could you give me more context?",
      "I don't know that about {name}.",
      "I'm not sure about that. I have no reliable information about {name}.",
      "Sorry, I don't know. Could you tell me more about {name}?",
      "I do not know the answer to that.",
      "I'm not familiar with {name}, so I'm not sure."};
  return kTemplates;
}

std::string refusal_reply(const std::string& name, Rng& rng) {
  const auto& t = refusal_templates();
  std::string s = t[rng.below(t.size())];
  for (size_t pos = 0; (pos = s.find("{name}", pos)) != std::string::npos; pos += name.size()) s.replace(pos, 6, name);
  return s;
}

}  // namespace llmforge::idk
