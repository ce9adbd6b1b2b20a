#include "search/search_tool.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace llmforge::search {

std::string hits_for_context(const std::vector<SearchHit>& hits) {
  if (hits.empty()) return "no results";
  std::string out;
  for (const SearchHit& h : hits) {
    if (!out.empty()) out += "\n\n";
    // The extracted text usually opens with the page's heading; the title would repeat it.
    if (h.text.rfind(h.title, 0) != 0) out += h.title + "\n";
    out += h.text;
  }
  return out;
}

ToolRunner make_search_runner(const SearchIndex& index, int k) {
  if (k < 1) ErrorBuilder("tool") << "search needs k >= 1 hits";
  return [&index, k](const ToolCall& call) {
    if (call.name != "search") ErrorBuilder("tool") << "unknown tool '" << call.name << "' (the only tool is search)";
    nlohmann::json args = nlohmann::json::parse(call.arguments, nullptr, false);
    auto q = args.is_object() ? args.find("query") : args.end();
    if (!args.is_object() || q == args.end() || !q->is_string() || q->get<std::string>().empty()) {
      ErrorBuilder("tool") << "search needs a string \"query\" argument";
    }
    std::vector<SearchHit> hits = index.search(q->get<std::string>(), k);
    ToolOutput out;
    out.text = hits_for_context(hits);
    for (const SearchHit& h : hits) out.hits.push_back({h.title, h.url, h.snippet});
    return out;
  };
}

const char* search_tool_json() {
  return R"({"type":"function","function":{"name":"search","description":"Full-text search of the web pages the assistant can read; returns the best matching pages.","parameters":{"type":"object","properties":{"query":{"type":"string","description":"words to search for, such as a person's name"}},"required":["query"]}}})";
}

}  // namespace llmforge::search
