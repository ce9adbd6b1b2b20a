// `llmforge quickstart`: the smallest end-to-end demonstration. Generates a toy
// corpus (biographies of fictional people and arithmetic), trains a byte-level
// Llama model on it from scratch, saves it, and prints samples. A few minutes on a
// laptop CPU. The full pipeline (crawl, tokenizer, SFT, chat) is `llmforge speedrun`
// once it exists.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/command.h"
#include "apps/model_options.h"
#include "core/arena.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "infer/reference_generate.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/losses.h"
#include "train/lr_schedule.h"
#include "tokenizer/unicode.h"
#include "train/toy_corpus.h"

namespace llmforge {
namespace {

constexpr int32_t kBos = 256;  // byte-level vocabulary: 256 bytes + begin-of-sequence

std::vector<int32_t> encode_bytes(const std::string& s) {
  std::vector<int32_t> out;
  for (unsigned char c : s) out.push_back(c);
  return out;
}

// Sampled bytes need not form valid UTF-8 (or printable text): invalid sequences
// and control bytes other than newline and tab print as U+FFFD, so a sample never
// garbles the terminal.
std::string decode_bytes(const std::vector<int32_t>& ids) {
  std::string bytes;
  for (int32_t id : ids) {
    if (id >= 256) continue;
    bool control = id < 0x20 && id != '\n' && id != '\t';
    bytes.push_back(control || id == 0x7f ? char(0xff) : char(id));  // 0xff is never valid UTF-8
  }
  return utf8_with_replacements(bytes);
}

// Random windows of t+1 tokens from a token stream: inputs and next-token targets.
void sample_batch(const std::vector<int32_t>& stream, int b, int t, Rng& rng,
                  std::vector<int32_t>& inputs, std::vector<int32_t>& targets) {
  inputs.resize(size_t(b) * t);
  targets.resize(size_t(b) * t);
  for (int r = 0; r < b; ++r) {
    size_t start = rng.below(stream.size() - t - 1);
    for (int i = 0; i < t; ++i) {
      inputs[size_t(r) * t + i] = stream[start + i];
      targets[size_t(r) * t + i] = stream[start + i + 1];
    }
  }
}

int run_quickstart(int argc, char** argv) {
  CliOptions opts("llmforge quickstart [options]",
                  "Trains a small byte-level Llama model on generated text (biographies of\n"
                  "fictional people and arithmetic), saves it and prints samples.");
  opts.add("out", "runs/quickstart", "directory for the model and its checkpoint")
      .add("steps", "600", "optimizer steps")
      .add("batch", "16", "sequences per step")
      .add("lr", "3e-3", "peak learning rate (cosine decay to a tenth)")
      .add("warmup", "30", "warmup steps")
      .add("documents", "20000", "generated documents")
      .add("eval-every", "100", "steps between validation losses")
      .add("seed", "1", "seed for data, initialisation and sampling")
      .add("precision", "fp32", "matrix-product inputs: fp32 or bf16");
  ModelConfig defaults;
  defaults.vocab_size = 257, defaults.dim = 128, defaults.n_layers = 4, defaults.n_heads = 4,
  defaults.n_kv_heads = 2, defaults.ffn_dim = 352, defaults.max_seq_len = 128;
  add_model_shape_options(opts, defaults);
  if (!opts.parse(argc, argv)) return 0;
  ModelConfig config = model_config_from_options(opts);
  if (config.vocab_size < 257) ErrorBuilder("cli") << "--vocab must be at least 257 (bytes + BOS)";
  const int steps = int(opts.get_int("steps")), batch = int(opts.get_int("batch"));
  const int t = config.max_seq_len, eval_every = int(opts.get_int("eval-every"));
  const uint64_t seed = uint64_t(opts.get_int("seed"));
  if (steps <= 0 || batch <= 0) ErrorBuilder("cli") << "--steps and --batch must be positive";
  if (eval_every <= 0) ErrorBuilder("cli") << "--eval-every must be positive";

  // 1. Data: generated documents, BOS-separated byte tokens, 5% held out.
  ToyCorpus corpus = make_toy_corpus(seed, int(opts.get_int("documents")));
  std::vector<int32_t> train, val;
  for (size_t d = 0; d < corpus.documents.size(); ++d) {
    auto& dst = d % 20 == 19 ? val : train;
    dst.push_back(kBos);
    auto bytes = encode_bytes(corpus.documents[d] + "\n");
    dst.insert(dst.end(), bytes.begin(), bytes.end());
  }
  if (val.size() < size_t(t) + 2 || train.size() < size_t(t) + 2) {
    ErrorBuilder("cli") << "--documents too small for a context of " << t;
  }
  std::printf("data: %zu documents, %zu training and %zu validation tokens (bytes)\n",
              corpus.documents.size(), train.size(), val.size());

  // 2. Model and optimizer.
  Model model(config, parse_precision(opts.get("precision")));
  model.init_random(seed);
  AdamW opt(model, AdamWConfig{});
  LrSchedule schedule{LrSchedule::Kind::kCosine, opts.get_double("lr"),
                      opts.get_double("lr") / 10, opts.get_int("warmup"), steps, 0.2};
  std::vector<int32_t> inputs, targets;
  Rng data_rng(seed * 7919 + 1), val_rng(seed * 104729 + 2);
  // A fixed validation set of 4 batches, so that successive losses are comparable.
  const int kValBatches = 4;
  std::vector<std::vector<int32_t>> val_inputs(kValBatches), val_targets(kValBatches);
  for (int v = 0; v < kValBatches; ++v) sample_batch(val, batch, t, val_rng, val_inputs[v], val_targets[v]);
  auto validation_loss = [&] {
    double total = 0;
    for (int v = 0; v < kValBatches; ++v) {
      model.forward(val_inputs[v].data(), batch, t);
      total += cross_entropy_eval(model, val_targets[v].data(), nullptr);
    }
    return total / (kValBatches * double(batch) * t);
  };
  model.forward(val_inputs[0].data(), batch, t);  // sizes the activation arena
  std::printf("model: %.2fM parameters (dim %d, %d layers, %d/%d heads, context %d), %s\n",
              config.num_parameters() / 1e6, config.dim, config.n_layers, config.n_heads,
              config.n_kv_heads, t, precision_name(model.precision()));
  std::printf("arenas: parameters %s, gradients %s, optimizer %s, activations %s\n",
              format_bytes(model.param_bytes()).c_str(), format_bytes(model.grad_bytes()).c_str(),
              format_bytes(opt.state_bytes()).c_str(),
              format_bytes(model.activation_bytes()).c_str());

  // 3. Training loop.
  const double n_tok = double(batch) * t;
  Progress progress("train", steps, "steps");
  double loss = 0, val_loss = NAN;
  for (int step = 0; step < steps; ++step) {
    sample_batch(train, batch, t, data_rng, inputs, targets);
    model.zero_grad();
    model.forward(inputs.data(), batch, t);
    loss = cross_entropy_backward(model, targets.data(), nullptr, 1.0 / n_tok) / n_tok;
    double lr = schedule.at(step);
    opt.step(model, lr);
    if ((step + 1) % eval_every == 0 || step + 1 == steps) val_loss = validation_loss();
    char extra[160];
    std::snprintf(extra, sizeof extra, "loss %.3f val %.3f lr %.2e %.0f tok/s", loss, val_loss, lr,
                  (step + 1) * n_tok / std::max(1e-9, progress.elapsed()));
    progress.update(step + 1, extra);
  }
  char extra[160];
  std::snprintf(extra, sizeof extra, "loss %.3f val %.3f (%.2f bits/byte)", loss, val_loss,
                val_loss / std::log(2.0));
  progress.finish(extra);

  // 4. Save (model directory + optimizer state).
  const std::string out = opts.get("out");
  std::filesystem::create_directories(out);
  save_checkpoint(out + "/model", model, opt, {{"seed", std::to_string(seed)}});
  std::printf("saved %s/model (config.json, model.safetensors, training_state.safetensors)\n",
              out.c_str());

  // 5. Samples: greedy and sampled completions of prompts.
  Rng sample_rng(seed);
  std::printf("\nsamples (prompt in [brackets]):\n");
  for (const std::string& prompt : corpus.prompts) {
    for (double temperature : {0.0, 0.8}) {
      std::vector<int32_t> ids{kBos};
      auto p = encode_bytes(prompt);
      ids.insert(ids.end(), p.begin(), p.end());
      SampleSettings s;
      s.temperature = temperature;
      s.max_new_tokens = 60;
      s.stop_token = '\n';
      std::string text = decode_bytes(reference_generate(model, ids, s, sample_rng));
      if (!text.empty() && text.back() == '\n') text.pop_back();
      std::printf("  %-8s [%s]%s\n", temperature == 0.0 ? "greedy" : "t=0.8", prompt.c_str(),
                  text.c_str());
    }
  }
  return 0;
}

const bool kRegistered = register_command(
    {"quickstart", "train a small model on generated text and print samples", run_quickstart});

}  // namespace
}  // namespace llmforge
