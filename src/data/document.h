// A document as it moves through the pipeline: text plus where it came from and
// what the stages found out about it. Serialised as one JSON object per line.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace llmforge::data {

struct Document {
  std::string id;      // WARC-Record-ID, the JSONL id field, or file:line
  std::string url;     // empty when the source has none
  std::string date;    // WARC-Date when known
  std::string source;  // input file
  std::string text;
  std::string lang;    // ISO 639-1 code from language id, "un" when unknown
  double lang_score = 0.0;
  nlohmann::json meta = nlohmann::json::object();  // filter statistics and extras
};

nlohmann::json document_to_json(const Document& doc);
// Throws Error("data") naming the missing field when `j` has no text.
Document document_from_json(const nlohmann::json& j, const std::string& text_field = "text");

}  // namespace llmforge::data
