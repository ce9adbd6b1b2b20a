#include "rl/grpo_loss.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace llmforge {

const char* loss_type_name(GrpoLossType t) {
  switch (t) {
    case GrpoLossType::kGrpo: return "grpo";
    case GrpoLossType::kBnpo: return "bnpo";
    case GrpoLossType::kDapo: return "dapo";
    case GrpoLossType::kDrGrpo: return "dr_grpo";
  }
  return "?";
}

GrpoLossType parse_loss_type(const std::string& s) {
  for (GrpoLossType t : {GrpoLossType::kGrpo, GrpoLossType::kBnpo, GrpoLossType::kDapo, GrpoLossType::kDrGrpo})
    if (s == loss_type_name(t)) return t;
  ErrorBuilder("rl") << "unknown loss type '" << s << "' (grpo, bnpo, dapo or dr_grpo)";
  return GrpoLossType::kDapo;  // not reached: the builder throws
}

const char* reward_scaling_name(RewardScaling s) {
  switch (s) {
    case RewardScaling::kGroup: return "group";
    case RewardScaling::kBatch: return "batch";
    case RewardScaling::kNone: return "none";
  }
  return "?";
}

RewardScaling parse_reward_scaling(const std::string& s) {
  for (RewardScaling r : {RewardScaling::kGroup, RewardScaling::kBatch, RewardScaling::kNone})
    if (s == reward_scaling_name(r)) return r;
  ErrorBuilder("rl") << "unknown reward scaling '" << s << "' (group, batch or none)";
  return RewardScaling::kGroup;  // not reached
}

const char* importance_level_name(ImportanceLevel l) {
  return l == ImportanceLevel::kToken ? "token" : "sequence";
}

ImportanceLevel parse_importance_level(const std::string& s) {
  if (s == "token") return ImportanceLevel::kToken;
  if (s == "sequence") return ImportanceLevel::kSequence;
  ErrorBuilder("rl") << "unknown importance sampling level '" << s << "' (token or sequence)";
  return ImportanceLevel::kToken;  // not reached
}

void GrpoLossConfig::validate() const {
  if (!(epsilon_low >= 0 && epsilon_low < 1)) ErrorBuilder("rl") << "epsilon_low must be in [0, 1), got " << epsilon_low;
  if (!(epsilon_high >= 0)) ErrorBuilder("rl") << "epsilon_high must not be negative, got " << epsilon_high;
  if (!(delta >= 0)) ErrorBuilder("rl") << "delta must be positive (or 0: off), got " << delta;
  if (delta > 0 && delta <= 1 + epsilon_high) {
    ErrorBuilder("rl") << "delta " << delta << " must exceed 1 + epsilon_high (" << 1 + epsilon_high << ")";
  }
  if (!(beta >= 0)) ErrorBuilder("rl") << "beta must not be negative, got " << beta;
  if (max_completion_length <= 0) ErrorBuilder("rl") << "max_completion_length must be positive";
  if (!(temperature > 0)) ErrorBuilder("rl") << "temperature must be positive, got " << temperature;
}

void GrpoStats::add(const GrpoStats& o) {
  tokens += o.tokens;
  clipped_low += o.clipped_low;
  clipped_high += o.clipped_high;
  kl += o.kl;
  entropy += o.entropy;
}

std::vector<float> group_advantages(const std::vector<double>& rewards, int group_size,
                                    RewardScaling scaling, std::vector<uint8_t>* zero_std) {
  if (group_size <= 0 || rewards.size() % size_t(group_size) != 0) {
    ErrorBuilder("rl") << rewards.size() << " rewards do not form groups of " << group_size;
  }
  auto unbiased_std = [](const double* r, size_t n, double mean) {
    if (n < 2) return double(NAN);  // torch.std of one element
    double ss = 0;
    for (size_t i = 0; i < n; ++i) ss += (r[i] - mean) * (r[i] - mean);
    return std::sqrt(ss / double(n - 1));
  };
  const size_t n = rewards.size(), g = size_t(group_size);
  double batch_mean = 0;
  for (double r : rewards) batch_mean += r;
  batch_mean /= double(std::max<size_t>(n, 1));
  const double batch_std = unbiased_std(rewards.data(), n, batch_mean);
  std::vector<float> adv(n);
  if (zero_std) zero_std->assign(n, 0);
  for (size_t s = 0; s < n; s += g) {
    double mean = 0;
    for (size_t i = s; i < s + g; ++i) mean += rewards[i];
    mean /= double(g);
    const double group_std = unbiased_std(rewards.data() + s, g, mean);
    const double std = scaling == RewardScaling::kBatch ? batch_std : group_std;
    for (size_t i = s; i < s + g; ++i) {
      double a = rewards[i] - mean;
      if (scaling != RewardScaling::kNone) a /= std + 1e-4;
      adv[i] = float(a);
      // TRL flags groups by the std its scaling uses (the group's for "none" too).
      if (zero_std && std::fabs(std) <= 1e-8) (*zero_std)[i] = 1;
    }
  }
  return adv;
}

