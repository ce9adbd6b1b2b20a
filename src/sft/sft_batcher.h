// Training rows for supervised fine-tuning. A row holds t+1 tokens: inputs are its
// first t, targets its last t (the next tokens), and the weight of target i is the
// loss mask of token i+1, so only what the assistant writes is learned.
//
//  - packing: conversations are concatenated into rows of t+1 tokens; one that does
//    not fit in what is left of a row starts the next row (a conversation is never
//    split); the rest of a row is padding with weight 0. Each conversation starts
//    with <|bos|>, and attention is not masked between conversations of a row.
//  - padding: one conversation a row; a batch is as wide as its longest row.
//
// The stream visits every conversation once an epoch in an order shuffled from
// (seed, epoch), so a position (epoch, cursor) is all a checkpoint needs to resume
// bitwise identically. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "sft/conversations.h"
#include "train/micro_batch.h"
#include "train/shuffled_order.h"

namespace llmforge {

// A micro-batch of SFT rows: weights are 1 on assistant targets, 0 elsewhere
// (padding included, whose tokens are 0).
using SftBatch = MicroBatch;

// Lays out `rows` (each a list of conversations whose lengths sum to at most t+1)
// into `out` with the given width t; padding positions are token 0, weight 0.
void make_sft_batch(const std::vector<std::vector<const SftConversation*>>& rows, int t,
                    SftBatch& out);

using SftDataPosition = OrderPosition;

class SftBatcher {
 public:
  // `conversations` must outlive the batcher and be non-empty; each has at most
  // seq_len+1 tokens.
  SftBatcher(const std::vector<SftConversation>& conversations, int seq_len, bool packing,
             uint64_t seed);

  // The next `rows` rows. Packed batches are seq_len wide; padded ones as wide as
  // their longest conversation minus one.
  void next_batch(int rows, SftBatch& out);

  SftDataPosition position() const { return order_.position(); }
  void set_position(SftDataPosition pos);
  // Rows one epoch fills (measured on epoch 0's order).
  long rows_per_epoch() const { return rows_per_epoch_; }
  // The conversation index at `cursor` of `epoch`'s order.
  uint32_t order_at(uint64_t epoch, uint64_t cursor) { return order_.order(epoch).at(cursor); }

 private:
  const std::vector<SftConversation>& convs_;
  int seq_len_;
  bool packing_;
  ShuffledOrder order_;  // the kSftShuffle stream
  long rows_per_epoch_ = 0;
  std::vector<std::vector<const SftConversation*>> rows_;  // scratch
};

}  // namespace llmforge
