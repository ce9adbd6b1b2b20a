// Finite-difference gradient checks of every op's backward pass, and of the whole
// model (value head included). Each check uses the scalar L = sum(out * r) with a
// fixed random r, perturbs a sample of inputs by +-eps, and compares the central
// difference with the analytic gradient, relative to the tensor's largest gradient.
// The ops run through the CPU backend's table on host vectors (its memory is host
// memory); backend_conformance_test.cc checks every backend against references.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "../test_util.h"
#include "kernels/backend.h"
#include "model/model.h"
#include "train/losses.h"

namespace llmforge {
namespace {

using testing::random_vector;

const KernelBackend& kb = cpu_backend();

double weighted_sum(const std::vector<float>& out, const std::vector<float>& r) {
  double s = 0.0;
  for (size_t i = 0; i < out.size(); ++i) s += double(out[i]) * r[i];
  return s;
}

// Compares analytic[i] with (f(x + eps e_i) - f(x - eps e_i)) / 2 eps for up to
// `samples` indices spread over the tensor.
void check_gradient(const char* what, std::vector<float>& x, const std::vector<float>& analytic,
                    const std::function<double()>& f, double eps = 1e-2, double tol = 1e-2,
                    size_t samples = 24) {
  ASSERT_EQ(x.size(), analytic.size());
  double scale = 1e-6;
  for (float g : analytic) scale = std::max(scale, double(std::fabs(g)));
  double worst = 0.0;
  const size_t stride = std::max<size_t>(1, x.size() / samples);
  for (size_t i = 0; i < x.size(); i += stride) {
    const float saved = x[i];
    x[i] = saved + float(eps);
    const double plus = f();
    x[i] = saved - float(eps);
    const double minus = f();
    x[i] = saved;
    const double numeric = (plus - minus) / (2 * eps);
    const double err = std::fabs(numeric - analytic[i]) / scale;
    worst = std::max(worst, err);
    EXPECT_LE(err, tol) << what << "[" << i << "]: numeric " << numeric << " analytic "
                        << analytic[i];
  }
  std::printf("%-28s worst normalised error %.2e\n", what, worst);
}

TEST(GradCheck, RmsNorm) {
  const int n = 3, c = 16;
  auto x = random_vector(n * c, 1), w = random_vector(c, 2), r = random_vector(n * c, 3);
  for (auto& v : w) v += 1.0f;
  std::vector<float> y(n * c), rstd(n);
  auto f = [&] {
    kb.rmsnorm_forward(y.data(), rstd.data(), x.data(), w.data(), n, c, 1e-5f);
    return weighted_sum(y, r);
  };
  f();
  std::vector<float> dx(n * c, 0.0f), dw(c, 0.0f);
  kb.rmsnorm_backward(dx.data(), dw.data(), r.data(), x.data(), w.data(), rstd.data(), n, c);
  check_gradient("rmsnorm dx", x, dx, f);
  check_gradient("rmsnorm dw", w, dw, f);
}

TEST(GradCheck, Rope) {
  const int b = 2, t = 5, h = 2, hd = 8;
  auto x = random_vector(b * t * h * hd, 4), r = random_vector(b * t * h * hd, 5);
  std::vector<int> pos{0, 1, 2, 3, 4};
  std::vector<float> cos(t * hd / 2), sin(t * hd / 2);
  kb.rope_table(cos.data(), sin.data(), pos.data(), t, hd, 10000.0f);
  const RopeTable table{t, hd / 2, cos.data(), sin.data()};
  auto f = [&] {
    std::vector<float> y = x;
    kb.rope_forward(y.data(), table, b, t, h, hd);
    return weighted_sum(y, r);
  };
  std::vector<float> dx = r;
  kb.rope_backward(dx.data(), table, b, t, h, hd);
  check_gradient("rope dx", x, dx, f);
}

TEST(GradCheck, AttentionWithGqaAcrossRowBlocks) {
  // T = 70 spans two query-row blocks of the kernel; 4 query heads share 2 kv heads.
  AttentionShape s{1, 70, 4, 2, 8};
  const size_t nq = size_t(s.b) * s.t * s.n_head * s.head_dim;
  const size_t nkv = size_t(s.b) * s.t * s.n_kv_head * s.head_dim;
  auto q = random_vector(nq, 6), k = random_vector(nkv, 7), v = random_vector(nkv, 8);
  auto r = random_vector(nq, 9);
  std::vector<float> out(nq), lse(size_t(s.b) * s.n_head * s.t);
  auto f = [&] {
    kb.attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), s);
    return weighted_sum(out, r);
  };
  f();
  std::vector<float> dq(nq), dk(nkv), dv(nkv);
  kb.attention_backward(dq.data(), dk.data(), dv.data(), r.data(), q.data(), k.data(), v.data(),
                          out.data(), lse.data(), s);
  check_gradient("attention dq", q, dq, f);
  check_gradient("attention dk", k, dk, f);
  check_gradient("attention dv", v, dv, f);
}

TEST(GradCheck, SwiGlu) {
  const size_t n = 40;
  auto g = random_vector(n, 10, 2.0f), u = random_vector(n, 11), r = random_vector(n, 12);
  std::vector<float> h(n);
  auto f = [&] {
    kb.swiglu_forward(h.data(), g.data(), u.data(), n);
    return weighted_sum(h, r);
  };
  std::vector<float> dg(n), du(n);
  kb.swiglu_backward(dg.data(), du.data(), r.data(), g.data(), u.data(), n);
  check_gradient("swiglu dgate", g, dg, f, 1e-3);
  check_gradient("swiglu dup", u, du, f, 1e-3);
}

