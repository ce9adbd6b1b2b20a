#include "idk/judge.h"

#include <set>
#include <vector>

#include "core/error.h"
#include "eval/answer_match.h"
#include "idk/refusal.h"

namespace llmforge::idk {

namespace {

bool word_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  return out;
}

struct Word {
  size_t begin, end;
  std::string lower;
};

std::vector<Word> words(std::string_view s) {
  std::vector<Word> out;
  for (size_t i = 0; i < s.size();) {
    if (!word_char(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    // An apostrophe inside a word keeps it whole ("don't", "Mara's").
    while (j < s.size() && (word_char(s[j]) || (s[j] == '\'' && j + 1 < s.size() && word_char(s[j + 1])))) ++j;
    out.push_back({i, j, lower(s.substr(i, j - i))});
    i = j;
  }
  return out;
}

// Function words, pronouns and the verbs answers use around a fact.
const std::set<std::string>& frame_words() {
  static const std::set<std::string> kWords = {
      "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "as", "is",
      "was", "were", "are", "be", "been", "has", "have", "had", "does", "did", "do", "it", "its", "he", "she",
      "him", "her", "his", "hers", "they", "them", "their", "i", "you", "we", "this", "that", "there", "city",
      "born", "comes", "come", "came", "studied", "study", "studies", "attended", "graduated", "majored",
      "major", "works", "worked", "work", "working", "employed", "lives", "based", "native", "who", "what",
      "where", "when", "which", "'s", "s", "yes", "no", "currently", "still", "now"};
  return kWords;
}

class TruthJudge : public Judge {
 public:
  std::string name() const override { return "truth"; }
  bool correct(const JudgeItem& item, std::string_view reply) const override {
    if (item.truth.empty()) ErrorBuilder("idk") << "the truth judge needs the true value of " << item.name << "'s " << item.attribute;
    return !is_refusal(reply) && answer_matches(reply, item.truth);
  }
};

class PageJudge : public Judge {
 public:
  explicit PageJudge(std::map<int, std::string> pages) : pages_(std::move(pages)) {}
  std::string name() const override { return "pages"; }
  bool correct(const JudgeItem& item, std::string_view reply) const override {
    if (is_refusal(reply)) return false;
    auto it = pages_.find(item.person);
    if (it == pages_.end()) return false;  // nothing supports any answer
    const ValueSpan v = answer_value_span(reply, item.question);
    if (v.empty()) return false;
    return answer_matches(it->second, reply.substr(v.begin, v.end - v.begin));
  }

 private:
  std::map<int, std::string> pages_;
};

}  // namespace

ValueSpan answer_value_span(std::string_view reply, std::string_view question) {
  std::set<std::string> asked;
  for (const Word& w : words(question)) asked.insert(w.lower);
  const auto& frame = frame_words();
  ValueSpan span;
  bool found = false;
  for (const Word& w : words(reply)) {
    std::string base = w.lower;
    if (base.size() > 2 && base.compare(base.size() - 2, 2, "'s") == 0) base.resize(base.size() - 2);
    if (frame.count(base) || asked.count(base)) continue;
    if (!found) span.begin = w.begin;
    span.end = w.end;
    found = true;
  }
  return span;
}

std::unique_ptr<Judge> make_truth_judge() { return std::make_unique<TruthJudge>(); }

std::unique_ptr<Judge> make_page_judge(std::map<int, std::string> pages_by_person) {
  return std::make_unique<PageJudge>(std::move(pages_by_person));
}

std::unique_ptr<Judge> make_judge(const std::string& name, std::map<int, std::string> pages_by_person) {
  if (name == "truth") return make_truth_judge();
  if (name == "pages") {
    if (pages_by_person.empty()) ErrorBuilder("idk") << "the pages judge found no person pages";
    return make_page_judge(std::move(pages_by_person));
  }
  ErrorBuilder("idk") << "unknown judge '" << name << "' (truth or pages)";
  return nullptr;
}

}  // namespace llmforge::idk
