// Preferences for RLHF: the hidden true ("gold") preference of the synthetic world,
// and preference files in the common JSONL formats.
//
// Gold preference. Open-ended prompts about a person of the world ("Tell me about
// X", "Write a short bio of X", ...) ask for a set of attributes. A response is
// scored from ground truth, never from a model:
//   coverage    fraction of the asked-for attributes whose true value the response
//               states (a whole phrase, eval/answer_match.h's rule)         [0, 1]
//   invented    values of the world's attribute domains (cities, universities,
//               fields, employers, birth dates) stated that are not this
//               person's: each costs invented_cost                          >= 0
//   repetition  1 - distinct/total word trigrams                            [0, 1]
//   length      outside [min_words, max_words]: the relative shortfall or
//               excess, capped at 1                                         [0, 1]
//   gold = coverage - invented_cost * invented - repetition - length_cost * length
// The reward model never sees these numbers: it learns them only through the
// rankings they induce (with optional rater noise), which is what makes its
// score a proxy that RL can game, and the gold score the measure of the damage.
//
// Files (one JSON object a line; blank lines are skipped):
//   pairs    {"prompt": "...", "chosen": "...", "rejected": "..."}
//   ranked   {"prompt": "...", "responses": ["best", ..., "worst"]}  K >= 2, expanded
//            into all K(K-1)/2 pairs as InstructGPT does; an optional "gold": [one
//            number per response] (`rm data` writes it) lets training report
//            accuracy against the true preference as well as against the ranking
// A line may hold either form. A missing or non-string field is an Error("rlhf")
// naming file:line; a pair whose chosen and rejected texts are identical carries no
// preference and is skipped and counted (PreferenceSet::skipped_identical).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "world/world.h"

namespace llmforge {

struct GoldOptions {
  double invented_cost = 0.5;
  double length_cost = 0.5;
  int min_words = 8, max_words = 80;
};

struct GoldScore {
  double coverage = 0, invented = 0, repetition = 0, length = 0, gold = 0;
};

// What the gold preference needs of a person: the name and the six values
// (world::Person::value), from a generated world or a world directory's people.jsonl.
struct PersonFacts {
  std::string name;
  std::vector<std::string> values;  // indexed by world::Attribute
  bool qa_split = false;
};
std::vector<PersonFacts> facts_of(const world::World& w);
// Reads <world_dir>/people.jsonl (world/world_io.h). Throws Error("rlhf") naming file:line.
std::vector<PersonFacts> read_people_facts(const std::string& world_dir);

// An open-ended prompt about one person, with the attributes it asks for.
struct OpenPrompt {
  int person = 0;
  std::string text;
  std::vector<int> asked;  // world::Attribute values
};

// The prompt kinds, cycled per person from `seed`: n prompts over the people of
// `people` (indices into world.people), in a deterministic order.
std::vector<OpenPrompt> make_open_prompts(const std::vector<PersonFacts>& people_facts, const std::vector<int>& people, int n,
                                          uint64_t seed);

// The open prompt of a prompt text: its person (the longest full name in it;
// -1 when none) and the attributes its kind asks for (all six for a text that is
// no known kind).
OpenPrompt open_prompt_from_text(const std::vector<PersonFacts>& people, const std::string& text);

// Scores responses against the world's ground truth. Builds the attribute
// domains once; then score() is cheap.
class GoldPreference {
 public:
  explicit GoldPreference(std::vector<PersonFacts> people, GoldOptions options = {});
  GoldScore score(const OpenPrompt& prompt, const std::string& response) const;
  // The person a prompt text is about (the longest full name it contains), -1 if none.
  int person_in(const std::string& prompt_text) const;
  const std::vector<PersonFacts>& people() const { return people_; }

 private:
  std::vector<PersonFacts> people_;
  GoldOptions options_;
  // Normalised domain values with the attributes whose value they may be.
  struct DomainValue {
    std::string text;
    std::vector<int> attributes;
  };
  std::vector<DomainValue> domain_;
};

// Whole-phrase occurrence of `phrase` in `text`, both already normalised
// (normalize_reply_text / normalize_answer_text).
bool contains_phrase(const std::string& text, const std::string& phrase);

struct PreferencePair {
  std::string prompt, chosen, rejected;
  std::string source;  // "file:line", for messages
  int group = 0;       // pairs from one line (a ranked list) share a group
  // The true preference's scores where the line carries them (`rm data`'s ranked
  // lists have "gold"): what a noisy rater's ranking can be checked against.
  double chosen_gold = NAN, rejected_gold = NAN;
};

struct PreferenceSet {
  std::vector<PreferencePair> pairs;
  long lines = 0, ranked_lines = 0, skipped_identical = 0;
  int groups = 0;
};

// Reads a pairs/ranked JSONL file (see above). Throws Error("rlhf") naming file:line.
PreferenceSet load_preferences(const std::string& path);

// Expands a ranked list (best first) into all pairs (better, worse); identical
// texts are skipped and counted in *skipped. `gold`, empty or one score per
// response, goes to the pairs' chosen_gold and rejected_gold.
std::vector<PreferencePair> expand_ranked(const std::string& prompt, const std::vector<std::string>& ranked,
                                          long* skipped, const std::vector<double>& gold = {});

}  // namespace llmforge
