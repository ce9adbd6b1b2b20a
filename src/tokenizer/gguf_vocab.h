// The tokenizer half of GGUF files: llama.cpp's "gpt2" (byte-level BPE) vocabulary
// keys, both ways, and the chat template. The model half is model/gguf_model.h.
//
// Written: tokenizer.ggml.model "gpt2"; .pre, llama.cpp's name of our split pattern;
// .tokens (byte-level spelling, special tokens as their text); .token_type (1 normal,
// 3 control for every special token, 5 unused for ids without a token); .merges
// ("left right"); bos = <|bos|>; eos = <|bos|> too, because documents end where the
// next one starts (plain generation stops there, as `llmforge generate` does); eot =
// <|end|>, where an assistant turn ends; add_bos_token true, add_eos_token false;
// tokenizer.chat_template (Jinja) rendering infer/chat_format's transcript.
//
// Split patterns: llama.cpp implements "qwen2" (our default) and "gpt-2" exactly.
// cl100k is written as "llama-bpe", which differs only in that U+017F (ſ) does not
// count as 's' in contractions (a warning says so). o200k has no llama.cpp
// pre-tokenizer and is refused; so is our former default "llmforge" (o200k with single
// digits) unless inexact export is allowed: its closest, "tekken", attaches no
// contractions ("'s" is a piece of its own) and distinguishes case for ASCII letters
// only, so tokens differ around apostrophes and in mixed-case non-ASCII words.
#pragma once

#include <string>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

// llama.cpp's pre-tokenizer for a split pattern. `exact` false: `difference` says how
// llama.cpp would split differently; `name` empty: llama.cpp has nothing close.
struct GgufPretokenizer {
  std::string name;
  bool exact = false;
  std::string difference;
};
GgufPretokenizer gguf_pretokenizer_for(SplitPattern pattern);

// Adds the tokenizer.* keys for a model whose embedding has `n_vocab` rows (at least
// the tokenizer's vocabulary; ids past it become unused tokens). Throws
// Error("gguf") for a pattern llama.cpp does not implement exactly, unless
// `allow_inexact_pattern` (then it logs a warning naming the difference).
void add_tokenizer_to_gguf(const Tokenizer& tokenizer, int n_vocab, bool allow_inexact_pattern,
                           gguf::Writer* writer);

// The Jinja chat template for our transcript layout (see infer/chat_format.h).
std::string chat_template_jinja();

// A tokenizer from a GGUF file's tokenizer.* keys. Throws Error("gguf") naming the
// tokenizer model, pre-tokenizer, token or merge llmforge cannot represent.
Tokenizer tokenizer_from_gguf(const gguf::File& file);

}  // namespace llmforge
