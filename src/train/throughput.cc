#include "train/throughput.h"

#include "core/arena.h"
#include "kernels/backend.h"

namespace llmforge {

double training_flops_per_token(const ModelConfig& c, int seq_len) {
  return 6.0 * double(c.num_parameters()) + 12.0 * c.n_layers * double(c.dim) * seq_len;
}

double measure_peak_flops(Precision precision, int repeats) {
  return cpu_backend().measure_gemm_flops(1024, precision, repeats);
}

double model_flops_utilization(double tokens_per_s, double flops_per_token, double peak_flops) {
  return peak_flops > 0 ? tokens_per_s * flops_per_token / peak_flops : 0.0;
}

std::string arenas_line(size_t param_bytes, size_t grad_bytes, size_t optimizer_bytes,
                        size_t activation_bytes) {
  return "arenas: parameters " + format_bytes(double(param_bytes)) + ", gradients " +
         format_bytes(double(grad_bytes)) + ", optimizer " + format_bytes(double(optimizer_bytes)) +
         ", activations " + format_bytes(double(activation_bytes));
}

}  // namespace llmforge
