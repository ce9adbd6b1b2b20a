// The CPU backend's function table, in the order of KernelBackend's fields.
#include "kernels/backend.h"

#include "kernels/cpu/adamw.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/attention_decode.h"
#include "kernels/cpu/cross_entropy.h"
#include "kernels/cpu/embedding.h"
#include "kernels/cpu/kv_cache.h"
#include "kernels/cpu/linear.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/memory.h"
#include "kernels/cpu/rmsnorm.h"
#include "kernels/cpu/rope.h"
#include "kernels/cpu/swiglu.h"
#include "kernels/cpu/value_head.h"

namespace llmforge {

const KernelBackend& cpu_backend() {
  static const KernelBackend backend{
      .name = "cpu",
      .alloc = cpu::alloc,
      .free = cpu::free,
      .memset = cpu::memset,
      .copy_to_device = cpu::copy_to_device,
      .copy_to_host = cpu::copy_to_host,
      .copy = cpu::copy,
      .native_bf16 = cpu::native_bf16_available,
      .measure_gemm_flops = cpu::measure_gemm_flops,
      .matmul = cpu::matmul,
      .embedding_forward = cpu::embedding_forward,
      .embedding_backward = cpu::embedding_backward,
      .rmsnorm_forward = cpu::rmsnorm_forward,
      .rmsnorm_backward = cpu::rmsnorm_backward,
      .rope_table = cpu::rope_table,
      .rope_forward = cpu::rope_forward,
      .rope_backward = cpu::rope_backward,
      .attention_forward = cpu::attention_forward,
      .attention_backward = cpu::attention_backward,
      .attention_decode = cpu::attention_decode,
      .kv_cache_write = cpu::kv_cache_write,
      .linear = cpu::linear,
      .linear_group = cpu::linear_group,
      .weight_rows = cpu::weight_rows,
      .swiglu_forward = cpu::swiglu_forward,
      .swiglu_backward = cpu::swiglu_backward,
      .value_head_forward = cpu::value_head_forward,
      .value_head_backward = cpu::value_head_backward,
      .cross_entropy_forward_backward = cpu::cross_entropy_forward_backward,
      .adamw_update = cpu::adamw_update,
      .sum_squares = cpu::sum_squares,
      .scale_inplace = cpu::scale_inplace,
  };
  return backend;
}

}  // namespace llmforge
