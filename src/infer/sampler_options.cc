#include "infer/sampler_options.h"

#include <sstream>

#include "core/error.h"

namespace llmforge {

namespace {
std::string fmt(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

double parse_number(const std::string& name, const std::string& value) {
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(value, &used);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != value.size())
    ErrorBuilder("sampler") << name << ": '" << value << "' is not a number";
  return x;
}
}  // namespace

void add_sampler_options(CliOptions& opts, const SamplerSettings& d) {
  opts.add("temperature", fmt(d.temperature), "sampling temperature (0 = greedy)")
      .add("top-k", std::to_string(d.top_k), "keep the k most likely tokens (0 = off)")
      .add("top-p", fmt(d.top_p), "keep the smallest set with this probability mass (1 = off)")
      .add("min-p", fmt(d.min_p), "drop tokens below this fraction of the best one (0 = off)")
      .add("repeat-penalty", fmt(d.repetition_penalty), "repetition penalty (1 = off)")
      .add("presence-penalty", fmt(d.presence_penalty), "OpenAI presence penalty (0 = off)")
      .add("frequency-penalty", fmt(d.frequency_penalty), "OpenAI frequency penalty (0 = off)")
      .add("repeat-last-n", std::to_string(d.penalty_last_n), "recent tokens the penalties see")
      .add("seed", std::to_string(d.seed), "random seed (the same seed gives the same text)");
}

bool set_sampler_field(SamplerSettings& s, const std::string& name, const std::string& value) {
  const double x = parse_number(name, value);
  if (name == "temperature") s.temperature = x;
  else if (name == "top-k") s.top_k = int(x);
  else if (name == "top-p") s.top_p = x;
  else if (name == "min-p") s.min_p = x;
  else if (name == "repeat-penalty") s.repetition_penalty = x;
  else if (name == "presence-penalty") s.presence_penalty = x;
  else if (name == "frequency-penalty") s.frequency_penalty = x;
  else if (name == "repeat-last-n") s.penalty_last_n = int(x);
  else if (name == "seed") s.seed = uint64_t(int64_t(x));
  else return false;
  return true;
}

SamplerSettings sampler_from_options(const CliOptions& opts) {
  SamplerSettings s;
  for (const char* name : {"temperature", "top-k", "top-p", "min-p", "repeat-penalty",
                           "presence-penalty", "frequency-penalty", "repeat-last-n", "seed"}) {
    set_sampler_field(s, name, opts.get(name));
  }
  s.validate();
  return s;
}

std::string describe_sampler(const SamplerSettings& s) {
  std::ostringstream o;
  o << "temperature " << s.temperature << ", top-k " << s.top_k << ", top-p " << s.top_p
    << ", min-p " << s.min_p << ", repeat-penalty " << s.repetition_penalty
    << ", presence-penalty " << s.presence_penalty << ", frequency-penalty "
    << s.frequency_penalty << ", repeat-last-n " << s.penalty_last_n << ", seed " << s.seed;
  return o.str();
}

}  // namespace llmforge
