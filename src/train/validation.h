// Validation loss and bits per byte on a fixed set of windows from the data
// pipeline's val token shards. Shared by pretraining (periodic evaluation) and
// `llmforge eval` (a finished model).
//
// Bits per byte: the summed next-token loss in bits divided by the bytes of text the
// target tokens stand for, which makes models with different tokenizers comparable.
// It needs the tokenizer the shards were made with; special tokens (BOS between
// documents) count no bytes and are left out of both sums. Without a tokenizer only
// the mean loss over every target is known.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct ValidationSet {
  std::vector<int32_t> inputs, targets;  // (windows, seq_len)
  std::vector<float> target_weights;     // 1, or 0 for special tokens when bytes are known
  double bytes = 0;                      // 0 without a tokenizer
  int windows = 0;
  int seq_len = 0;
};

// The first `max_windows` windows of seq_len tokens of `val_shards`, in file order.
// `tok` may be null (no bits per byte). Throws Error("shards") for unusable shards.
ValidationSet load_validation_set(const std::vector<std::string>& val_shards, int seq_len,
                                  int max_windows, const Tokenizer* tok);

struct ValidationResult {
  double loss = NAN;          // mean nats per counted target token
  double bits_per_byte = -1;  // -1: bytes unknown
  double tokens = 0;          // targets counted
  double bytes = 0;
};

// Forward passes of `micro_batch` windows at a time; the model's parameters are
// unchanged (its activations are overwritten).
ValidationResult evaluate_validation(Model& model, const ValidationSet& val, int micro_batch);

}  // namespace llmforge
