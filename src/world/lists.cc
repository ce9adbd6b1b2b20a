// Lists of people with one fact each, as directories, alumni tables and "born in"
// lists are on the web:
//
//   Kenji Marsh -> Auckland
//   Ines Varga -> Porto
//
// A third of the lists name their fact in a heading; the rest do not, so the model
// predicting a line's value must read which fact the list gives from the lines
// before it. That is the skill in-context learning uses (eval/world_icl.h): without
// such text a base model has never continued a pattern of people and values, and
// the few-shot evaluation measured 0% at every number of examples (bench/RESULTS.md).
// Every crawl person appears, in lists of random facts: a person's name followed by
// the separator is ambiguous until the lines before say which fact the list gives.
// With QA-half people only, held-out people's facts had to be carried over from
// biographies into the list format, which this small model does poorly (8-shot
// accuracy 44.7% on held-out people, about 88% on listed ones, seed 1). Post-crawl
// people and strangers never appear. Like the arithmetic text, lists go into
// pretraining outside the crawl: the web-text quality filters drop short lines
// without punctuation.
#include <algorithm>

#include "world/people_internal.h"

namespace llmforge::world {
namespace {

const char* const kSeparators[] = {" -> ", ": ", " - ", " | ", " = ", " => "};
const char* const kHeadings[kAttributeCount] = {"Birthdays", "Birthplaces", "Where they studied",
                                                "Fields of study", "Employers", "Where they work"};

std::string list_document(const std::vector<const Person*>& pool, Rng& rng) {
  const int attribute = int(rng.below(kAttributeCount));
  const std::string sep = kSeparators[rng.below(std::size(kSeparators))];
  const size_t lines = std::min<size_t>(pool.size(), 5 + rng.below(12));
  std::vector<const Person*> people = pool;
  // A partial Fisher-Yates shuffle: the first `lines` entries are distinct random people.
  for (size_t i = 0; i < lines; ++i) std::swap(people[i], people[i + rng.below(people.size() - i)]);
  std::string doc;
  if (rng.below(3) == 0) doc = std::string(kHeadings[attribute]) + "\n";
  for (size_t i = 0; i < lines; ++i) doc += people[i]->name() + sep + people[i]->value(attribute) + "\n";
  return doc;
}

}  // namespace

void make_lists(World& world, Rng& rng) {
  std::vector<const Person*> pool;
  for (const Person& p : world.people) pool.push_back(&p);
  if (pool.empty()) return;
  for (int i = 0; i < world.options.list_documents; ++i) world.lists.push_back(list_document(pool, rng));
}

}  // namespace llmforge::world
