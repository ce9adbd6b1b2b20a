#include "eval/icl.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"
#include "infer/batch_generator.h"

namespace llmforge {
namespace {

const char* const kWords[] = {
    "apple", "river", "stone", "cloud", "green", "table", "music", "paper", "light", "horse",
    "bread", "chair", "ocean", "tiger", "glass", "plant", "sugar", "train", "water", "north",
    "candle", "forest", "garden", "window", "silver", "yellow", "bottle", "winter", "summer",
    "rabbit", "pencil", "castle", "market", "doctor", "island", "orange", "planet", "violin",
    "bridge", "coffee", "desert", "engine", "flower", "guitar", "hammer", "jacket", "kettle",
    "ladder", "mirror", "needle", "pocket", "rocket", "saddle", "tunnel", "valley", "wallet"};
constexpr uint64_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

IclTextCodec byte_level_codec() {
  IclTextCodec c;
  c.encode = [](const std::string& s) {
    std::vector<int32_t> out;
    for (unsigned char ch : s) out.push_back(ch);
    return out;
  };
  c.decode = [](const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids)
      if (id < 256) s.push_back(char(id));
    return s;
  };
  c.bos = 256;
  return c;
}

std::pair<std::string, std::string> icl_example(const std::string& task, uint64_t index) {
  Rng rng(index * 0x9E3779B97F4A7C15ull + 11);
  auto word = [&] { return std::string(kWords[rng.below(kWordCount)]); };
  if (task == "copy") {
    std::string w = word();
    return {w, w};
  }
  if (task == "swap") {
    std::string a = word(), b = word();
    return {a + " " + b, b + " " + a};
  }
  if (task == "first") {
    std::string a = word(), b = word(), c = word();
    return {a + " " + b + " " + c, a};
  }
  ErrorBuilder("eval") << "unknown in-context task '" << task << "' (copy, swap, first)";
}

std::vector<IclPoint> evaluate_icl(Model& model, const IclTextCodec& codec, const std::string& task,
                                   const std::vector<int>& shots, int trials, uint64_t seed) {
  icl_example(task, 0);  // validates the task name before any work
  const int max_shots = shots.empty() ? 0 : *std::max_element(shots.begin(), shots.end());
  std::vector<IclPoint> points;
  for (int k : shots) {
    IclPoint point;
    point.examples = k;
    for (int trial = 0; trial < trials; ++trial) {
      const uint64_t base = seed * 1000003ull + uint64_t(trial) * (max_shots + 1);
      auto [query, answer] = icl_example(task, base);
      std::string prompt;
      for (int e = 0; e < k; ++e) {
        auto [x, y] = icl_example(task, base + 1 + e);
        prompt += x + " -> " + y + "\n";
      }
      prompt += query + " ->";
      std::vector<int32_t> ids;
      if (codec.bos >= 0) ids.push_back(codec.bos);
      auto body = codec.encode(prompt);
      ids.insert(ids.end(), body.begin(), body.end());
      if (int(ids.size()) >= model.config().max_seq_len) {
        ErrorBuilder("eval") << k << " examples of task " << task << " need " << ids.size()
                             << " tokens; the model's context is " << model.config().max_seq_len;
      }
      // Greedy tokens until the decoded text holds a newline (KV-cache engine).
      SamplerSettings greedy;
      greedy.temperature = 0.0;
      std::string text;
      generate_tokens(model, ids, greedy, std::min(24, model.config().max_seq_len - int(ids.size())),
                      codec.bos >= 0 ? std::vector<int32_t>{codec.bos} : std::vector<int32_t>{},
                      [&](const std::vector<int32_t>& out) {
                        text = codec.decode(out);
                        return text.find('\n') == std::string::npos;
                      });
      text = text.substr(0, text.find('\n'));
      point.correct += trim(text) == answer;
      ++point.trials;
    }
    points.push_back(point);
  }
  return points;
}

}  // namespace llmforge
