#include "speedrun/search_fresh_people.h"

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/input_files.h"
#include "search/document_source.h"
#include "search/search_index.h"
#include "world/people_internal.h"
#include "world/world_io.h"

namespace llmforge {

FreshPeople make_fresh_people(const world::World& world, int count, int pages_per_person, uint64_t seed,
                              const std::string& dir) {
  if (count < 1 || pages_per_person < 1) {
    ErrorBuilder("search") << "fresh people need a count and pages per person >= 1, got " << count << " and "
                           << pages_per_person;
  }
  FreshPeople out;
  Rng rng(seed ^ 0x46524553484Full);  // "FRESH" plus a letter: a stream of its own
  // Ids after every person of the world, so no id-keyed split can mistake them for one.
  const int first_id = int(world.people.size() + world.post_crawl_people.size());
  out.people = world::make_people(count, rng, world::names_in_use(world), first_id);

  std::filesystem::create_directories(dir);
  std::vector<world::Page> pages;
  for (const world::Person& p : out.people) {
    for (int i = 0; i < pages_per_person; ++i) pages.push_back(world::person_page(p, i, rng));
  }
  const std::string warc_path = dir + "/pages.warc.gz";
  write_file_atomic(warc_path, world::pages_warc_gz(pages, "2026-01-01T00:00:00Z"));

  out.index_dir = dir + "/index";
  search::IndexWriter writer(out.index_dir);
  search::SourceStats stats;
  search::read_documents(data::list_inputs({warc_path}, "auto"), [&](const search::IndexDocument& d) { writer.add(d); },
                         nullptr, stats);
  writer.commit({warc_path});
  return out;
}

}  // namespace llmforge
