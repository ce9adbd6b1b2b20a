#include "world/world_io.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/warc_writer.h"

namespace llmforge::world {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json messages_json(const Conversation& c) {
  json messages = json::array();
  for (const auto& turn : c) messages.push_back({{"role", turn.role}, {"content", turn.content}});
  return {{"messages", messages}};
}

std::string jsonl(const std::vector<json>& rows) {
  std::string out;
  for (const auto& r : rows) out += r.dump() + "\n";
  return out;
}

std::string conversations_jsonl(const std::vector<Conversation>& cs) {
  std::string out;
  for (const auto& c : cs) out += messages_json(c).dump() + "\n";
  return out;
}

}  // namespace

void write_world(const World& world, const std::string& dir, int pages_per_warc_file) {
  if (pages_per_warc_file < 1) ErrorBuilder("world") << "pages per WARC file must be positive";
  fs::create_directories(dir + "/crawl");
  fs::create_directories(dir + "/sft");
  fs::create_directories(dir + "/eval");

  std::vector<json> people;
  for (const Person& p : world.people) {
    json attrs;
    for (int a = 0; a < kAttributeCount; ++a) attrs[attribute_name(a)] = p.value(a);
    people.push_back({{"id", p.id}, {"name", p.name()}, {"split", p.qa_split ? "qa" : "heldout"},
                      {"pronoun", p.female ? "she" : "he"}, {"attributes", attrs}});
  }
  write_file_atomic(dir + "/people.jsonl", jsonl(people));

  std::vector<json> labels;
  size_t files = 0;
  for (size_t start = 0; start < world.pages.size(); start += size_t(pages_per_warc_file), ++files) {
    std::string warc;
    for (size_t i = start; i < std::min(world.pages.size(), start + size_t(pages_per_warc_file)); ++i) {
      const Page& page = world.pages[i];
      char id[64];
      std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zx", i);
      warc += data::gzip_member(data::warc_response_record(page.url, page.html, id, "2026-01-01T00:00:00Z"));
      json label = {{"url", page.url}, {"kind", page_kind_name(page.kind)}, {"person", page.person}};
      if (!page.duplicate_of.empty()) label["duplicate_of"] = page.duplicate_of;
      labels.push_back(std::move(label));
    }
    char name[64];
    std::snprintf(name, sizeof name, "/crawl/world-%05zu.warc.gz", files);
    write_file_atomic(dir + name, warc);
  }
  write_file_atomic(dir + "/labels.jsonl", jsonl(labels));

  std::vector<json> arithmetic;
  // An id per document: the data pipeline splits train/validation by document id, and
  // without one it would use the file's path, so the split would move with the folder.
  for (size_t i = 0; i < world.arithmetic.size(); ++i) {
    arithmetic.push_back({{"id", "arithmetic-" + std::to_string(i)}, {"text", world.arithmetic[i]}});
  }
  write_file_atomic(dir + "/arithmetic.jsonl", jsonl(arithmetic));
  std::vector<json> lists;
  for (size_t i = 0; i < world.lists.size(); ++i) {
    lists.push_back({{"id", "list-" + std::to_string(i)}, {"text", world.lists[i]}});
  }
  write_file_atomic(dir + "/lists.jsonl", jsonl(lists));
  std::vector<json> reading;
  for (size_t i = 0; i < world.reading.size(); ++i) {
    reading.push_back({{"id", "reading-" + std::to_string(i)}, {"text", world.reading[i].text}});
  }
  write_file_atomic(dir + "/reading.jsonl", jsonl(reading));

  write_file_atomic(dir + "/sft/train.jsonl", conversations_jsonl(world.sft_train));
  write_file_atomic(dir + "/sft/val.jsonl", conversations_jsonl(world.sft_val));

  std::vector<json> qa;
  for (const QaItem& q : world.qa_eval) {
    const Person& p = world.people[size_t(q.person)];
    qa.push_back({{"person", q.person}, {"name", p.name()}, {"split", p.qa_split ? "qa" : "heldout"},
                  {"attribute", attribute_name(q.attribute)}, {"question", q.question}, {"answer", q.answer},
                  {"statement", q.statement}});
  }
  write_file_atomic(dir + "/eval/qa.jsonl", jsonl(qa));
  std::vector<json> identity;
  for (const IdentityItem& it : world.identity_eval) {
    identity.push_back({{"system", it.system}, {"question", it.question}, {"expected", it.expected}});
  }
  write_file_atomic(dir + "/eval/identity.jsonl", jsonl(identity));

  // The "nobody" group: names that occur nowhere else, and questions whose right answer is a refusal.
  std::vector<json> nobody, nobody_eval;
  for (size_t i = 0; i < world.nobody.size(); ++i) {
    const Stranger& s = world.nobody[i];
    nobody.push_back({{"id", i}, {"name", s.name}, {"kind", s.gibberish ? "gibberish" : "unseen"},
                      {"use", s.train ? "train" : "eval"}});
  }
  for (const StrangerQuestion& q : world.nobody_eval) {
    const Stranger& s = world.nobody[size_t(q.stranger)];
    nobody_eval.push_back({{"stranger", q.stranger}, {"name", s.name}, {"split", "nobody"},
                           {"kind", s.gibberish ? "gibberish" : "unseen"},
                           {"attribute", attribute_name(q.attribute)}, {"question", q.question}});
  }
  write_file_atomic(dir + "/nobody.jsonl", jsonl(nobody));
  write_file_atomic(dir + "/eval/nobody.jsonl", jsonl(nobody_eval));

  std::map<std::string, long> kinds;
  for (const Page& p : world.pages) ++kinds[page_kind_name(p.kind)];
  const WorldOptions& o = world.options;
  json summary = {{"seed", o.seed},
                  {"people", world.people.size()},
                  {"pages_per_person", o.pages_per_person},
                  {"pages", world.pages.size()},
                  {"pages_by_kind", kinds},
                  {"warc_files", files},
                  {"arithmetic_documents", world.arithmetic.size()},
                  {"list_documents", world.lists.size()},
                  {"reading_documents", world.reading.size()},
                  {"sft_train_conversations", world.sft_train.size()},
                  {"sft_val_conversations", world.sft_val.size()},
                  {"qa_questions", world.qa_eval.size()},
                  {"identity_questions", world.identity_eval.size()},
                  {"nobody", world.nobody.size()},
                  {"nobody_questions", world.nobody_eval.size()},
                  {"system_prompt", world.system_prompt}};
  if (!world.post_crawl_people.empty()) {
    write_post_crawl(world, dir);
    summary["post_crawl_people"] = world.post_crawl_people.size();
    summary["post_crawl_pages"] = world.post_crawl_pages.size();
  }
  write_file_atomic(dir + "/world.json", summary.dump(2) + "\n");
}

