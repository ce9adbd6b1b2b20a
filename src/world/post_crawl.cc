// The post-crawl group: people "published after the crawl". Their pages exist only in
// the search corpus (written apart from the crawl), so a model can know them only
// through the search tool: they measure working memory (what the context window
// holds) against fuzzy memory (what pretraining stored). Drawn from their own RNG
// stream after the rest of the world, so adding them changes nothing else for a seed.
#include <set>

#include "core/error.h"
#include "world/people_internal.h"

namespace llmforge::world {

void add_post_crawl_people(World& world) {
  const WorldOptions& o = world.options;
  if (o.post_crawl_people < 0) ErrorBuilder("world") << "post-crawl people must be >= 0, got " << o.post_crawl_people;
  if (o.post_crawl_people == 0) return;
  Rng rng(o.seed ^ 0x504f535443524157ull);  // "POSTCRAW"
  world.post_crawl_people = make_people(o.post_crawl_people, rng, names_in_use(world), int(world.people.size()));
  for (Person& p : world.post_crawl_people) {
    p.qa_split = false;  // never in SFT data
    p.post_crawl = true;
    for (int i = 0; i < o.pages_per_person; ++i) world.post_crawl_pages.push_back(person_page(p, i, rng));
    for (int a = 0; a < kAttributeCount; ++a) world.post_crawl_eval.push_back(eval_question(p, a));
  }
}

}  // namespace llmforge::world