std::vector<double> grpo_sequence_coefficients(const GrpoLossConfig& cfg,
                                               const std::vector<GrpoSequence>& seqs, int n_micro) {
  std::vector<double> c(seqs.size());
  double tokens = 0;
  std::vector<double> mb_tokens(size_t(std::max(n_micro, 1)), 0.0);
  for (const GrpoSequence& s : seqs) {
    tokens += s.length;
    if (s.micro_batch < 0 || s.micro_batch >= n_micro) {
      ErrorBuilder("rl") << "sequence in micro-batch " << s.micro_batch << " of " << n_micro;
    }
    mb_tokens[size_t(s.micro_batch)] += s.length;
  }
  const double n_seq = double(seqs.size());
  for (size_t i = 0; i < seqs.size(); ++i) {
    switch (cfg.loss_type) {
      case GrpoLossType::kGrpo: c[i] = 1.0 / (std::max(1, seqs[i].length) * n_seq); break;
      case GrpoLossType::kBnpo:
        c[i] = 1.0 / (std::max(1.0, mb_tokens[size_t(seqs[i].micro_batch)]) * n_micro);
        break;
      case GrpoLossType::kDapo: c[i] = 1.0 / std::max(1.0, tokens); break;
      case GrpoLossType::kDrGrpo: c[i] = 1.0 / (n_seq * cfg.max_completion_length); break;
    }
  }
  return c;
}

namespace {

// -min(min(rho, delta) A, clamp(rho, lo, hi) A) and its derivative with respect to
// log(rho), with PyTorch's subgradients: clamp passes the gradient on its closed
// interval, and min splits it in half on a tie (the unclipped case, where both
// sides are the same number).
double clipped_term(const GrpoLossConfig& cfg, double log_rho, double a, double* dlog_rho,
                    GrpoStats* stats, double count) {
  const double rho = std::exp(log_rho);
  double r1 = rho, d1 = rho;
  if (cfg.delta > 0 && rho > cfg.delta) r1 = cfg.delta, d1 = 0;
  const double lo = 1 - cfg.epsilon_low, hi = 1 + cfg.epsilon_high;
  double r2 = rho, d2 = rho;
  if (rho < lo) r2 = lo, d2 = 0;
  else if (rho > hi) r2 = hi, d2 = 0;
  const double l1 = r1 * a, l2 = r2 * a;
  double d;
  if (l1 < l2) d = d1;
  else if (l2 < l1) d = d2;
  else d = 0.5 * (d1 + d2);
  *dlog_rho = -d * a;
  if (stats) {
    if (r1 < lo && a < 0) stats->clipped_low += count;
    if (r1 > hi && a > 0) stats->clipped_high += count;
  }
  return -std::min(l1, l2);
}

// beta * k3 and its derivative with respect to logp.
double kl_term(double beta, double logp, double ref_logp, double* dlogp, GrpoStats* stats) {
  const double x = ref_logp - logp;
  const double k3 = std::exp(x) - x - 1;
  *dlogp = beta * (1 - std::exp(x));
  if (stats) stats->kl += k3;
  return beta * k3;
}

}  // namespace

double grpo_token_term(const GrpoLossConfig& cfg, float logp, float old_logp, float ref_logp,
                       float advantage, double* dlogp, GrpoStats* stats) {
  double d = 0;
  double loss = clipped_term(cfg, double(logp) - double(old_logp), advantage, &d, stats, 1.0);
  if (cfg.beta > 0) {
    double dk = 0;
    loss += kl_term(cfg.beta, logp, ref_logp, &dk, stats);
    d += dk;
  }
  if (stats) stats->tokens += 1;
  *dlogp = d;
  return loss;
}

