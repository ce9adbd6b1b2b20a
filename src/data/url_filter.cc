#include "data/url_filter.h"

#include <fstream>

#include "core/error.h"
#include "data/text_utils.h"

namespace llmforge::data {

namespace {
std::vector<std::string> read_list(const std::string& path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  std::ifstream f(path);
  if (!f) ErrorBuilder("data") << "cannot read URL filter list " << path;
  std::string line;
  while (std::getline(f, line)) {
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    std::string t = to_lower_ascii(trim(line));
    if (!t.empty()) out.push_back(t);
  }
  return out;
}
}  // namespace

std::string url_host(std::string_view url) {
  size_t p = url.find("://");
  std::string_view rest = p == std::string_view::npos ? url : url.substr(p + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, end);
  if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos)
    host = host.substr(0, colon);
  std::string h = to_lower_ascii(host);
  if (h.rfind("www.", 0) == 0) h.erase(0, 4);
  return h;
}

UrlFilter::UrlFilter(const UrlFilterConfig& c) {
  for (auto& d : read_list(c.domain_list_file)) add_domain(d);
  for (auto& w : read_list(c.banned_words_file)) add_banned_word(w);
  for (auto& w : read_list(c.banned_subwords_file)) add_banned_subword(w);
  for (auto& w : read_list(c.soft_banned_words_file)) add_soft_banned_word(w);
  soft_ban_threshold_ = c.soft_ban_threshold;
}

void UrlFilter::add_domain(std::string domain) {
  domain = to_lower_ascii(domain);
  if (domain.rfind("www.", 0) == 0) domain.erase(0, 4);
  domains_.insert(domain);
}
void UrlFilter::add_banned_word(std::string word) { banned_words_.insert(to_lower_ascii(word)); }
void UrlFilter::add_banned_subword(std::string word) {
  banned_subwords_.push_back(to_lower_ascii(word));
}
void UrlFilter::add_soft_banned_word(std::string word) {
  soft_banned_words_.insert(to_lower_ascii(word));
}

bool UrlFilter::empty() const {
  return domains_.empty() && banned_words_.empty() && banned_subwords_.empty() &&
         soft_banned_words_.empty();
}

std::string UrlFilter::check(std::string_view url) const {
  if (url.empty() || empty()) return {};
  if (!domains_.empty()) {
    std::string host = url_host(url);
    // The host and each parent domain: a.b.example.com, b.example.com, example.com, com.
    std::string_view h = host;
    for (;;) {
      if (domains_.count(std::string(h))) return "blocked_domain";
      size_t dot = h.find('.');
      if (dot == std::string_view::npos) break;
      h = h.substr(dot + 1);
    }
  }
  std::string lower = to_lower_ascii(url);
  if (!banned_words_.empty() || !soft_banned_words_.empty()) {
    int soft = 0;
    size_t i = 0;
    while (i < lower.size()) {
      while (i < lower.size() && !std::isalnum(static_cast<unsigned char>(lower[i]))) ++i;
      size_t s = i;
      while (i < lower.size() && std::isalnum(static_cast<unsigned char>(lower[i]))) ++i;
      if (i == s) continue;
      std::string w = lower.substr(s, i - s);
      if (banned_words_.count(w)) return "banned_word";
      soft += static_cast<int>(soft_banned_words_.count(w));
    }
    if (!soft_banned_words_.empty() && soft >= soft_ban_threshold_) return "soft_banned_words";
  }
  if (!banned_subwords_.empty()) {
    std::string compact;
    for (char ch : lower)
      if (std::isalnum(static_cast<unsigned char>(ch))) compact.push_back(ch);
    for (const auto& w : banned_subwords_)
      if (compact.find(w) != std::string::npos) return "banned_subword";
  }
  return {};
}

}  // namespace llmforge::data
