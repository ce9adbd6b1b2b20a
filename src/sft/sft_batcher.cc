#include "sft/sft_batcher.h"

#include <algorithm>

#include "core/error.h"

namespace llmforge {

void make_sft_batch(const std::vector<std::vector<const SftConversation*>>& rows, int t,
                    SftBatch& out) {
  out.rows = int(rows.size());
  out.t = t;
  const size_t n = size_t(out.rows) * t;
  out.inputs.assign(n, 0);
  out.targets.assign(n, 0);
  out.weights.assign(n, 0.0f);
  out.aux.clear();
  out.real_tokens = 0;
  std::vector<int32_t> tokens;
  std::vector<uint8_t> mask;
  for (int r = 0; r < out.rows; ++r) {
    tokens.clear();
    mask.clear();
    for (const SftConversation* c : rows[r]) {
      tokens.insert(tokens.end(), c->tokens.begin(), c->tokens.end());
      mask.insert(mask.end(), c->loss_mask.begin(), c->loss_mask.end());
    }
    LLMF_CHECK(tokens.size() <= size_t(t) + 1) << "row of " << tokens.size() << " tokens, width " << t;
    const size_t off = size_t(r) * t;
    const size_t len = tokens.size();
    for (size_t i = 0; i < len && i < size_t(t); ++i) out.inputs[off + i] = tokens[i];
    for (size_t i = 0; i + 1 < len; ++i) {
      out.targets[off + i] = tokens[i + 1];
      out.weights[off + i] = mask[i + 1] ? 1.0f : 0.0f;
    }
    out.real_tokens += long(std::min(len, size_t(t)));
  }
}

namespace {
// Checked before the order is made, so an empty file gets the SFT message.
size_t conversation_count(const std::vector<SftConversation>& conversations) {
  if (conversations.empty()) ErrorBuilder("sft") << "no conversations to train on";
  return conversations.size();
}
}  // namespace

SftBatcher::SftBatcher(const std::vector<SftConversation>& conversations, int seq_len,
                       bool packing, uint64_t seed)
    : convs_(conversations),
      seq_len_(seq_len),
      packing_(packing),
      order_(conversation_count(conversations), seed, kSftShuffle) {
  for (const SftConversation& c : convs_) {
    if (c.tokens.size() > size_t(seq_len) + 1 || c.tokens.size() < 2) {
      ErrorBuilder("sft") << "conversation of " << c.tokens.size() << " tokens does not fit rows of "
                          << seq_len + 1;
    }
  }
  if (!packing_) {
    rows_per_epoch_ = long(convs_.size());
  } else {
    const std::vector<uint32_t>& o = order_.order(0);
    size_t used = 0;
    rows_per_epoch_ = 1;
    for (uint32_t i : o) {
      size_t len = convs_[i].tokens.size();
      if (used + len > size_t(seq_len_) + 1) ++rows_per_epoch_, used = 0;
      used += len;
    }
  }
}

void SftBatcher::set_position(SftDataPosition pos) {
  if (pos.cursor >= convs_.size()) {
    ErrorBuilder("sft") << "data position " << pos.cursor << " is past the " << convs_.size()
                        << " training conversations (was the training file changed?)";
  }
  order_.set_position(pos);
}

void SftBatcher::next_batch(int rows, SftBatch& out) {
  rows_.assign(size_t(rows), {});
  int width = 1;
  for (auto& row : rows_) {
    size_t used = 0;
    do {
      const SftConversation& c = convs_[order_.peek()];
      if (!row.empty() && used + c.tokens.size() > size_t(seq_len_) + 1) break;
      row.push_back(&c);
      used += c.tokens.size();
      order_.advance();
    } while (packing_);
    width = std::max(width, int(used) - 1);
  }
  make_sft_batch(rows_, packing_ ? seq_len_ : width, out);
}

}  // namespace llmforge
