// The "nobody" group: people the world never mentions. Half have plausible names
// drawn from the same name lists as the real people (so only their absence from the
// crawl sets them apart), half have gibberish names of random letters, like the
// article's "sjuehaxucwq xewdqdqw". A chat model that was only ever shown questions
// with answers answers these too, with an invented fact: that share is the
// hallucination rate. Strangers alternate between "train" (refusals about them may
// be fine-tuned) and "eval" (only asked, so a refusal there is learned behaviour,
// not a memorised name).
#include <set>

#include "core/error.h"
#include "world/people_internal.h"

namespace llmforge::world {
namespace {

std::string gibberish_word(Rng& rng, int min_len, int max_len) {
  const int len = min_len + int(rng.below(uint64_t(max_len - min_len + 1)));
  std::string w;
  for (int i = 0; i < len; ++i) w.push_back(char('a' + rng.below(26)));
  return w;
}

std::string fill_name(std::string t, const std::string& name) {
  for (size_t pos = 0; (pos = t.find("{name}", pos)) != std::string::npos; pos += name.size()) {
    t.replace(pos, 6, name);
  }
  return t;
}

}  // namespace

void make_nobody(World& world, Rng& rng) {
  const WorldOptions& o = world.options;
  if (o.nobody_train < 0 || o.nobody_eval < 0) {
    ErrorBuilder("world") << "nobody counts must not be negative, got " << o.nobody_train << " and " << o.nobody_eval;
  }
  const int total = o.nobody_train + o.nobody_eval;
  if (total == 0) return;
  // Post-crawl people are in the search corpus: a stranger must not share their names.
  const std::set<std::string> taken = names_in_use(world);

  // Plausible names: draw more than needed and drop those of real people.
  const int plausible_needed = (total + 1) / 2;
  std::vector<std::string> plausible;
  for (const Person& p : make_people(std::min(3600, 2 * plausible_needed + 8), rng)) {
    if (int(plausible.size()) < plausible_needed && !taken.count(p.name())) plausible.push_back(p.name());
  }
  if (int(plausible.size()) < plausible_needed) {
    ErrorBuilder("world") << "not enough unused names for " << plausible_needed << " strangers";
  }
  size_t next_plausible = 0;
  for (int i = 0; i < total; ++i) {
    Stranger s;
    s.gibberish = i % 2 == 1;
    s.name = s.gibberish ? gibberish_word(rng, 6, 11) + " " + gibberish_word(rng, 5, 9) : plausible[next_plausible++];
    // Alternating pairs keep both kinds in both uses; the first nobody_train are for training.
    s.train = i < o.nobody_train;
    world.nobody.push_back(std::move(s));
  }
  for (int k = 0; k < int(world.nobody.size()); ++k) {
    if (world.nobody[size_t(k)].train) continue;
    for (int a = 0; a < kAttributeCount; ++a) {
      const auto& questions = question_templates(a);
      world.nobody_eval.push_back({k, a, fill_name(questions[rng.below(questions.size())], world.nobody[size_t(k)].name)});
    }
  }
}

}  // namespace llmforge::world
