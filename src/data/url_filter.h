// URL filtering in the manner of FineWeb's URLFilter: a domain block list (a listed
// domain blocks itself and its subdomains), banned words (whole words of the URL),
// banned subwords (substrings of the URL with punctuation removed) and soft-banned
// words (the URL is blocked when it has `soft_ban_threshold` or more of them). All
// lists come from files the user gives, one entry a line, '#' starts a comment; no
// third-party list ships with llmforge. Read-only after construction: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace llmforge::data {

struct UrlFilterConfig {
  std::string domain_list_file;
  std::string banned_words_file;
  std::string banned_subwords_file;
  std::string soft_banned_words_file;
  int soft_ban_threshold = 2;
};

class UrlFilter {
 public:
  UrlFilter() = default;
  // Throws Error("data") naming the file when a list cannot be read.
  explicit UrlFilter(const UrlFilterConfig& config);

  void add_domain(std::string domain);
  void add_banned_word(std::string word);
  void add_banned_subword(std::string word);
  void add_soft_banned_word(std::string word);
  void set_soft_ban_threshold(int t) { soft_ban_threshold_ = t; }
  bool empty() const;

  // "" when the URL passes, else the reason: "blocked_domain", "banned_word",
  // "banned_subword" or "soft_banned_words".
  std::string check(std::string_view url) const;

 private:
  std::unordered_set<std::string> domains_;
  std::unordered_set<std::string> banned_words_;
  std::vector<std::string> banned_subwords_;
  std::unordered_set<std::string> soft_banned_words_;
  int soft_ban_threshold_ = 2;
};

// Lower-cased host of a URL without port, user info or a leading "www.".
std::string url_host(std::string_view url);

}  // namespace llmforge::data
