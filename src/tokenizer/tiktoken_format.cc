// tiktoken rank files and the npm package's encoder JSON; see tiktoken_format.h.
#include "tokenizer/tiktoken_format.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct BuiltinInfo {
  const char* name;
  SplitPattern pattern;
  std::vector<std::pair<std::string, uint32_t>> special_tokens;
};

const std::vector<BuiltinInfo>& builtins() {
  static const std::vector<BuiltinInfo> kInfo = {
      {"gpt2", SplitPattern::kGpt2, {{"<|endoftext|>", 50256}}},
      {"r50k_base", SplitPattern::kGpt2, {{"<|endoftext|>", 50256}}},
      {"p50k_base", SplitPattern::kGpt2, {{"<|endoftext|>", 50256}}},
      {"cl100k_base",
       SplitPattern::kCl100k,
       {{"<|endoftext|>", 100257},
        {"<|fim_prefix|>", 100258},
        {"<|fim_middle|>", 100259},
        {"<|fim_suffix|>", 100260},
        {"<|endofprompt|>", 100276}}},
      {"o200k_base", SplitPattern::kO200k, {{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}}},
  };
  return kInfo;
}

const BuiltinInfo* builtin(const std::string& name) {
  for (const auto& b : builtins()) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

std::vector<std::string> search_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("LLMFORGE_TIKTOKEN_DIR"); env && *env) dirs.push_back(env);
#ifdef LLMFORGE_TOKENIZER_NPM_DIR
  dirs.push_back(LLMFORGE_TOKENIZER_NPM_DIR);
#endif
  dirs.push_back("tests/reference/node_modules/tiktoken/encoders");
  return dirs;
}

// Parses "<base64> <rank>" lines into `vocab`.
}  // namespace

uint32_t checked_token_id(uint64_t v, const std::string& where) {
  if (v > kMaxTokenId)
    ErrorBuilder("tokenizer") << where << ": id " << v << " is outside 0.." << kMaxTokenId;
  return uint32_t(v);
}

uint32_t checked_token_id(const nlohmann::json& v, const std::string& where) {
  if (v.is_number_unsigned()) return checked_token_id(v.get<uint64_t>(), where);
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return checked_token_id(uint64_t(v.get<int64_t>()), where);
  ErrorBuilder("tokenizer") << where << ": id " << v.dump() << " is not an integer in 0.."
                            << kMaxTokenId;
}

namespace {

void parse_rank_lines(std::string_view text, const std::string& path, BpeVocab* vocab) {
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos)
      ErrorBuilder("tokenizer") << path << ":" << line_no
                                      << ": expected '<base64 token> <rank>', got '" << line << "'";
    std::string_view rank_text = line.substr(sp + 1);
    uint64_t rank = 0;
    if (rank_text.empty() || rank_text.size() > 10)
      ErrorBuilder("tokenizer") << path << ":" << line_no << ": bad rank '" << rank_text << "'";
    for (char c : rank_text) {
      if (c < '0' || c > '9')
        ErrorBuilder("tokenizer") << path << ":" << line_no << ": bad rank '" << rank_text << "'";
      rank = rank * 10 + (c - '0');
    }
    try {
      vocab->add_token(checked_token_id(rank, "rank"), base64_decode(line.substr(0, sp)));
    } catch (const Error& e) {
      ErrorBuilder("tokenizer") << path << ":" << line_no << ": " << e.what();
    }
  }
}

Tokenizer finish(std::string name, SplitPattern pattern, std::shared_ptr<BpeVocab> vocab,
                 std::vector<std::pair<std::string, uint32_t>> specials) {
  vocab->build_merges_from_ranks();
  vocab->finalize(/*whole_piece_lookup=*/true);
  return Tokenizer({std::move(name), pattern, std::move(vocab), std::move(specials)});
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (size_t rest = bytes.size() - i) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  static const auto kValue = [] {
    std::array<int8_t, 256> v;
    v.fill(-1);
    for (int i = 0; i < 64; ++i) v[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
    return v;
  }();
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    int v = kValue[static_cast<uint8_t>(c)];
    if (v < 0) ErrorBuilder("tokenizer") << "'" << text << "' is not base64";
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

const std::vector<std::string>& builtin_encoding_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& b : builtins()) names.push_back(b.name);
    return names;
  }();
  return kNames;
}

std::string find_builtin_encoding(const std::string& name) {
  std::string tried;
  for (const std::string& dir : search_dirs()) {
    for (const char* ext : {".json", ".tiktoken"}) {
      fs::path p = fs::path(dir) / (name + ext);
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) return p.string();
    }
    tried += "\n  " + dir;
  }
  ErrorBuilder("tokenizer")
      << "built-in encoding " << name << " not found; looked for " << name << ".json and " << name
      << ".tiktoken in:" << tried
      << "\nRun scripts/npm-deps.sh (installs the npm package tiktoken into tests/reference), or "
         "set LLMFORGE_TIKTOKEN_DIR to a folder holding those files.";
}

