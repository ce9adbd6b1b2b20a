// Test corpora; see test_corpus.h.
#include "test_corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmforge::test {
namespace {

namespace fs = std::filesystem;

struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

void put_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 63));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 63));
    *out += static_cast<char>(0x80 | (cp & 63));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 63));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 63));
    *out += static_cast<char>(0x80 | (cp & 63));
  }
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = s[i];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 31) : n == 3 ? (c & 15) : (c & 7);
    for (int k = 1; k < n; ++k) {
      if ((uint8_t(s[i + k]) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (uint8_t(s[i + k]) & 63);
    }
    static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

std::vector<std::string> list_files(const std::vector<std::string>& roots, bool recursive,
                                     const std::string& suffix, const std::string& name) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const std::string& root : roots) {
    if (!fs::exists(root, ec)) continue;
    auto consider = [&](const fs::directory_entry& e) {
      if (!e.is_regular_file(ec)) return;
      std::string p = e.path().string();
      if (!suffix.empty() && (p.size() < suffix.size() || p.compare(p.size() - suffix.size(), suffix.size(), suffix) != 0))
        return;
      if (!name.empty() && e.path().filename() != name) return;
      files.push_back(p);
    };
    if (recursive) {
      for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        consider(*it);
      }
    } else {
      for (const auto& e : fs::directory_iterator(root, ec)) consider(e);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Reads whole files in a seeded order until `target_bytes`, cutting each at 64 KB.
std::vector<std::string> from_files(std::vector<std::string> files, size_t target_bytes, SplitMix* rng) {
  for (size_t i = files.size(); i > 1; --i) std::swap(files[i - 1], files[rng->below(i)]);
  std::vector<std::string> docs;
  size_t total = 0;
  for (size_t round = 0; total < target_bytes && !files.empty() && round < 1000; ++round) {
    for (const std::string& f : files) {
      if (total >= target_bytes) break;
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string s = ss.str().substr(0, 64 * 1024);
      if (s.empty() || !valid_utf8(s)) continue;
      total += s.size();
      docs.push_back(std::move(s));
    }
  }
  return docs;
}

// Code point ranges to sample, by theme.
struct Range {
  uint32_t lo, hi;
};
const std::vector<Range> kCjk = {{0x4E00, 0x9FFF}, {0x3400, 0x4DBF}, {0x3040, 0x30FF}, {0xAC00, 0xD7A3}};
const std::vector<Range> kEmoji = {{0x1F300, 0x1F5FF}, {0x1F600, 0x1F64F}, {0x1F680, 0x1F6FF},
                                   {0x1F900, 0x1F9FF}, {0x2600, 0x27BF}};
const std::vector<Range> kMarks = {{0x0300, 0x036F}, {0x0591, 0x05C7}, {0x0610, 0x061A},
                                   {0x064B, 0x065F}, {0x0900, 0x097F}, {0x0E00, 0x0E7F},
                                   {0x1AB0, 0x1AFF}, {0x20D0, 0x20FF}, {0xFE20, 0xFE2F}};
const std::vector<Range> kLetters = {{0x0041, 0x005A}, {0x0061, 0x007A}, {0x00C0, 0x024F},
                                     {0x0370, 0x03FF}, {0x0400, 0x04FF}, {0x0531, 0x058F},
                                     {0x05D0, 0x05EA}, {0x0620, 0x064A}, {0x10A0, 0x10FF},
                                     {0x1C90, 0x1CBF}, {0x01C4, 0x01CC}, {0x1F00, 0x1FFF},
                                     {0x02B0, 0x02FF}, {0x1D400, 0x1D7FF}, {0x10400, 0x1044F}};
const std::vector<Range> kNumbers = {{0x30, 0x39}, {0x0660, 0x0669}, {0x06F0, 0x06F9}, {0x0966, 0x096F},
                                     {0xFF10, 0xFF19}, {0x00B2, 0x00B3}, {0x00BC, 0x00BE},
                                     {0x2160, 0x2188}, {0x2460, 0x249B}, {0x1D7CE, 0x1D7FF}};
const std::vector<Range> kSpaces = {{0x09, 0x0D}, {0x20, 0x20}, {0x85, 0x85}, {0xA0, 0xA0},
                                    {0x1680, 0x1680}, {0x2000, 0x200A}, {0x2028, 0x2029},
                                    {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
                                    {0x200B, 0x200D}, {0x180E, 0x180E}, {0xFEFF, 0xFEFF}};
const std::vector<Range> kPunct = {{0x21, 0x2F}, {0x3A, 0x40}, {0x5B, 0x60}, {0x7B, 0x7E},
                                   {0x2010, 0x2027}, {0x3000, 0x303F}, {0xFF01, 0xFF0F}, {0x00A1, 0x00BF}};

uint32_t pick(const std::vector<Range>& ranges, SplitMix* rng) {
  const Range& r = ranges[rng->below(ranges.size())];
  return r.lo + static_cast<uint32_t>(rng->below(r.hi - r.lo + 1));
}

// Any scalar value, weighted towards the BMP (unassigned ones included).
uint32_t random_code_point(SplitMix* rng) {
  while (true) {
    uint32_t cp = rng->below(4) == 0 ? static_cast<uint32_t>(rng->below(0x110000))
                                     : static_cast<uint32_t>(rng->below(0x10000));
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    return cp;
  }
}

std::string synthetic_doc(SplitMix* rng) {
  static const char* kWords[] = {"the", "The", "THE", "don't", "DON'T", "we'll", "They'RE", "it's",
                                 "I'm", "you've", "he'd", "'s", "'S", "'ll", "McDonald", "iPhone",
                                 "HTTPServer", "camelCase", "snake_case", "naïve", "café",
                                 "Ǆemal", "ǅungla", "ΑΘΗΝΑ", "Москва", "ſtreet", "it'ſ", "https://x.org/a/b",
                                 "/usr/include", "C++", "x86_64", "3.14159", "1,000,000", "v2.0.1",
                                 "e.g.", "...", "!!!", "?!", "—", "“quoted”", "«guillemets»",
                                 "日本語", "中文", "한국어", "עִבְרִית", "العربية", "हिन्दी", "ไทย"};
  std::string s;
  size_t parts = 20 + rng->below(80);
  for (size_t i = 0; i < parts; ++i) {
    switch (rng->below(12)) {
      case 0:  // Chinese sentence
        for (size_t k = 0, n = 5 + rng->below(40); k < n; ++k) {
          put_utf8(pick(kCjk, rng), &s);
          if (rng->below(10) == 0) put_utf8(rng->below(2) ? 0xFF0C : 0x3002, &s);
        }
        break;
      case 1:  // emoji, with skin tones, ZWJ sequences, flags, variation selectors
        for (size_t k = 0, n = 1 + rng->below(6); k < n; ++k) {
          put_utf8(pick(kEmoji, rng), &s);
          size_t extra = rng->below(6);
          if (extra == 0) put_utf8(0x1F3FB + rng->below(5), &s);
          if (extra == 1) {
            put_utf8(0x200D, &s);
            put_utf8(pick(kEmoji, rng), &s);
          }
          if (extra == 2) {
            put_utf8(0x1F1E6 + rng->below(26), &s);
            put_utf8(0x1F1E6 + rng->below(26), &s);
          }
          if (extra == 3) put_utf8(0xFE0F, &s);
        }
        break;
      case 2:  // letters with combining marks
        for (size_t k = 0, n = 2 + rng->below(12); k < n; ++k) {
          put_utf8(rng->below(3) ? pick(kLetters, rng) : pick(kMarks, rng), &s);
          if (rng->below(3) == 0) put_utf8(pick(kMarks, rng), &s);
        }
        break;
      case 3:  // whitespace run, sometimes long
        for (size_t k = 0, n = rng->below(5) == 0 ? 50 + rng->below(2000) : 1 + rng->below(6); k < n; ++k)
          put_utf8(rng->below(3) ? uint32_t(" \n\t\r"[rng->below(4)]) : pick(kSpaces, rng), &s);
        break;
      case 4:  // digit run, sometimes long, sometimes other number classes
        for (size_t k = 0, n = rng->below(5) == 0 ? 20 + rng->below(3000) : 1 + rng->below(9); k < n; ++k)
          put_utf8(rng->below(4) ? uint32_t('0' + rng->below(10)) : pick(kNumbers, rng), &s);
        break;
      case 5:
        put_utf8(pick(kPunct, rng), &s);
        if (rng->below(2)) put_utf8(pick(kPunct, rng), &s);
        break;
      case 6:
      case 7:
      case 8:
        s += kWords[rng->below(sizeof(kWords) / sizeof(kWords[0]))];
        break;
      case 9:
        for (size_t k = 0, n = 1 + rng->below(8); k < n; ++k) put_utf8(random_code_point(rng), &s);
        break;
      case 10:  // mixed-case letters from many scripts (o200k's case split)
        for (size_t k = 0, n = 1 + rng->below(10); k < n; ++k) put_utf8(pick(kLetters, rng), &s);
        break;
      default:
        s += " \n\t\r  \n\n"[rng->below(8)];
        break;
    }
    if (rng->below(2)) s += ' ';
  }
  return s;
}

}  // namespace

std::vector<std::string> make_corpus(CorpusKind kind, size_t target_bytes, uint64_t seed) {
  SplitMix rng{seed * 0x2545F4914F6CDD1Dull + 17};
  std::vector<std::string> docs;
  if (kind == CorpusKind::kProse) {
    auto files = list_files({"/usr/share/common-licenses"}, false, "", "");
    auto copyrights = list_files({"/usr/share/doc"}, true, "", "copyright");
    files.insert(files.end(), copyrights.begin(), copyrights.end());
    docs = from_files(files, target_bytes, &rng);
  } else if (kind == CorpusKind::kCode) {
    docs = from_files(list_files({"/usr/include"}, true, ".h", ""), target_bytes, &rng);
  }
  // Synthetic text also fills in when a machine lacks the files above.
  size_t total = 0;
  for (const auto& d : docs) total += d.size();
  while (total < target_bytes) {
    docs.push_back(synthetic_doc(&rng));
    total += docs.back().size();
  }
  return docs;
}

std::vector<std::string> make_mixed_corpus(size_t target_bytes, uint64_t seed) {
  std::vector<std::string> all;
  for (CorpusKind k : {CorpusKind::kProse, CorpusKind::kCode, CorpusKind::kSynthetic}) {
    auto part = make_corpus(k, target_bytes / 3, seed + static_cast<uint64_t>(k));
    all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return all;
}

}  // namespace llmforge::test
