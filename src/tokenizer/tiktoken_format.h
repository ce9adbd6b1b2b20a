// tiktoken's formats: `.tiktoken` rank files ("<base64 bytes> <rank>" per line) and
// the npm `tiktoken` package's encoder JSON ({pat_str, special_tokens, bpe_ranks:
// "! 0 <base64> <base64> ..."}), which is where the OpenAI encodings come from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/tokenizer.h"

namespace llmforge {

// gpt2, r50k_base, p50k_base, cl100k_base, o200k_base.
const std::vector<std::string>& builtin_encoding_names();

// Locates a built-in encoding's file (<name>.json from the npm package, or
// <name>.tiktoken plus its sidecar) in: $LLMFORGE_TIKTOKEN_DIR, the source tree's
// tests/reference/node_modules/tiktoken/encoders, and that path under the current
// directory. Throws Error("tokenizer") listing the folders tried and how to fill them.
std::string find_builtin_encoding(const std::string& name);

Tokenizer load_npm_encoding_json(const std::string& path, const std::string& name);
// Reads `<path>.json` (pattern and special tokens) when present; otherwise a file
// named after a built-in encoding gets that encoding's pattern and special tokens,
// and any other file the cl100k pattern with no special tokens (logged).
Tokenizer load_tiktoken_file(const std::string& path);
void write_tiktoken_file(const Tokenizer& tokenizer, const std::string& path);

// Token ids read from any file format must lie in 0..kMaxTokenId: the vocabulary is
// an array indexed by id, so one id of 4e9 (or -7 read as unsigned) would size it.
constexpr uint32_t kMaxTokenId = (1u << 24) - 1;
// The id in `v` (a JSON integer in range), else Error("tokenizer") naming `where`
// (file and entry) and the value.
uint32_t checked_token_id(const nlohmann::json& v, const std::string& where);
uint32_t checked_token_id(uint64_t v, const std::string& where);

std::string base64_encode(std::string_view bytes);
// Throws Error("tokenizer") for characters outside the alphabet.
std::string base64_decode(std::string_view text);

}  // namespace llmforge
