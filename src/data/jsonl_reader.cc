#include "data/jsonl_reader.h"

#include <nlohmann/json.hpp>

namespace llmforge::data {

JsonlReader::JsonlReader(ByteReader& in, std::string text_field, size_t max_line_bytes)
    : in_(in), text_field_(std::move(text_field)), max_line_bytes_(max_line_bytes) {}

bool JsonlReader::next(Document& doc) {
  for (;;) {
    bool truncated = false;
    if (!in_.read_line(line_, max_line_bytes_, &truncated)) {
      if (in_.failed()) errors_.push_back({"truncated_or_corrupt_compression", in_.error()});
      return false;
    }
    ++line_no_;
    std::string where = in_.path() + ":" + std::to_string(line_no_);
    if (truncated) {
      errors_.push_back({"jsonl_line_too_long",
                         where + ": line longer than " + std::to_string(max_line_bytes_) + " bytes skipped"});
      continue;
    }
    if (line_.empty()) continue;
    auto j = nlohmann::json::parse(line_, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      errors_.push_back({"jsonl_bad_json", where + ": not a JSON object"});
      continue;
    }
    auto it = j.find(text_field_);
    if (it == j.end() || !it->is_string()) {
      errors_.push_back({"jsonl_missing_text", where + ": no string field '" + text_field_ + "'"});
      continue;
    }
    doc = Document{};
    doc.text = it->get<std::string>();
    auto str = [&](const char* k) -> std::string {
      auto f = j.find(k);
      if (f == j.end()) return {};
      if (f->is_string()) return f->get<std::string>();
      if (f->is_number()) return f->dump();
      return {};
    };
    doc.id = str("id");
    if (doc.id.empty()) doc.id = where;
    doc.url = str("url");
    doc.date = str("date");
    doc.source = str("source");
    if (doc.source.empty()) doc.source = in_.path();
    if (auto f = j.find("filters"); f != j.end() && f->is_object()) doc.meta = *f;
    if (auto f = j.find("language"); f != j.end() && f->is_string()) doc.lang = f->get<std::string>();
    if (auto f = j.find("language_score"); f != j.end() && f->is_number()) doc.lang_score = f->get<double>();
    return true;
  }
}

}  // namespace llmforge::data
