// Parity with PyTorch: tests/reference/torch_llama.py runs the same model on the
// same weights and inputs; logits, values, loss, every gradient and ten AdamW
// steps must agree (fp32: normalised error <= 1e-5; bf16: the looser bounds below).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "../test_util.h"
#include "model/model_io.h"
#include "model/safetensors.h"
#include "train/adamw.h"
#include "train/losses.h"

namespace llmforge {
namespace {

using testing::normalized_error;

struct ParityCase {
  std::string name;
  ModelConfig config;
  int b, t;
};

// Keeps test names and failure messages readable (gtest would dump the bytes).
void PrintTo(const ParityCase& c, std::ostream* os) { *os << c.name; }

std::vector<ParityCase> cases() {
  std::vector<ParityCase> out;
  ModelConfig mha;  // multi-head, tied head
  mha.vocab_size = 64, mha.dim = 32, mha.ffn_dim = 48, mha.n_layers = 2, mha.n_heads = 4,
  mha.n_kv_heads = 4, mha.max_seq_len = 32, mha.tie_embeddings = true;
  out.push_back({"mha_tied", mha, 2, 16});
  ModelConfig gqa = mha;  // grouped-query, untied head, other theta/eps
  gqa.vocab_size = 80, gqa.dim = 48, gqa.ffn_dim = 64, gqa.n_heads = 6, gqa.n_kv_heads = 2,
  gqa.tie_embeddings = false, gqa.rope_theta = 500000.0f, gqa.norm_eps = 1e-6f;
  out.push_back({"gqa_untied", gqa, 3, 12});
  ModelConfig mqa = mha;  // one kv head, three layers, value head
  mqa.vocab_size = 50, mqa.n_layers = 3, mqa.n_heads = 4, mqa.n_kv_heads = 1,
  mqa.ffn_dim = 40, mqa.value_head = true;
  out.push_back({"mqa_value_head", mqa, 2, 10});
  return out;
}

struct Fixture {
  std::unique_ptr<Model> model;
  std::vector<int32_t> tokens, targets;
  std::vector<float> weights, value_coef;
  SafetensorsFile reference;
};

// Writes the model and inputs, runs PyTorch on them, and loads both back.
Fixture make_fixture(const ParityCase& c, Precision precision) {
  std::string dir = testing::temp_dir("parity/" + c.name + "_" + precision_name(precision));
  std::filesystem::create_directories(dir);
  Model init(c.config);
  init.init_random(1234, 0.1f);
  // Norm weights away from 1 so their gradients are exercised.
  for (const ParamInfo& p : init.layout().params()) {
    if (p.shape.size() != 1) continue;
    auto noise = testing::random_vector(p.size, p.offset + 7, 0.2f);
    for (size_t i = 0; i < p.size; ++i) init.params()[p.offset + i] = 1.0f + noise[i];
  }
  save_model(init, dir + "/model");

  Fixture f;
  const size_t n = size_t(c.b) * c.t;
  Rng rng(99);
  std::vector<float> tok(n), tgt(n);
  for (size_t i = 0; i < n; ++i) {
    f.tokens.push_back(int32_t(rng.below(c.config.vocab_size)));
    f.targets.push_back(int32_t(rng.below(c.config.vocab_size)));
    f.weights.push_back(i % 5 == 3 ? 0.0f : float(0.5 + rng.uniform()));  // some ignored
    f.value_coef.push_back(float(rng.normal() * 0.1));
    tok[i] = float(f.tokens[i]);
    tgt[i] = float(f.targets[i]);
  }
  std::vector<int64_t> shape{c.b, c.t};
  std::vector<TensorToWrite> inputs{{"tokens", shape, tok.data()},
                                    {"targets", shape, tgt.data()},
                                    {"weights", shape, f.weights.data()}};
  if (c.config.value_head) inputs.push_back({"value_coef", shape, f.value_coef.data()});
  save_safetensors(dir + "/inputs.safetensors", inputs);

  std::string ref_path = dir + "/reference.safetensors";
  std::string cmd = std::string(LLMFORGE_PYTHON) + " " + LLMFORGE_SOURCE_DIR +
                    "/tests/reference/torch_llama.py --model " + dir + "/model --inputs " + dir +
                    "/inputs.safetensors --lr 1e-3 --out " + ref_path;
  int rc = std::system(cmd.c_str());
  if (rc != 0) ADD_FAILURE() << "PyTorch reference failed (" << rc << "): " << cmd;
  f.reference = SafetensorsFile::load(ref_path);
  f.model = load_model(dir + "/model", precision);
  return f;
}

std::vector<float> ref_tensor(const SafetensorsFile& ref, const std::string& name, size_t n) {
  std::vector<float> out(n);
  ref.read_f32(name, out.data(), n);
  return out;
}

struct Bounds {
  double logits, loss, grad, adam_loss;
};

void check_parity(const ParityCase& c, Precision precision, Bounds bounds) {
  Fixture f = make_fixture(c, precision);
  Model& m = *f.model;
  const size_t n = size_t(c.b) * c.t, V = c.config.vocab_size;
  m.forward(f.tokens.data(), c.b, c.t);

  std::vector<float> logits(n * V);
  m.logits(0, int(n), logits.data());
  double err = normalized_error(logits.data(), ref_tensor(f.reference, "logits", n * V).data(),
                                n * V);
  std::printf("[%s %s] logits error %.2e\n", c.name.c_str(), precision_name(precision), err);
  EXPECT_LE(err, bounds.logits) << "logits";
  if (c.config.value_head) {
    double verr = normalized_error(m.values(), ref_tensor(f.reference, "values", n).data(), n);
    std::printf("[%s] values error %.2e\n", c.name.c_str(), verr);
    EXPECT_LE(verr, bounds.logits) << "values";
  }

  m.zero_grad();
  const double wsum = weight_sum(f.targets.data(), f.weights.data(), n);
  double ce = cross_entropy_backward(m, f.targets.data(), f.weights.data(), 1.0 / wsum,
                                     c.config.value_head ? f.value_coef.data() : nullptr);
  double loss = ce / wsum;
  if (c.config.value_head)
    for (size_t i = 0; i < n; ++i) loss += double(f.value_coef[i]) * m.values()[i];
  float ref_loss = ref_tensor(f.reference, "loss", 1)[0];
  std::printf("[%s] loss %.7f reference %.7f\n", c.name.c_str(), loss, ref_loss);
  EXPECT_LE(std::fabs(loss - ref_loss) / std::fabs(ref_loss), bounds.loss) << "loss";

  double worst = 0.0;
  std::string worst_name;
  for (const ParamInfo& p : m.layout().params()) {
    double e = normalized_error(m.grads() + p.offset,
                                ref_tensor(f.reference, "grad." + p.name, p.size).data(), p.size);
    if (e > worst) worst = e, worst_name = p.name;
    EXPECT_LE(e, bounds.grad) << "gradient of " << p.name;
  }
  std::printf("[%s %s] worst gradient error %.2e (%s)\n", c.name.c_str(),
              precision_name(precision), worst, worst_name.c_str());

  // Ten AdamW steps with clipping and weight decay, as the reference script does.
  AdamW opt(m, AdamWConfig{0.9, 0.95, 1e-8, 0.1, false, false, 1.0});
  auto ref_losses = ref_tensor(f.reference, "adam_losses", 10);
  for (int s = 0; s < 10; ++s) {
    m.zero_grad();
    m.forward(f.tokens.data(), c.b, c.t);
    double step_loss = cross_entropy_backward(m, f.targets.data(), f.weights.data(), 1.0 / wsum,
                                              c.config.value_head ? f.value_coef.data() : nullptr) /
                       wsum;
    if (c.config.value_head)
      for (size_t i = 0; i < n; ++i) step_loss += double(f.value_coef[i]) * m.values()[i];
    double rel = std::fabs(step_loss - ref_losses[s]) / std::fabs(ref_losses[s]);
    std::printf("[%s %s] AdamW step %d loss %.7f reference %.7f\n", c.name.c_str(),
                precision_name(precision), s, step_loss, ref_losses[s]);
    EXPECT_LE(rel, bounds.adam_loss) << "AdamW step " << s << ": " << step_loss << " vs "
                                     << ref_losses[s];
    opt.step(m, 1e-3);
  }
}

constexpr Bounds kFp32Bounds{1e-5, 1e-5, 1e-5, 1e-5};
// bf16 products (inputs rounded to 8 bits of mantissa, fp32 accumulation) against
// the fp32 reference: documented in README "Precision".
constexpr Bounds kBf16Bounds{2e-2, 1e-2, 5e-2, 2e-2};

class TorchParity : public ::testing::TestWithParam<ParityCase> {};

TEST_P(TorchParity, Fp32MatchesPyTorch) { check_parity(GetParam(), Precision::kFp32, kFp32Bounds); }
TEST_P(TorchParity, Bf16WithinDocumentedBounds) {
  check_parity(GetParam(), Precision::kBf16, kBf16Bounds);
}

INSTANTIATE_TEST_SUITE_P(Configs, TorchParity, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace llmforge
