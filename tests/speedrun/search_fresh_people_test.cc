// The search fine-tuning's fresh people: named nowhere in the world, each with the
// pages asked for in an index of their own, so a search for them finds their pages.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "../test_util.h"
#include "core/error.h"
#include "search/search_index.h"
#include "speedrun/search_fresh_people.h"
#include "world/world.h"

using namespace llmforge;

TEST(SearchFreshPeople, AreNamedNowhereInTheWorldAndFoundByTheirOwnIndex) {
  world::WorldOptions o;
  o.people = 30, o.pages_per_person = 3, o.arithmetic_documents = 5;
  o.identity_conversations = 20, o.smalltalk_conversations = 10;
  o.post_crawl_people = 6, o.nobody_train = 10, o.nobody_eval = 4;
  const world::World w = world::generate_world(o);
  const std::string dir = llmforge::testing::test_temp_dir("fresh");
  std::filesystem::remove_all(dir);

  const FreshPeople fresh = make_fresh_people(w, 12, 2, 5, dir);
  ASSERT_EQ(fresh.people.size(), 12u);
  std::set<std::string> world_names;
  for (const world::Person& p : w.people) world_names.insert(p.name());
  for (const world::Person& p : w.post_crawl_people) world_names.insert(p.name());
  for (const world::Stranger& s : w.nobody) world_names.insert(s.name);
  std::set<int> ids;
  for (const world::Person& p : fresh.people) {
    EXPECT_EQ(world_names.count(p.name()), 0u) << p.name();
    EXPECT_GE(p.id, int(w.people.size() + w.post_crawl_people.size()));
    ids.insert(p.id);
  }
  EXPECT_EQ(ids.size(), 12u);

  const search::SearchIndex index(fresh.index_dir);
  EXPECT_EQ(index.documents(), 24);
  for (const world::Person& p : fresh.people) {
    const std::vector<search::SearchHit> hits = index.search(p.name(), 2);
    ASSERT_EQ(hits.size(), 2u) << p.name();
    for (const search::SearchHit& h : hits) {
      EXPECT_NE(h.title.find(p.name()), std::string::npos) << h.title;
      // Every page states every fact: the answer is in the result.
      for (int a = 0; a < world::kAttributeCount; ++a) {
        EXPECT_NE(h.text.find(p.value(a)), std::string::npos) << p.value(a) << " / " << h.text;
      }
    }
  }
  // The same seed gives the same people; building again over the same folder (a
  // resumed speedrun reruns the stage) replaces the index rather than adding to it.
  const FreshPeople again = make_fresh_people(w, 12, 2, 5, dir);
  EXPECT_EQ(again.people.back().name(), fresh.people.back().name());
  EXPECT_EQ(search::SearchIndex(again.index_dir).documents(), 24);
  EXPECT_THROW(make_fresh_people(w, 0, 2, 5, dir + "-none"), Error);
}