double grpo_policy_loss(const GrpoLossConfig& cfg, const std::vector<GrpoSequence>& seqs,
                        const std::vector<double>& coef, const float* logp, const float* old_logp,
                        const float* ref_logp, float* dlogp, GrpoStats* stats) {
  if (cfg.beta > 0 && !ref_logp) ErrorBuilder("rl") << "beta > 0 needs reference log-probabilities";
  LLMF_CHECK(coef.size() == seqs.size()) << "one coefficient per sequence";
  double total = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const GrpoSequence& s = seqs[i];
    const float* lp = logp + s.start;
    const float* old = old_logp + s.start;
    float* d = dlogp + s.start;
    double seq_loss = 0;
    if (cfg.importance == ImportanceLevel::kToken) {
      for (int t = 0; t < s.length; ++t) {
        double g = 0;
        seq_loss += grpo_token_term(cfg, lp[t], old[t], ref_logp ? ref_logp[s.start + t] : 0.0f,
                                    s.advantage, &g, stats);
        d[t] = float(coef[i] * g);
      }
    } else {
      // GSPO: one ratio per sequence, the geometric mean of its token ratios; the
      // clipped term is the same for every token, so its sum is length * term and
      // each token's share of d(term)/d(log rho) is 1 / length of it.
      double log_rho = 0;
      for (int t = 0; t < s.length; ++t) log_rho += double(lp[t]) - double(old[t]);
      log_rho /= double(std::max(1, s.length));
      double g = 0;
      const double term = clipped_term(cfg, log_rho, s.advantage, &g, stats, double(s.length));
      seq_loss += term * s.length;
      for (int t = 0; t < s.length; ++t) {
        double gk = 0;
        if (cfg.beta > 0) seq_loss += kl_term(cfg.beta, lp[t], ref_logp[s.start + t], &gk, stats);
        d[t] = float(coef[i] * (g + gk));
      }
      if (stats) stats->tokens += s.length;
    }
    total += coef[i] * seq_loss;
  }
  return total;
}

void token_logprobs(const float* logits, const int32_t* targets, int n, int vocab,
                    double temperature, float* logp) {
  const double inv_t = 1.0 / temperature;
  for (int r = 0; r < n; ++r) {
    if (targets[r] < 0) {
      logp[r] = 0;
      continue;
    }
    const float* z = logits + size_t(r) * vocab;
    double mx = -INFINITY;
    for (int j = 0; j < vocab; ++j) mx = std::max(mx, double(z[j]) * inv_t);
    double sum = 0;
    for (int j = 0; j < vocab; ++j) sum += std::exp(double(z[j]) * inv_t - mx);
    logp[r] = float(double(z[targets[r]]) * inv_t - mx - std::log(sum));
  }
}

void grpo_logits_backward(float* logits, const int32_t* targets, const float* dlogp, int n,
                          int vocab, double temperature, GrpoStats* stats) {
  const double inv_t = 1.0 / temperature;
  for (int r = 0; r < n; ++r) {
    float* z = logits + size_t(r) * vocab;
    if (targets[r] < 0) {
      std::fill(z, z + vocab, 0.0f);
      continue;
    }
    double mx = -INFINITY;
    for (int j = 0; j < vocab; ++j) mx = std::max(mx, double(z[j]) * inv_t);
    double sum = 0, zp = 0;
    for (int j = 0; j < vocab; ++j) {
      const double e = std::exp(double(z[j]) * inv_t - mx);
      sum += e;
      zp += e * (double(z[j]) * inv_t - mx);
    }
    const double lse = std::log(sum);
    // H = lse - sum p (z/T - mx): the entropy without a second pass over log p.
    if (stats) stats->entropy += lse - zp / sum;
    const double g = double(dlogp[r]) * inv_t;
    for (int j = 0; j < vocab; ++j) {
      const double p = std::exp(double(z[j]) * inv_t - mx - lse);
      z[j] = float(-g * p);
    }
    z[targets[r]] += float(g);
  }
}

}  // namespace llmforge
