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

}  // namespace llmforge
