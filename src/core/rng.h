// Deterministic random numbers: the same seed gives the same stream on every
// platform and standard library (std::normal_distribution does not promise that).
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>

namespace llmforge {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}

  // SplitMix64: tiny state, passes BigCrush, trivially serializable.
  uint64_t next_u64() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next_u64() % n; }
  // Standard normal by Box-Muller (one value per call; simple and reproducible).
  double normal() {
    double u1 = uniform();
    double u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  uint64_t state() const { return state_; }
  void set_state(uint64_t s) { state_ = s; }

 private:
  uint64_t state_;
};

// Fisher-Yates shuffle of any indexable container with our own RNG, so the order is
// the same on every platform (std::shuffle's is not).
template <typename Container>
void shuffle_in_place(Container& items, Rng& rng) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

}  // namespace llmforge
