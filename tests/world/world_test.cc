// The synthetic world: determinism, that pages state the facts they claim, that no
// held-out person leaks into SFT data, the files on disk, and that the data
// pipeline with its default (FineWeb) filters removes the planted noise.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <sstream>

#include "data/byte_reader.h"
#include "data/jsonl_reader.h"
#include "data/pipeline.h"
#include "data/warc_reader.h"
#include "../test_util.h"
#include "world/world.h"
#include "world/people_internal.h"
#include "world/world_io.h"

namespace llmforge::world {
namespace {

WorldOptions small_options() {
  WorldOptions o;
  o.people = 40;
  o.pages_per_person = 4;
  o.arithmetic_documents = 10;
  o.identity_conversations = 50;
  o.smalltalk_conversations = 20;
  return o;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Values may start a sentence ("The University of ..."), so the first letter may be capitalized.
bool states(const std::string& text, std::string value) {
  if (contains(text, value)) return true;
  value[0] = char(std::toupper(static_cast<unsigned char>(value[0])));
  return contains(text, value);
}

TEST(World, SameSeedSameWorldOtherSeedOtherWorld) {
  World a = generate_world(small_options()), b = generate_world(small_options());
  ASSERT_EQ(a.pages.size(), b.pages.size());
  for (size_t i = 0; i < a.pages.size(); ++i) EXPECT_EQ(a.pages[i].html, b.pages[i].html);
  ASSERT_EQ(a.sft_train.size(), b.sft_train.size());
  EXPECT_EQ(a.sft_train[7][0].content, b.sft_train[7][0].content);
  WorldOptions o = small_options();
  o.seed = 2;
  World c = generate_world(o);
  EXPECT_NE(a.people[0].name() + a.people[0].birth_date(), c.people[0].name() + c.people[0].birth_date());
}

TEST(World, TwentyTemplatesPerAttributeEachStatingTheFact) {
  for (int a = 0; a < kAttributeCount; ++a) {
    const auto& templates = fact_templates(a);
    EXPECT_GE(templates.size(), 20u) << attribute_name(a);
    std::set<std::string> unique(templates.begin(), templates.end());
    EXPECT_EQ(unique.size(), templates.size()) << attribute_name(a) << " has a repeated template";
    for (const auto& t : templates) {
      EXPECT_TRUE(contains(t, "{value}")) << t;
      bool names_person = contains(t, "{Subj}") || contains(t, "{subj}") || contains(t, "{Poss}") || contains(t, "{name}");
      EXPECT_TRUE(names_person) << t;
    }
  }
}

TEST(World, PersonPagesStateEveryFactAndDiffer) {
  World w = generate_world(small_options());
  std::map<int, std::set<std::string>> texts;
  for (const Page& p : w.pages) {
    if (p.kind != PageKind::kPerson) continue;
    const Person& person = w.people[size_t(p.person)];
    EXPECT_TRUE(contains(p.html, person.name()));
    for (int a = 0; a < kAttributeCount; ++a) EXPECT_TRUE(states(p.html, person.value(a))) << p.url << " lacks " << attribute_name(a);
    texts[p.person].insert(p.html);
  }
  ASSERT_EQ(texts.size(), w.people.size());
  for (const auto& [person, pages] : texts) EXPECT_EQ(int(pages.size()), w.options.pages_per_person);
  // Employers have one city, so employer_city follows from employer.
  std::map<std::string, std::string> city;
  for (const Person& p : w.people) {
    auto [it, fresh] = city.emplace(p.employer, p.employer_city);
    EXPECT_EQ(it->second, p.employer_city);
  }
}

// Answers start with the person's pronoun (not the name: restating names made the
// chat model swap held-out people for trained ones) and state one of their facts.
TEST(World, QaAnswersUseThePronounAndStateAFact) {
  World w = generate_world(small_options());
  int answers = 0;
  for (const Conversation& c : w.sft_train) {
    for (size_t i = 0; i + 1 < c.size(); ++i) {
      for (const Person& p : w.people) {
        if (c[i].role != "user" || !contains(c[i].content, p.name())) continue;
        const std::string& reply = c[i + 1].content;
        EXPECT_EQ(reply.rfind(p.female ? "She " : "He ", 0), 0u) << reply;
        bool states_fact = false;
        for (int a = 0; a < kAttributeCount; ++a) states_fact |= contains(reply, p.value(a));
        EXPECT_TRUE(states_fact) << reply;
        ++answers;
      }
    }
  }
  EXPECT_GT(answers, 0);
}

TEST(World, HeldOutPeopleNeverAppearInSftData) {
  World w = generate_world(small_options());
  int qa = 0;
  for (const Person& p : w.people) qa += p.qa_split;
  EXPECT_EQ(qa, int(w.people.size()) / 2);
  for (const auto* set : {&w.sft_train, &w.sft_val}) {
    for (const Conversation& c : *set) {
      for (const ChatTurn& t : c) {
        for (const Person& p : w.people) {
          if (!p.qa_split) {
            EXPECT_FALSE(contains(t.content, p.name())) << t.content;
          }
        }
      }
    }
  }
  // Every person is asked about every attribute, with the ground-truth answer.
  ASSERT_EQ(w.qa_eval.size(), w.people.size() * kAttributeCount);
  for (const QaItem& q : w.qa_eval) {
    EXPECT_EQ(q.answer, w.people[size_t(q.person)].value(q.attribute));
    EXPECT_TRUE(contains(q.question, w.people[size_t(q.person)].name()));
    // The probe statement opens like a page, then names the person and stops before
    // the fact.
    const std::string& name = w.people[size_t(q.person)].name();
    EXPECT_EQ(q.statement.rfind("This page collects what is known about " + name + ". " + name + " ", 0), 0u)
        << q.statement;
    EXPECT_FALSE(contains(q.statement, q.answer)) << q.statement;
  }
  // Identity evaluation asks under (name, maker) pairs no training system prompt has.
  std::set<std::string> train_systems;
  for (const Conversation& c : w.sft_train) {
    if (c[0].role == "system") train_systems.insert(c[0].content);
  }
  ASSERT_FALSE(w.identity_eval.empty());
  for (const IdentityItem& it : w.identity_eval) {
    for (const auto& e : it.expected) EXPECT_TRUE(contains(it.system, e));
    if (it.expected.size() < 2) continue;  // "Who are you?" names both
    for (const auto& s : train_systems) {
      const std::string& name = it.expected[0];
      bool names = contains(s, " " + name + ",") || contains(s, " " + name + ".");
      EXPECT_FALSE(names && contains(s, it.expected[1])) << s;
    }
  }
  EXPECT_TRUE(contains(w.system_prompt, "Forge"));
}

TEST(World, NoiseScoreCountsNearDuplicateGroupsOnce) {
  std::vector<PageLabel> labels = {{"a", PageKind::kPerson, 0, ""},
                                   {"a2", PageKind::kNearDuplicate, 0, "a"},
                                   {"b", PageKind::kPerson, 1, ""},
                                   {"b2", PageKind::kNearDuplicate, 1, "b"},
                                   {"s", PageKind::kSpam, -1, ""},
                                   {"c", PageKind::kPerson, 2, ""}};
  // Group a keeps its copy (fine), group b loses both (one wrong removal), spam
  // kept (missed), person c removed (wrong).
  NoiseRemovalScore s = score_noise_removal(labels, {"a2", "s"});
  EXPECT_EQ(s.noise, 3);         // a2 or a, b2 or b, s
  EXPECT_EQ(s.true_removed, 2);  // one of group a, one of group b
  EXPECT_EQ(s.false_removed, 2); // the second of group b, person c
  EXPECT_DOUBLE_EQ(s.precision(), 0.5);
  EXPECT_DOUBLE_EQ(s.recall(), 2.0 / 3.0);
}

TEST(World, FilesOnDiskAndThePipelineRemovesTheNoise) {
  const std::string dir = testing::temp_dir("world_files");
  std::filesystem::remove_all(dir);  // a data run refuses a folder made from other inputs
  WorldOptions o = small_options();
  o.people = 60;
  World w = generate_world(o);
  write_world(w, dir, 100);
  for (const char* f : {"world.json", "people.jsonl", "labels.jsonl", "arithmetic.jsonl", "sft/train.jsonl",
                        "sft/val.jsonl", "eval/qa.jsonl", "eval/identity.jsonl", "nobody.jsonl", "eval/nobody.jsonl"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
  }
  // Arithmetic documents carry their own ids: the pipeline splits train/validation by
  // id, which must not depend on where the world was written.
  {
    std::ifstream in(dir + "/arithmetic.jsonl");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      const nlohmann::json doc = nlohmann::json::parse(line);
      EXPECT_EQ(doc.value("id", ""), "arithmetic-" + std::to_string(n++)) << line;
      // Each line adds or subtracts one digit, every number in [0, arithmetic_max], and is right:
      // the steps of the GRPO task (rl/arithmetic_task.h).
      std::istringstream text(doc.value("text", ""));
      std::string sum;
      while (std::getline(text, sum)) {
        int a = -1, d = -1, c = -1;
        char op = 0;
        ASSERT_EQ(std::sscanf(sum.c_str(), "%d %c %d = %d", &a, &op, &d, &c), 4) << sum;
        EXPECT_TRUE(a >= 0 && a <= o.arithmetic_max && d >= 1 && d <= 9 && c >= 0 && c <= o.arithmetic_max) << sum;
        EXPECT_EQ(c, op == '+' ? a + d : op == '-' ? a - d : -1) << sum;
      }
    }
    EXPECT_EQ(n, o.arithmetic_documents);
  }
  // The crawl reads back record for record.
  size_t records = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/crawl")) {
    data::ByteReader in(e.path().string());
    data::WarcReader reader(in, 1 << 20);
    data::WarcRecord rec;
    while (reader.next(rec)) ++records;
    EXPECT_TRUE(reader.take_errors().empty());
  }
  EXPECT_EQ(records, w.pages.size());
  std::vector<PageLabel> labels = read_labels(dir);
  ASSERT_EQ(labels.size(), w.pages.size());

  data::PipelineConfig config;
  config.inputs = {dir + "/crawl"};
  config.output_dir = dir + "/data";
  config.threads = 1;
  config.jsonl_zstd_level = 0;
  data::run_pipeline(config);
  std::set<std::string> kept;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/data/clean")) {
    data::ByteReader in(e.path().string());
    data::JsonlReader reader(in, "text", 1 << 20);
    data::Document doc;
    while (reader.next(doc)) kept.insert(doc.url);
  }
  NoiseRemovalScore s = score_noise_removal(labels, kept);
  std::printf("noise removal: precision %.3f recall %.3f (%ld planted)\n", s.precision(), s.recall(), s.noise);
  for (const auto& [kind, c] : s.by_kind) std::printf("  %-15s %4ld pages %4ld removed\n", kind.c_str(), c.pages, c.removed);
  EXPECT_GE(s.precision(), 0.9);
  EXPECT_GE(s.recall(), 0.9);
}

}  // namespace
}  // namespace llmforge::world

