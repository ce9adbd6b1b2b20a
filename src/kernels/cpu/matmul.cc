#include "kernels/cpu/matmul.h"

#include <omp.h>

#include <dnnl.hpp>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/timer.h"

namespace llmforge::cpu {
namespace {

using dnnl::memory;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// One dnnl::stream per thread: streams are not meant to be shared across threads.
dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

// m n k ta tb acc bf16 lda ldb ldc
using Key = std::tuple<int, int, int, bool, bool, bool, bool, int, int, int>;

struct Descs {
  memory::desc a, b, c;
};

// Row-major operands with leading dimensions; a transposed operand is stored with
// its dims swapped, expressed to oneDNN through strides.
Descs descs(const Key& key) {
  auto [m, n, k, ta, tb, acc, bf16, lda, ldb, ldc] = key;
  memory::data_type in_type = bf16 ? memory::data_type::bf16 : memory::data_type::f32;
  return {memory::desc({m, k}, in_type, ta ? memory::dims{1, lda} : memory::dims{lda, 1}),
          memory::desc({k, n}, in_type, tb ? memory::dims{1, ldb} : memory::dims{ldb, 1}),
          memory::desc({m, n}, memory::data_type::f32, memory::dims{ldc, 1})};
}

Key packed_key(int m, int n, int k, bool ta, bool tb, bool acc, bool bf16) {
  return {m, n, k, ta, tb, acc, bf16, ta ? m : k, tb ? k : n, n};
}

dnnl::matmul& primitive(const Key& key) {
  static std::mutex mutex;
  static std::map<Key, dnnl::matmul> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  Descs d = descs(key);
  dnnl::primitive_attr attr;
  if (std::get<5>(key)) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(d.a, d.b, d.c), attr, engine());
  return cache.emplace(key, dnnl::matmul(pd)).first->second;
}

// Converts n floats to bf16 (or rounds them to bf16 values in place of a copy).
void to_bf16(const float* src, uint16_t* dst, size_t n) {
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i) dst[i] = fp32_to_bf16(src[i]);
}

void round_copy(const float* src, float* dst, size_t n) {
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i) dst[i] = round_to_bf16(src[i]);
}

void run(const Key& key, void* a, void* b, float* c) {
  Descs d = descs(key);
  memory a_mem(d.a, engine(), a);
  memory b_mem(d.b, engine(), b);
  memory c_mem(d.c, engine(), c);
  primitive(key).execute(stream(), {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem},
                                    {DNNL_ARG_DST, c_mem}});
  stream().wait();
}

}  // namespace

bool native_bf16_available() {
  const CpuFeatures& f = cpu_features();
  return f.avx512_bf16 || f.amx_bf16;
}

void matmul(const float* a, const float* b, float* c, int m, int n, int k, bool trans_a,
            bool trans_b, bool accumulate, Precision precision) {
  LLMF_CHECK(m > 0 && n > 0 && k > 0) << "matmul dims " << m << "x" << n << "x" << k;
  size_t a_size = size_t(m) * k, b_size = size_t(k) * n;
  if (precision == Precision::kFp32) {
    run(packed_key(m, n, k, trans_a, trans_b, accumulate, false), const_cast<float*>(a),
        const_cast<float*>(b), c);
    return;
  }
  // Scratch is per thread and grows to the largest operands seen; it is reused, so
  // steady-state training allocates nothing here.
  if (native_bf16_available()) {
    thread_local std::vector<uint16_t> a16, b16;
    if (a16.size() < a_size) a16.resize(a_size);
    if (b16.size() < b_size) b16.resize(b_size);
    to_bf16(a, a16.data(), a_size);
    to_bf16(b, b16.data(), b_size);
    run(packed_key(m, n, k, trans_a, trans_b, accumulate, true), a16.data(), b16.data(), c);
  } else {
    thread_local std::vector<float> ar, br;
    if (ar.size() < a_size) ar.resize(a_size);
    if (br.size() < b_size) br.resize(b_size);
    round_copy(a, ar.data(), a_size);
    round_copy(b, br.data(), b_size);
    run(packed_key(m, n, k, trans_a, trans_b, accumulate, false), ar.data(), br.data(), c);
  }
}

void matmul_strided(const float* a, int lda, const float* b, int ldb, float* c, int ldc, int m,
                    int n, int k, bool trans_a, bool trans_b, bool accumulate) {
  LLMF_CHECK(m > 0 && n > 0 && k > 0) << "matmul dims " << m << "x" << n << "x" << k;
  run({m, n, k, trans_a, trans_b, accumulate, false, lda, ldb, ldc}, const_cast<float*>(a),
      const_cast<float*>(b), c);
}

double measure_gemm_flops(int n, Precision precision, int repeats) {
  std::vector<float> a(size_t(n) * n, 0.5f), b(size_t(n) * n, 0.25f), c(size_t(n) * n);
  bool native = precision == Precision::kBf16 && native_bf16_available();
  std::vector<uint16_t> a16, b16;
  if (native) {
    a16.resize(a.size());
    b16.resize(b.size());
    to_bf16(a.data(), a16.data(), a.size());
    to_bf16(b.data(), b16.data(), b.size());
  }
  // The peak is the product itself, without the fp32->bf16 conversions.
  Key key = packed_key(n, n, n, false, false, false, native);
  auto once = [&] {
    if (native) run(key, a16.data(), b16.data(), c.data());
    else run(key, a.data(), b.data(), c.data());
  };
  once();  // warm-up: primitive creation, page faults
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    Timer t;
    once();
    best = std::min(best, t.seconds());
  }
  return 2.0 * n * double(n) * n / best;
}

}  // namespace llmforge::cpu
