#include "data/report.h"

#include <cstdio>
#include <sstream>

namespace llmforge::data {

namespace {
constexpr size_t kErrorExamples = 5;
constexpr size_t kSnippetBytes = 160;

std::string snippet_of(const std::string& text) {
  std::string s;
  for (char c : text) {
    if (s.size() >= kSnippetBytes) break;
    s.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  // Don't cut a UTF-8 sequence in half.
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
  if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
  return s;
}

std::string human_bytes(uint64_t b) {
  char buf[32];
  if (b >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.2f GB", b / 1073741824.0);
  else if (b >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.2f MB", b / 1048576.0);
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.1f KB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  return buf;
}
}  // namespace

StageCount& RunStats::stage(const std::string& name) {
  for (auto& [n, c] : stages_)
    if (n == name) return c;
  stages_.emplace_back(name, StageCount{});
  return stages_.back().second;
}

void RunStats::stage_in(const std::string& name, uint64_t bytes) {
  auto& s = stage(name);
  s.docs_in++;
  s.bytes_in += bytes;
}

void RunStats::stage_out(const std::string& name, uint64_t bytes) {
  auto& s = stage(name);
  s.docs_out++;
  s.bytes_out += bytes;
}

void RunStats::removed(const std::string& stage_name, const std::string& reason,
                       const Document& doc) {
  std::string key = stage_name + "/" + reason;
  removed_[key]++;
  if (explain_limit_ > 0) {
    auto& ex = examples_[key];
    if (ex.size() < explain_limit_) ex.push_back({doc.id, doc.url, snippet_of(doc.text)});
  }
}

void RunStats::error(const std::string& kind, const std::string& message) {
  errors_[kind]++;
  auto& ex = error_examples_[kind];
  if (ex.size() < kErrorExamples) ex.push_back(message);
}

void RunStats::merge(const RunStats& other) {
  for (const auto& [name, c] : other.stages_) {
    auto& s = stage(name);
    s.docs_in += c.docs_in;
    s.bytes_in += c.bytes_in;
    s.docs_out += c.docs_out;
    s.bytes_out += c.bytes_out;
  }
  for (const auto& [k, v] : other.removed_) removed_[k] += v;
  for (const auto& [k, v] : other.examples_) {
    auto& ex = examples_[k];
    for (const auto& e : v)
      if (ex.size() < std::max<size_t>(explain_limit_, 1)) ex.push_back(e);
  }
  for (const auto& [k, v] : other.errors_) errors_[k] += v;
  for (const auto& [k, v] : other.error_examples_) {
    auto& ex = error_examples_[k];
    for (const auto& e : v)
      if (ex.size() < kErrorExamples) ex.push_back(e);
  }
  for (const auto& [k, v] : other.counters_) counters_[k] += v;
}

nlohmann::json RunStats::to_json() const {
  nlohmann::json j;
  j["stages"] = nlohmann::json::array();
  for (const auto& [name, c] : stages_) {
    j["stages"].push_back({{"stage", name},
                           {"docs_in", c.docs_in},
                           {"bytes_in", c.bytes_in},
                           {"docs_out", c.docs_out},
                           {"bytes_out", c.bytes_out}});
  }
  j["removed"] = removed_;
  nlohmann::json ex = nlohmann::json::object();
  for (const auto& [k, v] : examples_) {
    for (const auto& e : v) ex[k].push_back({{"id", e.id}, {"url", e.url}, {"text", e.snippet}});
  }
  j["examples"] = ex;
  j["errors"] = errors_;
  j["error_examples"] = error_examples_;
  j["counters"] = counters_;
  return j;
}

RunStats RunStats::from_json(const nlohmann::json& j, size_t explain_limit) {
  RunStats s(explain_limit);
  for (const auto& st : j.at("stages")) {
    StageCount c;
    c.docs_in = st.at("docs_in");
    c.bytes_in = st.at("bytes_in");
    c.docs_out = st.at("docs_out");
    c.bytes_out = st.at("bytes_out");
    s.stages_.emplace_back(st.at("stage").get<std::string>(), c);
  }
  s.removed_ = j.at("removed").get<std::map<std::string, uint64_t>>();
  for (const auto& [k, v] : j.at("examples").items()) {
    for (const auto& e : v) {
      s.examples_[k].push_back({e.at("id"), e.at("url"), e.at("text")});
    }
  }
  s.errors_ = j.at("errors").get<std::map<std::string, uint64_t>>();
  s.error_examples_ = j.at("error_examples").get<std::map<std::string, std::vector<std::string>>>();
  s.counters_ = j.at("counters").get<std::map<std::string, uint64_t>>();
  return s;
}

uint64_t RunStats::removed_count(const std::string& stage_name, const std::string& reason) const {
  auto it = removed_.find(stage_name + "/" + reason);
  return it == removed_.end() ? 0 : it->second;
}

uint64_t RunStats::removed_count(const std::string& stage_name) const {
  uint64_t n = 0;
  std::string prefix = stage_name + "/";
  for (const auto& [k, v] : removed_)
    if (k.rfind(prefix, 0) == 0) n += v;
  return n;
}

uint64_t RunStats::error_count(const std::string& kind) const {
  auto it = errors_.find(kind);
  return it == errors_.end() ? 0 : it->second;
}

uint64_t RunStats::total_errors() const {
  uint64_t n = 0;
  for (const auto& [k, v] : errors_) n += v;
  return n;
}

uint64_t RunStats::counter(const std::string& name) const {
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

std::string RunStats::format(size_t explain) const {
  std::ostringstream o;
  char line[256];
  o << "stage                  docs in    docs out    removed      bytes in     bytes out\n";
  for (const auto& [name, c] : stages_) {
    std::snprintf(line, sizeof line, "%-20s %9llu %11llu %10llu %13s %13s\n", name.c_str(),
                  static_cast<unsigned long long>(c.docs_in),
                  static_cast<unsigned long long>(c.docs_out),
                  static_cast<unsigned long long>(c.docs_in - std::min(c.docs_in, c.docs_out)),
                  human_bytes(c.bytes_in).c_str(), human_bytes(c.bytes_out).c_str());
    o << line;
  }
  if (!removed_.empty()) {
    o << "\nremoved documents by reason\n";
    for (const auto& [k, v] : removed_) {
      std::snprintf(line, sizeof line, "  %-48s %9llu\n", k.c_str(),
                    static_cast<unsigned long long>(v));
      o << line;
      if (explain > 0) {
        auto it = examples_.find(k);
        if (it == examples_.end()) continue;
        for (size_t i = 0; i < it->second.size() && i < explain; ++i) {
          const auto& e = it->second[i];
          o << "      - " << (e.url.empty() ? e.id : e.url) << "\n        \"" << e.snippet
            << "\"\n";
        }
      }
    }
  }
  if (!errors_.empty()) {
    o << "\ninput errors (skipped or truncated, counted)\n";
    for (const auto& [k, v] : errors_) {
      std::snprintf(line, sizeof line, "  %-48s %9llu\n", k.c_str(),
                    static_cast<unsigned long long>(v));
      o << line;
      auto it = error_examples_.find(k);
      if (it != error_examples_.end())
        for (const auto& m : it->second) o << "      " << m << "\n";
    }
  }
  if (!counters_.empty()) {
    o << "\ncounters\n";
    for (const auto& [k, v] : counters_) {
      std::snprintf(line, sizeof line, "  %-48s %9llu\n", k.c_str(),
                    static_cast<unsigned long long>(v));
      o << line;
    }
  }
  return o.str();
}

}  // namespace llmforge::data
