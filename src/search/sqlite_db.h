// A thin RAII layer over the SQLite C API for the search index: a connection and
// prepared statements that throw Error("search") naming the database file and the
// SQL that failed. Only what the index needs; not a general wrapper.
// Not thread-safe: one thread per SqliteDb (SQLite connections are not shared here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace llmforge::search {

class SqliteDb {
 public:
  // read_only: opens an existing file and never creates one.
  SqliteDb(const std::string& path, bool read_only);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(std::string_view sql);
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(std::string_view what) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  void bind(int i, std::string_view text);
  void bind(int i, int64_t value);
  // True while a row is available; false when done.
  bool step();
  void reset();
  std::string column_text(int i) const;
  int64_t column_int(int i) const;
  double column_double(int i) const;

 private:
  SqliteDb& db_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace llmforge::search
