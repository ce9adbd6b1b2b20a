// A full-text search index over documents, on SQLite's FTS5 extension with BM25
// ranking (the `bm25()` auxiliary function), stored in one directory:
//
//   DIR/search.sqlite   an FTS5 table docs(title, body, url UNINDEXED)
//   DIR/index.json      format, document and byte counts, the inputs it was built from
//
//   IndexWriter w(dir); w.add({title, url, text}); ...; w.commit();   // build
//   SearchIndex idx(dir); auto hits = idx.search("Kenji Marsh", 5);   // query
//
// Building writes to a temporary database beside the target and renames it in
// commit(), so a killed build never leaves a half index; memory stays bounded because
// rows are committed in batches and FTS5 flushes its pending terms at every commit.
// Queries are free text: words are matched as terms joined by OR (function words
// dropped), so a question with extra words still finds the page, and BM25 ranks the pages that match the most
// (and rarest) terms first. Neither class is thread-safe; open one SearchIndex per
// thread (read-only connections to the same file are fine).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmforge::search {

struct IndexDocument {
  std::string title, url, text;
};

struct SearchHit {
  std::string title, url;
  std::string snippet;  // FTS5 snippet(): a window of the body around the matched terms, on one line
  std::string text;     // the whole body, for callers that need more than the snippet
  double score = 0;     // BM25 as FTS5 reports it: more negative is better
};

class SqliteDb;
class SqliteStatement;

class IndexWriter {
 public:
  // Creates `dir` if needed. Throws Error("search") when it cannot.
  explicit IndexWriter(std::string dir);
  ~IndexWriter();  // without commit(): removes the temporary database
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  void add(const IndexDocument& doc);
  // Merges the index's segments, renames the database into place and writes
  // index.json with `inputs` listed in it.
  void commit(const std::vector<std::string>& inputs);

  int64_t documents() const { return documents_; }
  int64_t text_bytes() const { return text_bytes_; }

 private:
  std::string dir_, tmp_path_;
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<SqliteStatement> insert_;
  int64_t documents_ = 0, text_bytes_ = 0;
  bool committed_ = false;
};

class SearchIndex {
 public:
  // Throws Error("search") naming the directory when there is no index there, or
  // the file is not a readable index of this format.
  explicit SearchIndex(const std::string& dir);
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // The best `k` hits, best first; none for a query without words.
  std::vector<SearchHit> search(const std::string& query, int k) const;
  int64_t documents() const { return documents_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<SqliteStatement> query_;
  int64_t documents_ = 0;
};

// The FTS5 query for free text: every word (letters and digits, UTF-8 kept) as a
// quoted term, joined by OR, English function words left out unless there is nothing
// else; "" when there is no word. Exposed for tests.
std::string fts_query(const std::string& text);

}  // namespace llmforge::search
