// BPE trainer; see trainer.h.
#include "tokenizer/trainer.h"

#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <cstring>
#include <queue>
#include <thread>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {
namespace {

int resolve_threads(int n) {
  return n > 0 ? n : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Splits plain text into ~1 MB chunks for parallel counting. A cut is made only before
// an ASCII letter that follows '\n': no split pattern of ours lets a piece run across
// that point, so the chunks give exactly the pieces of the whole text.
std::vector<std::string_view> chunk_text(std::string_view text) {
  constexpr size_t kChunk = 1 << 20;
  std::vector<std::string_view> chunks;
  while (text.size() > kChunk) {
    size_t cut = kChunk;
    while (cut < text.size()) {
      cut = text.find('\n', cut);
      if (cut == std::string_view::npos || cut + 1 >= text.size()) {
        cut = text.size();
        break;
      }
      char c = text[cut + 1];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        ++cut;
        break;
      }
      ++cut;
    }
    chunks.push_back(text.substr(0, cut));
    text = text.substr(cut);
  }
  if (!text.empty()) chunks.push_back(text);
  return chunks;
}

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Whole-file zstd decompression (the data pipeline writes clean/NNNNNN.jsonl.zst).
std::string zstd_decompress(const std::string& compressed, const std::string& path) {
  std::string out;
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  std::string buf(ZSTD_DStreamOutSize(), '\0');
  size_t ret = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    ret = ZSTD_decompressStream(ctx, &o, &in);
    if (ZSTD_isError(ret)) {
      ZSTD_freeDCtx(ctx);
      ErrorBuilder("tokenizer") << path << ": zstd: " << ZSTD_getErrorName(ret);
    }
    out.append(buf.data(), o.pos);
  }
  ZSTD_freeDCtx(ctx);
  if (ret != 0) ErrorBuilder("tokenizer") << path << ": truncated zstd stream";
  return out;
}

}  // namespace

std::string_view cap_characters(std::string_view text, size_t max_chars) {
  if (max_chars == 0 || text.size() <= max_chars) return text;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<uint8_t>(text[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return text.substr(0, i);
      ++chars;
    }
  }
  return text;
}

BpeTrainer::BpeTrainer(TrainerOptions options) : options_(std::move(options)) {
  size_t n_special = special::kReserved.size() + options_.extra_special_tokens.size();
  if (options_.vocab_size < 256 + n_special + 1)
    ErrorBuilder("tokenizer") << "vocab_size " << options_.vocab_size << " leaves no room for merges: "
                              << "it must exceed 256 byte tokens + " << n_special << " special tokens";
}

void BpeTrainer::count_chunks(const std::vector<std::string_view>& chunks) {
  int n_threads = std::min<int>(resolve_threads(options_.n_threads), static_cast<int>(chunks.size()));
  if (n_threads < 1) return;
  struct Local {
    BytesMap map;
    std::vector<uint64_t> counts;
  };
  std::vector<Local> locals(n_threads);
  std::atomic<size_t> next{0};
  SplitPattern pattern = options_.pattern;
  auto work = [&](int t) {
    Local& local = locals[t];
    for (size_t i; (i = next.fetch_add(1)) < chunks.size();) {
      for_each_piece(pattern, chunks[i], [&](std::string_view piece) {
        uint32_t k = local.map.get(piece);
        if (k == BytesMap::kMissing) {
          k = static_cast<uint32_t>(local.counts.size());
          local.map.set(piece, k);
          local.counts.push_back(0);
        }
        ++local.counts[k];
      });
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < n_threads; ++t) threads.emplace_back(work, t);
  work(0);
  for (auto& th : threads) th.join();
  for (const Local& local : locals) {
    local.map.for_each([&](std::string_view piece, uint32_t k) {
      uint32_t g = pieces_.get(piece);
      if (g == BytesMap::kMissing) {
        g = static_cast<uint32_t>(piece_counts_.size());
        pieces_.set(piece, g);
        piece_counts_.push_back(0);
      }
      piece_counts_[g] += local.counts[k];
    });
  }
}

void BpeTrainer::add_documents(const std::vector<std::string_view>& docs) {
  std::vector<std::string_view> chunks;
  for (std::string_view d : docs) {
    d = cap_characters(d, options_.max_doc_chars);
    ++documents_;
    bytes_ += d.size();
    for (std::string_view c : chunk_text(d)) chunks.push_back(c);
  }
  count_chunks(chunks);
}

void BpeTrainer::add_documents(const std::vector<std::string>& docs) {
  std::vector<std::string_view> views(docs.begin(), docs.end());
  add_documents(views);
}

void BpeTrainer::add_file(const std::string& path, const std::string& json_field) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
      std::string p = e.path().string();
      if (e.is_regular_file() && (ends_with(p, ".jsonl") || ends_with(p, ".jsonl.zst") || ends_with(p, ".txt")))
        files.push_back(p);
    }
    if (files.empty())
      ErrorBuilder("tokenizer") << "directory " << path << " has no .jsonl, .jsonl.zst or .txt files";
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) add_file(f, json_field);
    return;
  }
  std::string text = read_file(path);
  std::string name = path;
  if (ends_with(path, ".zst")) {
    text = zstd_decompress(text, path);
    name = path.substr(0, path.size() - 4);
  }
  bool jsonl = ends_with(name, ".jsonl");
  if (!jsonl) {
    add_documents(std::vector<std::string_view>{text});
    return;
  }
  std::vector<std::string> docs;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
      ErrorBuilder("tokenizer") << path << ":" << line_no << ": not valid JSON";
    if (!j.is_object() || !j.contains(json_field) || !j[json_field].is_string())
      ErrorBuilder("tokenizer") << path << ":" << line_no << ": no string field \"" << json_field << "\"";
    docs.push_back(j[json_field].get<std::string>());
    if (docs.size() >= 65536) {
      add_documents(docs);
      docs.clear();
    }
  }
  add_documents(docs);
}

