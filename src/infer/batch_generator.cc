#include "infer/batch_generator.h"

#include <algorithm>
#include <cmath>
#include <tuple>

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

// log softmax(logits / T)[tok] in double; T <= 0 (greedy) counts as 1.
float token_logprob(const float* logits, int vocab, int32_t tok, double temperature) {
  const double inv_t = temperature > 0 ? 1.0 / temperature : 1.0;
  double mx = -INFINITY;
  for (int j = 0; j < vocab; ++j) mx = std::max(mx, double(logits[j]) * inv_t);
  double sum = 0;
  for (int j = 0; j < vocab; ++j) sum += std::exp(double(logits[j]) * inv_t - mx);
  return float(double(logits[tok]) * inv_t - mx - std::log(sum));
}

// log softmax(logits)[token] and the softmax's entropy, in double (V terms).
std::pair<float, float> token_logprob_entropy(const float* logits, int V, int32_t token) {
  double max = logits[0];
  for (int i = 1; i < V; ++i) max = std::max(max, double(logits[i]));
  double z = 0, weighted = 0;
  for (int i = 0; i < V; ++i) {
    const double d = double(logits[i]) - max, e = std::exp(d);
    z += e;
    weighted += e * d;
  }
  const double log_z = std::log(z);
  // H = -sum p log p, with log p = d - log z: H = log z - sum(e d) / z.
  return {float(double(logits[token]) - max - log_z), float(log_z - weighted / z)};
}

}  // namespace

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kToolCall: return "tool_calls";
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

void BatchGenerator::resume(int id, const std::vector<int32_t>& tokens) {
  const int V = engine_.config().vocab_size;
  for (auto& s : slots_) {
    if (!s || s->id != id) continue;
    if (!s->paused) ErrorBuilder("generate") << "sequence " << id << " is not paused at a tool call";
    for (int32_t t : tokens) {
      if (t < 0 || t >= V) ErrorBuilder("generate") << "resume token " << t << " is outside the vocabulary [0, " << V << ")";
    }
    s->paused = false;
    s->resumed = true;
    s->append = tokens;
    return;
  }
  ErrorBuilder("generate") << "no sequence " << id << " to resume";
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

BatchGenerator::Drawn BatchGenerator::draw(Sequence& s, const float* logits) {
  const int V = engine_.config().vocab_size;
  Drawn d;
  d.token = s.chain.sample(logits, V);
  s.chain.accept(d.token);
  if (s.req.logprobs) d.logprob = token_logprob(logits, V, d.token, s.req.sampling.temperature);
  if (s.req.confidence) std::tie(d.model_logprob, d.entropy) = token_logprob_entropy(logits, V, d.token);
  return d;
}

void BatchGenerator::advance(int slot, const Drawn& d, SequenceUpdate& u) {
  Sequence& s = *slots_[slot];
  const int32_t tok = d.token;
  if (s.req.logprobs) u.logprobs.push_back(d.logprob);
  s.pending = tok;
  ++s.generated;
  u.id = s.id;
  u.tokens.push_back(tok);
  if (s.req.confidence) {
    u.model_logprobs.push_back(d.model_logprob);
    u.entropies.push_back(d.entropy);
  }
  const bool is_stop =
      std::find(s.req.stop_tokens.begin(), s.req.stop_tokens.end(), tok) != s.req.stop_tokens.end();
  const bool is_pause = std::find(s.req.pause_tokens.begin(), s.req.pause_tokens.end(), tok) !=
                        s.req.pause_tokens.end();
  FinishReason finish = FinishReason::kNone;
  if (is_stop) {
    finish = FinishReason::kStop;
  } else if (is_pause && s.len + 1 < max_len()) {
    finish = FinishReason::kToolCall;
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
  if (finish == FinishReason::kToolCall) {
    s.paused = true;
  } else if (finish != FinishReason::kNone) {
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
    if (slots_[i] && slots_[i]->prefilled && !slots_[i]->paused && !slots_[i]->resumed) {
      tokens.push_back(slots_[i]->pending);
      slot_ids.push_back(i);
      positions.push_back(slots_[i]->len);
    }
  }
  if (!tokens.empty()) {
    engine_.decode(tokens.data(), slot_ids.data(), positions.data(), int(tokens.size()),
                   logits_.data());
    decoded_tokens_ += int64_t(tokens.size());
    // Drawing from a 2048-token vocabulary costs a fair share of a small model's
    // decode step; serial, it kept two threads at 2.7x one-at-a-time decoding where
    // one thread reached 3.8x (bench/RESULTS.md). Each row draws with its own
    // sequence's sampler, so the tokens are the same on any thread count.
    const int n = int(tokens.size());
    std::vector<Drawn> drawn(static_cast<size_t>(n));
#pragma omp parallel for schedule(dynamic, 4) if (n >= 8)
    for (int r = 0; r < n; ++r) {
      drawn[size_t(r)] = draw(*slots_[slot_ids[size_t(r)]], logits_.data() + size_t(r) * V);
    }
    for (int r = 0; r < n; ++r) {
      ++slots_[slot_ids[size_t(r)]]->len;
      SequenceUpdate u;
      advance(slot_ids[size_t(r)], drawn[size_t(r)], u);
      updates.push_back(std::move(u));
    }
  }
  // 2. Resumed sequences: the pause token and the tool's result go into the cache
  // after what is there, as a prefill from the current length.
  for (int i = 0; i < int(slots_.size()); ++i) {
    if (!slots_[i] || !slots_[i]->resumed) continue;
    Sequence& s = *slots_[i];
    std::vector<int32_t> rows = {s.pending};
    rows.insert(rows.end(), s.append.begin(), s.append.end());
    s.resumed = false;
    s.append.clear();
    SequenceUpdate u;
    u.id = s.id;
    u.prompt_tokens = int(s.req.prompt.size());
    u.completion_tokens = s.generated;
    if (s.len + int(rows.size()) >= max_len()) {  // no room left to sample after them
      u.finish = FinishReason::kLength;
      slots_[i].reset();
      --n_active_;
      updates.push_back(std::move(u));
      continue;
    }
    engine_.prefill(i, rows.data(), int(rows.size()), s.len, logits_.data());
    prefill_tokens_ += int64_t(rows.size());
    s.len += int(rows.size());
    advance(i, draw(s, logits_.data()), u);
    updates.push_back(std::move(u));
  }
  // 3. Prefill the new sequences (one forward over each prompt's rows).
  for (int i = 0; i < int(slots_.size()); ++i) {
    if (!slots_[i] || slots_[i]->prefilled) continue;
    Sequence& s = *slots_[i];
    engine_.prefill(i, s.req.prompt.data(), int(s.req.prompt.size()), 0, logits_.data());
    prefill_tokens_ += int64_t(s.req.prompt.size());
    s.len = int(s.req.prompt.size());
    s.prefilled = true;
    SequenceUpdate u;
    advance(i, draw(s, logits_.data()), u);
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
