// Stage 1 of the pipeline: read each input file, turn records into documents,
// filter them and write the survivors with their MinHash signatures.
#include <filesystem>
#include <mutex>

#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "data/byte_reader.h"
#include "data/charset.h"
#include "data/jsonl_reader.h"
#include "data/jsonl_writer.h"
#include "data/lang_id.h"
#include "data/pipeline_internal.h"
#include "data/text_utils.h"
#include "data/warc_reader.h"

namespace llmforge::data {

using namespace internal;

namespace {

bool looks_binary(std::string_view body) {
  size_t n = std::min<size_t>(body.size(), 4096);
  size_t zeros = 0;
  for (size_t i = 0; i < n; ++i) zeros += body[i] == '\0';
  return zeros > 0;
}

bool is_html_type(const std::string& ct) {
  return ct.find("html") != std::string::npos || ct.find("xml") != std::string::npos;
}

// Turns one WARC record into a document. Returns false (with `reason` set when the
// record was a candidate document) when it yields none.
bool record_to_document(const WarcRecord& rec, const PipelineConfig& config, CharsetConverter& conv,
                        Document& doc, std::string& reason, RunStats& stats) {
  reason.clear();
  doc = Document{};
  doc.url = rec.header("warc-target-uri");
  if (doc.url.size() >= 2 && doc.url.front() == '<' && doc.url.back() == '>')
    doc.url = doc.url.substr(1, doc.url.size() - 2);
  doc.id = rec.header("warc-record-id");
  doc.date = rec.header("warc-date");
  std::string content_type;
  std::string_view body;
  HttpResponse http;
  if (rec.type == "response") {
    std::string err = parse_http_response(rec.block, config.max_record_bytes, http);
    if (!err.empty()) {
      stats.error("http_bad_response", doc.url + ": " + err);
      reason = "bad_http_response";
      return false;
    }
    if (http.status < 200 || http.status >= 300) {
      reason = "http_status_not_ok";
      return false;
    }
    content_type = to_lower_ascii(http.headers.count("content-type") ? http.headers["content-type"] : "");
    body = http.body;
  } else if (rec.type == "resource") {
    content_type = to_lower_ascii(rec.header("content-type"));
    body = rec.block;
  } else if (rec.type == "conversion") {
    content_type = "text/plain";
    body = rec.block;
  } else {
    return false;  // warcinfo, request, metadata, revisit: not documents
  }
  bool html;
  if (content_type.empty()) {
    std::string head = to_lower_ascii(body.substr(0, 1024));
    html = head.find("<html") != std::string::npos || head.find("<!doctype html") != std::string::npos;
    if (!html && looks_binary(body)) {
      stats.error("binary_payload", doc.url + ": binary payload without a content type");
      reason = "binary_payload";
      return false;
    }
  } else if (is_html_type(content_type)) {
    html = true;
  } else if (content_type.rfind("text/plain", 0) == 0) {
    html = false;
  } else {
    reason = "non_text_content_type";
    return false;
  }
  if (looks_binary(body)) {
    stats.error("binary_payload", doc.url + ": NUL bytes in a " + content_type + " payload");
    reason = "binary_payload";
    return false;
  }
  std::string utf8;
  // WET conversion records are UTF-8 by definition.
  std::string declared = rec.type == "conversion" ? "utf-8" : charset_from_content_type(content_type);
  DecodeResult dr = conv.to_utf8(body, declared, html, utf8);
  if (dr.unknown_charset) stats.error("unknown_charset", doc.url + ": unknown charset, read as UTF-8");
  if (dr.invalid_sequences > 0) {
    stats.error(dr.charset == "utf-8" ? "invalid_utf8" : "invalid_encoding",
                doc.url + ": " + std::to_string(dr.invalid_sequences) +
                                        " invalid " + dr.charset + " sequences replaced");
  }
  if (dr.charset != "utf-8") stats.add_counter("charset_converted_" + dr.charset, 1);
  if (html) {
    doc.text = extract_html(utf8, config.html).text;
  } else {
    doc.text = std::move(utf8);
  }
  return true;
}

struct Stage1Worker {
  const PipelineConfig& config;
  const DocumentFilter& filter;
  const MinHasher& hasher;
  CharsetConverter conv;
  std::string normalized;
  std::vector<uint32_t> sig;

