// Stage 1 of the pipeline: read each input file, turn records into documents,
// filter them and write the survivors with their MinHash signatures.
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "data/byte_reader.h"
#include "data/charset.h"
#include "data/jsonl_reader.h"
#include "data/jsonl_writer.h"
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

// One unit of input: a WARC record, or a document from JSONL or a text file.
struct Item {
  bool is_record = false;
  WarcRecord rec;
  Document doc;
};

// A batch of items and what processing them produced. Batches are processed in
// any order by any worker and written in reading order, so the output does not
// depend on the number of threads.
struct Batch {
  std::vector<Item> items;
  RunStats stats;
  std::vector<std::string> lines;            // surviving documents, JSON
  std::vector<SignatureRecord> signatures;   // doc_index assigned when written
  explicit Batch(size_t explain) : stats(explain) {}
};

// Per-thread scratch for processing items.
struct ItemProcessor {
  const PipelineConfig& config;
  const DocumentFilter& filter;
  const MinHasher& hasher;
  CharsetConverter conv;
  std::string normalized;
  std::vector<uint32_t> sig;

  // Runs a document from extraction on; keeps it in the batch when it survives.
  void handle(Document& doc, Batch& b) {
    RunStats& stats = b.stats;
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
    rec.text_bytes = static_cast<uint32_t>(doc.text.size());
    normalized = normalize_for_dedup(doc.text);
    rec.exact = hash_str(normalized, 0xE4AC7);
    hasher.signature(normalized, sig);
    hasher.band_hashes(sig, rec.bands);
    b.signatures.push_back(rec);
    b.lines.push_back(document_to_json(doc).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  void process(Item& item, Batch& b) {
    RunStats& stats = b.stats;
    Document& doc = item.doc;
    if (item.is_record) {
      const WarcRecord& rec = item.rec;
      bool candidate = rec.type == "response" || rec.type == "resource" || rec.type == "conversion";
      if (candidate) stats.stage_in("extract", rec.block.size());
      std::string reason;
      std::string source = std::move(doc.source);
      if (!record_to_document(rec, config, conv, doc, reason, stats)) {
        if (candidate) {
          doc.text = rec.block.substr(0, 200);
          stats.removed("extract", reason.empty() ? "no_document" : reason, doc);
        }
        return;
      }
      doc.source = std::move(source);
    } else {
      stats.stage_in("extract", doc.text.size());
    }
    if (trim(doc.text).empty()) {
      stats.removed("extract", "empty_text", doc);
      return;
    }
    stats.stage_out("extract", doc.text.size());
    handle(doc, b);
  }

  void process(Batch& b) {
    for (auto& item : b.items) process(item, b);
    b.items.clear();  // free the raw records early
  }
};

// Reads one input file into batches, has them processed on `threads` threads
// (this one included), and writes the results in order. Memory: at most
// 2 * threads + 1 batches of at most kBatchBytes of input each.
class FileJob {
 public:
  FileJob(const PipelineConfig& config, const DocumentFilter& filter, const MinHasher& hasher,
          size_t index, const InputFile& in, int threads)
      : config_(config), filter_(filter), hasher_(hasher), index_(index), in_(in),
        threads_(std::max(1, threads)), stats_(config.explain) {}

  void run() {
    const std::string& out = config_.output_dir;
    remove_stale_temporaries(out + "/stage1", index_name(index_) + ".");
    JsonlWriter docs(stage1_docs_path(out, index_), 3);
    SignatureWriter sigs(stage1_sig_path(out, index_), hasher_.n_bands());
    docs_ = &docs;
    sigs_ = &sigs;
    std::vector<std::thread> pool;
    for (int t = 1; t < threads_; ++t) pool.emplace_back([this] { work(); });
    try {
      read_all();
    } catch (...) {
      finish_workers(pool);
      throw;
    }
    finish_workers(pool);
    if (error_) std::rethrow_exception(error_);
    write_ready(true);
    stats_.add_counter("input_bytes", in_.bytes);
    stats_.add_counter("input_files", 1);
    docs.commit();
    sigs.commit();
    write_stats(stage1_stats_path(out, index_), stats_);  // last: marks the file done
  }

 private:
  static constexpr size_t kBatchBytes = 4 << 20;
  static constexpr size_t kBatchItems = 256;

  void finish_workers(std::vector<std::thread>& pool) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      reading_done_ = true;
    }
    cv_.notify_all();
    for (auto& t : pool) t.join();
  }

