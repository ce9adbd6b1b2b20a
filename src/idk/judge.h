// Judges of a model's answer to a question about one fact of one person. The
// interrogator (interrogate.h) asks each fact several times and a judge says which
// answers are right; two are pluggable:
//   truth  the world's ground truth: the answer contains the true value as a phrase
//          (eval/answer_match.h), the same rule as `llmforge eval`.
//   pages  needs no ground truth, so it works on a real crawl: the answer's value
//          (answer_value_span) must occur, as a phrase, in the text of the source
//          pages the question came from (the person's pages). Limit: a value that
//          those pages state for another fact (a city that is both the birth city
//          and the workplace) is accepted for either.
// Both reject refusals (refusal.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace llmforge::idk {

struct JudgeItem {
  int person = -1;
  std::string name, attribute, question;
  std::string truth;  // may be empty for judges that need none
};

class Judge {
 public:
  virtual ~Judge() = default;
  virtual std::string name() const = 0;
  virtual bool correct(const JudgeItem& item, std::string_view reply) const = 0;
};

std::unique_ptr<Judge> make_truth_judge();
// `pages_by_person`: the text of every source page of each person, concatenated.
std::unique_ptr<Judge> make_page_judge(std::map<int, std::string> pages_by_person);
// "truth" or "pages"; throws Error("idk") for another name or a page judge without pages.
std::unique_ptr<Judge> make_judge(const std::string& name, std::map<int, std::string> pages_by_person);

// Where the answer's value lies in `reply`: from the first to the last content word,
// a content word being one that is neither a function word nor a pronoun nor a
// word of the question nor a common answer verb ("She comes from Lisbon." to the
// question "Where was Mara Okafor born?" -> "Lisbon"; "He was born on March 4,
// 1975." -> "March 4, 1975"). Byte offsets into `reply`; empty (begin == end) when
// there is no content word.
struct ValueSpan {
  size_t begin = 0, end = 0;
  bool empty() const { return begin == end; }
};
ValueSpan answer_value_span(std::string_view reply, std::string_view question);

}  // namespace llmforge::idk
