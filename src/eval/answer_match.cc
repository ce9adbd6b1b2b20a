#include "eval/answer_match.h"

namespace llmforge {

namespace {

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_word(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
bool is_punct(unsigned char c) {
  return c > ' ' && c < 0x7f && !is_word(c);
}

// UTF-8 characters that separate words like ASCII punctuation does: U+00A0 (no-break
// space) and the General Punctuation block U+2000..U+206F (dashes, curly quotes, ...).
size_t separator_len_at(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return (unsigned char)s[k]; };
  if (i + 1 < s.size() && b(i) == 0xC2 && b(i + 1) == 0xA0) return 2;
  if (i + 2 < s.size() && b(i) == 0xE2 && (b(i + 1) == 0x80 || b(i + 1) == 0x81)) return 3;
  return 0;
}
bool separator_ends_at(std::string_view s, size_t end) {  // a separator occupies [.., end)
  return (end >= 2 && separator_len_at(s, end - 2) == 2) ||
         (end >= 3 && separator_len_at(s, end - 3) == 3);
}
bool word_before(std::string_view s, size_t at) {
  return at > 0 && is_word(s[at - 1]) && !separator_ends_at(s, at);
}
bool word_after(std::string_view s, size_t end) {
  return end < s.size() && is_word(s[end]) && separator_len_at(s, end) == 0;
}

}  // namespace

std::string normalize_reply_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (unsigned char c : s) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : char(c));
  }
  return out;
}

std::string normalize_answer_text(std::string_view s) {
  std::string out = normalize_reply_text(s);
  size_t b = 0, e = out.size();
  while (b < e && (is_punct(out[b]) || out[b] == ' ')) ++b;
  while (e > b && (is_punct(out[e - 1]) || out[e - 1] == ' ')) --e;
  return out.substr(b, e - b);
}

bool answer_matches(std::string_view reply, std::string_view answer) {
  const std::string a = normalize_answer_text(answer);
  if (a.empty()) return false;
  const std::string r = normalize_reply_text(reply);
  for (size_t at = r.find(a); at != std::string::npos; at = r.find(a, at + 1)) {
    if (!word_before(r, at) && !word_after(r, at + a.size())) return true;
  }
  return false;
}

bool all_answers_match(std::string_view reply, const std::vector<std::string>& expected) {
  if (expected.empty()) return false;
  for (const std::string& e : expected)
    if (!answer_matches(reply, e)) return false;
  return true;
}

}  // namespace llmforge
