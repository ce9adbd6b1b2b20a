#include "train/validation.h"

#include <algorithm>

#include "core/error.h"
#include "train/data_loader.h"
#include "train/losses.h"

namespace llmforge {

ValidationSet load_validation_set(const std::vector<std::string>& val_shards, int seq_len,
                                  int max_windows, const Tokenizer* tok) {
  ValidationSet val;
  val.seq_len = seq_len;
  if (val_shards.empty() || max_windows <= 0) return val;
  DataLoader loader(val_shards, seq_len, false, 0);
  loader.first_windows(max_windows, val.inputs, val.targets);
  val.windows = int(val.inputs.size() / seq_len);
  val.target_weights.assign(val.targets.size(), 1.0f);
  if (tok) {
    for (size_t i = 0; i < val.targets.size(); ++i) {
      uint32_t id = uint32_t(val.targets[i]);
      if (id >= tok->vocab_size() || tok->is_special(id))
        val.target_weights[i] = 0.0f;
      else
        val.bytes += double(tok->token_bytes(id).size());
    }
  }
  return val;
}

ValidationResult evaluate_validation(Model& model, const ValidationSet& val, int micro_batch) {
  ValidationResult r;
  if (val.windows == 0) return r;
  if (micro_batch <= 0) ErrorBuilder("shards") << "validation micro-batch must be positive";
  const int t = val.seq_len;
  double nats = 0, weight = 0;
  for (int w0 = 0; w0 < val.windows; w0 += micro_batch) {
    int b = std::min(micro_batch, val.windows - w0);
    size_t off = size_t(w0) * t;
    model.forward(val.inputs.data() + off, b, t);
    nats += cross_entropy_eval(model, val.targets.data() + off, val.target_weights.data() + off);
    weight += weight_sum(val.targets.data() + off, val.target_weights.data() + off, size_t(b) * t);
  }
  r.loss = nats / std::max(1.0, weight);
  r.tokens = weight;
  r.bytes = val.bytes;
  if (val.bytes > 0) r.bits_per_byte = nats / std::log(2.0) / val.bytes;
  return r;
}

}  // namespace llmforge
