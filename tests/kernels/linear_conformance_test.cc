// KernelBackend::linear and ::weight_rows, the inference products over stored
// weights (kernels/weights.h), on every backend against double-precision references
// computed here from the same stored values: fp32, bf16 and q8_0 (blocks from GGUF's
// own quantizer, gguf::encode_row), row counts on both sides of the matrix-vector /
// GEMM switch, output counts that leave a remainder to the four-row tiles, with and
// without accumulation. ctest entries run this file again with LLMFORGE_KERNEL_ISA=portable
// and =avx2, so every kernel set the machine has is checked (AVX-512 where it exists).
//
// The references see exactly the values the kernels see (q8_0 activations quantized
// as ggml does), so the tolerance is fp32 summation order only (1e-5 normalised). A
// second check bounds what q8_0 costs against the unquantized fp32 product.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <vector>

#include "../test_util.h"
#include "core/error.h"
#include "gguf/gguf_types.h"
#include "kernels/device_array.h"
#include "kernels/registry.h"

namespace llmforge {
namespace {

using testing::random_vector;

// A matrix in its stored form on the host (data, then scales for q8_0) and the fp32
// values it stands for.
struct Stored {
  std::vector<uint8_t> bytes;
  std::vector<float> values;
};

Stored store(const std::vector<float>& w, WeightType t, int n, int k) {
  Stored s;
  s.values.resize(w.size());
  if (t == WeightType::kF32) {
    s.bytes.resize(4 * w.size());
    std::memcpy(s.bytes.data(), w.data(), s.bytes.size());
    s.values = w;
  } else if (t == WeightType::kBf16) {
    s.bytes.resize(2 * w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      const uint16_t h = fp32_to_bf16(w[i]);
      std::memcpy(s.bytes.data() + 2 * i, &h, 2);
      s.values[i] = bf16_to_fp32(h);
    }
  } else {
    const int nb = k / 32;
    s.bytes.resize(w.size() + 4 * size_t(n) * nb);
    std::vector<uint8_t> row(size_t(nb) * gguf::kQ8BlockBytes);
    for (int r = 0; r < n; ++r) {
      gguf::encode_row(gguf::TensorType::kQ8_0, w.data() + size_t(r) * k, k, row.data());
      for (int b = 0; b < nb; ++b) {
        uint16_t h;
        std::memcpy(&h, row.data() + b * 34, 2);
        const float d = gguf::fp16_to_fp32(h);
        std::memcpy(s.bytes.data() + w.size() + 4 * (size_t(r) * nb + b), &d, 4);
        for (int j = 0; j < 32; ++j) {
          const int8_t q = int8_t(row[b * 34 + 2 + j]);
          s.bytes[size_t(r) * k + b * 32 + j] = uint8_t(q);
          s.values[size_t(r) * k + b * 32 + j] = d * float(q);
        }
      }
    }
  }
  return s;
}

// ggml's q8_0 activation quantizer, written again from its definition.
std::vector<float> quantized_activations(const std::vector<float>& x) {
  std::vector<float> out(x.size());
  for (size_t b = 0; b < x.size() / 32; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
    const float d = amax / 127.0f, inv = d != 0 ? 1.0f / d : 0.0f;
    for (int j = 0; j < 32; ++j) out[b * 32 + j] = d * std::nearbyint(x[b * 32 + j] * inv);
  }
  return out;
}

std::vector<double> product(const std::vector<float>& x, const std::vector<float>& w,
                            const std::vector<float>& y0, int m, int n, int k, bool acc) {
  std::vector<double> y(size_t(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = acc ? y0[size_t(i) * n + j] : 0.0;
      for (int p = 0; p < k; ++p) s += double(x[size_t(i) * k + p]) * w[size_t(j) * k + p];
      y[size_t(i) * n + j] = s;
    }
  return y;
}

double normalized_error(const std::vector<float>& got, const std::vector<double>& ref) {
  double diff = 0, scale = 1e-30;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff = std::max(diff, std::fabs(got[i] - ref[i]));
    scale = std::max(scale, std::fabs(ref[i]));
  }
  return diff / scale;
}

class LinearConformance : public ::testing::TestWithParam<const KernelBackend*> {};

TEST_P(LinearConformance, StoredWeightProductsMatchReferences) {
  const KernelBackend& kb = *GetParam();
  for (WeightType t : {WeightType::kF32, WeightType::kBf16, WeightType::kQ8_0}) {
    for (auto [m, n, k] : {std::tuple{1, 37, 64}, std::tuple{2, 64, 96}, std::tuple{4, 9, 32},
                           std::tuple{9, 70, 160}, std::tuple{33, 300, 288},
                           // K with a 16- and an 8-value tail past the 32-value steps
                           std::tuple{2, 5, 48}, std::tuple{1, 21, 232}, std::tuple{3, 6, 7}}) {
      if (t == WeightType::kQ8_0 && k % 32 != 0) continue;  // q8_0 rows are whole blocks
      for (bool acc : {false, true}) {
        const auto w = random_vector(size_t(n) * k, 100 + n, 0.05f);
        const auto x = random_vector(size_t(m) * k, 200 + m);
        const auto y0 = random_vector(size_t(m) * n, 300);
        const Stored s = store(w, t, n, k);
        DeviceArray<uint8_t> dw(kb, s.bytes.size());
        dw.copy_from_host(s.bytes.data(), s.bytes.size());
        DeviceArray<float> dx(kb, x.size()), dy(kb, y0.size());
        dx.copy_from_host(x.data(), x.size());
        dy.copy_from_host(y0.data(), y0.size());
        WeightMatrix wm{t, n, k, dw.data(), nullptr};
        if (t == WeightType::kQ8_0) wm.scales = reinterpret_cast<const float*>(dw.data() + w.size());
        kb.linear(dy.data(), dx.data(), wm, m, acc);
        std::vector<float> got(y0.size());
        dy.copy_to_host(got.data(), got.size());
        const std::vector<float> xin = t == WeightType::kQ8_0 ? quantized_activations(x) : x;
        const double err = normalized_error(got, product(xin, s.values, y0, m, n, k, acc));
        std::printf("[%s] linear %-4s %3dx%3dx%3d%s normalised error %.2e\n", kb.name,
                    weight_type_name(t), m, n, k, acc ? " acc" : "    ", err);
        EXPECT_LE(err, 1e-5) << weight_type_name(t) << " " << m << "x" << n << "x" << k;
        // What the storage type costs against the exact fp32 weights and inputs.
        const double loss = normalized_error(got, product(x, w, y0, m, n, k, acc));
        const double bound = t == WeightType::kF32 ? 1e-5 : t == WeightType::kBf16 ? 1e-2 : 3e-2;
        EXPECT_LE(loss, bound) << weight_type_name(t) << " against fp32";
      }
    }
  }
}

TEST_P(LinearConformance, GroupedProductsMatchOneByOne) {
  const KernelBackend& kb = *GetParam();
  const int k = 96;
  const int ns[3] = {40, 9, 64};
  for (WeightType t : {WeightType::kF32, WeightType::kBf16, WeightType::kQ8_0}) {
    for (int m : {1, 3, 9}) {
      const auto x = random_vector(size_t(m) * k, 50 + m);
      DeviceArray<float> dx(kb, x.size());
      dx.copy_from_host(x.data(), x.size());
      std::vector<Stored> stored;
      std::vector<DeviceArray<uint8_t>> dws;
      std::vector<DeviceArray<float>> dys;
      WeightMatrix ws[3];
      float* ys[3];
      for (int i = 0; i < 3; ++i) {
        stored.push_back(store(random_vector(size_t(ns[i]) * k, 60 + i, 0.05f), t, ns[i], k));
        dws.emplace_back(kb, stored[i].bytes.size());
        dws[i].copy_from_host(stored[i].bytes.data(), stored[i].bytes.size());
        dys.emplace_back(kb, size_t(m) * ns[i]);
        ws[i] = WeightMatrix{t, ns[i], k, dws[i].data(), nullptr};
        if (t == WeightType::kQ8_0)
          ws[i].scales = reinterpret_cast<const float*>(dws[i].data() + size_t(ns[i]) * k);
      }
      for (int i = 0; i < 3; ++i) ys[i] = dys[i].data();
      kb.linear_group(ys, dx.data(), ws, 3, m, false);
      const std::vector<float> xin = t == WeightType::kQ8_0 ? quantized_activations(x) : x;
      for (int i = 0; i < 3; ++i) {
        std::vector<float> got(size_t(m) * ns[i]);
        dys[i].copy_to_host(got.data(), got.size());
        const std::vector<float> none(got.size());
        const double err = normalized_error(got, product(xin, stored[i].values, none, m, ns[i], k, false));
        EXPECT_LE(err, 1e-5) << weight_type_name(t) << " m " << m << " matrix " << i;
      }
    }
  }
}

TEST_P(LinearConformance, WeightRowsWidenStoredRowsExactly) {
  const KernelBackend& kb = *GetParam();
  const int v = 11, c = 64;
  const std::vector<int32_t> tokens{3, 0, 10, 3};
  for (WeightType t : {WeightType::kF32, WeightType::kBf16, WeightType::kQ8_0}) {
    const auto w = random_vector(size_t(v) * c, 7);
    const Stored s = store(w, t, v, c);
    DeviceArray<uint8_t> dw(kb, s.bytes.size());
    dw.copy_from_host(s.bytes.data(), s.bytes.size());
    DeviceArray<int32_t> dt(kb, tokens.size());
    dt.copy_from_host(tokens.data(), tokens.size());
    DeviceArray<float> out(kb, tokens.size() * c);
    WeightMatrix wm{t, v, c, dw.data(), nullptr};
    if (t == WeightType::kQ8_0) wm.scales = reinterpret_cast<const float*>(dw.data() + w.size());
    kb.weight_rows(out.data(), dt.data(), wm, int(tokens.size()));
    std::vector<float> got(out.size());
    out.copy_to_host(got.data(), got.size());
    for (size_t i = 0; i < tokens.size(); ++i)
      for (int j = 0; j < c; ++j)
        ASSERT_EQ(got[i * c + j], s.values[size_t(tokens[i]) * c + j]) << weight_type_name(t);
  }
}

INSTANTIATE_TEST_SUITE_P(AllBackends, LinearConformance, ::testing::ValuesIn(kernel_backends()),
                         [](const auto& info) { return std::string(info.param->name); });

TEST(WeightType, ParsesItsNamesAndRefusesOthers) {
  EXPECT_EQ(parse_weight_type("q8_0"), WeightType::kQ8_0);
  EXPECT_EQ(parse_weight_type("bf16"), WeightType::kBf16);
  EXPECT_EQ(parse_weight_type("f32"), WeightType::kF32);
  EXPECT_THROW(parse_weight_type("q4_0"), Error);
}

}  // namespace
}  // namespace llmforge
