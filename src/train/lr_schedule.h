// Learning-rate schedules: linear warmup, then cosine decay or WSD (warmup-stable-
// decay: constant, then a linear decay over the last `decay_fraction` of steps).
#pragma once

#include <string>

namespace llmforge {

struct LrSchedule {
  enum class Kind { kCosine, kWsd, kConstant };
  Kind kind = Kind::kCosine;
  double max_lr = 1e-3;
  double min_lr = 1e-4;
  long warmup_steps = 0;
  long total_steps = 1;
  double decay_fraction = 0.2;  // WSD only

  // Learning rate for optimizer step `step` (0-based).
  double at(long step) const;
};

LrSchedule::Kind parse_lr_schedule(const std::string& name);  // cosine | wsd | constant

}  // namespace llmforge