Tokenizer BpeTrainer::train() {
  LLMF_CHECK(!trained_) << "BpeTrainer::train() called twice";
  trained_ = true;
  std::vector<std::string> specials(special::kReserved.begin(), special::kReserved.end());
  for (const std::string& s : options_.extra_special_tokens) {
    if (std::find(specials.begin(), specials.end(), s) != specials.end())
      ErrorBuilder("tokenizer") << "special token " << s << " is given twice";
    specials.push_back(s);
  }
  const uint32_t target_tokens = options_.vocab_size - static_cast<uint32_t>(specials.size());

  // Words: the unique pieces sorted by bytes (a fixed order for any thread count).
  struct Word {
    uint32_t begin;
    uint32_t len;
    uint64_t count;
  };
  std::vector<std::pair<std::string_view, uint64_t>> sorted;
  sorted.reserve(pieces_.size());
  pieces_.for_each([&](std::string_view p, uint32_t k) { sorted.emplace_back(p, piece_counts_[k]); });
  std::sort(sorted.begin(), sorted.end());
  std::vector<Word> words;
  std::vector<uint32_t> symbols;
  words.reserve(sorted.size());
  for (const auto& [piece, count] : sorted) {
    words.push_back({static_cast<uint32_t>(symbols.size()), static_cast<uint32_t>(piece.size()), count});
    for (char c : piece) symbols.push_back(static_cast<uint8_t>(c));
  }

  // Token bytes so far, for building merged tokens and spotting duplicates.
  std::vector<std::string> token_bytes(256);
  for (int b = 0; b < 256; ++b) token_bytes[b] = std::string(1, static_cast<char>(b));
  BytesMap token_ids;
  for (uint32_t b = 0; b < 256; ++b) token_ids.set(token_bytes[b], b);

  // Pair statistics.
  struct PairStat {
    int64_t count = 0;
    std::vector<uint32_t> words;  // may repeat or be stale; checked when used
  };
  auto key_of = [](uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; };
  std::unordered_map<uint64_t, uint32_t> pair_index;
  std::vector<PairStat> stats;
  std::vector<uint64_t> stat_keys;
  auto stat_for = [&](uint64_t key) -> uint32_t {
    auto [it, inserted] = pair_index.try_emplace(key, static_cast<uint32_t>(stats.size()));
    if (inserted) {
      stats.emplace_back();
      stat_keys.push_back(key);
    }
    return it->second;
  };
  pair_index.reserve(symbols.size() / 2 + 1024);
  for (uint32_t w = 0; w < words.size(); ++w) {
    const Word& word = words[w];
    for (uint32_t i = 0; i + 1 < word.len; ++i) {
      uint32_t s = stat_for(key_of(symbols[word.begin + i], symbols[word.begin + i + 1]));
      stats[s].count += static_cast<int64_t>(word.count);
      if (stats[s].words.empty() || stats[s].words.back() != w) stats[s].words.push_back(w);
    }
  }

  // Max-heap on (count, then lower pair key).
  struct Entry {
    int64_t count;
    uint64_t key;
    bool operator<(const Entry& o) const { return count != o.count ? count < o.count : key > o.key; }
  };
  std::priority_queue<Entry> heap;
  for (uint32_t s = 0; s < stats.size(); ++s) heap.push({stats[s].count, stat_keys[s]});

  auto vocab = std::make_shared<BpeVocab>();
  for (uint32_t b = 0; b < 256; ++b) vocab->add_token(b, token_bytes[b]);
  std::vector<std::array<uint32_t, 3>> merges;  // left, right, result
  std::vector<uint32_t> seen_stamp(words.size(), UINT32_MAX);
  std::vector<uint32_t> changed;  // stats whose count rose in this merge
  std::vector<uint8_t> changed_mark;
  std::vector<uint32_t> scratch;

  Progress progress("tokenizer merges", target_tokens - 256, "merges");
  uint32_t n_tokens = 256;
  uint32_t step = 0;
  while (n_tokens < target_tokens && !heap.empty()) {
    Entry top = heap.top();
    heap.pop();
    auto it = pair_index.find(top.key);
    int64_t current = stats[it->second].count;
    if (current != top.count) {
      if (current < top.count && current > 0) heap.push({current, top.key});
      continue;
    }
    if (current <= 0) break;
    uint32_t a = static_cast<uint32_t>(top.key >> 32), b = static_cast<uint32_t>(top.key);
    std::string joined = token_bytes[a] + token_bytes[b];
    uint32_t c = token_ids.get(joined);
    if (c == BytesMap::kMissing) {
      c = n_tokens++;
      token_bytes.push_back(joined);
      token_ids.set(joined, c);
      vocab->add_token(c, joined);
    }
    merges.push_back({a, b, c});
    ++step;

    // Apply the merge to every word holding (a, b), moving pair counts.
    std::vector<uint32_t> holders = std::move(stats[it->second].words);
    stats[it->second].words.clear();
    for (uint32_t w : holders) {
      if (seen_stamp[w] == step) continue;
      seen_stamp[w] = step;
      Word& word = words[w];
      uint32_t* sym = symbols.data() + word.begin;
      bool found = false;
      for (uint32_t i = 0; i + 1 < word.len; ++i) {
        if (sym[i] == a && sym[i + 1] == b) {
          found = true;
          break;
        }
      }
      if (!found) continue;
      int64_t wc = static_cast<int64_t>(word.count);
      for (uint32_t i = 0; i + 1 < word.len; ++i) stats[pair_index[key_of(sym[i], sym[i + 1])]].count -= wc;
      scratch.clear();
      for (uint32_t i = 0; i < word.len; ++i) {
        if (i + 1 < word.len && sym[i] == a && sym[i + 1] == b) {
          scratch.push_back(c);
          ++i;
        } else {
          scratch.push_back(sym[i]);
        }
      }
      std::copy(scratch.begin(), scratch.end(), sym);
      word.len = static_cast<uint32_t>(scratch.size());
      for (uint32_t i = 0; i + 1 < word.len; ++i) {
        uint32_t s = stat_for(key_of(sym[i], sym[i + 1]));
        stats[s].count += wc;
        if (sym[i] == c || sym[i + 1] == c) {
          if (stats[s].words.empty() || stats[s].words.back() != w) stats[s].words.push_back(w);
          if (s >= changed_mark.size()) changed_mark.resize(stats.size() * 2, 0);
          if (!changed_mark[s]) {
            changed_mark[s] = 1;
            changed.push_back(s);
          }
        }
      }
    }
    for (uint32_t s : changed) {
      changed_mark[s] = 0;
      if (stats[s].count > 0) heap.push({stats[s].count, stat_keys[s]});
    }
    changed.clear();
    if (options_.progress && (step & 255) == 0) progress.update(n_tokens - 256);
  }
  if (options_.progress) progress.finish();
  if (n_tokens < target_tokens) {
    LLMF_LOG(Warn) << "[tokenizer] the training text only supports " << n_tokens
                   << " tokens before special tokens; vocabulary is smaller than asked ("
                   << options_.vocab_size << ")";
  }

  for (size_t i = 0; i < merges.size(); ++i)
    vocab->add_merge(merges[i][0], merges[i][1], static_cast<uint32_t>(i));
  vocab->finalize(/*whole_piece_lookup=*/true);
  std::vector<std::pair<std::string, uint32_t>> special_ids;
  for (size_t i = 0; i < specials.size(); ++i)
    special_ids.emplace_back(specials[i], n_tokens + static_cast<uint32_t>(i));
  return Tokenizer({options_.name, options_.pattern, std::move(vocab), std::move(special_ids)});
}

}  // namespace llmforge