TEST(GradCheck, CrossEntropyWithWeightsAndIgnoredRows) {
  const int rows = 5, v = 11;
  auto logits = random_vector(rows * v, 13, 2.0f);
  std::vector<int32_t> targets{3, -1, 0, 10, 7};
  std::vector<float> weights{1.0f, 1.0f, 0.0f, 2.0f, 0.5f};
  const float scale = 0.25f;
  std::vector<float> losses(rows);
  auto f = [&] {
    std::vector<float> z = logits;
    kb.cross_entropy_forward_backward(z.data(), losses.data(), targets.data(), weights.data(),
                                        0.0f, rows, v);
    double s = 0.0;
    for (int i = 0; i < rows; ++i) s += double(losses[i]) * weights[i] * scale;
    return s;
  };
  std::vector<float> grad = logits;
  kb.cross_entropy_forward_backward(grad.data(), losses.data(), targets.data(), weights.data(),
                                      scale, rows, v);
  for (int j = 0; j < v; ++j) {
    EXPECT_EQ(grad[1 * v + j], 0.0f) << "ignored target must give no gradient";
    EXPECT_EQ(grad[2 * v + j], 0.0f) << "zero weight must give no gradient";
  }
  check_gradient("cross entropy dlogits", logits, grad, f, 1e-2, 1e-2, 55);
}

TEST(GradCheck, MatmulAllTransposes) {
  const int m = 5, n = 4, k = 6;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      auto a = random_vector(m * k, 14), b = random_vector(k * n, 15), r = random_vector(m * n, 16);
      std::vector<float> c(m * n);
      auto f = [&] {
        kb.matmul(a.data(), b.data(), c.data(), m, n, k, ta, tb, false, Precision::kFp32);
        return weighted_sum(c, r);
      };
      // dA = r op(B)^T (stored like A); dB = op(A)^T r (stored like B).
      std::vector<float> da(m * k), db(k * n);
      if (!ta) kb.matmul(r.data(), b.data(), da.data(), m, k, n, false, !tb, false, Precision::kFp32);
      else kb.matmul(b.data(), r.data(), da.data(), k, m, n, tb, true, false, Precision::kFp32);
      if (!tb) kb.matmul(a.data(), r.data(), db.data(), k, n, m, !ta, false, false, Precision::kFp32);
      else kb.matmul(r.data(), a.data(), db.data(), n, k, m, true, ta, false, Precision::kFp32);
      check_gradient(ta ? (tb ? "matmul tt dA" : "matmul tn dA") : (tb ? "matmul nt dA" : "matmul nn dA"), a, da, f);
      check_gradient(ta ? (tb ? "matmul tt dB" : "matmul tn dB") : (tb ? "matmul nt dB" : "matmul nn dB"), b, db, f);
    }
  }
}

TEST(GradCheck, Embedding) {
  const int n = 6, c = 4, vocab = 5;
  std::vector<int32_t> tokens{0, 3, 3, 1, 4, 3};  // repeated ids accumulate
  auto table = random_vector(vocab * c, 17), r = random_vector(n * c, 18);
  std::vector<float> out(n * c);
  auto f = [&] {
    kb.embedding_forward(out.data(), tokens.data(), table.data(), n, c);
    return weighted_sum(out, r);
  };
  std::vector<float> dtable(vocab * c, 0.0f);
  kb.embedding_backward(dtable.data(), tokens.data(), r.data(), n, c);
  check_gradient("embedding dtable", table, dtable, f, 1e-2, 1e-2, 20);
}

TEST(GradCheck, ValueHead) {
  const int n = 5, c = 8;
  auto x = random_vector(n * c, 19), w = random_vector(c, 20), r = random_vector(n, 23);
  std::vector<float> values(n);
  auto f = [&] {
    kb.value_head_forward(values.data(), x.data(), w.data(), n, c);
    return weighted_sum(values, r);
  };
  std::vector<float> dx(n * c, 0.0f), dw(c, 0.0f);
  kb.value_head_backward(dx.data(), dw.data(), r.data(), x.data(), w.data(), n, c);
  check_gradient("value head dx", x, dx, f);
  check_gradient("value head dw", w, dw, f);
}

TEST(GradCheck, WholeModelWithValueHead) {
  ModelConfig c;
  c.vocab_size = 23, c.dim = 16, c.ffn_dim = 24, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2;
  c.max_seq_len = 8, c.tie_embeddings = false, c.value_head = true;
  Model m(c);
  m.init_random(21, 0.3f);
  const int b = 2, t = 6, n = b * t;
  Rng rng(3);
  std::vector<int32_t> tokens(n), targets(n);
  for (int i = 0; i < n; ++i) tokens[i] = int32_t(rng.below(23)), targets[i] = int32_t(rng.below(23));
  auto value_coef = random_vector(n, 22, 0.1f);
  auto loss = [&] {
    m.forward(tokens.data(), b, t);
    double l = cross_entropy_eval(m, targets.data(), nullptr) / n;
    for (int i = 0; i < n; ++i) l += double(value_coef[i]) * m.values()[i];
    return l;
  };
  m.zero_grad();
  m.forward(tokens.data(), b, t);
  cross_entropy_backward(m, targets.data(), nullptr, 1.0 / n, value_coef.data());
  for (const ParamInfo& p : m.layout().params()) {
    std::vector<float> x(m.params() + p.offset, m.params() + p.offset + p.size);
    std::vector<float> g(m.grads() + p.offset, m.grads() + p.offset + p.size);
    // The check perturbs the model's own parameters through a copy kept in sync.
    auto f = [&] {
      std::copy(x.begin(), x.end(), m.params() + p.offset);
      return loss();
    };
    check_gradient(p.name.c_str(), x, g, f, 1e-2, 2e-2, 8);
    std::copy(x.begin(), x.end(), m.params() + p.offset);
  }
}

}  // namespace
}  // namespace llmforge
