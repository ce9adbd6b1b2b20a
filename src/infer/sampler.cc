#include "infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.h"

namespace llmforge {

namespace {

// Descending logit, ties by ascending id: deterministic whatever the sort does. A
// function object, so that the sorts inline the comparison (as a function pointer
// it cost a third of a 256-sequence rollout's time, with the sort around it).
struct ByLogit {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
  }
};
constexpr ByLogit by_logit{};

// Probabilities of the candidates (sorted or not), in their order.
std::vector<double> softmax(const std::vector<Candidate>& c) {
  double mx = -INFINITY;
  for (const Candidate& x : c) mx = std::max(mx, double(x.logit));
  std::vector<double> p(c.size());
  double sum = 0.0;
  for (size_t i = 0; i < c.size(); ++i) sum += p[i] = std::exp(double(c[i].logit) - mx);
  for (double& x : p) x /= sum;
  return p;
}

class LogitBias : public SamplerStage {
 public:
  explicit LogitBias(std::vector<std::pair<int32_t, float>> b) : bias_(std::move(b)) {}
  std::string name() const override { return "logit-bias"; }
  void apply(std::vector<Candidate>& cands, SamplerContext&) override {
    // Candidates are still indexed by id at the head of the chain; search otherwise.
    for (auto [id, b] : bias_) {
      if (id >= 0 && size_t(id) < cands.size() && cands[id].id == id) {
        cands[id].logit += b;
        continue;
      }
      for (Candidate& c : cands)
        if (c.id == id) c.logit += b;
    }
  }

 private:
  std::vector<std::pair<int32_t, float>> bias_;
};

class Penalties : public SamplerStage {
 public:
  Penalties(double rep, double pres, double freq) : rep_(rep), pres_(pres), freq_(freq) {}
  std::string name() const override { return "penalties"; }
  void apply(std::vector<Candidate>& cands, SamplerContext& ctx) override {
    if (ctx.recent.empty()) return;
    std::unordered_map<int32_t, int> count;
    for (int32_t t : ctx.recent) ++count[t];
    for (Candidate& c : cands) {
      auto it = count.find(c.id);
      if (it == count.end()) continue;
      if (rep_ != 1.0) c.logit = c.logit > 0 ? float(c.logit / rep_) : float(c.logit * rep_);
      c.logit -= float(it->second * freq_ + pres_);
    }
  }

 private:
  double rep_, pres_, freq_;
};

class TopK : public SamplerStage {
 public:
  explicit TopK(int k) : k_(k) {}
  std::string name() const override { return "top-k"; }
  void apply(std::vector<Candidate>& cands, SamplerContext&) override {
    if (k_ <= 0 || size_t(k_) >= cands.size()) return;
    std::partial_sort(cands.begin(), cands.begin() + k_, cands.end(), by_logit);
    cands.resize(k_);
  }

 private:
  int k_;
};

class TopP : public SamplerStage {
 public:
  explicit TopP(double p) : p_(p) {}
  std::string name() const override { return "top-p"; }
  void apply(std::vector<Candidate>& cands, SamplerContext&) override {
    if (p_ >= 1.0) return;
    std::sort(cands.begin(), cands.end(), by_logit);
    std::vector<double> p = softmax(cands);
    double cum = 0.0;
    size_t keep = cands.size();
    for (size_t i = 0; i < cands.size(); ++i) {
      cum += p[i];
      if (cum >= p_) {
        keep = i + 1;
        break;
      }
    }
    cands.resize(keep);
  }

 private:
  double p_;
};

class MinP : public SamplerStage {
 public:
  explicit MinP(double p) : p_(p) {}
  std::string name() const override { return "min-p"; }
  void apply(std::vector<Candidate>& cands, SamplerContext&) override {
    if (p_ <= 0.0 || cands.empty()) return;
    // p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p).
    float mx = -INFINITY;
    for (const Candidate& c : cands) mx = std::max(mx, c.logit);
    const double cut = double(mx) + std::log(p_);
    std::erase_if(cands, [&](const Candidate& c) { return double(c.logit) < cut; });
  }

 private:
  double p_;
};

class Temperature : public SamplerStage {
 public:
  explicit Temperature(double t) : t_(t) {}
  std::string name() const override { return "temperature"; }
  void apply(std::vector<Candidate>& cands, SamplerContext&) override {
    for (Candidate& c : cands) c.logit = float(c.logit / t_);
  }

 private:
  double t_;
};

class Greedy : public SamplerStage {
 public:
  std::string name() const override { return "greedy"; }
  void apply(std::vector<Candidate>& cands, SamplerContext&) override {
    auto best = std::min_element(cands.begin(), cands.end(), by_logit);
    Candidate c = *best;
    cands.assign(1, c);
  }
};

class Draw : public SamplerStage {
 public:
  std::string name() const override { return "draw"; }
  void apply(std::vector<Candidate>& cands, SamplerContext& ctx) override {
    // The draw walks the candidates from the most likely down (so it does not depend on
    // the order earlier stages left), but only as far as it needs: at temperature 1 a
    // trained model's draw ends within the first few, so the candidates are put in
    // that order a few at a time (8, then 64, then all) instead of sorted whole.
    const size_t n = cands.size();
    double mx = -INFINITY;
    for (const Candidate& c : cands) mx = std::max(mx, double(c.logit));
    double sum = 0.0;
    for (const Candidate& c : cands) sum += std::exp(double(c.logit) - mx);
    double u = ctx.rng.uniform();
    size_t pick = n - 1, walked = 0, ordered = 0;
    for (const size_t upto : {size_t(8), size_t(64), n}) {
      const size_t end = std::min(upto, n);
      if (end <= ordered) continue;
      if (end == n) std::sort(cands.begin() + long(ordered), cands.end(), by_logit);
      else std::partial_sort(cands.begin() + long(ordered), cands.begin() + long(end), cands.end(), by_logit);
      ordered = end;
      for (; walked < ordered; ++walked) {
        u -= std::exp(double(cands[walked].logit) - mx) / sum;
        if (u < 0.0) break;
      }
      if (walked < ordered) {
        pick = walked;
        break;
      }
    }
    Candidate c = cands[pick];
    cands.assign(1, c);
  }
};

}  // namespace

