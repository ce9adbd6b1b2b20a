// Inference weight storage (infer/weight_store.h): the q8_0 and bf16 values the engine
// multiplies with are exactly those of `llmforge export gguf` (every matrix, rotary
// rows included, compared bit for bit after reading the file back), reading such a
// file back and storing it again gives the same bytes (so `--model F.gguf --weights
// q8_0` runs llama.cpp's weights), and decoding with them stays close to fp32:
// greedy agreement and mean KL of the next-token distributions along an fp32 greedy
// path are printed and held to loose bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "gguf/gguf_file.h"
#include "gguf/gguf_types.h"
#include "infer/engine.h"
#include "infer/weight_store.h"
#include "model/gguf_model.h"
#include "test_util.h"
#include "tiny_model.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

Model make_model() {
  ModelConfig c = testing::tiny_config(320);
  c.tie_embeddings = false;
  Model m(c);
  m.init_random(5, 0.2f);
  return m;
}

std::vector<float> values_of(const WeightMatrix& w) {
  const size_t n = size_t(w.n) * w.k;
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    switch (w.type) {
      case WeightType::kF32: v[i] = static_cast<const float*>(w.data)[i]; break;
      case WeightType::kBf16: v[i] = bf16_to_fp32(static_cast<const uint16_t*>(w.data)[i]); break;
      case WeightType::kQ8_0:
        v[i] = w.scales[i / kQ8BlockValues] * float(static_cast<const int8_t*>(w.data)[i]);
        break;
    }
  }
  return v;
}

std::vector<const WeightMatrix*> matrices(const WeightStore& s, int n_layers) {
  std::vector<const WeightMatrix*> out{&s.embed(), &s.lm_head()};
  for (int l = 0; l < n_layers; ++l) {
    const WeightStore::Layer& L = s.layer(l);
    for (const WeightMatrix* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down})
      out.push_back(w);
  }
  return out;
}

TEST(WeightStore, HoldsExactlyTheValuesOfTheExportedGguf) {
  Model m = make_model();
  const int L = m.config().n_layers;
  for (auto [wt, gt] : {std::pair{WeightType::kQ8_0, gguf::TensorType::kQ8_0},
                        std::pair{WeightType::kBf16, gguf::TensorType::kBF16}}) {
    const WeightStore store(m, wt);
    const std::string path = ::testing::TempDir() + "/weights-" + weight_type_name(wt) + ".gguf";
    gguf::Writer w;
    add_model_to_gguf(m, gt, "t", &w);
    w.write(path);
    auto back = load_gguf_model(gguf::File::load(path), Precision::kFp32);
    const WeightStore fp32_view(*back, WeightType::kF32), again(*back, wt);
    const auto a = matrices(store, L), b = matrices(fp32_view, L), c = matrices(again, L);
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i]->type, wt);
      const auto va = values_of(*a[i]), vb = values_of(*b[i]);
      ASSERT_EQ(0, std::memcmp(va.data(), vb.data(), 4 * va.size()))
          << weight_type_name(wt) << " matrix " << i << " differs from the GGUF file's values";
      ASSERT_EQ(0, std::memcmp(a[i]->data, c[i]->data, weight_data_bytes(wt, a[i]->n, a[i]->k)))
          << "storing the file's weights again changed matrix " << i;
      if (wt == WeightType::kQ8_0) {
        ASSERT_EQ(0, std::memcmp(a[i]->scales, c[i]->scales, 4 * size_t(a[i]->n) * a[i]->k / 32));
      }
    }
    EXPECT_LT(store.bytes_per_token(), WeightStore(m, WeightType::kF32).bytes_per_token() / 1.8);
    fs::remove(path);
  }
}

// Next-token distributions along the fp32 greedy continuation of a prompt, decoded
// one token at a time as `generate` does.
std::vector<std::vector<double>> path_probs(const Model& m, WeightType wt,
                                            const std::vector<int32_t>& path, int prompt) {
  const int V = m.config().vocab_size;
  InferenceEngine e(m, 1, 0, wt);
  std::vector<float> logits(V);
  std::vector<std::vector<double>> out;
  e.prefill(0, path.data(), prompt, 0, logits.data());
  for (size_t pos = prompt;; ++pos) {
    const float mx = *std::max_element(logits.begin(), logits.end());
    std::vector<double> p(V);
    double z = 0;
    for (int i = 0; i < V; ++i) z += p[i] = std::exp(double(logits[i]) - mx);
    for (double& v : p) v /= z;
    out.push_back(p);
    if (pos >= path.size()) break;
    const int32_t tok = path[pos], slot = 0, ipos = int(pos);
    e.decode(&tok, &slot, &ipos, 1, logits.data());
  }
  return out;
}

TEST(WeightStore, ReducedWeightsDecodeCloseToFp32) {
  Model m = make_model();
  const int V = m.config().vocab_size, prompt = 8, steps = 64;
  std::vector<int32_t> path;
  for (int i = 0; i < prompt; ++i) path.push_back((i * 37 + 5) % V);
  {  // the fp32 greedy path
    InferenceEngine e(m, 1);
    std::vector<float> logits(V);
    e.prefill(0, path.data(), prompt, 0, logits.data());
    for (int s = 0; s < steps; ++s) {
      const int32_t tok = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
      path.push_back(tok);
      const int slot = 0, pos = int(path.size()) - 1;
      e.decode(&tok, &slot, &pos, 1, logits.data());
    }
  }
  const auto ref = path_probs(m, WeightType::kF32, path, prompt);
  for (WeightType wt : {WeightType::kBf16, WeightType::kQ8_0}) {
    const auto got = path_probs(m, wt, path, prompt);
    ASSERT_EQ(got.size(), ref.size());
    int agree = 0;
    double kl = 0;
    for (size_t s = 0; s < ref.size(); ++s) {
      const auto am = [](const std::vector<double>& p) { return std::max_element(p.begin(), p.end()) - p.begin(); };
      agree += am(ref[s]) == am(got[s]);
      for (int i = 0; i < V; ++i)
        if (ref[s][i] > 0) kl += ref[s][i] * std::log(ref[s][i] / std::max(got[s][i], 1e-300));
    }
    const double share = double(agree) / ref.size(), mean_kl = kl / ref.size();
    std::printf("[weights] %-4s vs f32: greedy agreement %d/%zu (%.1f%%), mean KL %.2e nats\n",
                weight_type_name(wt), agree, ref.size(), 100 * share, mean_kl);
    EXPECT_GE(share, 0.9) << weight_type_name(wt);
    EXPECT_LT(mean_kl, 1e-2) << weight_type_name(wt);
  }
}

}  // namespace
}  // namespace llmforge
