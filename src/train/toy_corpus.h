// A small generated corpus for tests: short biographies of fictional
// people (a fixed fact table rendered with varied phrasings) and arithmetic lines.
// Deterministic for a seed. The full synthetic world of the speedrun is a separate,
// larger generator; this one only needs to give a small model something learnable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmforge {

struct ToyCorpus {
  std::vector<std::string> documents;
  std::vector<std::string> prompts;  // prefixes worth completing in samples
};

ToyCorpus make_toy_corpus(uint64_t seed, int n_documents);

}  // namespace llmforge