Tokenizer load_npm_encoding_json(const std::string& path, const std::string& name) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    ErrorBuilder("tokenizer") << path << " is not valid JSON: " << e.what();
  }
  if (!j.contains("pat_str") || !j.contains("bpe_ranks") || !j.contains("special_tokens"))
    ErrorBuilder("tokenizer") << path
                                    << " lacks pat_str, bpe_ranks or special_tokens (npm tiktoken encoder format)";
  std::string pat = j["pat_str"].get<std::string>();
  auto pattern = split_pattern_from_regex(pat);
  if (!pattern)
    ErrorBuilder("tokenizer") << path << ": unsupported split pattern " << pat;
  // bpe_ranks: runs of "! <first rank> <base64 token> <base64 token> ...", consecutive ranks.
  std::string ranks = j["bpe_ranks"].get<std::string>();
  auto vocab = std::make_shared<BpeVocab>();
  std::string_view rest = ranks;
  auto next_word = [&]() {
    size_t sp = rest.find_first_of(" \n");
    std::string_view w = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    return w;
  };
  if (next_word() != "!")
    ErrorBuilder("tokenizer") << path << ": bpe_ranks does not start with '! <offset>'";
  auto rank_at = [&](std::string_view w) {
    uint64_t v = 0;
    auto r = std::from_chars(w.data(), w.data() + w.size(), v);
    if (r.ec != std::errc() || r.ptr != w.data() + w.size())
      ErrorBuilder("tokenizer") << path << ": bpe_ranks offset '" << w << "' is not a number";
    return checked_token_id(v, path + ": bpe_ranks offset");
  };
  uint32_t rank = rank_at(next_word());
  while (!rest.empty()) {
    std::string_view w = next_word();
    if (w.empty()) continue;
    if (w == "!") {  // a new run of consecutive ranks
      rank = rank_at(next_word());
      continue;
    }
    vocab->add_token(checked_token_id(uint64_t(rank++), path + ": bpe_ranks"), base64_decode(w));
  }
  std::vector<std::pair<std::string, uint32_t>> specials;
  for (auto& [k, v] : j["special_tokens"].items())
    specials.emplace_back(k, checked_token_id(v, path + ": special token " + k));
  return finish(name, *pattern, std::move(vocab), std::move(specials));
}

Tokenizer load_tiktoken_file(const std::string& path) {
  auto vocab = std::make_shared<BpeVocab>();
  parse_rank_lines(read_file(path), path, vocab.get());
  std::string name = fs::path(path).stem().string();
  std::string sidecar = path + ".json";
  std::error_code ec;
  if (fs::is_regular_file(sidecar, ec)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(sidecar));
      std::string pat = j.at("pat_str").get<std::string>();
      auto pattern = split_pattern_from_regex(pat);
      if (!pattern) ErrorBuilder("tokenizer") << sidecar << ": unsupported split pattern " << pat;
      std::vector<std::pair<std::string, uint32_t>> specials;
      for (auto& [k, v] : j.at("special_tokens").items())
        specials.emplace_back(k, checked_token_id(v, sidecar + ": special token " + k));
      if (j.contains("name")) name = j["name"].get<std::string>();
      return finish(name, *pattern, std::move(vocab), std::move(specials));
    } catch (const nlohmann::json::exception& e) {
      ErrorBuilder("tokenizer") << sidecar << ": " << e.what();
    }
  }
  if (const BuiltinInfo* b = builtin(name)) return finish(name, b->pattern, std::move(vocab), b->special_tokens);
  LLMF_LOG(Warn) << "[tokenizer] " << path << " has no sidecar " << sidecar
                 << "; using the cl100k split pattern and no special tokens";
  return finish(name, SplitPattern::kCl100k, std::move(vocab), {});
}

void write_tiktoken_file(const Tokenizer& tokenizer, const std::string& path) {
  const BpeVocab& vocab = tokenizer.vocab();
  std::string out;
  out.reserve(vocab.size() * 16);
  for (uint32_t id = 0; id < vocab.id_limit(); ++id) {
    if (!vocab.has(id)) continue;
    out += base64_encode(vocab.bytes(id));
    out += ' ';
    out += std::to_string(id);
    out += '\n';
  }
  nlohmann::ordered_json side;
  side["name"] = tokenizer.name();
  side["pat_str"] = split_pattern_regex(tokenizer.pattern());
  side["special_tokens"] = nlohmann::ordered_json::object();
  auto specials = tokenizer.special_tokens();
  std::sort(specials.begin(), specials.end(), [](auto& a, auto& b) { return a.second < b.second; });
  for (const auto& [text, id] : specials) side["special_tokens"][text] = id;
  side["explicit_n_vocab"] = tokenizer.vocab_size();
  write_file_atomic(path + ".json", side.dump(2) + "\n");
  write_file_atomic(path, out);
}

}  // namespace llmforge
