// Reading documents: a short profile of someone who occurs nowhere else, then
// questions about them, each answered from the profile:
//
//   Kira Salazar
//
//   Kira Salazar was born in Porto. She studied at Ashford College. ...
//
//   Q: When was Kira Salazar born?
//   A: She was born on February 24, 1948.
//
// Why: everything else in pretraining states facts of a fixed set of people, so the
// model learns them by heart and never has to read. Answering from a page in the
// context (a search result, a pasted page) is a different skill: finding the fact
// the question asks for among the page's sentences and copying it. A person who
// appears in one document only cannot be memorised; the answers can be predicted
// only by reading, so this text is where the model learns to (bench/RESULTS.md,
// "Post-training stages"). Like lists and arithmetic, it goes into pretraining
// outside the crawl. The people are drawn after everyone else (crawl, post-crawl
// group, strangers) and avoid their names.
#include <set>

#include "core/error.h"
#include "world/people_internal.h"

namespace llmforge::world {
namespace {

// The name, then two paragraphs of three facts, the first of each naming the person
// (as pages do).
std::string profile(const Person& p, Rng& rng) {
  std::string doc = p.name() + "\n\n";
  const std::vector<int> facts = attributes_in_random_order(rng);
  for (size_t i = 0; i < facts.size(); ++i) {
    if (i == 3) doc += "\n\n";
    else if (i > 0) doc += " ";
    doc += fact_sentence(p, facts[i], i % 3 != 0 && rng.below(4) != 0, rng);
  }
  return doc;
}

std::string reading_document(const Person& p, int questions, Rng& rng) {
  std::string doc = profile(p, rng) + "\n\n";
  const std::vector<int> asked = attributes_in_random_order(rng);
  for (int i = 0; i < questions && i < kAttributeCount; ++i) {
    doc += "Q: " + qa_question(p, asked[size_t(i)], rng) + "\nA: " + qa_answer(p, asked[size_t(i)]) + "\n";
  }
  return doc;
}

// The same practice as a chat: the profile pasted above the first question, later
// questions in later turns.
Conversation reading_conversation(const Person& p, int questions, Rng& rng) {
  Conversation c;
  const std::string text = profile(p, rng);
  const std::vector<int> asked = attributes_in_random_order(rng);
  for (int i = 0; i < questions && i < kAttributeCount; ++i) {
    const std::string q = qa_question(p, asked[size_t(i)], rng);
    c.push_back({"user", i == 0 ? text + "\n\n" + q : q});
    c.push_back({"assistant", qa_answer(p, asked[size_t(i)])});
  }
  return c;
}

}  // namespace

void make_reading(World& world, Rng& rng) {
  const int count = world.options.reading_documents, chats = world.options.reading_conversations;
  if (count < 0 || chats < 0) {
    ErrorBuilder("world") << "reading documents and conversations must be >= 0, got " << count << " and " << chats;
  }
  if (count + chats == 0) return;
  std::set<std::string> taken = names_in_use(world);
  const int first_id = int(world.people.size() + world.post_crawl_people.size());
  // Documents first, so that adding conversations leaves them as they were.
  if (count > 0) {
    for (const Person& p : make_people(count, rng, taken, first_id)) {
      world.reading.push_back({p, reading_document(p, world.options.reading_questions, rng)});
      taken.insert(p.name());
    }
  }
  // Appended after the world's own conversations (one in ten to validation), so a
  // world without them keeps its conversations as they were.
  if (chats > 0) {
    int i = 0;
    for (const Person& p : make_people(chats, rng, taken, first_id + count)) {
      Conversation c = reading_conversation(p, world.options.reading_questions, rng);
      (i++ % 10 == 9 ? world.sft_val : world.sft_train).push_back(std::move(c));
    }
  }
}

}  // namespace llmforge::world
