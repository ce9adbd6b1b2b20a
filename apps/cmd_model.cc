// `llmforge init` (a new model directory with random weights) and `llmforge loss`
// (mean next-token loss of a model on a token file).
#include <cmath>
#include <cstdio>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "model/model_io.h"
#include "train/token_lines.h"

namespace llmforge {
namespace {

int run_init(int argc, char** argv) {
  CliOptions opts("llmforge init --out DIR [options]",
                  "Writes a model directory (config.json, model.safetensors) with random\n"
                  "weights: Normal(0, std) matrices, output projections scaled by 1/sqrt(2L).");
  opts.add("out", "", "model directory to write (required)")
      .add("seed", "1", "random seed")
      .add("init-std", "0.02", "standard deviation of the weights");
  ModelConfig defaults;
  add_model_shape_options(opts, defaults);
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get("out").empty()) ErrorBuilder("cli") << "--out is required";
  ModelConfig c = model_config_from_options(opts);
  Model model(c);
  model.init_random(uint64_t(opts.get_int("seed")), float(opts.get_double("init-std")));
  save_model(model, opts.get("out"));
  std::printf("wrote %s: %.2fM parameters\n", opts.get("out").c_str(), c.num_parameters() / 1e6);
  return 0;
}

int run_loss(int argc, char** argv) {
  CliOptions opts("llmforge loss --model DIR --tokens FILE [options]",
                  "Prints the mean next-token cross-entropy of a model over a file of token ids:\n"
                  "whitespace-separated, one sequence per line, each at most the context length\n"
                  "plus one (every token but the first is predicted from those before it).");
  opts.add("model", "", "model directory (config.json, model.safetensors) (required)")
      .add("tokens", "", "token file (required)")
      .add("micro-batch", "16", "sequences evaluated together")
      .add_alias("batch", "micro-batch");
  add_precision_option(opts);
  if (!opts.parse(argc, argv)) return 0;
  if (opts.get("model").empty() || opts.get("tokens").empty()) {
    ErrorBuilder("cli") << "--model and --tokens are required";
  }
  auto model = load_model(opts.get("model"), precision_from_options(opts));
  auto sequences = read_token_lines(opts.get("tokens"), model->config().vocab_size,
                                    model->config().max_seq_len);
  int batch = int(opts.get_int("micro-batch"));
  if (batch <= 0) ErrorBuilder("cli") << "--batch must be positive";
  SequenceLoss loss = sequence_loss(*model, sequences, batch);
  if (loss.tokens == 0) ErrorBuilder("loss") << opts.get("tokens") << ": no token to predict";
  std::printf("loss %.6f nats/token over %ld tokens in %zu sequences (perplexity %.3f)\n",
              loss.mean(), loss.tokens, sequences.size(), std::exp(loss.mean()));
  return 0;
}

const bool kInit = register_command({"init", "write a model directory with random weights", run_init});
const bool kLoss = register_command({"loss", "mean next-token loss of a model on a token file", run_loss});

}  // namespace
}  // namespace llmforge