  // Runs a document from extraction on; writes it when it survives.
  void handle(Document& doc, RunStats& stats, JsonlWriter& docs, SignatureWriter& sigs,
              uint32_t& doc_index) {
    if (doc.text.size() > config.max_text_bytes) {
      stats.error("text_truncated", (doc.url.empty() ? doc.id : doc.url) + ": text of " +
                                        std::to_string(doc.text.size()) + " bytes cut to " +
                                        std::to_string(config.max_text_bytes));
      size_t n = config.max_text_bytes;
      while (n > 0 && (static_cast<unsigned char>(doc.text[n]) & 0xC0) == 0x80) --n;
      doc.text.resize(n);
    }
    size_t bad = sanitize_utf8(doc.text);
    if (bad > 0) stats.error("invalid_utf8", (doc.url.empty() ? doc.id : doc.url) + ": " +
                                                 std::to_string(bad) + " invalid UTF-8 sequences replaced");
    if (!filter.apply(doc, stats)) return;
    SignatureRecord rec;
    rec.doc_index = doc_index++;
    rec.text_bytes = static_cast<uint32_t>(doc.text.size());
    normalized = normalize_for_dedup(doc.text);
    rec.exact = hash_str(normalized, 0xE4AC7);
    hasher.signature(normalized, sig);
    hasher.band_hashes(sig, rec.bands);
    sigs.add(rec);
    docs.write_line(document_to_json(doc).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  void process(size_t index, const InputFile& in) {
    const std::string& out = config.output_dir;
    RunStats stats(config.explain);
    remove_stale_temporaries(out + "/stage1", index_name(index) + ".");
    JsonlWriter docs(stage1_docs_path(out, index), 3);
    SignatureWriter sigs(stage1_sig_path(out, index), hasher.n_bands());
    uint32_t doc_index = 0;
    ByteReader reader(in.path);
    auto take = [&](std::vector<InputError> errs) {
      for (auto& e : errs) stats.error(e.kind, e.message);
    };
    if (in.format == InputFormat::Warc) {
      WarcReader warc(reader, config.max_record_bytes);
      WarcRecord rec;
      Document doc;
      std::string reason;
      while (warc.next(rec)) {
        take(warc.take_errors());
        stats.add_counter("warc_records_" + (rec.type.empty() ? std::string("untyped") : rec.type), 1);
        bool candidate = rec.type == "response" || rec.type == "resource" || rec.type == "conversion";
        if (candidate) stats.stage_in("extract", rec.block.size());
        if (!record_to_document(rec, config, conv, doc, reason, stats)) {
          if (candidate) {
            doc.text = rec.block.substr(0, 200);
            stats.removed("extract", reason.empty() ? "no_document" : reason, doc);
          }
          continue;
        }
        doc.source = in.path;
        if (trim(doc.text).empty()) {
          stats.removed("extract", "empty_text", doc);
          continue;
        }
        stats.stage_out("extract", doc.text.size());
        handle(doc, stats, docs, sigs, doc_index);
      }
      take(warc.take_errors());
    } else if (in.format == InputFormat::Jsonl) {
      JsonlReader jr(reader, config.text_field, config.max_line_bytes);
      Document doc;
      while (jr.next(doc)) {
        take(jr.take_errors());
        stats.stage_in("extract", doc.text.size());
        if (trim(doc.text).empty()) {
          stats.removed("extract", "empty_text", doc);
          continue;
        }
        stats.stage_out("extract", doc.text.size());
        doc.lang.clear();
        handle(doc, stats, docs, sigs, doc_index);
      }
      take(jr.take_errors());
    } else {
      // A plain text file is one document, cut at max_text_bytes.
      Document doc;
      doc.id = in.path;
      doc.source = in.path;
      doc.text.resize(config.max_text_bytes + 1);
      size_t got = reader.read(doc.text.data(), doc.text.size());
      doc.text.resize(got);
      if (got > config.max_text_bytes) reader.skip(UINT64_MAX);
      if (reader.failed()) stats.error("truncated_or_corrupt_compression", reader.error());
      stats.stage_in("extract", reader.bytes_read());
      if (looks_binary(doc.text)) {
        stats.error("binary_payload", in.path + ": NUL bytes in a text file");
        stats.removed("extract", "binary_payload", doc);
      } else if (trim(doc.text).empty()) {
        stats.removed("extract", "empty_text", doc);
      } else {
        std::string utf8;
        DecodeResult dr = conv.to_utf8(doc.text, "", false, utf8);
        if (dr.charset != "utf-8") stats.add_counter("charset_converted_" + dr.charset, 1);
        doc.text = std::move(utf8);
        stats.stage_out("extract", doc.text.size());
        handle(doc, stats, docs, sigs, doc_index);
      }
    }
    stats.add_counter("input_bytes", in.bytes);
    stats.add_counter("input_files", 1);
    docs.commit();
    sigs.commit();
    write_stats(stage1_stats_path(out, index), stats);  // last: marks the file done
  }
};

}  // namespace

DocumentFilter::DocumentFilter(const PipelineConfig& config)
    : config_(config), url_filter_(config.url) {}

bool DocumentFilter::apply(Document& doc, RunStats& stats) const {
  auto stage = [&](const char* name, const std::string& reason) {
    if (!reason.empty()) {
      stats.removed(name, reason, doc);
      return false;
    }
    stats.stage_out(name, doc.text.size());
    return true;
  };
  stats.stage_in("url_filter", doc.text.size());
  if (!stage("url_filter", url_filter_.check(doc.url))) return false;

  stats.stage_in("language", doc.text.size());
  LanguageGuess lang = identify_language(doc.text);
  doc.lang = lang.code;
  doc.lang_score = std::round(lang.score * 1000) / 1000;
  std::string lang_reason;
  if (config_.language_filter && !config_.languages.empty()) {
    bool wanted = false;
    for (const auto& l : config_.languages) wanted |= l == lang.code;
    if (!wanted) lang_reason = "language_not_kept";
    else if (lang.score < config_.language_threshold) lang_reason = "language_score_below_threshold";
  }
  if (!stage("language", lang_reason)) return false;

  TextWords words(doc.text);
  {
    stats.stage_in("gopher_repetition", doc.text.size());
    if (!stage("gopher_repetition", gopher_repetition_filter(doc.text, words, config_.gopher_repetition)))
      return false;
    stats.stage_in("gopher_quality", doc.text.size());
    if (!stage("gopher_quality", gopher_quality_filter(doc.text, words, doc.lang, config_.gopher_quality)))
      return false;
  }
  {
    stats.stage_in("c4", doc.text.size());
    size_t before = doc.text.size();
    if (!stage("c4", c4_filter(doc.text, doc.lang, config_.c4))) return false;
    // C4 only ever removes lines or citations: an unchanged size means unchanged text.
    if (doc.text.size() != before) words = TextWords(doc.text);
  }
  stats.stage_in("fineweb", doc.text.size());
  if (!stage("fineweb", fineweb_filter(doc.text, words, config_.fineweb))) return false;

  stats.stage_in("pii", doc.text.size());
  PiiCounts pii = mask_pii(doc.text, config_.pii);
  stats.add_counter("pii_emails_replaced", pii.emails);
  stats.add_counter("pii_ips_replaced", pii.ips);
  stats.stage_out("pii", doc.text.size());

  doc.meta["words"] = words.words.size();
  doc.meta["pii_emails"] = pii.emails;
  doc.meta["pii_ips"] = pii.ips;
  doc.meta["passed"] = {"url_filter", "language", "gopher_repetition", "gopher_quality", "c4", "fineweb"};
  return true;
}

void run_filter_stage(const PipelineConfig& config) {
  auto inputs = load_manifest(config);
  std::filesystem::create_directories(config.output_dir + "/stage1");
  std::vector<size_t> todo;
  uint64_t todo_bytes = 0;
  for (size_t i : slice_indices(inputs.size(), config.shard_index, config.shard_count)) {
    if (std::filesystem::exists(stage1_stats_path(config.output_dir, i))) continue;
    todo.push_back(i);
    todo_bytes += inputs[i].bytes;
  }
  LLMF_LOG(Info) << "filter: " << todo.size() << " of " << inputs.size() << " input files to do ("
                 << todo_bytes / 1048576 << " MB)";
  if (todo.empty()) return;
  DocumentFilter filter(config);
  MinHasher hasher(config.minhash);
  Progress progress("filter", static_cast<int64_t>(todo_bytes), "B");
  std::mutex mu;
  uint64_t done_bytes = 0;
  parallel_for_each(todo, config.threads, [&](size_t i) {
    Stage1Worker worker{config, filter, hasher, {}, {}, {}};
    worker.process(i, inputs[i]);
    std::lock_guard<std::mutex> lock(mu);
    done_bytes += inputs[i].bytes;
    progress.update(static_cast<int64_t>(done_bytes));
  });
  progress.finish();
}

}  // namespace llmforge::data
