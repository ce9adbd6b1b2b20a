// PPO's estimators for RLHF as pure functions over per-token arrays, written from
// the published formulas (Schulman et al. 2017; GAE, Schulman et al. 2016;
// InstructGPT's per-token KL penalty, Ouyang et al. 2022) in the shape of TRL's
// PPOTrainer (compute_rewards, masked_whiten, loss):
//
//   rewards     r_t = -beta (logp_t - ref_logp_t), plus the reward model's score on
//               the response's last token
//   GAE         delta_t = r_t + gamma V_{t+1} - V_t (V after the last token is 0)
//               A_t = delta_t + gamma lambda A_{t+1};  returns R_t = A_t + V_t
//   whitening   (A - mean) / sqrt(var + 1e-8) over every token of the batch, var
//               the unbiased one (TRL's masked_whiten with shift_mean)
//   policy      rho = exp(logp - old_logp);  mean_t max(-A rho, -A clamp(rho, 1 +- eps))
//   value       0.5 mean_t max((v - R)^2, (clamp(v, v_old +- eps_v) - R)^2)
//   adaptive KL beta <- beta (1 + clamp(KL / target - 1, -0.2, 0.2) n / horizon)
//               (Ziegler et al. 2019)
// Means are over all tokens given (the batch's response tokens). Arrays are laid
// out sequence after sequence; `lengths` gives each sequence's token count.
// tests/reference/torch_ppo.py checks every function and gradient against
// PyTorch autograd.
#pragma once

#include <vector>

namespace llmforge {

// Per-token rewards of one batch: sequences of `lengths` tokens, one score each.
// kl (optional) receives the per-token logp - ref_logp.
std::vector<float> ppo_token_rewards(const std::vector<int>& lengths, const std::vector<float>& scores,
                                     const float* logp, const float* ref_logp, double beta,
                                     std::vector<float>* kl = nullptr);

// Generalised advantage estimation per sequence: advantages and returns (same layout).
void gae(const std::vector<int>& lengths, const float* rewards, const float* values, double gamma, double lambda,
         float* advantages, float* returns);

// Whitens x (n) in place: (x - mean) / sqrt(var + 1e-8), var unbiased; with
// shift_mean false the mean is added back.
void whiten(float* x, long n, bool shift_mean = true);

struct PpoLossStats {
  double tokens = 0, clipped = 0, approx_kl = 0;  // approx_kl: sum of 0.5 (logp - old)^2
};

// The clipped surrogate's mean over n tokens; dlogp = d(loss)/d(logp).
double ppo_policy_loss(const float* logp, const float* old_logp, const float* advantages, long n, double epsilon,
                       float* dlogp, PpoLossStats* stats);

struct ValueLossStats {
  double tokens = 0, clipped = 0;
};

// The clipped value loss's mean over n tokens; dvalues = d(loss)/d(values).
double ppo_value_loss(const float* values, const float* old_values, const float* returns, long n,
                      double clip_range, float* dvalues, ValueLossStats* stats);

// 1 - Var(returns - values) / Var(returns) (population variances); NaN when
// returns do not vary.
double explained_variance(const float* values, const float* returns, long n);

class AdaptiveKlController {
 public:
  AdaptiveKlController(double init_beta, double target, double horizon)
      : beta_(init_beta), target_(target), horizon_(horizon) {}
  double beta() const { return beta_; }
  void set_beta(double b) { beta_ = b; }
  // After a batch of n_steps samples whose mean KL was `kl`; target <= 0: fixed beta.
  void update(double kl, double n_steps);

 private:
  double beta_, target_, horizon_;
};

}  // namespace llmforge
