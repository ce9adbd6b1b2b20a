// Token sequences as text: whitespace-separated ids, one sequence per line (blank
// lines skipped). The simplest interchange format for `llmforge loss`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"

namespace llmforge {

// Throws Error("tokens") naming the file, line and column of anything that is not a
// non-negative integer below `vocab_size`, or a sequence longer than `max_len`.
std::vector<std::vector<int32_t>> read_token_lines(const std::string& path, int vocab_size,
                                                   int max_len);

struct SequenceLoss {
  double total_nats = 0;  // summed over predicted tokens
  long tokens = 0;        // predicted tokens (length - 1 per sequence)
  double mean() const { return tokens ? total_nats / tokens : 0.0; }
};

// Mean next-token cross-entropy over whole sequences, `batch` sequences at a time
// (right-padded; padding never influences earlier positions under causal attention).
SequenceLoss sequence_loss(Model& model, const std::vector<std::vector<int32_t>>& sequences,
                           int batch);

}  // namespace llmforge
