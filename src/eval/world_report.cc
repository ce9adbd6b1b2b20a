// JSON and plain-text reports of a world evaluation (declared in eval/world_eval.h).
#include <algorithm>

#include "eval/world_eval.h"
#include "tokenizer/unicode.h"

namespace llmforge {

namespace {

using nlohmann::json;

json tally_json(const Tally& t) {
  return {{"correct", t.correct}, {"total", t.total}, {"accuracy", t.accuracy()}};
}

// "qa" and "heldout" first (the two rows a reader looks for), then any other split.
std::vector<std::string> split_order(const WorldEvalResult& r) {
  std::vector<std::string> order;
  for (const char* s : {"qa", "heldout"})
    if (r.qa_by_split.count(s)) order.push_back(s);
  for (const auto& [s, t] : r.qa_by_split)
    if (s != "qa" && s != "heldout") order.push_back(s);
  return order;
}

std::string split_label(const WorldEvalResult& r, const std::string& split) {
  const std::string what = r.completion_probe ? "facts completed" : "QA";
  if (split == "qa") return what + ", trained people";
  if (split == "heldout") return what + ", held-out people";
  return what + ", split " + split;
}

void print_row(std::FILE* out, const std::string& label, const Tally& t) {
  std::fprintf(out, "%-40s %8d %8d %8.1f%%\n", label.c_str(), t.correct, t.total,
               100.0 * t.accuracy());
}

void print_indented(std::FILE* out, const char* role, const std::string& text) {
  std::string s;
  for (char c : text) s += c == '\n' ? std::string("\n      ") : std::string(1, c);
  std::fprintf(out, "    %-10s %s\n", role, s.c_str());
}

}  // namespace

json world_eval_to_json(const WorldEvalResult& r) {
  json qa = json::object();
  for (const auto& [split, t] : r.qa_by_split) {
    json s = tally_json(t);
    s["attributes"] = json::object();
    for (const auto& [key, at] : r.qa_by_split_attribute)
      if (key.first == split) s["attributes"][key.second] = tally_json(at);
    qa[split] = std::move(s);
  }
  json records = json::array();
  for (const ChatRecord& c : r.records) {
    // A reply is the model's bytes, which need not be valid UTF-8 (a byte-level model
    // can stop mid-character); dump() would throw on them (type_error 316).
    json j{{"kind", c.kind},
           {"question", c.question},
           {"expected", c.expected},
           {"reply", utf8_with_replacements(c.reply)},
           {"finish", c.finish},
           {"correct", c.correct}};
    if (c.kind == "qa" || c.kind == "probe") {
      j["split"] = c.split;
      j["attribute"] = c.attribute;
      if (c.person >= 0) j["person"] = c.person;
    }
    if (!c.system.empty()) j["system"] = c.system;
    records.push_back(std::move(j));
  }
  json out{{"qa", qa}, {"identity", tally_json(r.identity)}, {"records", records}};
  if (r.completion_probe) out["completion_probe"] = true;
  if (r.has_validation) {
    json v{{"loss", r.validation.loss},
           {"tokens", r.validation.tokens},
           {"bytes", r.validation.bytes},
           {"windows", r.validation_windows},
           {"seq_len", r.validation_seq_len}};
    if (r.validation.bits_per_byte >= 0) v["bits_per_byte"] = r.validation.bits_per_byte;
    out["validation"] = std::move(v);
  }
  return out;
}

void print_world_eval(std::FILE* out, const WorldEvalResult& r, int show_samples) {
  std::fprintf(out, "%-40s %8s %8s %9s\n", "world evaluation", "correct", "total", "accuracy");
  for (const std::string& split : split_order(r)) {
    print_row(out, split_label(r, split), r.qa_by_split.at(split));
    for (const auto& [key, t] : r.qa_by_split_attribute)
      if (key.first == split) print_row(out, "  " + key.second, t);
  }
  if (r.qa_by_split.empty()) std::fprintf(out, "%-40s %8s\n", "QA", "-");
  if (r.identity.total)
    print_row(out, "identity (system prompt)", r.identity);
  else if (!r.completion_probe)
    std::fprintf(out, "%-40s %8s\n", "identity (system prompt)", "-");
  if (r.has_validation) {
    if (r.validation.bits_per_byte >= 0) {
      std::fprintf(out, "%-40s %8.4f   (loss %.4f nats/token, %d windows x %d tokens)\n",
                   "validation bits/byte", r.validation.bits_per_byte, r.validation.loss,
                   r.validation_windows, r.validation_seq_len);
    } else {
      std::fprintf(out, "%-40s %8s   (loss %.4f nats/token; no tokenizer for bytes)\n",
                   "validation bits/byte", "-", r.validation.loss);
    }
  }
  const int n = std::min<int>(show_samples, int(r.records.size()));
  if (n <= 0) return;
  std::fprintf(out, "\n%s (%d of %zu):\n", r.completion_probe ? "sample completions" : "sample chats", n, r.records.size());
  for (int i = 0; i < n; ++i) {
    const ChatRecord& c = r.records[size_t(i) * r.records.size() / n];
    std::string what = c.kind == "identity" ? c.kind : c.split + " " + c.attribute;
    std::fprintf(out, "  [%s] %s\n", what.c_str(), c.correct ? "correct" : "WRONG");
    if (!c.system.empty()) print_indented(out, "system:", c.system);
    const bool probe = c.kind == "probe";
    print_indented(out, probe ? "prompt:" : "user:", c.question);
    print_indented(out, probe ? "model:" : "assistant:", c.reply + (c.finish == "length" ? " [cut]" : ""));
    std::string expected;
    for (const std::string& e : c.expected) expected += (expected.empty() ? "" : " + ") + e;
    print_indented(out, "expected:", expected);
  }
}

}  // namespace llmforge
