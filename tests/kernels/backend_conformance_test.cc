// Backend conformance: every entry of the kernel table, forward and backward, run on
// every registered backend (kernels/registry.h) through nothing but the table, its
// own memory included, and compared with the scalar references of
// reference_kernels.h. A new backend (CUDA) joins the registry and runs this suite
// unchanged, as ggml's test-backend-ops runs every op on every backend.
//
// Each comparison is the normalised error max|got - ref| / max|ref| (elementwise
// relative error is meaningless near zero) against the op's tolerance in
// kTolerances below. Exact ops (memory, gathers, scatters) must match bit for bit;
// the others allow fp32 rounding with the sums in any order (the CPU backend's
// worst is 3e-7 on every op; a wrong index or a dropped term is O(1)), and no more:
// a backend that computes in reduced precision (TF32, fp16 accumulation) fails.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "../test_util.h"
#include "core/error.h"
#include "core/rng.h"
#include "kernels/device_array.h"
#include "kernels/registry.h"
#include "reference_kernels.h"

namespace llmforge {
namespace {

using reference::Vec;
using testing::random_vector;

// Normalised-error tolerance of each op (see the file comment).
const std::map<std::string, double> kTolerances = {
    {"memory", 0.0},           {"matmul fp32", 1e-5},     {"matmul bf16", 1e-5},
    {"embedding fwd", 0.0},    {"embedding bwd", 1e-6},   {"rmsnorm fwd", 1e-5},
    {"rmsnorm bwd", 1e-5},     {"rope table", 1e-6},      {"rope fwd", 1e-6},
    {"rope bwd", 1e-6},        {"attention fwd", 1e-5},   {"attention bwd", 1e-5},
    {"attention decode", 1e-5}, {"kv cache write", 0.0},  {"swiglu fwd", 1e-6},
    {"swiglu bwd", 1e-5},      {"value head fwd", 1e-5},  {"value head bwd", 1e-5},
    {"cross entropy", 1e-5},   {"adamw", 1e-6},           {"sum squares", 1e-12},
    {"scale", 1e-7},
};

double normalized_error(const std::vector<float>& got, const Vec& ref) {
  EXPECT_EQ(got.size(), ref.size());
  double max_diff = 0.0, max_ref = 1e-30;
  for (size_t i = 0; i < std::min(got.size(), ref.size()); ++i) {
    max_diff = std::max(max_diff, std::fabs(double(got[i]) - ref[i]));
    max_ref = std::max(max_ref, std::fabs(ref[i]));
  }
  return max_diff / max_ref;
}

Vec widen(const std::vector<float>& x) { return Vec(x.begin(), x.end()); }

class BackendConformance : public ::testing::TestWithParam<const KernelBackend*> {
 protected:
  const KernelBackend& kb() const { return *GetParam(); }

