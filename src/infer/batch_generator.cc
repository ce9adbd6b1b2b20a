#include "infer/batch_generator.h"

#include <algorithm>

#include "core/error.h"

namespace llmforge {

namespace {

// Length of the longest prefix of s[from, to) that does not end inside a UTF-8
// character, measured from `from`.
size_t complete_utf8(const std::string& s, size_t from, size_t to) {
  size_t i = to;
  // Walk back over at most 3 continuation bytes to the lead byte of the last char.
  for (int back = 0; back < 4 && i > from; ++back) {
    unsigned char c = s[i - 1];
    if ((c & 0xC0) == 0x80) {
      --i;
      continue;
    }
    size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    return (to - (i - 1) >= need) ? to - from : i - 1 - from;
  }
  return to - from;  // only continuation bytes: invalid anyway, release them
}

}  // namespace

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kNone: break;
  }
  return "none";
}

BatchGenerator::BatchGenerator(const Model& model, const Tokenizer* tok, int max_batch, int max_len,
                               WeightType weights)
    : engine_(model, max_batch, max_len, weights), tok_(tok), slots_(max_batch) {
  logits_.resize(size_t(max_batch) * model.config().vocab_size);
}

int BatchGenerator::add(GenerationRequest r) {
  const int V = engine_.config().vocab_size;
  if (r.prompt.empty()) ErrorBuilder("generate") << "empty prompt";
  if (int(r.prompt.size()) >= max_len()) {
    ErrorBuilder("generate") << "prompt of " << r.prompt.size()
                             << " tokens leaves no room in the context of " << max_len();
  }
  for (size_t i = 0; i < r.prompt.size(); ++i) {
    if (r.prompt[i] < 0 || r.prompt[i] >= V) {
      ErrorBuilder("generate") << "prompt token " << r.prompt[i] << " at " << i
                               << " is outside the vocabulary [0, " << V << ")";
    }
  }
  for (auto [id, b] : r.sampling.logit_bias) {
    if (id < 0 || id >= V) {
      ErrorBuilder("generate") << "logit_bias token " << id << " is outside the vocabulary [0, "
                               << V << ")";
    }
  }
  if (r.max_new_tokens <= 0) ErrorBuilder("generate") << "max_new_tokens must be positive";
  if (!r.stop_strings.empty() && !tok_) ErrorBuilder("generate") << "stop strings need a tokenizer";
  for (const std::string& s : r.stop_strings)
    if (s.empty()) ErrorBuilder("generate") << "empty stop string";
  SamplerChain chain = make_sampler_chain(r.sampling);  // validates the settings
  int slot = -1;
  for (int i = 0; i < int(slots_.size()) && slot < 0; ++i)
    if (!slots_[i]) slot = i;
  if (slot < 0) ErrorBuilder("generate") << "no free slot (" << max_batch() << " in use)";
  const int id = next_id_++;
  slots_[slot].emplace(Sequence{.id = id, .req = std::move(r), .chain = std::move(chain), .text = {}});
  ++n_active_;
  return id;
}

void BatchGenerator::cancel(int id) {
  for (auto& s : slots_) {
    if (s && s->id == id) {
      s.reset();
      --n_active_;
    }
  }
}

void BatchGenerator::release_text(Sequence& s, bool final, std::string& out) {
  if (!tok_) return;
  size_t end = s.text.size();
  if (!final) {
    // Hold back a suffix that could be the start of a stop string.
    size_t hold = 0;
    for (const std::string& stop : s.req.stop_strings) {
      for (size_t k = std::min(stop.size() - 1, s.text.size()); k > hold; --k) {
        if (s.text.compare(s.text.size() - k, k, stop, 0, k) == 0) {
          hold = k;
          break;
        }
      }
    }
    end -= hold;
    if (end < s.emitted) end = s.emitted;
    end = s.emitted + complete_utf8(s.text, s.emitted, end);
  }
  out.append(s.text, s.emitted, end - s.emitted);
  s.emitted = end;
}

void BatchGenerator::advance(int slot, const float* logits, SequenceUpdate& u) {
  Sequence& s = *slots_[slot];
  const int32_t tok = s.chain.sample(logits, engine_.config().vocab_size);
  s.chain.accept(tok);
  s.pending = tok;
  ++s.generated;
  u.id = s.id;
  u.tokens.push_back(tok);
  const bool is_stop =
      std::find(s.req.stop_tokens.begin(), s.req.stop_tokens.end(), tok) != s.req.stop_tokens.end();
  FinishReason finish = FinishReason::kNone;
  if (is_stop) {
    finish = FinishReason::kStop;
  } else {
    if (tok_) {
      s.text.append(tok_->token_bytes(uint32_t(tok)));
      // A stop string can only end in the new bytes; search from where it could start.
      size_t cut = std::string::npos;
      for (const std::string& stop : s.req.stop_strings) {
        size_t from = s.text.size() >= tok_->token_bytes(uint32_t(tok)).size() + stop.size()
                          ? s.text.size() - tok_->token_bytes(uint32_t(tok)).size() - stop.size() + 1
                          : 0;
        size_t at = s.text.find(stop, from);
        if (at != std::string::npos) cut = std::min(cut, at);
      }
      if (cut != std::string::npos) {
        s.text.resize(std::max(cut, s.emitted));
        finish = FinishReason::kStop;
      }
    }
    if (finish == FinishReason::kNone) {
      if (s.generated >= s.req.max_new_tokens || s.len + 1 >= max_len())
        finish = FinishReason::kLength;
    }
  }
  release_text(s, finish != FinishReason::kNone, u.text);
  u.finish = finish;
  u.prompt_tokens = int(s.req.prompt.size());
  u.completion_tokens = s.generated;
  if (finish != FinishReason::kNone) {
    slots_[slot].reset();
    --n_active_;
  }
}

std::vector<SequenceUpdate> BatchGenerator::step() {
  std::vector<SequenceUpdate> updates;
  const int V = engine_.config().vocab_size;
  // 1. One decode row for every sequence that has a sampled token to feed.
  std::vector<int32_t> tokens;
  std::vector<int> slot_ids, positions;
  for (int i = 0; i < int(slots_.size()); ++i) {
    if (slots_[i] && slots_[i]->prefilled) {
      tokens.push_back(slots_[i]->pending);
      slot_ids.push_back(i);
      positions.push_back(slots_[i]->len);
    }
  }
  if (!tokens.empty()) {
    engine_.decode(tokens.data(), slot_ids.data(), positions.data(), int(tokens.size()),
                   logits_.data());
    decoded_tokens_ += int64_t(tokens.size());
    for (size_t r = 0; r < tokens.size(); ++r) {
      ++slots_[slot_ids[r]]->len;
      SequenceUpdate u;
      advance(slot_ids[r], logits_.data() + r * size_t(V), u);
      updates.push_back(std::move(u));
    }
  }
  // 2. Prefill the new sequences (one forward over each prompt's rows).
  for (int i = 0; i < int(slots_.size()); ++i) {
    if (!slots_[i] || slots_[i]->prefilled) continue;
    Sequence& s = *slots_[i];
    engine_.prefill(i, s.req.prompt.data(), int(s.req.prompt.size()), 0, logits_.data());
    prefill_tokens_ += int64_t(s.req.prompt.size());
    s.len = int(s.req.prompt.size());
    s.prefilled = true;
    SequenceUpdate u;
    advance(i, logits_.data(), u);
    updates.push_back(std::move(u));
  }
  return updates;
}

std::vector<int32_t> generate_tokens(const Model& model, const std::vector<int32_t>& prompt,
                                     const SamplerSettings& sampling, int max_new_tokens,
                                     const std::vector<int32_t>& stop_tokens,
                                     const std::function<bool(const std::vector<int32_t>&)>& keep_going) {
  std::vector<int32_t> out;
  if (max_new_tokens <= 0) return out;
  BatchGenerator gen(model, nullptr, 1);
  GenerationRequest r;
  r.prompt = prompt;
  r.sampling = sampling;
  r.max_new_tokens = max_new_tokens;
  r.stop_tokens = stop_tokens;
  const int id = gen.add(std::move(r));
  while (gen.active() > 0) {
    for (const SequenceUpdate& u : gen.step()) {
      out.insert(out.end(), u.tokens.begin(), u.tokens.end());
      const bool go_on = !keep_going || keep_going(out);  // sees the last token too
      if (u.finish == FinishReason::kNone && !go_on) gen.cancel(id);
    }
  }
  return out;
}

}  // namespace llmforge
