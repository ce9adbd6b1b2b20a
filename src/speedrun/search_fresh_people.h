// People invented for the search fine-tuning alone, each with a few pages in an
// index of their own and one or two conversations.
//
// Why: a model fine-tuned on searches about a few dozen post-crawl people learns
// those people, not searching. It memorises their names and facts, so asked about
// someone new it searches for a name it was trained on and answers with that
// person's fact (bench/RESULTS.md, "Post-training stages"). A person who occurs in
// one conversation only cannot be memorised: the loss falls only by copying the
// name from the question into the call and the fact from the result into the
// answer, which is the behaviour the post-crawl people need.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "world/world.h"

namespace llmforge {

struct FreshPeople {
  std::vector<world::Person> people;  // names unused by the world's people, post-crawl group and strangers
  std::string index_dir;              // their pages, indexed as the crawl is (WARC, HTML reduced to text)
};

// Writes DIR/pages.warc.gz and DIR/index; deterministic for `seed`.
FreshPeople make_fresh_people(const world::World& world, int count, int pages_per_person, uint64_t seed,
                              const std::string& dir);

}  // namespace llmforge