  template <typename T>
  DeviceArray<T> upload(const std::vector<T>& host) const {
    DeviceArray<T> d(kb(), host.size());
    d.copy_from_host(host.data(), host.size());
    return d;
  }
  template <typename T>
  std::vector<T> download(const DeviceArray<T>& d) const {
    std::vector<T> host(d.size());
    d.copy_to_host(host.data(), host.size());
    return host;
  }
  // Checks got against ref under the op's tolerance and prints the error.
  void expect_close(const std::string& op, const std::string& what, const std::vector<float>& got,
                    const Vec& ref) const {
    const double tol = kTolerances.at(op);
    const double err = normalized_error(got, ref);
    std::printf("[%s] %-18s %-16s normalised error %.2e (tolerance %.0e)\n", kb().name,
                op.c_str(), what.c_str(), err, tol);
    EXPECT_LE(err, tol) << kb().name << " " << op << " " << what;
  }
};

TEST_P(BackendConformance, MemoryRoundTrips) {
  const size_t n = 1000;
  DeviceArray<float> a(kb(), n), b(kb(), n);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % 64, 0u) << "alloc must be 64-byte aligned";
  std::vector<float> zeros = download(a);
  EXPECT_EQ(zeros, std::vector<float>(n, 0.0f)) << "DeviceArray starts zeroed";
  auto x = random_vector(n, 1);
  a.copy_from_host(x.data(), n);
  kb().copy(b.data(), a.data(), n * sizeof(float));
  expect_close("memory", "h2d d2d d2h", download(b), widen(x));
  // A copy of part of a buffer lands at the offset asked for, nowhere else.
  std::vector<float> part(10, 7.0f);
  b.copy_from_host(part.data(), part.size(), 100);
  auto y = download(b);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(y[i], i >= 100 && i < 110 ? 7.0f : x[i]) << i;
  kb().memset(b.data() + 5, 0xff, 3 * sizeof(float));  // all-ones bits: NaN
  y = download(b);
  EXPECT_TRUE(std::isnan(y[5]) && std::isnan(y[7]));
  EXPECT_EQ(y[4], x[4]);
  EXPECT_EQ(y[8], x[8]);
  b.zero();
  EXPECT_EQ(download(b), std::vector<float>(n, 0.0f));
  kb().free(nullptr);  // allowed
}

TEST_P(BackendConformance, CapabilitiesAnswer) {
  const double flops = kb().measure_gemm_flops(64, Precision::kFp32, 1);
  EXPECT_TRUE(std::isfinite(flops) && flops > 0.0) << flops;
  std::printf("[%s] native bf16: %s\n", kb().name, kb().native_bf16() ? "yes" : "no");
}

TEST_P(BackendConformance, MatmulAllTransposesAccumulateAndPrecisions) {
  for (auto [m, n, k] : {std::tuple{7, 5, 9}, std::tuple{65, 33, 70}}) {
    for (Precision prec : {Precision::kFp32, Precision::kBf16}) {
      for (int mode = 0; mode < 8; ++mode) {
        const bool ta = mode & 1, tb = mode & 2, acc = mode & 4;
        auto a = random_vector(size_t(m) * k, 10 + mode), b = random_vector(size_t(k) * n, 20);
        auto c0 = random_vector(size_t(m) * n, 30);
        auto da = upload(a), db = upload(b), dc = upload(c0);
        kb().matmul(da.data(), db.data(), dc.data(), m, n, k, ta, tb, acc, prec);
        const bool bf16 = prec == Precision::kBf16;
        Vec ref = reference::matmul(a, b, c0, m, n, k, ta, tb, acc, bf16);
        char what[64];
        std::snprintf(what, sizeof what, "%dx%dx%d %c%c%s", m, n, k, ta ? 't' : 'n',
                      tb ? 't' : 'n', acc ? " acc" : "");
        expect_close(bf16 ? "matmul bf16" : "matmul fp32", what, download(dc), ref);
      }
    }
  }
}

TEST_P(BackendConformance, EmbeddingForwardBackward) {
  const int n = 7, c = 12, vocab = 5;
  std::vector<int32_t> tokens{0, 3, 3, 1, 4, 3, 0};  // repeated ids accumulate
  auto table = random_vector(size_t(vocab) * c, 1), dout = random_vector(size_t(n) * c, 2);
  auto dtable0 = random_vector(table.size(), 3);
  auto dtok = upload(tokens);
  auto dtab = upload(table), dd = upload(dout), ddt = upload(dtable0);
  DeviceArray<float> out(kb(), size_t(n) * c);
  kb().embedding_forward(out.data(), dtok.data(), dtab.data(), n, c);
  Vec ref(size_t(n) * c), dref = widen(dtable0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < c; ++j) {
      ref[size_t(i) * c + j] = table[size_t(tokens[i]) * c + j];
      dref[size_t(tokens[i]) * c + j] += dout[size_t(i) * c + j];
    }
  expect_close("embedding fwd", "out", download(out), ref);
  kb().embedding_backward(ddt.data(), dtok.data(), dd.data(), n, c);
  expect_close("embedding bwd", "dtable (acc)", download(ddt), dref);
}

TEST_P(BackendConformance, RmsNormForwardBackward) {
  const int n = 9, c = 48;
  const float eps = 1e-5f;
  auto x = random_vector(size_t(n) * c, 4), w = random_vector(c, 5), dy = random_vector(x.size(), 6);
  for (auto& v : w) v += 1.0f;
  auto dx0 = random_vector(x.size(), 7), dw0 = random_vector(c, 8);
  auto dxv = upload(x), dwv = upload(w), ddy = upload(dy), ddx = upload(dx0), ddw = upload(dw0);
  DeviceArray<float> y(kb(), x.size()), rstd(kb(), n);
  kb().rmsnorm_forward(y.data(), rstd.data(), dxv.data(), dwv.data(), n, c, eps);
  Vec yref, rstd_ref;
  reference::rmsnorm_forward(yref, rstd_ref, x, w, n, c, eps);
  expect_close("rmsnorm fwd", "y", download(y), yref);
  expect_close("rmsnorm fwd", "rstd", download(rstd), rstd_ref);
  kb().rmsnorm_backward(ddx.data(), ddw.data(), ddy.data(), dxv.data(), dwv.data(), rstd.data(), n,
                        c);
  Vec dx_ref = widen(dx0), dw_ref = widen(dw0);
  reference::rmsnorm_backward(dx_ref, dw_ref, dy, x, w, n, c, eps);
  expect_close("rmsnorm bwd", "dx (acc)", download(ddx), dx_ref);
  expect_close("rmsnorm bwd", "dw (acc)", download(ddw), dw_ref);
}

TEST_P(BackendConformance, RopeTableForwardBackward) {
  const int b = 2, h = 3, hd = 16;
  std::vector<int> pos{0, 5, 3, 100, 2047};  // arbitrary positions, as the engine passes
  const int t = int(pos.size());
  DeviceArray<float> cos(kb(), size_t(t) * hd / 2), sin(kb(), size_t(t) * hd / 2);
  auto dpos = upload(pos);
  kb().rope_table(cos.data(), sin.data(), dpos.data(), t, hd, 10000.0f);
  Vec cos_ref, sin_ref;
  reference::rope_table(cos_ref, sin_ref, pos, hd, 10000.0f);
  const auto cos_got = download(cos), sin_got = download(sin);
  expect_close("rope table", "cos", cos_got, cos_ref);
  expect_close("rope table", "sin", sin_got, sin_ref);

  const RopeTable table{t, hd / 2, cos.data(), sin.data()};
  auto x = random_vector(size_t(b) * t * h * hd, 9);
  auto dx = upload(x);
  kb().rope_forward(dx.data(), table, b, t, h, hd);
  expect_close("rope fwd", "x", download(dx), reference::rope(x, cos_got, sin_got, b, t, h, hd, 1));
  dx.copy_from_host(x.data(), x.size());
  kb().rope_backward(dx.data(), table, b, t, h, hd);
  expect_close("rope bwd", "dx", download(dx), reference::rope(x, cos_got, sin_got, b, t, h, hd, -1));
}

TEST_P(BackendConformance, AttentionForwardBackwardGqa) {
  // T = 70 crosses a 64-row block boundary; 4 query heads share 2 kv heads.
  const AttentionShape s{2, 70, 4, 2, 8};
  const size_t nq = size_t(s.b) * s.t * s.n_head * s.head_dim;
  const size_t nkv = size_t(s.b) * s.t * s.n_kv_head * s.head_dim;
  auto q = random_vector(nq, 11), k = random_vector(nkv, 12), v = random_vector(nkv, 13);
  auto dout = random_vector(nq, 14);
  auto dq_ = upload(q), dk_ = upload(k), dv_ = upload(v), ddout = upload(dout);
  DeviceArray<float> out(kb(), nq), lse(kb(), size_t(s.b) * s.n_head * s.t);
  kb().attention_forward(out.data(), lse.data(), dq_.data(), dk_.data(), dv_.data(), s);
  Vec out_ref, lse_ref;
  reference::attention_forward(out_ref, lse_ref, q, k, v, s);
  expect_close("attention fwd", "out", download(out), out_ref);
  expect_close("attention fwd", "lse", download(lse), lse_ref);
  // Backward outputs are overwritten: start them from garbage.
  auto gq = upload(random_vector(nq, 15)), gk = upload(random_vector(nkv, 16));
  auto gv = upload(random_vector(nkv, 17));
  kb().attention_backward(gq.data(), gk.data(), gv.data(), ddout.data(), dq_.data(), dk_.data(),
                          dv_.data(), out.data(), lse.data(), s);
  Vec dq_ref, dk_ref, dv_ref;
  reference::attention_backward(dq_ref, dk_ref, dv_ref, dout, q, k, v, s);
  expect_close("attention bwd", "dq", download(gq), dq_ref);
  expect_close("attention bwd", "dk", download(gk), dk_ref);
  expect_close("attention bwd", "dv", download(gv), dv_ref);
}

TEST_P(BackendConformance, KvCacheWriteAndDecodeAttention) {
  const DecodeAttentionShape s{4, 2, 8, 20};
  const int n_slots = 3, KVD = s.n_kv_head * s.head_dim;
  const size_t cache_floats = size_t(n_slots) * s.max_len * KVD;
  // A cache already holding history, then new rows written through the table.
  auto kc = random_vector(cache_floats, 21), vc = random_vector(cache_floats, 22);
  std::vector<int> slot{2, 0, 2, 1}, pos{7, 0, 8, 19};
  const int n = int(slot.size());
  auto knew = random_vector(size_t(n) * KVD, 23), vnew = random_vector(size_t(n) * KVD, 24);
  auto dkc = upload(kc), dvc = upload(vc), dkn = upload(knew), dvn = upload(vnew);
  auto dslot = upload(slot), dpos = upload(pos);
  kb().kv_cache_write(dkc.data(), dvc.data(), dkn.data(), dvn.data(), dslot.data(), dpos.data(), n,
                      KVD, s.max_len);
  for (int r = 0; r < n; ++r) {
    const size_t at = (size_t(slot[r]) * s.max_len + pos[r]) * KVD;
    std::copy(knew.begin() + size_t(r) * KVD, knew.begin() + size_t(r + 1) * KVD, kc.begin() + at);
    std::copy(vnew.begin() + size_t(r) * KVD, vnew.begin() + size_t(r + 1) * KVD, vc.begin() + at);
  }
  expect_close("kv cache write", "k cache", download(dkc), widen(kc));
  expect_close("kv cache write", "v cache", download(dvc), widen(vc));

  auto q = random_vector(size_t(n) * s.n_head * s.head_dim, 25);
  auto dq = upload(q);
  DeviceArray<float> out(kb(), q.size());
  kb().attention_decode(out.data(), dq.data(), dkc.data(), dvc.data(), dslot.data(), dpos.data(), n,
                        s);
  expect_close("attention decode", "out", download(out),
               reference::attention_decode(q, kc, vc, slot, pos, s));
}

TEST_P(BackendConformance, SwiGluForwardBackward) {
  const size_t n = 300;
  auto g = random_vector(n, 31, 3.0f), u = random_vector(n, 32), dh = random_vector(n, 33);
  auto dg_ = upload(g), du_ = upload(u), ddh = upload(dh);
  DeviceArray<float> h(kb(), n);
  kb().swiglu_forward(h.data(), dg_.data(), du_.data(), n);
  Vec href(n);
  for (size_t i = 0; i < n; ++i) href[i] = reference::silu(g[i]) * u[i];
  expect_close("swiglu fwd", "h", download(h), href);
  auto dg = upload(random_vector(n, 34)), du = upload(random_vector(n, 35));  // overwritten
  kb().swiglu_backward(dg.data(), du.data(), ddh.data(), dg_.data(), du_.data(), n);
  Vec dg_ref, du_ref;
  reference::swiglu_backward(dg_ref, du_ref, dh, g, u);
  expect_close("swiglu bwd", "dgate", download(dg), dg_ref);
  expect_close("swiglu bwd", "dup", download(du), du_ref);
}

TEST_P(BackendConformance, ValueHeadForwardBackward) {
  const int n = 13, c = 40;
  auto x = random_vector(size_t(n) * c, 41), w = random_vector(c, 42), dvals = random_vector(n, 43);
  auto dx0 = random_vector(x.size(), 44), dw0 = random_vector(c, 45);
  auto dxv = upload(x), dwv = upload(w), ddv = upload(dvals), ddx = upload(dx0), ddw = upload(dw0);
  DeviceArray<float> values(kb(), n);
  kb().value_head_forward(values.data(), dxv.data(), dwv.data(), n, c);
  Vec vref(n, 0.0), dx_ref = widen(dx0), dw_ref = widen(dw0);
  for (int r = 0; r < n; ++r)
    for (int j = 0; j < c; ++j) {
      vref[r] += double(x[size_t(r) * c + j]) * w[j];
      dx_ref[size_t(r) * c + j] += double(dvals[r]) * w[j];
      dw_ref[j] += double(dvals[r]) * x[size_t(r) * c + j];
    }
  expect_close("value head fwd", "values", download(values), vref);
  kb().value_head_backward(ddx.data(), ddw.data(), ddv.data(), dxv.data(), dwv.data(), n, c);
  expect_close("value head bwd", "dx (acc)", download(ddx), dx_ref);
  expect_close("value head bwd", "dw (acc)", download(ddw), dw_ref);
}

TEST_P(BackendConformance, CrossEntropyWithWeightsAndIgnoredRows) {
  const int r = 6, v = 37;
  auto logits = random_vector(size_t(r) * v, 51, 3.0f);
  std::vector<int32_t> targets{3, -1, 0, 36, 7, 12};
  std::vector<float> weights{1.0f, 1.0f, 0.0f, 2.0f, 0.5f, 1.0f};
  auto dt = upload(targets);
  auto dz = upload(logits), dw = upload(weights);
  DeviceArray<float> losses(kb(), r);
  // Loss only: logits stay as they were.
  kb().cross_entropy_forward_backward(dz.data(), losses.data(), dt.data(), dw.data(), 0.0f, r, v);
  Vec loss_ref, grad_ref;
  reference::cross_entropy(loss_ref, grad_ref, logits, targets, weights, 0.25, r, v);
  expect_close("cross entropy", "losses", download(losses), loss_ref);
  expect_close("cross entropy", "logits untouched", download(dz), widen(logits));
  kb().cross_entropy_forward_backward(dz.data(), losses.data(), dt.data(), dw.data(), 0.25f, r, v);
  expect_close("cross entropy", "dlogits", download(dz), grad_ref);
  // No weights: every row with a target counts once.
  dz.copy_from_host(logits.data(), logits.size());
  kb().cross_entropy_forward_backward(dz.data(), losses.data(), dt.data(), nullptr, 1.0f, r, v);
  reference::cross_entropy(loss_ref, grad_ref, logits, targets, {}, 1.0, r, v);
  expect_close("cross entropy", "losses (no w)", download(losses), loss_ref);
  expect_close("cross entropy", "dlogits (no w)", download(dz), grad_ref);
}

TEST_P(BackendConformance, AdamWStepsSumSquaresScale) {
  const size_t n = 517;
  auto p = random_vector(n, 61), g = random_vector(n, 62);
  const AdamWHyper h{1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f};
  auto dp = upload(p), dg = upload(g);
  DeviceArray<float> dm(kb(), n), dv(kb(), n);
  Vec pr = widen(p), mr(n, 0.0), vr(n, 0.0);
  for (long step = 1; step <= 3; ++step) {
    kb().adamw_update(dp.data(), dg.data(), dm.data(), dv.data(), n, h, step);
    reference::adamw(pr, mr, vr, g, h, step);
  }
  expect_close("adamw", "p after 3 steps", download(dp), pr);
  expect_close("adamw", "m", download(dm), mr);
  expect_close("adamw", "v", download(dv), vr);

  double ss_ref = 0.0;
  for (float x : g) ss_ref += double(x) * x;
  const double ss = kb().sum_squares(dg.data(), n);
  const double ss_err = std::fabs(ss - ss_ref) / ss_ref;
  std::printf("[%s] %-18s relative error %.2e\n", kb().name, "sum squares", ss_err);
  EXPECT_LE(ss_err, kTolerances.at("sum squares"));

  kb().scale_inplace(dg.data(), n, 0.37f);
  Vec scaled(n);
  for (size_t i = 0; i < n; ++i) scaled[i] = double(g[i]) * 0.37f;
  expect_close("scale", "x * s", download(dg), scaled);
}

std::string backend_name(const ::testing::TestParamInfo<const KernelBackend*>& info) {
  return info.param->name;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BackendConformance, ::testing::ValuesIn(kernel_backends()),
                         backend_name);

TEST(KernelRegistry, ListsCpuFirstAndFindsByName) {
  ASSERT_FALSE(kernel_backends().empty());
  EXPECT_STREQ(kernel_backends().front()->name, "cpu");
  EXPECT_EQ(&find_kernel_backend("cpu"), &cpu_backend());
  try {
    find_kernel_backend("tpu");
    FAIL() << "an unknown backend must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cpu"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmforge
