// Helpers for the data pipeline tests: temporary folders, gzip/zstd writers that
// produce the same framing real crawl files use, and deterministic text.
#pragma once

#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/warc_writer.h"

namespace llmforge::data::test {

// A fresh folder under the build tree's temp area, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string base = std::filesystem::temp_directory_path().string() + "/llmf_data_XXXXXX";
    std::vector<char> buf(base.begin(), base.end());
    buf.push_back('\0');
    path_ = ::mkdtemp(buf.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void write_bytes(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream f(path, std::ios::binary);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

using data::gzip_member;  // one gzip member per record, as in a .warc.gz

inline std::string zstd_compress(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  out.resize(n);
  return out;
}

inline std::string zstd_decompress_file(const std::string& path) {
  std::string in = read_bytes(path);
  std::string out;
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  std::vector<char> buf(1 << 16);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  while (ib.pos < ib.size) {
    ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
    size_t rc = ZSTD_decompressStream(ctx, &ob, &ib);
    if (ZSTD_isError(rc)) break;
    out.append(buf.data(), ob.pos);
  }
  ZSTD_freeDCtx(ctx);
  return out;
}

// A WARC record with a correct Content-Length.
inline std::string warc_record(const std::string& type, const std::string& uri,
                               const std::string& block, const std::string& extra_headers = "",
                               const std::string& version = "WARC/1.0") {
  static int n = 0;
  std::string r = version + "\r\nWARC-Type: " + type + "\r\nWARC-Target-URI: " + uri +
                  "\r\nWARC-Record-ID: <urn:uuid:test-" + std::to_string(++n) +
                  ">\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n" + extra_headers +
                  "Content-Length: " + std::to_string(block.size()) + "\r\n\r\n";
  return r + block + "\r\n\r\n";
}

inline std::string http_response(const std::string& body, const std::string& content_type = "text/html; charset=utf-8") {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// English-looking prose: random sentences over common words (CLD2 reads it as
// English and it passes FineWeb's filters), `n_paragraphs` of 4-6 sentences.
inline std::vector<std::string> english_paragraphs(uint64_t seed, int n_paragraphs) {
  static const char* kWords[] = {
      "the", "of", "and", "to", "in", "is", "was", "that", "for", "it", "with", "as", "his", "on",
      "be", "at", "by", "had", "are", "but", "from", "or", "have", "an", "they", "which", "one",
      "you", "were", "her", "all", "she", "there", "would", "their", "we", "him", "been", "has",
      "when", "who", "will", "more", "if", "out", "so", "said", "what", "up", "about", "into",
      "than", "them", "can", "only", "other", "new", "some", "could", "time", "these", "two",
      "may", "then", "first", "any", "like", "over", "even", "most", "made", "after", "also",
      "many", "before", "must", "through", "back", "years", "where", "much", "way", "well",
      "down", "should", "because", "each", "just", "those", "people", "little", "state", "good",
      "very", "make", "world", "still", "own", "see", "work", "long", "here", "between", "both",
      "life", "being", "under", "never", "day", "same", "another", "know", "while", "last",
      "might", "great", "old", "year", "off", "come", "since", "against", "came", "right", "used",
      "take", "three", "river", "garden", "village", "winter", "market", "teacher", "letter",
      "mountain", "library", "kitchen", "harbour", "journey", "morning", "evening", "history",
      "science", "country", "family", "question", "answer", "reason", "number", "picture",
      "children", "window", "forest", "bridge", "island", "summer", "weather", "station",
      "machine", "program", "language", "animal", "building", "company", "problem", "system"};
  constexpr size_t kN = sizeof(kWords) / sizeof(kWords[0]);
  Rng rng(seed);
  std::vector<std::string> paras;
  for (int p = 0; p < n_paragraphs; ++p) {
    std::string para;
    int sentences = 4 + static_cast<int>(rng.below(3));
    for (int s = 0; s < sentences; ++s) {
      int words = 9 + static_cast<int>(rng.below(10));
      std::string sent;
      for (int w = 0; w < words; ++w) {
        if (w) sent += ' ';
        sent += kWords[rng.below(kN)];
      }
      sent[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sent[0])));
      if (!para.empty()) para += ' ';
      para += sent + ".";
    }
    paras.push_back(para);
  }
  return paras;
}

// Chinese prose built the same way from common words with 的/了/是.
inline std::vector<std::string> chinese_paragraphs(uint64_t seed, int n_paragraphs) {
  static const char* kWords[] = {
      "我们", "今天", "学习", "中国", "历史", "文化", "城市", "发展", "经济", "社会", "人民",
      "生活", "工作", "学校", "老师", "学生", "朋友", "家庭", "孩子", "时间", "问题", "方法",
      "技术", "科学", "研究", "世界", "国家", "政府", "公司", "市场", "音乐", "电影", "故事",
      "书籍", "语言", "自然", "环境", "山水", "天气", "春天", "夏天", "秋天", "冬天", "河流",
      "美丽", "重要", "简单", "认真", "快乐", "安静", "需要", "喜欢", "知道", "认为", "希望",
      "开始", "继续", "完成", "建设", "保护", "提高", "参加", "讨论", "介绍", "准备", "旅行"};
  static const char* kParticles[] = {"的", "了", "是", "在", "和", "也", "都", "很"};
  constexpr size_t kN = sizeof(kWords) / sizeof(kWords[0]);
  Rng rng(seed);
  std::vector<std::string> paras;
  for (int p = 0; p < n_paragraphs; ++p) {
    std::string para;
    int sentences = 5 + static_cast<int>(rng.below(3));
    for (int s = 0; s < sentences; ++s) {
      int words = 8 + static_cast<int>(rng.below(8));
      for (int w = 0; w < words; ++w) {
        para += kWords[rng.below(kN)];
        if (rng.below(3) == 0) para += kParticles[rng.below(8)];
      }
      para += "。";
    }
    paras.push_back(para);
  }
  return paras;
}

inline std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace llmforge::data::test
