#include "rl/reward_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/rng.h"
#include "infer/chat_format.h"

namespace llmforge {
namespace {

// -log sigmoid(d), stable for large |d|.
double softplus_neg(double d) { return d > 0 ? std::log1p(std::exp(-d)) : -d + std::log1p(std::exp(d)); }

void check_rm_batch(const Model& model, const MicroBatch& b) {
  if (!model.config().value_head) ErrorBuilder("rlhf") << "the model has no value head (score.weight): not a reward model";
  if (b.rows % 2 != 0 || b.aux.size() != size_t(b.rows))
    ErrorBuilder("rlhf") << "a reward-model micro-batch holds pairs of rows with their last indices";
}

}  // namespace

std::vector<int32_t> render_scored(const Tokenizer& tok, const std::string& prompt, const std::string& response) {
  return render_chat(tok, {{"user", prompt}, {"assistant", response}}, false).tokens;
}

double bradley_terry(const float* chosen, const float* rejected, int n, float* dchosen, float* drejected,
                     double* correct) {
  double loss = 0;
  for (int i = 0; i < n; ++i) {
    const double d = double(chosen[i]) - double(rejected[i]);
    loss += softplus_neg(d);
    // d/dd of -log sigmoid(d) = -(1 - sigmoid(d)) = -sigmoid(-d).
    const double g = -1.0 / (1.0 + std::exp(d));
    if (dchosen) dchosen[i] = float(g);
    if (drejected) drejected[i] = float(-g);
    if (correct) *correct += d > 0 ? 1.0 : d == 0 ? 0.5 : 0.0;
  }
  return loss;
}

MicroBatch build_rm_micro_batch(const std::vector<const std::vector<int32_t>*>& chosen,
                                const std::vector<const std::vector<int32_t>*>& rejected) {
  LLMF_CHECK(chosen.size() == rejected.size() && !chosen.empty()) << "pairs of chosen and rejected rows";
  MicroBatch b;
  b.rows = int(2 * chosen.size());
  for (size_t i = 0; i < chosen.size(); ++i)
    b.t = std::max({b.t, int(chosen[i]->size()), int(rejected[i]->size())});
  const size_t n = size_t(b.rows) * size_t(b.t);
  b.inputs.assign(n, 0);
  b.targets.assign(n, -1);
  b.weights.assign(n, 0.0f);
  b.aux.assign(size_t(b.rows), 0.0f);
  for (int r = 0; r < b.rows; ++r) {
    const std::vector<int32_t>& s = r % 2 == 0 ? *chosen[size_t(r / 2)] : *rejected[size_t(r / 2)];
    LLMF_CHECK(!s.empty()) << "an empty sequence to score";
    std::copy(s.begin(), s.end(), b.inputs.begin() + long(size_t(r) * size_t(b.t)));
    b.aux[size_t(r)] = float(s.size() - 1);
    b.real_tokens += long(s.size());
    if (r % 2 == 0) {  // one counted target per pair: the loop's weight is the pair count
      const size_t at = size_t(r) * size_t(b.t) + s.size() - 1;
      b.targets[at] = 0;
      b.weights[at] = 1.0f;
    }
  }
  return b;
}

namespace {

// Values at each row's last index, chosen (even rows) and rejected (odd rows).
void pair_values(const Model& model, const MicroBatch& b, std::vector<float>& vc, std::vector<float>& vr) {
  std::vector<float> values(size_t(b.rows) * size_t(b.t));
  model.kernels().copy_to_host(values.data(), model.values(), values.size() * sizeof(float));
  const int P = b.rows / 2;
  vc.resize(size_t(P)), vr.resize(size_t(P));
  for (int i = 0; i < P; ++i) {
    vc[size_t(i)] = values[size_t(2 * i) * size_t(b.t) + size_t(b.aux[size_t(2 * i)])];
    vr[size_t(i)] = values[size_t(2 * i + 1) * size_t(b.t) + size_t(b.aux[size_t(2 * i + 1)])];
  }
}

}  // namespace

double rm_micro_batch_eval(Model& model, const MicroBatch& b, RmStats* stats, std::vector<float>* margins) {
  check_rm_batch(model, b);
  std::vector<float> vc, vr;
  pair_values(model, b, vc, vr);
  RmStats s;
  const double loss = bradley_terry(vc.data(), vr.data(), int(vc.size()), nullptr, nullptr, &s.correct);
  s.pairs = double(vc.size());
  for (size_t i = 0; i < vc.size(); ++i) s.margin += double(vc[i]) - double(vr[i]);
  if (margins)
    for (size_t i = 0; i < vc.size(); ++i) margins->push_back(vc[i] - vr[i]);
  if (stats) stats->add(s);
  return loss;
}

double rm_micro_batch_backward(Model& model, const MicroBatch& b, double grad_scale, RmStats* stats) {
  const double loss = rm_micro_batch_eval(model, b, stats);
  std::vector<float> vc, vr;
  pair_values(model, b, vc, vr);
  const int P = b.rows / 2;
  std::vector<float> dc(static_cast<size_t>(P)), dr(static_cast<size_t>(P));
  bradley_terry(vc.data(), vr.data(), P, dc.data(), dr.data(), nullptr);
  std::vector<float> dvalues(size_t(b.rows) * size_t(b.t), 0.0f);
  for (int i = 0; i < P; ++i) {
    dvalues[size_t(2 * i) * size_t(b.t) + size_t(b.aux[size_t(2 * i)])] = float(dc[size_t(i)] * grad_scale);
    dvalues[size_t(2 * i + 1) * size_t(b.t) + size_t(b.aux[size_t(2 * i + 1)])] = float(dr[size_t(i)] * grad_scale);
  }
  model.backward(LogitsGradFn(), dvalues.data());
  return loss;
}

std::unique_ptr<Model> reward_model_from(const Model& chat, uint64_t seed, float head_std) {
  if (chat.config().value_head)
    ErrorBuilder("rlhf") << "the starting model has a value head already; give the chat (SFT) model";
  ModelConfig c = chat.config();
  c.value_head = true;
  auto rm = std::make_unique<Model>(c, chat.precision(), chat.kernels());
  const KernelBackend& k = chat.kernels();
  std::vector<float> host;
  for (const ParamInfo& p : chat.layout().params()) {
    const ParamInfo* q = rm->layout().find(p.name);
    LLMF_CHECK(q && q->size == p.size) << "reward-model layout differs at " << p.name;
    host.resize(p.size);
    k.copy_to_host(host.data(), chat.params() + p.offset, p.size * sizeof(float));
    k.copy_to_device(rm->params() + q->offset, host.data(), p.size * sizeof(float));
  }
  const ParamInfo* head = rm->layout().find("score.weight");
  Rng rng(seed);
  host.resize(head->size);
  for (float& x : host) x = float(rng.normal() * head_std);
  k.copy_to_device(rm->params() + head->offset, host.data(), head->size * sizeof(float));
  return rm;
}

std::vector<float> score_sequences(Model& model, const std::vector<std::vector<int32_t>>& seqs, int batch) {
  if (!model.config().value_head) ErrorBuilder("rlhf") << "the model has no value head (score.weight): not a reward model";
  std::vector<float> out(seqs.size());
  const KernelBackend& k = model.kernels();
  for (size_t s0 = 0; s0 < seqs.size(); s0 += size_t(batch)) {
    const size_t n = std::min(seqs.size() - s0, size_t(batch));
    int t = 1;
    for (size_t i = 0; i < n; ++i) {
      const auto& s = seqs[s0 + i];
      if (s.empty()) ErrorBuilder("rlhf") << "sequence " << s0 + i << " is empty";
      if (int(s.size()) > model.config().max_seq_len)
        ErrorBuilder("rlhf") << "sequence " << s0 + i << " has " << s.size() << " tokens, more than the context of "
                             << model.config().max_seq_len;
      t = std::max(t, int(s.size()));
    }
    std::vector<int32_t> tokens(n * size_t(t), 0);
    for (size_t i = 0; i < n; ++i) std::copy(seqs[s0 + i].begin(), seqs[s0 + i].end(), tokens.begin() + long(i * size_t(t)));
    model.forward(tokens.data(), int(n), t);
    std::vector<float> values(n * size_t(t));
    k.copy_to_host(values.data(), model.values(), values.size() * sizeof(float));
    for (size_t i = 0; i < n; ++i) out[s0 + i] = values[i * size_t(t) + seqs[s0 + i].size() - 1];
  }
  return out;
}

}  // namespace llmforge
