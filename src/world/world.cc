#include "world/world.h"

#include "core/error.h"
#include "world/people_internal.h"

namespace llmforge::world {

const char* page_kind_name(PageKind kind) {
  switch (kind) {
    case PageKind::kPerson: return "person";
    case PageKind::kSpam: return "spam";
    case PageKind::kBoilerplate: return "boilerplate";
    case PageKind::kNearDuplicate: return "near_duplicate";
    case PageKind::kForeign: return "foreign";
    case PageKind::kNearEmpty: return "near_empty";
  }
  return "?";
}

World generate_world(const WorldOptions& options) {
  if (options.pages_per_person < 1) ErrorBuilder("world") << "pages per person must be at least 1";
  if (options.noise_fraction < 0 || options.noise_fraction > 10) {
    ErrorBuilder("world") << "noise fraction must be in [0, 10], got " << options.noise_fraction;
  }
  World world;
  world.options = options;
  // Separate streams, so that changing one count leaves the rest of the world as it was.
  Rng people_rng(options.seed), page_rng(options.seed ^ 0x5041474553ull),
      chat_rng(options.seed ^ 0x43484154ull);
  world.people = make_people(options.people, people_rng);

  for (const Person& p : world.people) {
    for (int i = 0; i < options.pages_per_person; ++i) world.pages.push_back(person_page(p, i, page_rng));
    if (!p.qa_split) continue;  // held-out people are never asked about before evaluation
    for (int i = 0; i < options.faq_pages_per_person; ++i) world.pages.push_back(faq_page(p, i, page_rng));
  }
  const size_t person_pages = world.pages.size();
  const int noise = int(double(person_pages) * options.noise_fraction + 0.5);
  static const PageKind kNoiseKinds[] = {PageKind::kSpam, PageKind::kBoilerplate, PageKind::kNearDuplicate,
                                         PageKind::kForeign, PageKind::kNearEmpty};
  for (int i = 0; i < noise; ++i) {
    PageKind kind = kNoiseKinds[size_t(i) % std::size(kNoiseKinds)];
    if (kind == PageKind::kNearDuplicate) {
      world.pages.push_back(near_duplicate(world.pages[page_rng.below(person_pages)], i, page_rng));
    } else {
      world.pages.push_back(noise_page(kind, i, page_rng));
    }
  }
  shuffle_in_place(world.pages, page_rng);

  for (int i = 0; i < options.arithmetic_documents; ++i) world.arithmetic.push_back(arithmetic_document(page_rng, options.arithmetic_max));
  make_conversations(world, chat_rng);
  add_post_crawl_people(world);
  // Its own stream, drawn last, so that worlds from before the group are unchanged.
  Rng nobody_rng(options.seed ^ 0x4E4F424F4459ull);
  make_nobody(world, nobody_rng);
  Rng lists_rng(options.seed ^ 0x4C49535453ull);
  make_lists(world, lists_rng);
  Rng reading_rng(options.seed ^ 0x52454144494E47ull);  // "READING"
  make_reading(world, reading_rng);
  return world;
}

}  // namespace llmforge::world
