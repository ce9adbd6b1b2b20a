#include "rl/rewards.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/error.h"
#include "rl/arithmetic_task.h"

namespace llmforge {

double correctness_reward(const ScoredResponse& r) { return check_answer(*r.item, r.text) ? 1.0 : 0.0; }

std::string think_text(const std::string& response) {
  const size_t open = response.find("<think>");
  if (open == std::string::npos) return "";
  const size_t close = response.find("</think>", open);
  if (close == std::string::npos) return response.substr(open + 7);
  return response.substr(open + 7, close - open - 7);
}

double format_reward(const ScoredResponse& r) {
  const std::string& s = r.text;
  const size_t start = s.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || s.compare(start, 7, "<think>") != 0) return 0;
  const size_t close = s.find("</think>", start + 7);
  if (close == std::string::npos) return 0;
  // One think block only: a second opening or closing tag is not the format.
  if (s.find("<think>", start + 7) != std::string::npos) return 0;
  if (s.find("</think>", close + 8) != std::string::npos) return 0;
  const std::string thought = s.substr(start + 7, close - start - 7);
  if (thought.find_first_not_of(" \t\r\n") == std::string::npos) return 0;
  return answer_region(s).empty() ? 0 : 1;
}

double arithmetic_steps_reward(const ScoredResponse& r) {
  const std::vector<std::string> want = arithmetic_steps(arithmetic_expression(*r.item));
  if (want.empty()) return 0;
  std::istringstream thought(think_text(r.text));
  size_t right = 0;
  for (std::string line; right < want.size() && std::getline(thought, line);) {
    const size_t a = line.find_first_not_of(" \t\r"), b = line.find_last_not_of(" \t\r");
    if (a == std::string::npos) continue;  // blank lines are not steps
    line = line.substr(a, b - a + 1);
    // The "rest" think format follows a step with ", what is left": the step is the head.
    if (line != want[right] && line.rfind(want[right] + ",", 0) != 0) break;
    ++right;
  }
  return double(right) / double(want.size());
}

double overlong_reward(const ScoredResponse& r, int max_len, int cache) {
  if (r.truncated) return -1;
  const int soft = max_len - cache;
  if (r.tokens <= soft) return 0;
  if (r.tokens <= max_len) return double(soft - r.tokens) / double(cache);
  return -1;
}

std::vector<WeightedReward> parse_rewards(const std::string& spec, const RewardOptions& options) {
  std::vector<WeightedReward> out;
  const int max_len = options.max_completion_length;
  const int cache = options.overlong_cache > 0 ? options.overlong_cache : std::max(1, max_len / 4);
  if (cache >= max_len) ErrorBuilder("rl") << "overlong cache " << cache << " must be below " << max_len;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    const std::string part = spec.substr(pos, comma - pos);
    pos = comma + 1;
    if (part.empty()) continue;
    WeightedReward w;
    const size_t eq = part.find('=');
    w.name = part.substr(0, eq);
    if (eq != std::string::npos) {
      char* end = nullptr;
      const std::string num = part.substr(eq + 1);
      w.weight = std::strtod(num.c_str(), &end);
      if (num.empty() || *end || !std::isfinite(w.weight))
        ErrorBuilder("rl") << "reward '" << w.name << "' has a bad weight '" << num << "'";
    }
    if (w.name == "correctness") w.fn = correctness_reward;
    else if (w.name == "format") w.fn = format_reward;
    else if (w.name == "overlong")
      w.fn = [max_len, cache](const ScoredResponse& r) { return overlong_reward(r, max_len, cache); };
    else if (w.name == "steps") w.fn = arithmetic_steps_reward;
    else ErrorBuilder("rl") << "unknown reward '" << w.name << "' (correctness, format, overlong or steps)";
    out.push_back(std::move(w));
  }
  if (out.empty()) ErrorBuilder("rl") << "no reward functions in '" << spec << "'";
  return out;
}

double score_response(const std::vector<WeightedReward>& rewards, const ScoredResponse& r,
                      std::vector<double>* parts) {
  double total = 0;
  if (parts) parts->assign(rewards.size(), 0.0);
  for (size_t k = 0; k < rewards.size(); ++k) {
    double v = 0;
    try {
      v = rewards[k].fn(r);
    } catch (const std::exception& e) {
      ErrorBuilder("rl") << "reward function '" << rewards[k].name << "' failed on item "
                         << (r.item ? r.item->id : "?") << ": " << e.what();
    }
    if (!std::isfinite(v)) {
      ErrorBuilder("rl") << "reward function '" << rewards[k].name << "' returned " << v << " on item "
                         << (r.item ? r.item->id : "?");
    }
    if (parts) (*parts)[k] = v;
    total += rewards[k].weight * v;
  }
  return total;
}

}  // namespace llmforge
