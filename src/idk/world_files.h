// What self-interrogation reads from a world folder (`llmforge world --out DIR`,
// world/world_io.h): the people and their facts, the strangers of the "nobody"
// group, the questions about them, and the text of each person's crawled pages.
// Every reader throws Error("idk") naming the file and line of bad input, and names
// the file a world from before the "nobody" group lacks.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace llmforge::idk {

struct WorldPerson {
  int id = -1;
  std::string name;
  std::string split;  // "qa" or "heldout" (other groups are kept as they are)
  std::vector<std::pair<std::string, std::string>> facts;  // (attribute, value), in file order
};
std::vector<WorldPerson> read_world_people(const std::string& world_dir);

struct WorldStranger {
  int id = -1;
  std::string name;
  std::string kind;  // "unseen" or "gibberish"
  bool train = false;
};
std::vector<WorldStranger> read_world_strangers(const std::string& world_dir);

struct NobodyQuestion {
  std::string name, kind, attribute, question;
};
std::vector<NobodyQuestion> read_nobody_questions(const std::string& world_dir);

// The extracted text of every person page (and near-duplicate) in the crawl, by
// person id (labels.jsonl says whose page a URL is), pages joined by blank lines.
std::map<int, std::string> read_person_pages(const std::string& world_dir);

}  // namespace llmforge::idk
