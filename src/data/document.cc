#include "data/document.h"

#include "core/error.h"

namespace llmforge::data {

nlohmann::json document_to_json(const Document& doc) {
  nlohmann::json j;
  j["text"] = doc.text;
  j["id"] = doc.id;
  if (!doc.url.empty()) j["url"] = doc.url;
  if (!doc.date.empty()) j["date"] = doc.date;
  j["source"] = doc.source;
  j["language"] = doc.lang;
  j["language_score"] = doc.lang_score;
  if (!doc.meta.empty()) j["filters"] = doc.meta;
  return j;
}

namespace {
std::string get_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}
}  // namespace

Document document_from_json(const nlohmann::json& j, const std::string& text_field) {
  Document doc;
  auto it = j.find(text_field);
  if (it == j.end() || !it->is_string())
    ErrorBuilder("data") << "record has no string field '" << text_field << "'";
  doc.text = it->get<std::string>();
  doc.id = get_string(j, "id");
  doc.url = get_string(j, "url");
  doc.date = get_string(j, "date");
  doc.source = get_string(j, "source");
  doc.lang = get_string(j, "language");
  if (auto s = j.find("language_score"); s != j.end() && s->is_number())
    doc.lang_score = s->get<double>();
  if (auto f = j.find("filters"); f != j.end() && f->is_object()) doc.meta = *f;
  return doc;
}

}  // namespace llmforge::data
