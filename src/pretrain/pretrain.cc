#include "pretrain/pretrain.h"

#include <cstdio>
#include <memory>

#include "core/error.h"
#include "infer/batch_generator.h"
#include "model/model_io.h"
#include "tokenizer/tokenizer.h"
#include "train/data_loader.h"
#include "train/train_loop.h"
#include "train/validation.h"

namespace llmforge {
namespace {

// Token-shard windows, this process's share of each epoch's order.
class ShardSource : public BatchSource {
 public:
  ShardSource(DataLoader& loader, int rows, int t) : loader_(loader), rows_(rows), t_(t) {}
  void next(MicroBatch& b) override {
    b.rows = rows_, b.t = t_;
    loader_.next_batch(rows_, b.inputs, b.targets);
    b.weights.clear();
    b.real_tokens = long(rows_) * t_;
  }
  CheckpointMeta position() const override {
    LoaderPosition pos = loader_.position();
    return {{"loader.epoch", std::to_string(pos.epoch)}, {"loader.cursor", std::to_string(pos.cursor)}};
  }
  void restore(const CheckpointMeta& meta) override {
    loader_.set_position({std::stoull(meta.at("loader.epoch")), std::stoull(meta.at("loader.cursor"))});
  }

 private:
  DataLoader& loader_;
  int rows_, t_;
};

}  // namespace

PretrainSummary run_pretraining(const PretrainConfig& cfg, Distributed& dist) {
  const bool root = dist.is_root();
  if (cfg.steps <= 0 || cfg.micro_batch <= 0) ErrorBuilder("pretrain") << "steps and micro_batch must be positive";
  // A loaded model (a checkpoint to resume, or --init-from) brings its own shape,
  // context length included.
  const std::string resume_from = cfg.resume ? TrainLoop::latest_checkpoint(cfg.out_dir) : "";
  const std::string loaded = !resume_from.empty() ? resume_from : cfg.init_from;
  const int t = loaded.empty() ? cfg.model.max_seq_len : load_model_config(loaded).max_seq_len;

  // Data.
  auto train_shards = find_shards(cfg.data_dir, "train");
  if (train_shards.empty()) {
    ErrorBuilder("pretrain") << cfg.data_dir << ": no train-*.bin token shards (in " << cfg.data_dir
                             << "/tokens or " << cfg.data_dir << ")";
  }
  DataLoader loader(train_shards, t, cfg.align_to_documents, cfg.seed, dist.rank(), dist.world());

  std::unique_ptr<Tokenizer> tokenizer;
  if (!cfg.tokenizer.empty()) tokenizer = std::make_unique<Tokenizer>(Tokenizer::load(cfg.tokenizer));
  if (tokenizer && tokenizer->vocab_size() > loader.vocab_size()) {
    ErrorBuilder("pretrain") << "tokenizer " << cfg.tokenizer << " has " << tokenizer->vocab_size()
                             << " tokens but the shards were made with " << loader.vocab_size();
  }

  const ValidationSet val =
      load_validation_set(find_shards(cfg.data_dir, "val"), t, cfg.eval_windows, tokenizer.get());

  const long per_step = long(cfg.micro_batch) * t * dist.world();
  if (cfg.grad_accum <= 0) ErrorBuilder("pretrain") << "grad_accum must be positive";
  const long batch_tokens = cfg.batch_tokens > 0 ? cfg.batch_tokens : per_step * cfg.grad_accum;
  if (batch_tokens % per_step != 0) {
    ErrorBuilder("pretrain") << "batch of " << batch_tokens << " tokens is not a multiple of "
                             << per_step << " (micro_batch x seq x processes)";
  }

  TrainLoopConfig lc = train_loop_config("pretrain", cfg.steps, int(batch_tokens / per_step), cfg);
  lc.size_rows = cfg.micro_batch, lc.size_seq = t;
  TrainLoop loop(lc, dist);
  if (loop.resume_dir() != resume_from) {
    ErrorBuilder("pretrain") << cfg.out_dir << "/checkpoints/latest changed while the run started";
  }

  // Model, fresh or resumed.
  ModelConfig mc = cfg.model;
  mc.vocab_size = int(loader.vocab_size());
  std::unique_ptr<Model> model;
  if (!loop.resume_dir().empty()) {
    model = load_model(loop.resume_dir(), cfg.precision);
    if (model->config().vocab_size != mc.vocab_size) {
      ErrorBuilder("pretrain") << "checkpoint " << loop.resume_dir() << " has vocabulary "
                               << model->config().vocab_size << ", the shards " << mc.vocab_size;
    }
  } else if (!cfg.init_from.empty()) {
    model = load_model(cfg.init_from, cfg.precision);
  } else {
    model = std::make_unique<Model>(mc, cfg.precision);
    model->init_random(cfg.seed, cfg.init_std);
  }
  mc = model->config();
  ShardSource source(loader, cfg.micro_batch, t);
  loop.attach(*model, source);

  if (root) {
    std::printf("model: %.2fM parameters (dim %d, %d layers, %d/%d heads, ffn %d, vocab %d, "
                "context %d), %s\n",
                mc.num_parameters() / 1e6, mc.dim, mc.n_layers, mc.n_heads, mc.n_kv_heads,
                mc.ffn_dim, mc.vocab_size, t, precision_name(cfg.precision));
    std::printf("data: %llu training tokens in %zu shards, %llu windows; validation %d windows\n",
                (unsigned long long)loader.token_count(), train_shards.size(),
                (unsigned long long)loader.window_count(), val.windows);
    std::printf("batch: %ld tokens per step = %d micro-batches x %d x %d tokens x %d processes\n",
                batch_tokens, lc.accum, cfg.micro_batch, t, dist.world());
    std::fflush(stdout);
  }

  TrainHooks hooks;
  hooks.after_backward = cfg.after_backward;
  if (val.windows) {
    hooks.evaluate = [&](Model& m) {
      ValidationResult e = evaluate_validation(m, val, cfg.micro_batch);
      EvalResult r;
      r.loss = e.loss;
      r.metrics["val_loss"] = e.loss;
      char text[96];
      int n = std::snprintf(text, sizeof text, "val %.4f", e.loss);
      if (e.bits_per_byte >= 0) {
        r.metrics["val_bpb"] = e.bits_per_byte;
        std::snprintf(text + n, sizeof text - n, " (%.3f bits/byte)", e.bits_per_byte);
      }
      r.progress = text;
      return r;
    };
  }
  if (tokenizer) {
    hooks.add_files = [&](const std::string& dir) { tokenizer->save_tokenizer_json(dir + "/tokenizer.json"); };
    // Greedy continuations of the prompts, with the KV-cache engine.
    hooks.sample = [&](long step, Model& m) {
      const int32_t bos = int32_t(loader.bos_id());
      SamplerSettings greedy;
      greedy.temperature = 0.0;
      for (const std::string& prompt : cfg.sample_prompts) {
        std::vector<int32_t> ids{bos};
        for (uint32_t id : tokenizer->encode_ordinary(prompt)) ids.push_back(int32_t(id));
        std::vector<uint32_t> out;
        for (int32_t id : generate_tokens(m, ids, greedy, cfg.sample_tokens, {bos}))
          if (id != bos) out.push_back(uint32_t(id));
        const std::string text = tokenizer->decode_text(out);
        std::fprintf(stderr, "\nsample @%ld [%s]%s\n", step, prompt.c_str(), text.c_str());
        loop.log({{"step", step}, {"sample_prompt", prompt}, {"sample", text}});
      }
    };
  }

  TrainResult r = loop.run(hooks);
  PretrainSummary summary;
  summary.steps_done = r.steps_done;
  summary.train_loss = r.train_loss;
  summary.val_loss = r.val_loss;
  if (r.last_eval.contains("val_bpb")) summary.val_bits_per_byte = r.last_eval["val_bpb"].get<double>();
  summary.best_val_loss = r.best_val_loss;
  summary.tokens_per_s = r.tokens_per_s;
  summary.stopped_non_finite = r.stopped_non_finite;
  summary.model_dir = r.model_dir;
  summary.step_losses = std::move(r.step_losses);
  return summary;
}

}  // namespace llmforge
