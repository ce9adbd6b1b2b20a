// Rollout throughput: G samples of P prompts through the batched KV-cache engine
// (rl/rollout.h, up to --batch sequences decoded together) against the same samples
// generated one sequence at a time (batch 1), same seeds. Every sample runs to
// --tokens new tokens (no stop token) so both sides do the same work. Prints
// completion tokens/s of each, the ratio, and whether the tokens agree.
// Usage: bench_rollout [--model DIR] [--prompts 8] [--group 8] [--tokens 48] [--batch 64]
// Without --model: a random model of the default speedrun preset's shape.
#include <omp.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "core/thread_policy.h"
#include "model/model_io.h"
#include "rl/arithmetic_task.h"
#include "rl/rollout.h"

using namespace llmforge;

int main(int argc, char** argv) {
  apply_thread_wait_policy(argv);
  std::string model_dir;
  int prompts = 8, group = 8, tokens = 48, batch = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--model")) model_dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--prompts")) prompts = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--group")) group = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--tokens")) tokens = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atoi(argv[i + 1]);
  }
  std::unique_ptr<Model> model;
  if (!model_dir.empty()) {
    model = load_model(model_dir);
  } else {
    ModelConfig c;
    c.dim = 256, c.n_layers = 4, c.n_heads = 4, c.n_kv_heads = 4, c.ffn_dim = 704, c.vocab_size = 2048;
    c.max_seq_len = 256;
    model = std::make_unique<Model>(c);
    model->init_random(1);
  }
  // Prompt lengths like the arithmetic task's chat prompts (about 20 tokens).
  std::vector<std::vector<int32_t>> ps;
  for (int p = 0; p < prompts; ++p) {
    std::vector<int32_t> t;
    for (int k = 0; k < 18 + p % 5; ++k) t.push_back(int32_t((p * 131 + k * 17) % model->config().vocab_size));
    ps.push_back(t);
  }
  RolloutConfig rc;
  rc.samples_per_prompt = group;
  rc.sampling.temperature = 1.0;
  rc.max_new_tokens = tokens;
  rc.max_batch = batch;
  generate_rollouts(*model, {ps[0]}, rc, 1);  // warm-up: first-touch and primitive creation
  RolloutBatch batched = generate_rollouts(*model, ps, rc, 7);
  rc.max_batch = 1;
  RolloutBatch single = generate_rollouts(*model, ps, rc, 7);
  bool same = batched.completions.size() == single.completions.size();
  for (size_t i = 0; same && i < batched.completions.size(); ++i)
    same = batched.completions[i].tokens == single.completions[i].tokens;
  const ModelConfig& c = model->config();
  std::printf("model dim %d, %d layers, vocab %d (%.2fM parameters); %d threads\n", c.dim, c.n_layers,
              c.vocab_size, c.num_parameters() / 1e6, omp_get_max_threads());
  std::printf("%d prompts x %d samples x %d new tokens\n", prompts, group, tokens);
  std::printf("%-22s %10s %14s\n", "", "seconds", "tokens/s");
  std::printf("%-22s %10.2f %14.0f\n", ("batched (" + std::to_string(batch) + " at once)").c_str(),
              batched.seconds, batched.tokens_per_s());
  std::printf("%-22s %10.2f %14.0f\n", "one at a time", single.seconds, single.tokens_per_s());
  std::printf("ratio %.1fx; same tokens: %s\n", batched.tokens_per_s() / single.tokens_per_s(), same ? "yes" : "no");
  return 0;
}
