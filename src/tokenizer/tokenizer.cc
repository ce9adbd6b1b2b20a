// Tokenizer: special-token handling around the pre-tokenizer and BPE; see tokenizer.h.
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "core/error.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/unicode.h"

namespace llmforge {

Tokenizer::Tokenizer(Spec spec)
    : name_(std::move(spec.name)),
      pattern_(spec.pattern),
      vocab_(std::move(spec.vocab)),
      special_tokens_(std::move(spec.special_tokens)) {
  LLMF_CHECK(vocab_ != nullptr);
  vocab_size_ = vocab_->id_limit();
  for (const auto& [text, id] : special_tokens_) {
    if (text.empty()) throw Error("tokenizer", "a special token is the empty string");
    if (vocab_->has(id))
      ErrorBuilder("tokenizer") << "special token " << text << " has id " << id
                                      << ", which is already the ordinary token '"
                                      << vocab_->bytes(id) << "'";
    vocab_size_ = std::max(vocab_size_, id + 1);
    special_first_byte_[static_cast<uint8_t>(text[0])] = true;
  }
  // Longest first, so that when one special token is a prefix of another the longer wins.
  std::stable_sort(special_tokens_.begin(), special_tokens_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void Tokenizer::encode_ordinary_into(std::string_view text, std::vector<uint32_t>* out) const {
  const BpeVocab& vocab = *vocab_;
  for_each_piece(pattern_, text, [&](std::string_view piece) { vocab.encode_piece(piece, out); });
}

std::vector<uint32_t> Tokenizer::encode_ordinary(std::string_view text) const {
  std::vector<uint32_t> out;
  out.reserve(text.size() / 3 + 4);
  encode_ordinary_into(text, &out);
  return out;
}

std::pair<size_t, uint32_t> Tokenizer::find_special(std::string_view text, size_t from) const {
  for (size_t i = from; i < text.size(); ++i) {
    if (!special_first_byte_[static_cast<uint8_t>(text[i])]) continue;
    for (size_t k = 0; k < special_tokens_.size(); ++k) {
      const std::string& s = special_tokens_[k].first;
      if (text.compare(i, s.size(), s) == 0) return {i, static_cast<uint32_t>(k)};
    }
  }
  return {std::string_view::npos, 0};
}

std::vector<uint32_t> Tokenizer::encode(std::string_view text, const AllowedSpecial& allowed) const {
  if (special_tokens_.empty() ||
      (allowed.mode == AllowedSpecial::Mode::kNone && !allowed.error_on_disallowed))
    return encode_ordinary(text);
  for (const std::string& s : allowed.listed) {
    if (!special_token_id(s))
      ErrorBuilder("tokenizer") << "allowed special token '" << s
                                      << "' is not a special token of " << name_;
  }
  std::vector<uint32_t> out;
  out.reserve(text.size() / 3 + 4);
  size_t segment = 0, from = 0;
  while (true) {
    auto [at, k] = find_special(text, from);
    if (at == std::string_view::npos) break;
    const auto& [token, id] = special_tokens_[k];
    bool ok = allowed.mode == AllowedSpecial::Mode::kAll ||
              (allowed.mode == AllowedSpecial::Mode::kListed &&
               std::find(allowed.listed.begin(), allowed.listed.end(), token) !=
                   allowed.listed.end());
    if (ok) {
      encode_ordinary_into(text.substr(segment, at - segment), &out);
      out.push_back(id);
      segment = from = at + token.size();
    } else if (allowed.error_on_disallowed) {
      ErrorBuilder("tokenizer")
          << "the text contains the special token " << token << " at byte " << at
          << ", which this call does not allow; allow it (AllowedSpecial::all(), "
             "--allow-special) to encode it as one token, or encode it as plain text "
             "(AllowedSpecial::as_text(), --special-as-text)";
    } else {
      from = at + 1;
    }
  }
  encode_ordinary_into(text.substr(segment), &out);
  return out;
}

std::vector<std::vector<uint32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                           int n_threads,
                                                           const AllowedSpecial& allowed) const {
  std::vector<std::vector<uint32_t>> out(texts.size());
  if (n_threads <= 0) n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  n_threads = static_cast<int>(std::min<size_t>(n_threads, std::max<size_t>(1, texts.size())));
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    try {
      for (size_t i; !failed && (i = next.fetch_add(1)) < texts.size();) out[i] = encode(texts[i], allowed);
    } catch (...) {
      if (!failed.exchange(true)) failure = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < n_threads; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

std::string_view Tokenizer::token_bytes(uint32_t id) const {
  if (vocab_->has(id)) return vocab_->bytes(id);
  for (const auto& [text, sid] : special_tokens_) {
    if (sid == id) return text;
  }
  ErrorBuilder("tokenizer") << "token id " << id << " is not in the vocabulary of " << name_
                                  << " (size " << vocab_size_ << ")";
}

std::string Tokenizer::decode(const std::vector<uint32_t>& ids) const {
  std::string out;
  out.reserve(ids.size() * 4);
  for (uint32_t id : ids) {
    if (vocab_->has(id)) {
      out.append(vocab_->bytes(id));
    } else {
      out.append(token_bytes(id));
    }
  }
  return out;
}

std::string Tokenizer::decode_text(const std::vector<uint32_t>& ids) const {
  return utf8_with_replacements(decode(ids));
}

std::optional<uint32_t> Tokenizer::special_token_id(std::string_view token) const {
  for (const auto& [text, id] : special_tokens_) {
    if (text == token) return id;
  }
  return std::nullopt;
}

bool Tokenizer::is_special(uint32_t id) const {
  if (vocab_->has(id)) return false;
  for (const auto& [text, sid] : special_tokens_) {
    if (sid == id) return true;
  }
  return false;
}

uint32_t Tokenizer::bos_id() const {
  if (auto id = special_token_id(special::kBos)) return *id;
  if (auto id = special_token_id(special::kEndOfText)) return *id;
  ErrorBuilder("tokenizer") << "tokenizer " << name_ << " has no begin-of-sequence token: "
                                  << "neither " << special::kBos << " nor " << special::kEndOfText
                                  << " is among its " << special_tokens_.size()
                                  << " special tokens";
}

}  // namespace llmforge
