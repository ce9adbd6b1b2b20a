// Adapts the project's Tokenizer (src/tokenizer) to the pipeline's TokenEncoder.
// Only built when the tokenizer library is part of the build
// (LLMFORGE_HAVE_TOKENIZER); callers check that macro.
#pragma once

#include <string>

#include "data/pipeline.h"

namespace llmforge::data {

// Loads the tokenizer once to check it, then hands out one instance per worker.
// Throws what Tokenizer::load throws for an unknown name or a bad file.
TokenEncoderFactory make_tokenizer_factory(const std::string& name_or_path);

}  // namespace llmforge::data
