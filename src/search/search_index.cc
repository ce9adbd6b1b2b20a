#include "search/search_index.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "search/sqlite_db.h"

namespace llmforge::search {

namespace {
namespace fs = std::filesystem;

constexpr const char* kFormat = "llmforge-search-fts5";
constexpr int kVersion = 1;
// Rows per transaction while building: FTS5 keeps the terms of the open transaction
// in memory, so this bounds memory (a few MB at world-page sizes) while keeping the
// per-commit cost small.
constexpr int64_t kRowsPerTransaction = 2000;
// BM25 weights of the columns (title, body, url): a word in the title counts more.
constexpr const char* kRank = "bm25(docs, 2.0, 1.0, 0.0)";
// Tokens in an FTS5 snippet (its maximum is 64).
constexpr int kSnippetTokens = 40;

std::string db_path(const std::string& dir) { return (fs::path(dir) / "search.sqlite").string(); }

// Snippets are shown on one line: runs of whitespace (paragraph breaks) become a space.
std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out.push_back(space ? ' ' : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
}  // namespace

// English function words. A question's "where", "was" and "the" match nearly every
// page, so an OR over them makes BM25 score the whole index (17 ms instead of 1.3 ms
// on the default world's 4,125 pages) while adding almost nothing to the ranking.
bool is_stop_word(std::string w) {
  static const std::set<std::string> kStop = {
      "a",    "an",   "and",  "are",  "as",    "at",   "be",   "by",   "did",  "do",   "does", "for",
      "from", "had",  "has",  "have", "he",    "her",  "his",  "how",  "i",    "in",   "is",   "it",
      "its",  "me",   "my",   "of",   "on",    "or",   "she",  "that", "the",  "their", "them", "they",
      "this", "to",   "was",  "we",   "were",  "what", "when", "where", "which", "who", "whom", "whose",
      "why",  "will", "with", "you",  "your"};
  for (char& c : w) c = char(std::tolower(static_cast<unsigned char>(c)));
  return kStop.count(w) > 0;
}

std::string fts_query(const std::string& text) {
  std::vector<std::string> words;
  for (size_t i = 0; i < text.size();) {
    if (!is_word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_word_byte(static_cast<unsigned char>(text[j]))) ++j;
    words.push_back(text.substr(i, j - i));
    i = j;
  }
  // Function words are dropped, unless the query has nothing else.
  const bool content = std::any_of(words.begin(), words.end(), [](const std::string& w) { return !is_stop_word(w); });
  std::string out;
  for (const std::string& w : words) {
    if (content && is_stop_word(w)) continue;
    if (!out.empty()) out += " OR ";
    out += '"' + w + '"';  // no quote can be inside a word
  }
  return out;
}

IndexWriter::IndexWriter(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) ErrorBuilder("search") << "cannot create index directory " << dir_ << ": " << ec.message();
  tmp_path_ = db_path(dir_) + ".tmp-" + std::to_string(getpid());
  fs::remove(tmp_path_, ec);
  db_ = std::make_unique<SqliteDb>(tmp_path_, false);
  // No journal and no fsync while building: the file is renamed into place only
  // after a successful build, so a crash just leaves a temporary file.
  db_->exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
  db_->exec(
      "CREATE VIRTUAL TABLE docs USING fts5(title, body, url UNINDEXED, "
      "tokenize = 'unicode61 remove_diacritics 2');"
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);");
  insert_ = std::make_unique<SqliteStatement>(*db_, "INSERT INTO docs(title, body, url) VALUES (?, ?, ?)");
  db_->exec("BEGIN");
}

IndexWriter::~IndexWriter() {
  if (committed_) return;
  insert_.reset();
  db_.reset();
  std::error_code ec;
  fs::remove(tmp_path_, ec);
}

void IndexWriter::add(const IndexDocument& doc) {
  insert_->bind(1, doc.title);
  insert_->bind(2, doc.text);
  insert_->bind(3, doc.url);
  insert_->step();
  insert_->reset();
  ++documents_;
  text_bytes_ += int64_t(doc.title.size() + doc.text.size());
  if (documents_ % kRowsPerTransaction == 0) db_->exec("COMMIT; BEGIN");
}

void IndexWriter::commit(const std::vector<std::string>& inputs) {
  LLMF_CHECK(!committed_) << "commit() twice";
  SqliteStatement meta(*db_, "INSERT INTO meta(key, value) VALUES (?, ?)");
  auto put = [&](const std::string& k, const std::string& v) {
    meta.bind(1, k);
    meta.bind(2, v);
    meta.step();
    meta.reset();
  };
  put("format", kFormat);
  put("version", std::to_string(kVersion));
  put("documents", std::to_string(documents_));
  db_->exec("COMMIT");
  // One b-tree per term instead of one per batch: queries read one segment.
  db_->exec("INSERT INTO docs(docs) VALUES ('optimize')");
  insert_.reset();
  db_.reset();
  std::error_code ec;
  fs::rename(tmp_path_, db_path(dir_), ec);
  if (ec) ErrorBuilder("search") << "cannot move the index into " << db_path(dir_) << ": " << ec.message();
  fsync_directory(dir_);
  nlohmann::json info = {{"format", kFormat},          {"version", kVersion},
                         {"engine", std::string("sqlite ") + sqlite3_libversion() + " fts5 bm25"},
                         {"documents", documents_}, {"text_bytes", text_bytes_},
                         {"inputs", inputs}};
  write_file_atomic((fs::path(dir_) / "index.json").string(), info.dump(2) + "\n");
  committed_ = true;
}

SearchIndex::SearchIndex(const std::string& dir) : dir_(dir) {
  const std::string path = db_path(dir);
  if (!fs::exists(path)) {
    ErrorBuilder("search") << "no search index in " << dir << " (" << path
                           << " is missing; build one with `llmforge index build --out " << dir
                           << " INPUT...`)";
  }
  db_ = std::make_unique<SqliteDb>(path, true);
  try {
    SqliteStatement meta(*db_, "SELECT key, value FROM meta");
    std::string format, version, documents;
    while (meta.step()) {
      const std::string k = meta.column_text(0);
      if (k == "format") format = meta.column_text(1);
      if (k == "version") version = meta.column_text(1);
      if (k == "documents") documents = meta.column_text(1);
    }
    if (format != kFormat || version != std::to_string(kVersion)) {
      ErrorBuilder("search") << "format '" << format << "' version '" << version << "', expected '"
                             << kFormat << "' version " << kVersion;
    }
    documents_ = std::stoll(documents);
    query_ = std::make_unique<SqliteStatement>(
        *db_, std::string("SELECT title, url, snippet(docs, 1, '', '', ' ... ', ") +
                  std::to_string(kSnippetTokens) + "), body, " + kRank +
                  " FROM docs WHERE docs MATCH ? ORDER BY " + kRank + " LIMIT ?");
  } catch (const std::exception& e) {
    ErrorBuilder("search") << path << " is not a usable search index: " << e.what()
                           << " (rebuild it with `llmforge index build`)";
  }
}

SearchIndex::~SearchIndex() = default;

std::vector<SearchHit> SearchIndex::search(const std::string& query, int k) const {
  std::vector<SearchHit> hits;
  const std::string q = fts_query(query);
  if (q.empty() || k <= 0) return hits;
  query_->bind(1, q);
  query_->bind(2, int64_t(k));
  try {
    while (query_->step()) {
      hits.push_back({query_->column_text(0), query_->column_text(1), one_line(query_->column_text(2)),
                      query_->column_text(3), query_->column_double(4)});
    }
  } catch (...) {
    query_->reset();
    throw;
  }
  query_->reset();
  return hits;
}

}  // namespace llmforge::search
