#include "rl/ppo_loss.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace llmforge {

std::vector<float> ppo_token_rewards(const std::vector<int>& lengths, const std::vector<float>& scores,
                                     const float* logp, const float* ref_logp, double beta,
                                     std::vector<float>* kl) {
  LLMF_CHECK(lengths.size() == scores.size()) << "one score per sequence";
  long n = 0;
  for (int l : lengths) n += l;
  std::vector<float> r(static_cast<size_t>(n));
  if (kl) kl->resize(size_t(n));
  long at = 0;
  for (size_t s = 0; s < lengths.size(); ++s) {
    for (int t = 0; t < lengths[s]; ++t, ++at) {
      const double k = double(logp[at]) - double(ref_logp[at]);
      if (kl) (*kl)[size_t(at)] = float(k);
      double v = -beta * k;
      if (t == lengths[s] - 1) v += double(scores[s]);
      r[size_t(at)] = float(v);
    }
  }
  return r;
}

void gae(const std::vector<int>& lengths, const float* rewards, const float* values, double gamma, double lambda,
         float* advantages, float* returns) {
  long start = 0;
  for (int len : lengths) {
    double last = 0;
    for (int t = len - 1; t >= 0; --t) {
      const long i = start + t;
      const double next = t + 1 < len ? double(values[i + 1]) : 0.0;
      const double delta = double(rewards[i]) + gamma * next - double(values[i]);
      last = delta + gamma * lambda * last;
      advantages[i] = float(last);
      returns[i] = float(last + double(values[i]));
    }
    start += len;
  }
}

void whiten(float* x, long n, bool shift_mean) {
  if (n < 2) ErrorBuilder("rl") << "whitening needs at least two values (got " << n << ")";
  double mean = 0;
  for (long i = 0; i < n; ++i) mean += x[i];
  mean /= double(n);
  double var = 0;
  for (long i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= double(n - 1);
  const double inv = 1.0 / std::sqrt(var + 1e-8);
  for (long i = 0; i < n; ++i) x[i] = float((x[i] - mean) * inv + (shift_mean ? 0.0 : mean));
}

double ppo_policy_loss(const float* logp, const float* old_logp, const float* advantages, long n, double epsilon,
                       float* dlogp, PpoLossStats* stats) {
  if (n <= 0) return 0;
  double loss = 0;
  for (long i = 0; i < n; ++i) {
    const double lr = double(logp[i]) - double(old_logp[i]);
    const double rho = std::exp(lr), a = advantages[i];
    const double clipped = std::clamp(rho, 1 - epsilon, 1 + epsilon);
    const double l1 = -a * rho, l2 = -a * clipped;
    // max(l1, l2); the gradient flows through l1 unless l2 is strictly larger
    // (torch.max sends it to the first argument on ties), and l2 is constant in rho
    // where the clamp is active.
    double g = 0;
    if (l2 > l1) {
      loss += l2;
      if (rho > 1 - epsilon && rho < 1 + epsilon) g = -a * rho;
      if (stats) stats->clipped += 1;
    } else {
      loss += l1;
      g = -a * rho;
    }
    if (dlogp) dlogp[i] = float(g / double(n));
    if (stats) stats->approx_kl += 0.5 * lr * lr;
  }
  if (stats) stats->tokens += double(n);
  return loss / double(n);
}

double ppo_value_loss(const float* values, const float* old_values, const float* returns, long n,
                      double clip_range, float* dvalues, ValueLossStats* stats) {
  if (n <= 0) return 0;
  double loss = 0;
  for (long i = 0; i < n; ++i) {
    const double v = values[i], old = old_values[i], r = returns[i];
    const double vc = std::clamp(v, old - clip_range, old + clip_range);
    const double l1 = (v - r) * (v - r), l2 = (vc - r) * (vc - r);
    double g = 0;
    if (l2 > l1) {
      loss += l2;
      if (v > old - clip_range && v < old + clip_range) g = 2 * (vc - r);
      if (stats) stats->clipped += 1;
    } else {
      loss += l1;
      g = 2 * (v - r);
    }
    if (dvalues) dvalues[i] = float(0.5 * g / double(n));
  }
  if (stats) stats->tokens += double(n);
  return 0.5 * loss / double(n);
}

double explained_variance(const float* values, const float* returns, long n) {
  if (n <= 0) return std::numeric_limits<double>::quiet_NaN();
  double mr = 0, md = 0;
  for (long i = 0; i < n; ++i) mr += returns[i], md += double(returns[i]) - double(values[i]);
  mr /= double(n), md /= double(n);
  double vr = 0, vd = 0;
  for (long i = 0; i < n; ++i) {
    vr += (returns[i] - mr) * (returns[i] - mr);
    const double d = double(returns[i]) - double(values[i]) - md;
    vd += d * d;
  }
  if (vr <= 0) return std::numeric_limits<double>::quiet_NaN();
  return 1.0 - vd / vr;
}

void AdaptiveKlController::update(double kl, double n_steps) {
  if (target_ <= 0) return;
  const double err = std::clamp(kl / target_ - 1.0, -0.2, 0.2);
  beta_ *= 1.0 + err * n_steps / horizon_;
}

}  // namespace llmforge
