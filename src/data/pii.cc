#include "data/pii.h"

#include <cctype>
#include <cstring>

namespace llmforge::data {

namespace {

bool is_local_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._%+-", c) != nullptr;
}
bool is_domain_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

// Tries to match an e-mail address around the '@' at `at`. On success sets [b, e).
bool match_email(const std::string& s, size_t at, size_t& b, size_t& e) {
  size_t l = at;
  while (l > 0 && is_local_char(s[l - 1])) --l;
  while (l < at && s[l] == '.') ++l;  // local part can't start with a dot
  if (l == at) return false;
  size_t r = at + 1;
  while (r < s.size() && is_domain_char(s[r])) ++r;
  while (r > at + 1 && (s[r - 1] == '.' || s[r - 1] == '-')) --r;  // trailing punctuation
  std::string_view domain(s.data() + at + 1, r - at - 1);
  size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string_view tld = domain.substr(dot + 1);
  if (tld.size() < 2) return false;
  for (char c : tld)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  b = l;
  e = r;
  return true;
}

// Parses a dotted quad at `p` with no digit or dot glued to either side.
bool match_ipv4(const std::string& s, size_t p, size_t& e, unsigned v[4]) {
  if (p > 0 && (std::isalnum(static_cast<unsigned char>(s[p - 1])) || s[p - 1] == '.')) return false;
  size_t i = p;
  for (int k = 0; k < 4; ++k) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    unsigned n = 0;
    int digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && digits < 4) {
      n = n * 10 + (s[i] - '0');
      ++i;
      ++digits;
    }
    if (digits > 3 || n > 255) return false;
    v[k] = n;
    if (k < 3) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  if (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) ||
                       (s[i] == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))))
    return false;
  e = i;
  return true;
}

}  // namespace

bool is_public_ipv4(unsigned a, unsigned b, unsigned c, unsigned d) {
  (void)d;
  if (a == 0 || a == 10 || a == 127 || a >= 224) return false;
  if (a == 100 && b >= 64 && b <= 127) return false;  // carrier-grade NAT
  if (a == 169 && b == 254) return false;
  if (a == 172 && b >= 16 && b <= 31) return false;
  if (a == 192 && b == 168) return false;
  if (a == 192 && b == 0 && (c == 0 || c == 2)) return false;
  if (a == 198 && (b == 18 || b == 19)) return false;
  if (a == 198 && b == 51 && c == 100) return false;
  if (a == 203 && b == 0 && c == 113) return false;
  return true;
}

PiiCounts mask_pii(std::string& text, const PiiConfig& config) {
  PiiCounts counts;
  if (!config.enabled) return counts;
  if (text.find('@') == std::string::npos && text.find('.') == std::string::npos) return counts;
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;  // text[copied, i) not yet appended
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '@') {
      size_t b, e;
      if (match_email(text, i, b, e) && b >= copied) {
        out.append(text, copied, b - copied);
        out += config.email_placeholder;
        copied = i = e;
        ++counts.emails;
        continue;
      }
    } else if (c >= '0' && c <= '9' && (i == 0 || !std::isdigit(static_cast<unsigned char>(text[i - 1])))) {
      size_t e;
      unsigned v[4];
      if (match_ipv4(text, i, e, v)) {
        if (is_public_ipv4(v[0], v[1], v[2], v[3])) {
          out.append(text, copied, i - copied);
          out += config.ip_placeholder;
          copied = e;
          ++counts.ips;
        }
        i = e;
        continue;
      }
    }
    ++i;
  }
  if (counts.emails == 0 && counts.ips == 0) return counts;
  out.append(text, copied, std::string::npos);
  text.swap(out);
  return counts;
}

}  // namespace llmforge::data