void SamplerSettings::validate() const {
  auto bad = [](const char* field, double v, const char* range) {
    ErrorBuilder("sampler") << field << " = " << v << " is out of range (" << range << ")";
  };
  if (!(temperature >= 0.0 && temperature <= 100.0)) bad("temperature", temperature, "0..100");
  if (top_k < 0) bad("top_k", top_k, ">= 0");
  if (!(top_p > 0.0 && top_p <= 1.0)) bad("top_p", top_p, "(0, 1]");
  if (!(min_p >= 0.0 && min_p <= 1.0)) bad("min_p", min_p, "[0, 1]");
  if (!(repetition_penalty > 0.0 && repetition_penalty <= 10.0))
    bad("repetition_penalty", repetition_penalty, "(0, 10]");
  if (!(presence_penalty >= -2.0 && presence_penalty <= 2.0))
    bad("presence_penalty", presence_penalty, "-2..2");
  if (!(frequency_penalty >= -2.0 && frequency_penalty <= 2.0))
    bad("frequency_penalty", frequency_penalty, "-2..2");
  if (penalty_last_n < 0) bad("penalty_last_n", penalty_last_n, ">= 0");
  for (auto [id, b] : logit_bias) {
    if (!std::isfinite(b) || b < -100.0f || b > 100.0f) bad("logit_bias value", b, "-100..100");
  }
}

std::unique_ptr<SamplerStage> make_logit_bias(std::vector<std::pair<int32_t, float>> bias) {
  return std::make_unique<LogitBias>(std::move(bias));
}
std::unique_ptr<SamplerStage> make_penalties(double repetition, double presence,
                                             double frequency) {
  return std::make_unique<Penalties>(repetition, presence, frequency);
}
std::unique_ptr<SamplerStage> make_top_k(int k) { return std::make_unique<TopK>(k); }
std::unique_ptr<SamplerStage> make_top_p(double p) { return std::make_unique<TopP>(p); }
std::unique_ptr<SamplerStage> make_min_p(double p) { return std::make_unique<MinP>(p); }
std::unique_ptr<SamplerStage> make_temperature(double t) {
  return std::make_unique<Temperature>(t);
}
std::unique_ptr<SamplerStage> make_greedy() { return std::make_unique<Greedy>(); }
std::unique_ptr<SamplerStage> make_draw() { return std::make_unique<Draw>(); }

SamplerChain::SamplerChain(uint64_t seed, int history) : ctx_{{}, Rng(seed)}, history_(history) {}

SamplerChain& SamplerChain::add(std::unique_ptr<SamplerStage> stage) {
  stages_.push_back(std::move(stage));
  return *this;
}

int32_t SamplerChain::sample(const float* logits, int vocab) {
  LLMF_CHECK(!stages_.empty()) << "sampler chain without stages";
  cands_.resize(vocab);
  for (int i = 0; i < vocab; ++i) cands_[i] = {i, logits[i]};
  for (auto& s : stages_) {
    s->apply(cands_, ctx_);
    // A filter never empties the list (each keeps at least its best candidate), but
    // a buggy custom stage must not turn into an out-of-range read.
    LLMF_CHECK(!cands_.empty()) << "sampler stage " << s->name() << " removed every candidate";
  }
  if (cands_.size() > 1) {  // chain without a selecting stage: take the best
    cands_.assign(1, *std::min_element(cands_.begin(), cands_.end(), by_logit));
  }
  return cands_[0].id;
}

void SamplerChain::accept(int32_t token) {
  if (history_ <= 0) return;
  ctx_.recent.push_back(token);
  while (int(ctx_.recent.size()) > history_) ctx_.recent.pop_front();
}

std::string SamplerChain::describe() const {
  std::string out;
  for (const auto& s : stages_) out += (out.empty() ? "" : " -> ") + s->name();
  return out;
}

SamplerChain make_sampler_chain(const SamplerSettings& s) {
  s.validate();
  SamplerChain chain(s.seed, s.penalty_last_n);
  if (!s.logit_bias.empty()) chain.add(make_logit_bias(s.logit_bias));
  if (s.repetition_penalty != 1.0 || s.presence_penalty != 0.0 || s.frequency_penalty != 0.0) {
    chain.add(make_penalties(s.repetition_penalty, s.presence_penalty, s.frequency_penalty));
  }
  if (s.temperature <= 0.0) {
    chain.add(make_greedy());
    return chain;
  }
  if (s.top_k > 0) chain.add(make_top_k(s.top_k));
  if (s.top_p < 1.0) chain.add(make_top_p(s.top_p));
  if (s.min_p > 0.0) chain.add(make_min_p(s.min_p));
  if (s.temperature != 1.0) chain.add(make_temperature(s.temperature));
  chain.add(make_draw());
  return chain;
}

}  // namespace llmforge
