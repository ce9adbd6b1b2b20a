// tokenizer.json reading and writing; see hf_format.h.
#include "tokenizer/hf_format.h"
#include "tokenizer/tiktoken_format.h"

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"

namespace llmforge {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest
// map to U+0100 upwards, so every token is a printable string.
const std::array<uint32_t, 256>& byte_to_char() {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      t[b] = printable ? b : next++;
    }
    return t;
  }();
  return kTable;
}

void append_utf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 63));
  } else {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 63));
    *out += static_cast<char>(0x80 | (cp & 63));
  }
}

std::string bytes_to_hf(std::string_view bytes) {
  std::string out;
  for (char c : bytes) append_utf8(byte_to_char()[static_cast<uint8_t>(c)], &out);
  return out;
}

// Inverse of bytes_to_hf; false when `text` has a character outside the alphabet.
bool hf_to_bytes(std::string_view text, std::string* out) {
  static const std::array<int, 324> kInverse = [] {
    std::array<int, 324> inv;
    inv.fill(-1);
    for (int b = 0; b < 256; ++b) inv[byte_to_char()[b]] = b;
    return inv;
  }();
  out->clear();
  for (size_t i = 0; i < text.size();) {
    uint8_t c = text[i];
    uint32_t cp;
    if (c < 0x80) {
      cp = c;
      i += 1;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
      cp = ((c & 0x1Fu) << 6) | (uint8_t(text[i + 1]) & 0x3Fu);
      i += 2;
    } else {
      return false;
    }
    if (cp >= kInverse.size() || kInverse[cp] < 0) return false;
    *out += static_cast<char>(kInverse[cp]);
  }
  return true;
}

// The split pattern a pre_tokenizer object implies.
SplitPattern pattern_of(const json& pre, const std::string& path) {
  if (pre.is_null()) ErrorBuilder("tokenizer") << path << ": pre_tokenizer is null; byte-level BPE needs one";
  std::string type = pre.value("type", "");
  if (type == "ByteLevel") {
    if (pre.value("add_prefix_space", false))
      ErrorBuilder("tokenizer") << path << ": ByteLevel add_prefix_space=true is not supported";
    if (!pre.value("use_regex", true))
      ErrorBuilder("tokenizer") << path << ": ByteLevel without a regex split is not supported";
    return SplitPattern::kGpt2;
  }
  if (type == "Sequence") {
    const json& items = pre.at("pretokenizers");
    if (items.size() == 2 && items[0].value("type", "") == "Split" &&
        items[1].value("type", "") == "ByteLevel" && !items[1].value("use_regex", true) &&
        !items[1].value("add_prefix_space", false)) {
      const json& split = items[0];
      if (!split.at("pattern").contains("Regex"))
        ErrorBuilder("tokenizer") << path << ": Split by a plain string is not supported";
      std::string regex = split["pattern"]["Regex"].get<std::string>();
      if (split.value("behavior", "") != "Isolated" || split.value("invert", false))
        ErrorBuilder("tokenizer") << path << ": Split must be behavior=Isolated, invert=false";
      auto p = split_pattern_from_regex(regex);
      if (!p)
        ErrorBuilder("tokenizer") << path << ": split regex " << regex
                                        << " is not one of the supported tiktoken patterns";
      return *p;
    }
  }
  ErrorBuilder("tokenizer") << path << ": unsupported pre_tokenizer " << pre.dump()
                                  << " (need ByteLevel, or Sequence[Split(Regex), ByteLevel(use_regex=false)])";
}

}  // namespace

std::string bytes_to_byte_level(std::string_view bytes) { return bytes_to_hf(bytes); }
bool byte_level_to_bytes(std::string_view text, std::string* out) { return hf_to_bytes(text, out); }

