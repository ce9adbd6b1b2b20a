// Hugging Face `tokenizer.json` for byte-level BPE: the GPT-2 byte-to-unicode
// alphabet, a ByteLevel or Split(regex) + ByteLevel pre-tokenizer whose regex must be
// one of ours (tiktoken's patterns), vocab, merges and added tokens. A tokenizer we
// save loads in HF `tokenizers` (and transformers' PreTrainedTokenizerFast).
#pragma once

#include <string>

#include "tokenizer/tokenizer.h"

namespace llmforge {

// Throws Error("tokenizer") naming the file and the field that is unsupported or wrong.
Tokenizer load_tokenizer_json(const std::string& path);
void write_tokenizer_json(const Tokenizer& tokenizer, const std::string& path);

// GPT-2's byte-level alphabet (bytes_to_unicode): every byte as a printable
// character. Also the token spelling of GGUF "gpt2" vocabularies. The inverse returns
// false for a character outside the alphabet.
std::string bytes_to_byte_level(std::string_view bytes);
bool byte_level_to_bytes(std::string_view text, std::string* out);

}  // namespace llmforge
