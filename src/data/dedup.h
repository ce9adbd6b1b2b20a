// Exact and MinHash-LSH deduplication that streams through disk, so that memory is
// bounded for inputs far larger than RAM:
//  1. the filter stage writes, per input file, a signature file: for each kept
//     document its index, text size, exact hash (of normalised text) and 14 band
//     hashes (SignatureWriter);
//  2. run_dedup() scatters (key, document) pairs from all signature files into
//     hash partitions on disk, sized so that one partition fits the memory budget,
//     then sorts one partition at a time. Equal exact hashes: all but the first
//     document are exact duplicates. Equal band hashes: the documents are joined by
//     union-find; one document (the first in input order) is kept per cluster.
//     Memory: one partition plus the union-find over documents that have a
//     duplicate at all;
//  3. it writes, per input file, the sorted list of documents to drop.
// Signature files from machines that ran separate `--shard i/n` slices are merged
// simply by pointing run_dedup at all of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "data/report.h"

namespace llmforge::data {

constexpr int kMaxBands = 32;

struct SignatureRecord {
  uint32_t doc_index = 0;
  uint32_t text_bytes = 0;
  uint64_t exact = 0;
  uint64_t bands[kMaxBands] = {};
};

class SignatureWriter {
 public:
  SignatureWriter(const std::string& path, int n_bands);
  void add(const SignatureRecord& rec);
  void commit() { file_.commit(); }

 private:
  AtomicFileWriter file_;
  int n_bands_;
};

// Reads a whole signature file; throws Error("data") naming the file when it is
// truncated or not a signature file.
class SignatureReader {
 public:
  explicit SignatureReader(const std::string& path);
  ~SignatureReader();
  bool next(SignatureRecord& rec);
  int n_bands() const { return n_bands_; }
  uint64_t count() const { return count_; }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
  int n_bands_ = 0;
  uint64_t count_ = 0;
  uint64_t read_ = 0;
};

// A document to drop, as stored in the per-input removal file.
enum class DupKind : uint32_t { Exact = 1u << 31, Near = 0 };
struct Removal {
  uint32_t doc_index;
  DupKind kind;
};

struct DedupInput {
  uint32_t input_index;
  std::string signature_path;
  std::string removal_path;  // written by run_dedup
};

struct DedupConfig {
  bool exact = true;
  bool minhash = true;
  uint64_t memory_bytes = 1ull << 30;  // budget for one partition in memory
  std::string tmp_dir;                 // partition files go here (removed afterwards)
};

// Runs stage 2 over all inputs; adds counters to `stats`.
void run_dedup(const std::vector<DedupInput>& inputs, const DedupConfig& config, RunStats& stats);

void write_removals(const std::string& path, const std::vector<Removal>& removals);
// Sorted by doc_index. Throws Error("data") on a damaged file.
std::vector<Removal> read_removals(const std::string& path);

}  // namespace llmforge::data
