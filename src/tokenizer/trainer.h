// Byte-level BPE training: count pre-tokenized pieces over many threads, then merge
// the most frequent adjacent pair until the vocabulary is full.
//
// Merging keeps, for every pair, its count and the words it occurs in, and a max-heap
// of (count, pair) with lazy invalidation: a merge touches only the words that hold
// the pair, so there is no recount per merge. Ties go to the lower (left, right) ids,
// and counting merges per-thread tables by key, so the same input gives the same
// vocabulary on any number of threads.
//
// Vocabulary layout: ids 0..255 are the bytes, then merges in order, then the special
// tokens (the reserved ones of special_tokens.h, then `extra_special_tokens`).
// The trained tokenizer follows Hugging Face semantics (listed merges in order, and a
// piece that is a token is that token), so its tokenizer.json reloads identically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/hash_tables.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct TrainerOptions {
  uint32_t vocab_size = 32768;  // bytes + merges + special tokens
  // qwen2 rather than kLlmforge: llama.cpp implements it exactly, so GGUF exports
  // tokenize the same there (see pretokenizer.h).
  SplitPattern pattern = SplitPattern::kQwen2;
  std::vector<std::string> extra_special_tokens;
  // Each document is cut after this many characters (code points); 0 = no cap.
  size_t max_doc_chars = 0;
  int n_threads = 0;  // 0: all hardware threads
  std::string name = "llmforge";
  bool progress = false;  // live progress line on stderr
};

class BpeTrainer {
 public:
  explicit BpeTrainer(TrainerOptions options);

  // Counts the pieces of each document (cut to max_doc_chars), on n_threads threads.
  void add_documents(const std::vector<std::string_view>& docs);
  void add_documents(const std::vector<std::string>& docs);
  // A file of training text: `.jsonl` (or `.jsonl.zst`, as the data pipeline writes
  // under clean/) takes the string field `json_field` of each line as one document;
  // anything else is plain UTF-8 text (`.zst` decompressed), one document per file,
  // cut into chunks at piece boundaries for counting. A directory adds its .jsonl,
  // .jsonl.zst and .txt files in name order. Throws Error("tokenizer") naming the file
  // and line of malformed input.
  void add_file(const std::string& path, const std::string& json_field = "text");

  uint64_t documents() const { return documents_; }
  uint64_t bytes() const { return bytes_; }
  size_t unique_pieces() const { return pieces_.size(); }

  // Runs the merges. Can be called once.
  Tokenizer train();

 private:
  void count_chunks(const std::vector<std::string_view>& chunks);

  TrainerOptions options_;
  BytesMap pieces_;                // piece bytes -> index into piece_counts_
  std::vector<uint64_t> piece_counts_;
  uint64_t documents_ = 0;
  uint64_t bytes_ = 0;
  bool trained_ = false;
};

// Cuts `text` after `max_chars` code points (0: no cap), never inside a character.
std::string_view cap_characters(std::string_view text, size_t max_chars);

}  // namespace llmforge
