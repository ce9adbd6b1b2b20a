#include "infer/weight_store.h"

#include <cstring>

#include "gguf/gguf_types.h"
#include "kernels/precision.h"

namespace llmforge {

size_t weight_matrix_bytes(const WeightMatrix& w) {
  size_t b = weight_data_bytes(w.type, w.n, w.k);
  if (w.type == WeightType::kQ8_0) b += sizeof(float) * size_t(w.n) * (w.k / kQ8BlockValues);
  return b;
}

WeightStore::WeightStore(const Model& model, WeightType type)
    : type_(type), kernels_(model.kernels()) {
  const ModelConfig& c = model.config();
  const ParamLayout& lay = model.layout();
  const float* p = model.params();
  const int C = c.dim, F = c.ffn_dim, QD = c.q_dim(), KVD = c.kv_dim(), V = c.vocab_size;
  for (const LayerParams& P : lay.layers) {
    Layer L;
    L.wq = make(p + P.wq, QD, C);
    L.wk = make(p + P.wk, KVD, C);
    L.wv = make(p + P.wv, KVD, C);
    L.wo = make(p + P.wo, C, QD);
    L.w_gate = make(p + P.w_gate, F, C);
    L.w_up = make(p + P.w_up, F, C);
    L.w_down = make(p + P.w_down, C, F);
    layers_.push_back(L);
  }
  embed_ = make(p + lay.embed, V, C);
  lm_head_ = c.tie_embeddings ? embed_ : make(p + lay.lm_head, V, C);
}

WeightMatrix WeightStore::make(const float* w, int n, int k) {
  WeightMatrix m;
  m.n = n, m.k = k;
  m.type = type_ == WeightType::kQ8_0 && k % kQ8BlockValues != 0 ? WeightType::kF32 : type_;
  if (m.type == WeightType::kF32) {
    m.data = w;
    return m;
  }
  // Converted on the host, then copied to the backend (the CPU backend's memory is
  // host memory; another backend's is not).
  const size_t values = size_t(n) * k;
  std::vector<float> host(values);
  kernels_.copy_to_host(host.data(), w, sizeof(float) * values);
  std::vector<uint8_t> bytes(weight_matrix_bytes(m));
  if (m.type == WeightType::kBf16) {
    uint16_t* out = reinterpret_cast<uint16_t*>(bytes.data());
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < values; ++i) out[i] = fp32_to_bf16(host[i]);
  } else {
    // GGUF's own q8_0 blocks (fp16 d, 32 int8 q), split into quants and fp32 scales.
    const int nb = k / kQ8BlockValues;
    int8_t* q = reinterpret_cast<int8_t*>(bytes.data());
    float* d = reinterpret_cast<float*>(bytes.data() + values);
#pragma omp parallel
    {
      std::vector<uint8_t> row(size_t(nb) * gguf::kQ8BlockBytes);
#pragma omp for schedule(static)
      for (int r = 0; r < n; ++r) {
        gguf::encode_row(gguf::TensorType::kQ8_0, host.data() + size_t(r) * k, k, row.data());
        for (int b = 0; b < nb; ++b) {
          const uint8_t* blk = row.data() + size_t(b) * gguf::kQ8BlockBytes;
          uint16_t h;
          std::memcpy(&h, blk, 2);
          d[size_t(r) * nb + b] = gguf::fp16_to_fp32(h);
          std::memcpy(q + size_t(r) * k + size_t(b) * kQ8BlockValues, blk + 2, kQ8BlockValues);
        }
      }
    }
  }
  storage_.emplace_back(kernels_, bytes.size());
  storage_.back().copy_from_host(bytes.data(), bytes.size());
  m.data = storage_.back().data();
  if (m.type == WeightType::kQ8_0)
    m.scales = reinterpret_cast<const float*>(storage_.back().data() + values);
  return m;
}

size_t WeightStore::bytes_per_token() const {
  size_t b = weight_matrix_bytes(lm_head_);
  for (const Layer& L : layers_) {
    for (const WeightMatrix* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down})
      b += weight_matrix_bytes(*w);
  }
  return b;
}

}  // namespace llmforge