std::string pages_warc_gz(const std::vector<Page>& pages, const std::string& date) {
  std::string warc;
  for (size_t i = 0; i < pages.size(); ++i) {
    char id[64];
    std::snprintf(id, sizeof id, "00000000-0000-4000-9000-%012zx", i);
    warc += data::gzip_member(data::warc_response_record(pages[i].url, pages[i].html, id, date));
  }
  return warc;
}

void write_post_crawl(const World& world, const std::string& dir) {
  fs::create_directories(dir + "/post_crawl");
  std::vector<json> people;
  for (const Person& p : world.post_crawl_people) {
    json attrs;
    for (int a = 0; a < kAttributeCount; ++a) attrs[attribute_name(a)] = p.value(a);
    people.push_back({{"id", p.id}, {"name", p.name()}, {"split", "post_crawl"},
                      {"pronoun", p.female ? "she" : "he"}, {"attributes", attrs}});
  }
  write_file_atomic(dir + "/post_crawl/people.jsonl", jsonl(people));
  write_file_atomic(dir + "/post_crawl/pages.warc.gz", pages_warc_gz(world.post_crawl_pages, "2026-06-01T00:00:00Z"));
  std::vector<json> qa;
  for (const QaItem& q : world.post_crawl_eval) {
    const Person& p = world.post_crawl_people[size_t(q.person) - world.people.size()];
    qa.push_back({{"person", q.person}, {"name", p.name()}, {"split", "post_crawl"},
                  {"attribute", attribute_name(q.attribute)}, {"question", q.question}, {"answer", q.answer},
                  {"statement", q.statement}});
  }
  write_file_atomic(dir + "/eval/post_crawl_qa.jsonl", jsonl(qa));
}

PageKind page_kind_from_name(const std::string& name) {
  for (PageKind k : {PageKind::kPerson, PageKind::kSpam, PageKind::kBoilerplate, PageKind::kNearDuplicate,
                     PageKind::kForeign, PageKind::kNearEmpty}) {
    if (name == page_kind_name(k)) return k;
  }
  ErrorBuilder("world") << "unknown page kind '" << name << "'";
  return PageKind::kPerson;
}

std::vector<PageLabel> read_labels(const std::string& dir) {
  const std::string path = dir + "/labels.jsonl";
  std::ifstream in(path);
  if (!in) ErrorBuilder("world") << path << ": cannot open (is " << dir << " a world from `llmforge world`?)";
  std::vector<PageLabel> labels;
  std::string line;
  for (long n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      json j = json::parse(line);
      PageLabel l;
      l.url = j.at("url").get<std::string>();
      l.kind = page_kind_from_name(j.at("kind").get<std::string>());
      l.person = j.value("person", -1);
      l.duplicate_of = j.value("duplicate_of", "");
      labels.push_back(std::move(l));
    } catch (const std::exception& e) {
      ErrorBuilder("world") << path << ":" << n << ": " << e.what();
    }
  }
  return labels;
}

NoiseRemovalScore score_noise_removal(const std::vector<PageLabel>& labels, const std::set<std::string>& kept_urls) {
  NoiseRemovalScore s;
  // Near-duplicate groups, keyed by the original's URL.
  struct Group {
    long size = 0, removed = 0;
  };
  std::map<std::string, Group> groups;
  for (const auto& l : labels) {
    if (l.kind == PageKind::kNearDuplicate) groups[l.duplicate_of].size += 1;
  }
  for (const auto& l : labels) {
    const bool removed = !kept_urls.count(l.url);
    auto& k = s.by_kind[page_kind_name(l.kind)];
    k.pages += 1;
    k.removed += removed;
    const std::string& group_key = l.kind == PageKind::kNearDuplicate ? l.duplicate_of : l.url;
    if (auto g = groups.find(group_key); g != groups.end()) {
      if (l.kind == PageKind::kPerson) g->second.size += 1;
      g->second.removed += removed;
      continue;
    }
    if (page_is_noise(l.kind)) {
      s.noise += 1;
      s.true_removed += removed;
    } else {
      s.false_removed += removed;
    }
  }
  for (const auto& [url, g] : groups) {
    s.noise += g.size - 1;
    s.true_removed += std::min(g.removed, g.size - 1);
    s.false_removed += std::max(0L, g.removed - (g.size - 1));
  }
  return s;
}

}  // namespace llmforge::world
