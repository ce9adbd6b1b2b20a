// `llmforge bench train`: tokens/s and MFU of full training steps on any model shape.
#include <omp.h>

#include <cstdio>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/profiler.h"
#include "kernels/backend.h"
#include "train/bench_train.h"
#include "train/throughput.h"

namespace llmforge {
namespace {

int run_bench_train(int argc, char** argv) {
  CliOptions opts("llmforge bench train [options]",
                  "Times full training steps (forward, backward, AdamW) on random tokens and\n"
                  "prints tokens/s and MFU: (6 N + 12 L d T) FLOPs per token over the GEMM peak\n"
                  "this program measures first (1024^3 product, same precision).");
  ModelConfig defaults;  // the 13.8M reference shape, untied head
  defaults.tie_embeddings = false;
  add_model_shape_options(opts, defaults);
  opts.add("micro-batch", "8", "rows (sequences) per step")
      .add_alias("batch", "micro-batch")
      .add("steps", "5", "measured steps (after one warm-up step)");
  add_precision_option(opts);
  opts.add_flag("verbose", "print every step")
      .add_flag("profile", "print time per op over the measured steps");
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get_bool("profile")) set_profiling(true);
  ModelConfig c = model_config_from_options(opts);
  Precision precision = precision_from_options(opts);
  int batch = int(opts.get_int("micro-batch")), steps = int(opts.get_int("steps"));
  if (batch <= 0 || steps <= 0) ErrorBuilder("cli") << "--micro-batch and --steps must be positive";

  std::printf("model: %.2fM parameters, dim %d, %d layers, %d/%d heads, ffn %d, vocab %d\n",
              c.num_parameters() / 1e6, c.dim, c.n_layers, c.n_heads, c.n_kv_heads, c.ffn_dim,
              c.vocab_size);
  std::printf("batch %d x seq %d, precision %s (%s), %d threads\n", batch, c.max_seq_len,
              precision_name(precision),
              precision == Precision::kFp32       ? "fp32 GEMM"
              : cpu_backend().native_bf16() ? "native bf16 GEMM"
                                                  : "bf16-rounded inputs, fp32 GEMM: no AVX512_BF16",
              omp_get_max_threads());
  TrainBenchResult r = bench_train(c, batch, c.max_seq_len, steps, precision, opts.get_bool("verbose"));
  std::printf("%s\n", arenas_line(r.param_bytes, r.grad_bytes, r.optimizer_bytes, r.activation_bytes).c_str());
  std::printf("GEMM peak: %.1f GFLOP/s\n", r.peak_flops / 1e9);
  std::printf("step: %.3f s  tokens/s: %.0f  MFU: %.1f%%\n", r.step_seconds, r.tokens_per_s,
              100.0 * r.mfu);
  if (profiling_enabled()) std::printf("\n%s", profile_report().c_str());
  return 0;
}

const bool kRegistered = register_command(
    {"bench train", "tokens/s and MFU of training steps on any model shape", run_bench_train});

}  // namespace
}  // namespace llmforge
