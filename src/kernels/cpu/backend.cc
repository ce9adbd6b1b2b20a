// The CPU backend's function table.
#include "kernels/backend.h"

#include "kernels/cpu/cross_entropy.h"
#include "kernels/cpu/embedding.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/rmsnorm.h"
#include "kernels/cpu/swiglu.h"

namespace llmforge {

const KernelBackend& cpu_backend() {
  static const KernelBackend backend{
      "cpu",
      cpu::matmul,
      cpu::embedding_forward,
      cpu::embedding_backward,
      cpu::rmsnorm_forward,
      cpu::rmsnorm_backward,
      cpu::rope_forward,
      cpu::rope_backward,
      cpu::attention_forward,
      cpu::attention_backward,
      cpu::attention_decode,
      cpu::swiglu_forward,
      cpu::swiglu_backward,
      cpu::cross_entropy_forward_backward,
      cpu::adamw_update,
      cpu::sum_squares,
      cpu::scale_inplace,
  };
  return backend;
}

}  // namespace llmforge
