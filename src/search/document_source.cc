#include "search/document_source.h"

#include <filesystem>

#include "data/byte_reader.h"
#include "data/charset.h"
#include "data/document.h"
#include "data/html_extract.h"
#include "data/jsonl_reader.h"
#include "data/text_utils.h"
#include "data/warc_reader.h"

namespace llmforge::search {

namespace {

constexpr size_t kMaxRecordBytes = 16u << 20;  // as the data pipeline's default
constexpr size_t kMaxLineBytes = 16u << 20;
constexpr size_t kMaxTextFileBytes = 64u << 20;
constexpr size_t kMaxTitleBytes = 120;

std::string first_line_title(const std::string& text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return {};
  size_t end = text.find('\n', start);
  std::string line = text.substr(start, std::min(end == std::string::npos ? text.size() : end, start + kMaxTitleBytes) - start);
  // A first line that is a paragraph (text without a heading): its first sentence.
  if (size_t dot = line.find(". "); dot != std::string::npos) line.resize(dot + 1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

void note_errors(std::vector<data::InputError> errs, SourceStats& stats) {
  for (auto& e : errs) {
    ++stats.errors;
    if (stats.first_error.empty()) stats.first_error = e.kind + ": " + e.message;
  }
}

bool looks_binary(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// A WARC record as a document; false for records that are not text documents.
bool record_document(const data::WarcRecord& rec, data::CharsetConverter& conv, IndexDocument& doc) {
  doc = IndexDocument{};
  doc.url = rec.header("warc-target-uri");
  if (doc.url.size() >= 2 && doc.url.front() == '<' && doc.url.back() == '>') doc.url = doc.url.substr(1, doc.url.size() - 2);
  std::string content_type;
  std::string_view body;
  data::HttpResponse http;
  if (rec.type == "response") {
    if (!data::parse_http_response(rec.block, kMaxRecordBytes, http).empty()) return false;
    if (http.status < 200 || http.status >= 300) return false;
    auto it = http.headers.find("content-type");
    content_type = data::to_lower_ascii(it == http.headers.end() ? "" : it->second);
    body = http.body;
  } else if (rec.type == "resource") {
    content_type = data::to_lower_ascii(rec.header("content-type"));
    body = rec.block;
  } else if (rec.type == "conversion") {
    content_type = "text/plain; charset=utf-8";
    body = rec.block;
  } else {
    return false;
  }
  if (looks_binary(body)) return false;
  const std::string head = data::to_lower_ascii(body.substr(0, 512));
  const bool html = content_type.find("html") != std::string::npos ||
                    (content_type.empty() && (head.find("<html") != std::string::npos ||
                                              head.find("<!doctype html") != std::string::npos));
  if (!html && !content_type.empty() && content_type.rfind("text/", 0) != 0) return false;
  std::string utf8;
  conv.to_utf8(body, data::charset_from_content_type(content_type), html, utf8);
  if (html) {
    data::ExtractedPage page = data::extract_html(utf8);
    doc.title = page.title.empty() ? first_line_title(page.text) : page.title;
    doc.text = std::move(page.text);
  } else {
    doc.title = first_line_title(utf8);
    doc.text = std::move(utf8);
  }
  return doc.text.find_first_not_of(" \t\r\n") != std::string::npos;
}

}  // namespace

void read_documents(const std::vector<data::InputFile>& inputs,
                    const std::function<void(const IndexDocument&)>& sink,
                    const std::function<void(const SourceStats&)>& on_progress, SourceStats& stats) {
  data::CharsetConverter conv;
  IndexDocument doc;
  uint64_t done_bytes = 0;
  auto emit = [&](data::ByteReader& reader) {
    sink(doc);
    ++stats.documents;
    stats.input_bytes = done_bytes + reader.bytes_read();
    if (on_progress) on_progress(stats);
  };
  for (const data::InputFile& in : inputs) {
    data::ByteReader reader(in.path);
    if (in.format == data::InputFormat::Warc) {
      data::WarcReader warc(reader, kMaxRecordBytes);
      data::WarcRecord rec;
      while (warc.next(rec)) {
        note_errors(warc.take_errors(), stats);
        if (record_document(rec, conv, doc)) emit(reader);
        else if (rec.type == "response" || rec.type == "resource" || rec.type == "conversion") ++stats.skipped;
      }
      note_errors(warc.take_errors(), stats);
    } else if (in.format == data::InputFormat::Jsonl) {
      data::JsonlReader jr(reader, "text", kMaxLineBytes);
      data::Document d;
      while (jr.next(d)) {
        note_errors(jr.take_errors(), stats);
        doc.url = d.url;
        doc.text = std::move(d.text);
        doc.title = first_line_title(doc.text);
        if (doc.text.find_first_not_of(" \t\r\n") == std::string::npos) ++stats.skipped;
        else emit(reader);
      }
      note_errors(jr.take_errors(), stats);
    } else {
      // One document per file, cut at kMaxTextFileBytes (memory stays bounded).
      std::string text;
      char buf[1 << 16];
      for (size_t got; text.size() < kMaxTextFileBytes && (got = reader.read(buf, sizeof buf)) > 0;)
        text.append(buf, std::min(got, kMaxTextFileBytes - text.size()));
      reader.skip(UINT64_MAX);
      if (looks_binary(text)) {
        ++stats.skipped;
      } else {
        std::string utf8;
        conv.to_utf8(text, "", false, utf8);
        doc.text = std::move(utf8);
        doc.url = in.path;
        doc.title = std::filesystem::path(in.path).filename().string();
        emit(reader);
      }
    }
    if (reader.failed()) note_errors({{"truncated_or_corrupt_compression", reader.error()}}, stats);
    done_bytes += reader.bytes_read();
    stats.input_bytes = done_bytes;
  }
}

}  // namespace llmforge::search