Tokenizer load_tokenizer_json(const std::string& path) {
  json j;
  try {
    j = json::parse(read_file(path));
  } catch (const json::exception& e) {
    ErrorBuilder("tokenizer") << path << " is not valid JSON: " << e.what();
  }
  try {
    const json& model = j.at("model");
    if (model.value("type", "BPE") != "BPE")
      ErrorBuilder("tokenizer") << path << ": model.type " << model["type"] << " is not BPE";
    if (j.contains("normalizer") && !j["normalizer"].is_null())
      ErrorBuilder("tokenizer") << path << ": normalizers are not supported (" << j["normalizer"].dump() << ")";
    if (model.value("byte_fallback", false) || (model.contains("continuing_subword_prefix") &&
                                                !model["continuing_subword_prefix"].is_null() &&
                                                !model["continuing_subword_prefix"].get<std::string>().empty()))
      ErrorBuilder("tokenizer") << path << ": only byte-level BPE is supported (byte_fallback or "
                                          "continuing_subword_prefix is set)";
    SplitPattern pattern = pattern_of(j.at("pre_tokenizer"), path);

    std::vector<std::pair<std::string, uint32_t>> specials;
    std::vector<bool> is_added;
    if (j.contains("added_tokens")) {
      for (const json& t : j["added_tokens"]) {
        uint32_t id = checked_token_id(t.at("id"), path + ": added token " + t.at("content").dump());
        specials.emplace_back(t.at("content").get<std::string>(), id);
        if (id >= is_added.size()) is_added.resize(id + 1, false);
        is_added[id] = true;
      }
    }
    auto vocab = std::make_shared<BpeVocab>();
    std::string bytes;
    for (auto& [key, value] : model.at("vocab").items()) {
      uint32_t id = checked_token_id(value, path + ": vocab entry '" + key + "'");
      if (id < is_added.size() && is_added[id]) continue;  // e.g. GPT-2's <|endoftext|>
      if (!hf_to_bytes(key, &bytes))
        ErrorBuilder("tokenizer") << path << ": vocab entry '" << key << "' (id " << id
                                        << ") is not in the byte-level alphabet";
      vocab->add_token(id, bytes);
    }
    uint32_t rank = 0;
    std::string left, right;
    for (const json& m : model.at("merges")) {
      std::string a, b;
      if (m.is_string()) {
        std::string s = m.get<std::string>();
        size_t sp = s.find(' ');
        if (sp == std::string::npos)
          ErrorBuilder("tokenizer") << path << ": merge " << rank << " '" << s << "' has no space";
        a = s.substr(0, sp);
        b = s.substr(sp + 1);
      } else {
        a = m.at(0).get<std::string>();
        b = m.at(1).get<std::string>();
      }
      if (!hf_to_bytes(a, &left) || !hf_to_bytes(b, &right))
        ErrorBuilder("tokenizer") << path << ": merge " << rank << " is not in the byte-level alphabet";
      uint32_t l = vocab->find(left), r = vocab->find(right);
      if (l == BpeVocab::kNone || r == BpeVocab::kNone)
        ErrorBuilder("tokenizer") << path << ": merge " << rank << " (" << a << " " << b
                                        << ") uses a token missing from vocab";
      vocab->add_merge(l, r, rank++);
    }
    vocab->finalize(model.value("ignore_merges", false));
    std::string name = std::filesystem::path(path).parent_path().filename().string();
    if (name.empty()) name = "tokenizer.json";
    return Tokenizer({name, pattern, std::move(vocab), std::move(specials)});
  } catch (const json::exception& e) {
    ErrorBuilder("tokenizer") << path << ": " << e.what();
  } catch (const Error& e) {
    std::string msg = e.what();
    if (msg.find(path) != std::string::npos) throw;
    ErrorBuilder("tokenizer") << path << ": " << msg;
  }
}

void write_tokenizer_json(const Tokenizer& tokenizer, const std::string& path) {
  const BpeVocab& vocab = tokenizer.vocab();
  ordered_json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  auto specials = tokenizer.special_tokens();
  std::sort(specials.begin(), specials.end(), [](auto& a, auto& b) { return a.second < b.second; });
  j["added_tokens"] = ordered_json::array();
  for (const auto& [text, id] : specials) {
    j["added_tokens"].push_back({{"id", id},
                                 {"content", text},
                                 {"single_word", false},
                                 {"lstrip", false},
                                 {"rstrip", false},
                                 {"normalized", false},
                                 {"special", true}});
  }
  j["normalizer"] = nullptr;
  ordered_json byte_level = {{"type", "ByteLevel"},
                             {"add_prefix_space", false},
                             {"trim_offsets", true},
                             {"use_regex", false}};
  j["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"},
         {"pattern", {{"Regex", split_pattern_regex(tokenizer.pattern())}}},
         {"behavior", "Isolated"},
         {"invert", false}},
        byte_level}}};
  j["post_processor"] = nullptr;
  j["decoder"] = byte_level;
  ordered_json model;
  model["type"] = "BPE";
  model["dropout"] = nullptr;
  model["unk_token"] = nullptr;
  model["continuing_subword_prefix"] = nullptr;
  model["end_of_word_suffix"] = nullptr;
  model["fuse_unk"] = false;
  model["byte_fallback"] = false;
  model["ignore_merges"] = vocab.whole_piece_lookup();
  // A std::map-backed object: ordered_json's lookups are linear, which is quadratic
  // over 100k tokens. HF reads vocab as a map, so key order does not matter.
  json v = json::object();
  for (uint32_t id = 0; id < vocab.id_limit(); ++id) {
    if (vocab.has(id)) v[bytes_to_hf(vocab.bytes(id))] = id;
  }
  model["vocab"] = std::move(v);
  ordered_json merges = ordered_json::array();
  auto add = [&](uint32_t l, uint32_t r) {
    merges.push_back({bytes_to_hf(vocab.bytes(l)), bytes_to_hf(vocab.bytes(r))});
  };
  if (!vocab.merge_list().empty()) {
    for (const auto& m : vocab.merge_list()) add(m[0], m[1]);
  } else {
    // Rank-defined vocabulary: list each token's own merge in rank order.
    size_t unreachable = 0;
    for (uint32_t id = 0; id < vocab.id_limit(); ++id) {
      uint32_t l, r;
      if (!vocab.has(id) || vocab.bytes(id).size() < 2) continue;
      if (vocab.split_of(id, &l, &r)) {
        add(l, r);
      } else {
        ++unreachable;
      }
    }
    if (unreachable) {
      LLMF_LOG(Warn) << "[tokenizer] " << unreachable << " tokens of " << tokenizer.name()
                     << " cannot be formed by a merge; they stay in vocab only";
    }
  }
  model["merges"] = std::move(merges);
  j["model"] = std::move(model);
  write_file_atomic(path, j.dump(1, ' ', false, nlohmann::json::error_handler_t::strict) + "\n");
}

}  // namespace llmforge