  // Worker threads: process queued batches until reading is done and the queue empty.
  void work() {
    ItemProcessor proc{config_, filter_, hasher_, {}, {}, {}};
    for (;;) {
      std::unique_ptr<Batch> b;
      size_t seq = 0;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || reading_done_; });
        if (queue_.empty()) return;
        seq = queue_.front().first;
        b = std::move(queue_.front().second);
        queue_.pop_front();
      }
      cv_.notify_all();
      try {
        proc.process(*b);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!error_) error_ = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        done_[seq] = std::move(b);
      }
      cv_.notify_all();
    }
  }

  // Hands a full batch to the workers (or processes it here when single-threaded)
  // and writes whatever is ready, keeping the number of batches in flight bounded.
  void submit(std::unique_ptr<Batch> b) {
    if (threads_ == 1) {
      inline_proc_.process(*b);
      done_[next_seq_++] = std::move(b);
      write_ready(false);
      return;
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      queue_.emplace_back(next_seq_++, std::move(b));
    }
    cv_.notify_all();
    // This thread helps too, and waits while too much is in flight.
    for (;;) {
      write_ready(false);
      std::unique_lock<std::mutex> lock(mu_);
      size_t in_flight = next_seq_ - next_write_;
      if (in_flight <= static_cast<size_t>(2 * threads_) || error_) break;
      if (!queue_.empty()) {
        size_t seq = queue_.front().first;
        auto mine = std::move(queue_.front().second);
        queue_.pop_front();
        lock.unlock();
        inline_proc_.process(*mine);
        lock.lock();
        done_[seq] = std::move(mine);
        continue;
      }
      cv_.wait(lock, [&] { return done_.count(next_write_) > 0 || error_; });
    }
  }

  // Writes finished batches in reading order; with `all`, waits for every batch.
  void write_ready(bool all) {
    for (;;) {
      std::unique_ptr<Batch> b;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (all) cv_.wait(lock, [&] { return done_.count(next_write_) > 0 || next_write_ == next_seq_; });
        auto it = done_.find(next_write_);
        if (it == done_.end()) return;
        b = std::move(it->second);
        done_.erase(it);
        ++next_write_;
      }
      for (size_t i = 0; i < b->lines.size(); ++i) {
        SignatureRecord& rec = b->signatures[i];
        rec.doc_index = doc_index_++;
        sigs_->add(rec);
        docs_->write_line(b->lines[i]);
      }
      stats_.merge(b->stats);
    }
  }

  void read_all() {
    ByteReader reader(in_.path);
    auto batch = std::make_unique<Batch>(config_.explain);
    size_t batch_bytes = 0;
    auto take = [&](std::vector<InputError> errs) {
      for (auto& e : errs) batch->stats.error(e.kind, e.message);
    };
    auto push = [&](Item item, size_t bytes) {
      batch->items.push_back(std::move(item));
      batch_bytes += bytes;
      if (batch->items.size() >= kBatchItems || batch_bytes >= kBatchBytes) {
        submit(std::move(batch));
        batch = std::make_unique<Batch>(config_.explain);
        batch_bytes = 0;
      }
    };
    if (in_.format == InputFormat::Warc) {
      WarcReader warc(reader, config_.max_record_bytes);
      Item item;
      item.is_record = true;
      while (warc.next(item.rec)) {
        take(warc.take_errors());
        batch->stats.add_counter("warc_records_" + (item.rec.type.empty() ? std::string("untyped") : item.rec.type), 1);
        bool candidate = item.rec.type == "response" || item.rec.type == "resource" ||
                         item.rec.type == "conversion";
        if (!candidate) continue;
        item.doc.source = in_.path;
        size_t bytes = item.rec.block.size();
        push(std::move(item), bytes);
        item = Item{};
        item.is_record = true;
      }
      take(warc.take_errors());
    } else if (in_.format == InputFormat::Jsonl) {
      JsonlReader jr(reader, config_.text_field, config_.max_line_bytes);
      Item item;
      while (jr.next(item.doc)) {
        take(jr.take_errors());
        item.doc.lang.clear();
        size_t bytes = item.doc.text.size();
        push(std::move(item), bytes);
        item = Item{};
      }
      take(jr.take_errors());
    } else {
      // A plain text file is one document, cut at max_text_bytes.
      Item item;
      Document& doc = item.doc;
      doc.id = in_.path;
      doc.source = in_.path;
      doc.text.resize(config_.max_text_bytes + 1);
      size_t got = reader.read(doc.text.data(), doc.text.size());
      doc.text.resize(got);
      if (got > config_.max_text_bytes) reader.skip(UINT64_MAX);
      if (reader.failed()) batch->stats.error("truncated_or_corrupt_compression", reader.error());
      if (looks_binary(doc.text)) {
        batch->stats.stage_in("extract", reader.bytes_read());
        batch->stats.error("binary_payload", in_.path + ": NUL bytes in a text file");
        batch->stats.removed("extract", "binary_payload", doc);
      } else {
        std::string utf8;
        DecodeResult dr = inline_proc_.conv.to_utf8(doc.text, "", false, utf8);
        if (dr.charset != "utf-8") batch->stats.add_counter("charset_converted_" + dr.charset, 1);
        doc.text = std::move(utf8);
        push(std::move(item), doc.text.size());
      }
    }
    submit(std::move(batch));
  }

  const PipelineConfig& config_;
  const DocumentFilter& filter_;
  const MinHasher& hasher_;
  size_t index_;
  const InputFile& in_;
  int threads_;
  RunStats stats_;
  ItemProcessor inline_proc_{config_, filter_, hasher_, {}, {}, {}};
  JsonlWriter* docs_ = nullptr;
  SignatureWriter* sigs_ = nullptr;
  uint32_t doc_index_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<size_t, std::unique_ptr<Batch>>> queue_;
  std::map<size_t, std::unique_ptr<Batch>> done_;
  size_t next_seq_ = 0;    // sequence number of the next batch read
  size_t next_write_ = 0;  // sequence number of the next batch to write
  bool reading_done_ = false;
  std::exception_ptr error_;
};

}  // namespace

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
  // Files in parallel; when there are fewer files than threads, each file also
  // gets several threads (batches within the file).
  int threads = resolve_threads(config.threads);
  int files_at_once = std::min<int>(threads, static_cast<int>(todo.size()));
  int per_file = std::max(1, threads / files_at_once);
  parallel_for_each(todo, files_at_once, [&](size_t i) {
    FileJob job(config, filter, hasher, i, inputs[i], per_file);
    job.run();
    std::lock_guard<std::mutex> lock(mu);
    done_bytes += inputs[i].bytes;
    progress.update(static_cast<int64_t>(done_bytes));
  });
  progress.finish();
}

}  // namespace llmforge::data