namespace llmforge::world {
namespace {

// The post-crawl group is additive: the crawl, SFT data and qa_eval are those of the
// same seed without it, its people are new names, and their pages and questions are
// kept apart (search corpus and their own eval file only).
TEST(World, PostCrawlPeopleAreOnlyInTheSearchCorpus) {
  WorldOptions o = small_options();
  World plain = generate_world(o);
  o.post_crawl_people = 7;
  World w = generate_world(o);
  ASSERT_EQ(w.pages.size(), plain.pages.size());
  for (size_t i = 0; i < w.pages.size(); ++i) EXPECT_EQ(w.pages[i].html, plain.pages[i].html);
  ASSERT_EQ(w.sft_train.size(), plain.sft_train.size());
  for (size_t i = 0; i < w.sft_train.size(); ++i) EXPECT_EQ(w.sft_train[i].back().content, plain.sft_train[i].back().content);
  EXPECT_EQ(w.qa_eval.size(), plain.qa_eval.size());
  EXPECT_TRUE(plain.post_crawl_people.empty());

  ASSERT_EQ(w.post_crawl_people.size(), 7u);
  EXPECT_EQ(w.post_crawl_pages.size(), 7u * size_t(o.pages_per_person));
  EXPECT_EQ(w.post_crawl_eval.size(), 7u * kAttributeCount);
  std::set<std::string> names;
  for (const Person& p : w.people) names.insert(p.name());
  for (size_t i = 0; i < w.post_crawl_people.size(); ++i) {
    const Person& p = w.post_crawl_people[i];
    EXPECT_TRUE(names.insert(p.name()).second) << "name reused: " << p.name();
    EXPECT_EQ(p.id, int(w.people.size() + i));
    EXPECT_TRUE(p.post_crawl);
    EXPECT_FALSE(p.qa_split);
    for (const Page& page : w.pages) EXPECT_FALSE(contains(page.html, p.name())) << page.url;
    for (const auto* set : {&w.sft_train, &w.sft_val})
      for (const Conversation& c : *set)
        for (const ChatTurn& t : c) EXPECT_FALSE(contains(t.content, p.name()));
  }
  for (const Page& page : w.post_crawl_pages) {
    const Person& p = w.post_crawl_people[size_t(page.person) - w.people.size()];
    for (int a = 0; a < kAttributeCount; ++a) EXPECT_TRUE(states(page.html, p.value(a))) << page.html;
  }
  for (const QaItem& q : w.post_crawl_eval) {
    EXPECT_EQ(q.answer, w.post_crawl_people[size_t(q.person) - w.people.size()].value(q.attribute));
  }

  const std::string dir = testing::temp_dir("world_post_crawl");
  std::filesystem::remove_all(dir);
  write_world(w, dir);
  EXPECT_TRUE(std::filesystem::exists(dir + "/post_crawl/pages.warc.gz"));
  std::ifstream people(dir + "/post_crawl/people.jsonl"), qa(dir + "/eval/post_crawl_qa.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(people, line)) {
    EXPECT_EQ(nlohmann::json::parse(line).at("split"), "post_crawl");
    ++n;
  }
  EXPECT_EQ(n, 7);
  n = 0;
  while (std::getline(qa, line)) ++n;
  EXPECT_EQ(n, 7 * kAttributeCount);
}

// The "nobody" group: names that occur nowhere else, drawn from their own stream so
// that adding the group moved nothing in the rest of the world.
TEST(World, NobodyGroupOccursNowhereAndLeavesTheRestOfTheWorldAsItWas) {
  WorldOptions with = small_options(), without = small_options();
  without.nobody_train = without.nobody_eval = 0;
  with.nobody_train = 10, with.nobody_eval = 6;
  World a = generate_world(with), b = generate_world(without);
  ASSERT_EQ(a.pages.size(), b.pages.size());
  for (size_t i = 0; i < a.pages.size(); ++i) EXPECT_EQ(a.pages[i].html, b.pages[i].html);
  ASSERT_EQ(a.sft_train.size(), b.sft_train.size());
  for (size_t i = 0; i < a.sft_train.size(); ++i) EXPECT_EQ(a.sft_train[i].back().content, b.sft_train[i].back().content);
  EXPECT_TRUE(b.nobody.empty());

  ASSERT_EQ(a.nobody.size(), 16u);
  int gibberish = 0, train = 0;
  std::set<std::string> names;
  for (const Stranger& s : a.nobody) {
    gibberish += s.gibberish;
    train += s.train;
    names.insert(s.name);
    for (const Person& p : a.people) EXPECT_NE(p.name(), s.name);
    for (const Page& page : a.pages) EXPECT_FALSE(contains(page.html, s.name)) << s.name;
    for (const auto* set : {&a.sft_train, &a.sft_val})
      for (const Conversation& c : *set)
        for (const ChatTurn& t : c) EXPECT_FALSE(contains(t.content, s.name)) << s.name;
    if (s.gibberish) {
      for (char c : s.name) EXPECT_TRUE(c == ' ' || (c >= 'a' && c <= 'z')) << s.name;
    }
  }
  EXPECT_EQ(names.size(), a.nobody.size());
  EXPECT_EQ(gibberish, 8);
  EXPECT_EQ(train, 10);
  // Every evaluation stranger is asked about every attribute, by name; training strangers never.
  ASSERT_EQ(a.nobody_eval.size(), 6u * kAttributeCount);
  for (const StrangerQuestion& q : a.nobody_eval) {
    const Stranger& s = a.nobody[size_t(q.stranger)];
    EXPECT_FALSE(s.train);
    EXPECT_TRUE(contains(q.question, s.name)) << q.question;
  }
  // The same seed gives the same strangers.
  World c = generate_world(with);
  EXPECT_EQ(c.nobody[3].name, a.nobody[3].name);
  EXPECT_EQ(c.nobody_eval[5].question, a.nobody_eval[5].question);
}

// Lists teach continuing a pattern of people and values: one fact per list, every
// line true, crawl people of both halves (never post-crawl people or strangers), and
// the rest of the world as it was.
TEST(World, ListsStateOneTrueFactPerListAndLeaveTheRestOfTheWorldAsItWas) {
  WorldOptions with = small_options(), without = small_options();
  with.list_documents = 30;
  with.post_crawl_people = without.post_crawl_people = 5;
  World a = generate_world(with), b = generate_world(without);
  ASSERT_EQ(a.pages.size(), b.pages.size());
  for (size_t i = 0; i < a.pages.size(); ++i) EXPECT_EQ(a.pages[i].html, b.pages[i].html);
  EXPECT_TRUE(b.lists.empty());
  ASSERT_EQ(a.lists.size(), 30u);
  std::map<std::string, const Person*> by_name;
  for (const Person& p : a.people) by_name[p.name()] = &p;
  size_t lines = 0;
  std::set<int> attributes_seen;
  std::set<bool> halves;
  for (const std::string& doc : a.lists) {
    std::istringstream in(doc);
    std::string line;
    int attribute = -1;
    while (std::getline(in, line)) {
      const Person* person = nullptr;
      for (const auto& [name, p] : by_name) {
        if (line.rfind(name, 0) == 0) person = p;
      }
      if (!person) continue;  // a heading
      ++lines;
      halves.insert(person->qa_split);
      // One attribute per list, stated at the end of every line.
      int found = -1;
      for (int at = 0; at < kAttributeCount; ++at) {
        const std::string v = person->value(at);
        if (line.size() >= v.size() && line.compare(line.size() - v.size(), v.size(), v) == 0) found = at;
      }
      ASSERT_NE(found, -1) << line;
      if (attribute == -1) attribute = found;
      EXPECT_EQ(found, attribute) << doc;
    }
    attributes_seen.insert(attribute);
  }
  EXPECT_GE(lines, 30u * 5);
  EXPECT_EQ(attributes_seen.size(), size_t(kAttributeCount));
  EXPECT_EQ(halves.size(), 2u);
  for (const std::string& doc : a.lists) {
    for (const Person& p : a.post_crawl_people) EXPECT_FALSE(contains(doc, p.name())) << p.name();
    for (const Stranger& s : a.nobody) EXPECT_FALSE(contains(doc, s.name)) << s.name;
  }
}

// Reading documents teach answering from the context: a profile of someone named
// nowhere else, then questions whose answers are the profile's facts. Nothing else in
// the world moves, and no crawl person, post-crawl person or stranger is reused.
TEST(World, ReadingDocumentsAnswerFromTheirOwnProfileAboutPeopleNamedNowhereElse) {
  WorldOptions with = small_options(), without = small_options();
  with.reading_documents = 40;
  with.reading_questions = 3;
  with.list_documents = without.list_documents = 10;
  with.post_crawl_people = without.post_crawl_people = 5;
  World a = generate_world(with), b = generate_world(without);
  ASSERT_EQ(a.pages.size(), b.pages.size());
  for (size_t i = 0; i < a.pages.size(); ++i) EXPECT_EQ(a.pages[i].html, b.pages[i].html);
  EXPECT_EQ(a.lists, b.lists);
  ASSERT_EQ(a.nobody.size(), b.nobody.size());
  for (size_t i = 0; i < a.nobody.size(); ++i) EXPECT_EQ(a.nobody[i].name, b.nobody[i].name);
  EXPECT_TRUE(b.reading.empty());
  ASSERT_EQ(a.reading.size(), 40u);

  std::set<std::string> names;
  for (const ReadingDocument& r : a.reading) {
    const std::string& doc = r.text;
    const std::string name = r.person.name();
    EXPECT_EQ(doc.rfind(name + "\n\n", 0), 0u) << doc;
    names.insert(name);
    for (const Person& p : a.people) EXPECT_NE(name, p.name());
    for (const Person& p : a.post_crawl_people) EXPECT_NE(name, p.name());
    for (const Stranger& s : a.nobody) EXPECT_NE(name, s.name);
    const size_t questions_at = doc.find("\n\nQ: ");
    ASSERT_NE(questions_at, std::string::npos) << doc;
    const std::string profile = doc.substr(0, questions_at), questions = doc.substr(questions_at);
    for (int at = 0; at < kAttributeCount; ++at) EXPECT_TRUE(contains(profile, r.person.value(at))) << profile;
    // Three questions about the person, each answered with one of their facts.
    std::istringstream in(questions);
    std::string line;
    int asked = 0, answered = 0;
    while (std::getline(in, line)) {
      if (line.rfind("Q: ", 0) == 0) {
        ++asked;
        EXPECT_TRUE(contains(line, name)) << line;
      } else if (line.rfind("A: ", 0) == 0) {
        ++answered;
        bool is_answer = false;
        for (int at = 0; at < kAttributeCount; ++at) is_answer |= line == "A: " + qa_answer(r.person, at);
        EXPECT_TRUE(is_answer) << line;
      }
    }
    EXPECT_EQ(asked, 3) << doc;
    EXPECT_EQ(answered, 3) << doc;
  }
  EXPECT_EQ(names.size(), 40u);  // one document per person
  EXPECT_EQ(generate_world(with).reading.back().text, a.reading.back().text);
}

// Reading conversations: the same practice in the chat format, appended after the
// world's own conversations, about people named nowhere else.
TEST(World, ReadingConversationsPasteAProfileAboveQuestionsAboutItsPerson) {
  WorldOptions with = small_options(), without = small_options();
  with.reading_conversations = 20;
  with.reading_documents = without.reading_documents = 5;
  World a = generate_world(with), b = generate_world(without);
  ASSERT_EQ(a.sft_train.size() + a.sft_val.size(), b.sft_train.size() + b.sft_val.size() + 20);
  for (size_t i = 0; i < b.sft_train.size(); ++i) {
    ASSERT_EQ(a.sft_train[i].size(), b.sft_train[i].size());
    for (size_t t = 0; t < b.sft_train[i].size(); ++t) EXPECT_EQ(a.sft_train[i][t].content, b.sft_train[i][t].content);
  }
  ASSERT_EQ(a.reading.size(), 5u);
  for (size_t i = 0; i < a.reading.size(); ++i) EXPECT_EQ(a.reading[i].text, b.reading[i].text);

  std::set<std::string> names;
  for (const Person& p : a.people) names.insert(p.name());
  for (const ReadingDocument& r : a.reading) names.insert(r.person.name());
  std::vector<Conversation> added(a.sft_train.begin() + long(b.sft_train.size()), a.sft_train.end());
  added.insert(added.end(), a.sft_val.begin() + long(b.sft_val.size()), a.sft_val.end());
  ASSERT_EQ(added.size(), 20u);
  for (const Conversation& c : added) {
    ASSERT_EQ(c.size(), 6u);  // three questions, three answers
    const std::string& first = c[0].content;
    const std::string name = first.substr(0, first.find('\n'));
    EXPECT_TRUE(names.insert(name).second) << name << " is someone else too";
    for (size_t t = 0; t < c.size(); t += 2) {
      EXPECT_EQ(c[t].role, "user");
      EXPECT_EQ(c[t + 1].role, "assistant");
      EXPECT_TRUE(contains(c[t].content, name)) << c[t].content;
      // The answer's value is stated in the pasted profile: its last word at least.
      const std::string& answer = c[t + 1].content;
      const std::string last = answer.substr(answer.rfind(' ') + 1, answer.size() - answer.rfind(' ') - 2);
      EXPECT_TRUE(contains(first.substr(0, first.rfind("\n\n")), last)) << answer << " / " << first;
    }
    EXPECT_EQ(contains(c[2].content, "\n"), false);  // later turns ask without the profile
  }
}

// Invented assistant identities: names outside any fixed list, so only the system
// prompt supplies them; every answer names what its system prompt says.
TEST(World, InventedIdentitiesAreReadFromTheSystemPrompt) {
  WorldOptions o = small_options();
  o.identity_conversations = 700;
  o.invented_identity_share = 0.5;
  World w = generate_world(o);
  std::set<std::string> names;
  for (const Conversation& c : w.sft_train) {
    if (c.size() != 3 || c[0].role != "system") continue;
    const std::string& answer = c[2].content;
    const std::string prefix = "My name is ";
    if (answer.rfind(prefix, 0) != 0) continue;
    const std::string name = answer.substr(prefix.size(), answer.size() - prefix.size() - 1);
    EXPECT_TRUE(contains(c[0].content, name)) << c[0].content << " / " << answer;
    names.insert(name);
  }
  // Thirty fixed names at most; invented ones push the count well past them.
  EXPECT_GT(names.size(), 40u);
}

}  // namespace
}  // namespace llmforge::world
