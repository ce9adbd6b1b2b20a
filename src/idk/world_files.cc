#include "idk/world_files.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/byte_reader.h"
#include "data/html_extract.h"
#include "data/warc_reader.h"
#include "world/world_io.h"

namespace llmforge::idk {

namespace {

using nlohmann::json;

template <typename Fn>
void for_each_line(const std::string& path, const std::string& missing_hint, Fn fn) {
  std::ifstream in(path);
  if (!in) ErrorBuilder("idk") << path << ": cannot open" << missing_hint;
  std::string line;
  for (long n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) ErrorBuilder("idk") << path << ":" << n << ": not a JSON object";
    try {
      fn(j);
    } catch (const std::exception& e) {
      ErrorBuilder("idk") << path << ":" << n << ": " << e.what();
    }
  }
}

const char* const kOlderWorld = " (a world written before the \"nobody\" group; run `llmforge world` again)";

}  // namespace

std::vector<WorldPerson> read_world_people(const std::string& world_dir) {
  std::vector<WorldPerson> people;
  for_each_line(world_dir + "/people.jsonl", " (is it a world from `llmforge world`?)", [&](const json& j) {
    WorldPerson p;
    p.id = j.at("id").get<int>();
    p.name = j.at("name").get<std::string>();
    p.split = j.at("split").get<std::string>();
    for (const auto& [k, v] : j.at("attributes").items()) p.facts.emplace_back(k, v.get<std::string>());
    people.push_back(std::move(p));
  });
  return people;
}

std::vector<WorldStranger> read_world_strangers(const std::string& world_dir) {
  std::vector<WorldStranger> out;
  for_each_line(world_dir + "/nobody.jsonl", kOlderWorld, [&](const json& j) {
    WorldStranger s;
    s.id = j.at("id").get<int>();
    s.name = j.at("name").get<std::string>();
    s.kind = j.at("kind").get<std::string>();
    const std::string use = j.at("use").get<std::string>();
    if (use != "train" && use != "eval") throw std::runtime_error("\"use\" must be train or eval, not \"" + use + "\"");
    s.train = use == "train";
    out.push_back(std::move(s));
  });
  return out;
}

std::vector<NobodyQuestion> read_nobody_questions(const std::string& world_dir) {
  std::vector<NobodyQuestion> out;
  for_each_line(world_dir + "/eval/nobody.jsonl", kOlderWorld, [&](const json& j) {
    out.push_back({j.at("name").get<std::string>(), j.at("kind").get<std::string>(),
                   j.at("attribute").get<std::string>(), j.at("question").get<std::string>()});
  });
  return out;
}

std::map<int, std::string> read_person_pages(const std::string& world_dir) {
  std::map<std::string, int> person_of_url;
  for (const world::PageLabel& l : world::read_labels(world_dir)) {
    if (l.person >= 0) person_of_url[l.url] = l.person;
  }
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(world_dir + "/crawl")) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::map<int, std::string> pages;
  for (const std::string& f : files) {
    data::ByteReader in(f);
    data::WarcReader reader(in, size_t(64) << 20);
    data::WarcRecord rec;
    while (reader.next(rec)) {
      if (rec.type != "response") continue;
      auto it = person_of_url.find(rec.header("warc-target-uri"));
      if (it == person_of_url.end()) continue;
      data::HttpResponse http;
      if (!data::parse_http_response(rec.block, size_t(64) << 20, http).empty()) continue;
      std::string& text = pages[it->second];
      if (!text.empty()) text += "\n\n";
      text += data::extract_html(http.body).text;
    }
    for (const auto& e : reader.take_errors()) ErrorBuilder("idk") << f << ": " << e.message;
  }
  return pages;
}

}  // namespace llmforge::idk
