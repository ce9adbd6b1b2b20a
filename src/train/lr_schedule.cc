#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace llmforge {

double LrSchedule::at(long step) const {
  if (warmup_steps > 0 && step < warmup_steps) return max_lr * double(step + 1) / warmup_steps;
  if (kind == Kind::kConstant) return max_lr;
  const long decay_steps = std::max(1L, total_steps - warmup_steps);
  const double progress = std::clamp(double(step - warmup_steps) / decay_steps, 0.0, 1.0);
  if (kind == Kind::kCosine) {
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + std::cos(M_PI * progress));
  }
  // WSD: stable at max_lr, then linear to min_lr over the final decay_fraction.
  const double stable = 1.0 - decay_fraction;
  if (progress <= stable) return max_lr;
  return max_lr + (min_lr - max_lr) * (progress - stable) / std::max(1e-12, decay_fraction);
}

LrSchedule::Kind parse_lr_schedule(const std::string& name) {
  if (name == "cosine") return LrSchedule::Kind::kCosine;
  if (name == "wsd") return LrSchedule::Kind::kWsd;
  if (name == "constant") return LrSchedule::Kind::kConstant;
  ErrorBuilder("train") << "unknown learning-rate schedule '" << name
                        << "' (expected cosine, wsd or constant)";
}

}  // namespace llmforge
