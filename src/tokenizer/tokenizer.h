// Tokenizer: byte-level BPE with tiktoken-exact pre-tokenization. Loads OpenAI's
// encodings by name (from the npm `tiktoken` package), `.tiktoken` rank files and
// Hugging Face `tokenizer.json` files; saves both file formats.
//
// Threading: a loaded Tokenizer is immutable; every const method may be called from
// many threads at once. Copies share the (read-only) tables.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/bpe.h"
#include "tokenizer/pretokenizer.h"

namespace llmforge {

// Which special tokens encode() turns into their ids, and what happens to the others
// when they appear in the text; mirrors tiktoken's allowed_special/disallowed_special.
struct AllowedSpecial {
  enum class Mode { kNone, kAll, kListed };
  Mode mode = Mode::kNone;
  std::vector<std::string> listed;  // for kListed
  // true: a special token the text contains but may not use is an error (tiktoken's
  // default). false: it is encoded as the ordinary text it is.
  bool error_on_disallowed = true;

  static AllowedSpecial none() { return {}; }
  static AllowedSpecial all() { return {Mode::kAll, {}, true}; }
  static AllowedSpecial only(std::vector<std::string> tokens) {
    return {Mode::kListed, std::move(tokens), true};
  }
  // Special token strings in the text are plain text (tiktoken's disallowed_special=()).
  static AllowedSpecial as_text() { return {Mode::kNone, {}, false}; }
};

class Tokenizer {
 public:
  // Describes a tokenizer built in memory (by the trainer or a loader).
  struct Spec {
    std::string name;
    SplitPattern pattern = SplitPattern::kQwen2;
    std::shared_ptr<const BpeVocab> vocab;
    std::vector<std::pair<std::string, uint32_t>> special_tokens;
  };
  explicit Tokenizer(Spec spec);

  // `name_or_path`: a built-in encoding (gpt2, r50k_base, p50k_base, cl100k_base,
  // o200k_base), a `.tiktoken` file, a `tokenizer.json` file, a directory that
  // contains tokenizer.json, or a GGUF file (tokenizer/gguf_vocab.h). Throws Error("tokenizer") saying what was tried.
  static Tokenizer load(const std::string& name_or_path);

  std::vector<uint32_t> encode_ordinary(std::string_view text) const;
  std::vector<uint32_t> encode(std::string_view text,
                               const AllowedSpecial& allowed = AllowedSpecial::none()) const;
  // Appends to `out` (no allocation per call once `out` has grown).
  void encode_ordinary_into(std::string_view text, std::vector<uint32_t>* out) const;
  // Encodes documents on `n_threads` threads (0: all hardware threads).
  std::vector<std::vector<uint32_t>> encode_batch(
      const std::vector<std::string>& texts, int n_threads = 0,
      const AllowedSpecial& allowed = AllowedSpecial::none()) const;

  // The bytes the ids stand for; throws for an id outside the vocabulary.
  std::string decode(const std::vector<uint32_t>& ids) const;
  // decode() as valid UTF-8: each invalid sequence becomes U+FFFD.
  std::string decode_text(const std::vector<uint32_t>& ids) const;
  std::string_view token_bytes(uint32_t id) const;

  // One more than the highest id (ids below may be unused, as in cl100k_base).
  uint32_t vocab_size() const { return vocab_size_; }
  std::optional<uint32_t> special_token_id(std::string_view token) const;
  bool is_special(uint32_t id) const;
  // <|bos|>, or for the OpenAI encodings <|endoftext|>; throws when there is neither.
  uint32_t bos_id() const;
  const std::vector<std::pair<std::string, uint32_t>>& special_tokens() const {
    return special_tokens_;
  }
  const std::string& name() const { return name_; }
  SplitPattern pattern() const { return pattern_; }
  const BpeVocab& vocab() const { return *vocab_; }

  // Atomic writes. tokenizer.json: HF byte-level BPE. .tiktoken: the rank file, plus
  // a sidecar `<path>.json` with the pattern and special tokens it cannot hold.
  void save_tokenizer_json(const std::string& path) const;
  void save_tiktoken(const std::string& path) const;

 private:
  // Position and id of the first special token in `text` from `from` on, allowed or
  // not; npos when there is none.
  std::pair<size_t, uint32_t> find_special(std::string_view text, size_t from) const;

  std::string name_;
  SplitPattern pattern_;
  std::shared_ptr<const BpeVocab> vocab_;
  std::vector<std::pair<std::string, uint32_t>> special_tokens_;  // sorted longest first
  uint32_t vocab_size_ = 0;
  bool special_first_byte_[256] = {};
};

}  // namespace llmforge
