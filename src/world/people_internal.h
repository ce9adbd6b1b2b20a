// Internal pieces of the world generator shared between its files.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/rng.h"
#include "world/world.h"

namespace llmforge::world {

// `taken`: names already in use (the post-crawl group avoids the crawl's people);
// ids start at `first_id`.
std::vector<Person> make_people(int count, Rng& rng, const std::set<std::string>& taken = {}, int first_id = 0);
// Every name the world uses so far: crawl people, post-crawl people and strangers. A
// group drawn later passes it to make_people, so no name means two people.
std::set<std::string> names_in_use(const World& world);
// The evaluation question of (p, attribute): its first phrasing, as qa_eval asks.
QaItem eval_question(const Person& p, int attribute);
// Fills World::post_crawl_* from options.post_crawl_people, with its own RNG stream.
void add_post_crawl_people(World& world);

// Every attribute once, in a random order: each page states its facts in its own order.
std::vector<int> attributes_in_random_order(Rng& rng);
// A sentence stating one fact of `p`, from a random template; `use_pronoun` lets the
// subject be "she"/"he" where the template allows.
std::string fact_sentence(const Person& p, int attribute, bool use_pronoun, Rng& rng);

// Web pages: a person's profile in one of several site styles, and the noise kinds.
Page person_page(const Person& p, int index, Rng& rng);
std::string arithmetic_document(Rng& rng, int max_value);
// Lists of the crawl's people with one fact each (world/lists.cc): fills World::lists.
void make_lists(World& world, Rng& rng);
Page noise_page(PageKind kind, int index, Rng& rng);
Page near_duplicate(const Page& original, int index, Rng& rng);

// Conversations and evaluation items.
void make_conversations(World& world, Rng& rng);
std::string qa_answer(const Person& p, int attribute);
// " comes from": the verb phrase of an answer (and of a probe statement).
const char* answer_predicate(int attribute);
// A prompt for probing a base model: a page's opening sentence, then the fact's
// statement up to the value ("This page collects what is known about Kenji Marsh.
// Kenji Marsh comes from"). Pages never start with the name, so a bare statement
// after <|bos|> is a prompt the model never saw and underrates what it knows.
std::string probe_statement(const Person& p, int attribute);
std::string qa_question(const Person& p, int attribute, Rng& rng);  // a random phrasing
Page faq_page(const Person& p, int index, Rng& rng);
// The "nobody" group and its evaluation questions (world/nobody.cc).
void make_nobody(World& world, Rng& rng);
// Reading documents (world/reading.cc): fills World::reading.
void make_reading(World& world, Rng& rng);

}  // namespace llmforge::world
