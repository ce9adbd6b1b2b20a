#include "pretrain/pretrain.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/arena.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "infer/reference_generate.h"
#include "kernels/backend.h"
#include "model/model_io.h"
#include "model/safetensors.h"
#include "pretrain/data_loader.h"
#include "pretrain/distributed.h"
#include "pretrain/metrics_log.h"
#include "pretrain/validation.h"
#include "tokenizer/tokenizer.h"
#include "train/checkpoint.h"
#include "train/losses.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

uint64_t params_checksum(const Model& m) {
  return crc32_of(m.params(), m.n_param_floats() * sizeof(float));
}

}  // namespace

PretrainSummary run_pretraining(const PretrainConfig& cfg, Distributed& dist) {
  const bool root = dist.is_root();
  if (cfg.steps <= 0 || cfg.micro_batch <= 0) ErrorBuilder("pretrain") << "steps and micro_batch must be positive";
  const int t = cfg.model.max_seq_len;

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

  // Model and optimizer, fresh or resumed.
  ModelConfig mc = cfg.model;
  mc.vocab_size = int(loader.vocab_size());
  const std::string ckpt_root = cfg.out_dir + "/checkpoints";
  if (root) fs::create_directories(ckpt_root);
  dist.barrier();
  RunCheckpoints checkpoints(ckpt_root, cfg.keep_checkpoints);
  const std::string resume_from = cfg.resume ? checkpoints.latest_dir() : "";
  std::unique_ptr<Model> model;
  if (!resume_from.empty()) {
    model = load_model(resume_from, cfg.precision);
    if (model->config().vocab_size != mc.vocab_size) {
      ErrorBuilder("pretrain") << "checkpoint " << resume_from << " has vocabulary "
                               << model->config().vocab_size << ", the shards " << mc.vocab_size;
    }
  } else if (!cfg.init_from.empty()) {
    model = load_model(cfg.init_from, cfg.precision);
  } else {
    model = std::make_unique<Model>(mc, cfg.precision);
    model->init_random(cfg.seed, cfg.init_std);
  }
  mc = model->config();
  AdamW opt(*model, cfg.adamw);
  long start_step = 0;
  if (!resume_from.empty()) {
    CheckpointMeta meta = checkpoints.resume(resume_from, *model, opt);
    start_step = std::stol(meta.at("llmforge.step"));
    loader.set_position({std::stoull(meta.at("loader.epoch")), std::stoull(meta.at("loader.cursor"))});
    if (root) {
      LLMF_LOG(Info) << "resumed from " << resume_from << " at step " << start_step;
    }
  } else if (cfg.resume && root) {
    LLMF_LOG(Info) << "no checkpoint to resume in " << ckpt_root << "; starting fresh";
  }

  const long tokens_per_micro = long(cfg.micro_batch) * t;
  const long per_step = tokens_per_micro * dist.world();
  const long batch_tokens = cfg.batch_tokens > 0 ? cfg.batch_tokens : per_step;
  if (batch_tokens % per_step != 0) {
    ErrorBuilder("pretrain") << "batch of " << batch_tokens << " tokens is not a multiple of "
                             << per_step << " (micro_batch x seq x processes)";
  }
  const int accum = int(batch_tokens / per_step);
  LrSchedule schedule = cfg.schedule;
  schedule.total_steps = cfg.steps;

  const double peak = cpu_backend().measure_gemm_flops(1024, cfg.precision, 3);
  const double flops_per_token =
      6.0 * double(mc.num_parameters()) + 12.0 * mc.n_layers * double(mc.dim) * t;
  {
    std::vector<int32_t> zeros(size_t(tokens_per_micro), 0);
    model->forward(zeros.data(), cfg.micro_batch, t);  // sizes the activation arena
  }
  if (root) {
    std::printf("model: %.2fM parameters (dim %d, %d layers, %d/%d heads, ffn %d, vocab %d, "
                "context %d), %s\n",
                mc.num_parameters() / 1e6, mc.dim, mc.n_layers, mc.n_heads, mc.n_kv_heads,
                mc.ffn_dim, mc.vocab_size, t, precision_name(cfg.precision));
    std::printf("data: %llu training tokens in %zu shards, %llu windows; validation %d windows\n",
                (unsigned long long)loader.token_count(), train_shards.size(),
                (unsigned long long)loader.window_count(), val.windows);
    std::printf("batch: %ld tokens per step = %d micro-batches x %d x %d tokens x %d processes\n",
                batch_tokens, accum, cfg.micro_batch, t, dist.world());
    std::printf("arenas: parameters %s, gradients %s, optimizer %s, activations %s\n",
                format_bytes(model->param_bytes()).c_str(), format_bytes(model->grad_bytes()).c_str(),
                format_bytes(opt.state_bytes()).c_str(),
                format_bytes(model->activation_bytes()).c_str());
    std::fflush(stdout);
  }

  MetricsLog metrics(root ? cfg.out_dir + "/metrics.jsonl" : "", start_step > 0);
  PretrainSummary summary;
  Rng sample_rng(cfg.seed + 17);
  auto print_samples = [&](long step) {
    if (!tokenizer || !root) return;
    for (const std::string& prompt : cfg.sample_prompts) {
      std::vector<int32_t> ids{int32_t(loader.bos_id())};
      for (uint32_t id : tokenizer->encode_ordinary(prompt)) ids.push_back(int32_t(id));
      SampleSettings s;
      s.temperature = 0.0;
      s.max_new_tokens = cfg.sample_tokens;
      s.stop_token = int32_t(loader.bos_id());
      auto out = reference_generate(*model, ids, s, sample_rng);
      std::vector<uint32_t> ids32;
      for (int32_t id : out)
        if (id != int32_t(loader.bos_id())) ids32.push_back(uint32_t(id));
      std::string text = tokenizer->decode_text(ids32);
      std::fprintf(stderr, "\nsample @%ld [%s]%s\n", step, prompt.c_str(), text.c_str());
      metrics.write({{"step", step}, {"sample_prompt", prompt}, {"sample", text}});
    }
  };
  auto save = [&](long step, double val_loss) {
    const uint64_t crc = params_checksum(*model);
    if (!dist.all_equal(crc)) {
      ErrorBuilder("pretrain") << "weights differ across processes at step " << step
                               << " (non-deterministic all-reduce?)";
    }
    if (!root) return;
    LoaderPosition pos = loader.position();
    CheckpointMeta meta{{"loader.epoch", std::to_string(pos.epoch)},
                        {"loader.cursor", std::to_string(pos.cursor)},
                        {"world", std::to_string(dist.world())}};
    checkpoints.save(step, *model, opt, meta, val_loss, [&](const std::string& dir) {
      if (tokenizer) tokenizer->save_tokenizer_json(dir + "/tokenizer.json");
    });
  };

  Progress progress("pretrain", cfg.steps - start_step, "steps", cfg.log_interval_s);
  const double grad_scale = 1.0 / double(batch_tokens);
  std::vector<int32_t> inputs, targets;
  int bad_in_a_row = 0;
  long tokens_seen = 0;
  double last_val = NAN;
  long step = start_step;
  for (; step < cfg.steps; ++step) {
    Timer step_timer;
    model->zero_grad();
    double loss_sum = 0;
    for (int a = 0; a < accum; ++a) {
      loader.next_batch(cfg.micro_batch, inputs, targets);
      model->forward(inputs.data(), cfg.micro_batch, t);
      loss_sum += cross_entropy_backward(*model, targets.data(), nullptr, grad_scale);
    }
    if (cfg.after_backward) cfg.after_backward(step, *model);
    dist.all_reduce_sum(model->grads(), model->n_param_floats());
    dist.all_reduce_sum(&loss_sum, 1);
    const double loss = loss_sum / double(batch_tokens);
    const double norm = grad_norm(*model);
    const double lr = schedule.at(step);
    tokens_seen += batch_tokens;
    summary.step_losses.push_back(std::isfinite(loss) && std::isfinite(norm) ? loss : NAN);
    if (!std::isfinite(loss) || !std::isfinite(norm)) {
      ++bad_in_a_row;
      if (root) {
        LLMF_LOG(Warn) << "step " << step << ": non-finite loss " << loss << " or gradient norm "
                       << norm << "; step skipped (" << bad_in_a_row << " in a row)";
      }
      metrics.write({{"step", step}, {"skipped", true}, {"loss", nullptr}});
      if (bad_in_a_row >= cfg.max_bad_steps) {
        summary.stopped_non_finite = true;
        if (root) {
          const std::string last = checkpoints.latest_dir();
          LLMF_LOG(Error) << "stopping: " << bad_in_a_row << " non-finite steps in a row; last good "
                          << "checkpoint: " << (last.empty() ? "none" : last);
        }
        break;
      }
      continue;
    }
    bad_in_a_row = 0;
    opt.step(*model, lr, norm);
    summary.train_loss = loss;
    const double dt = step_timer.seconds();
    const double tok_s = batch_tokens / dt;
    const double mfu = tok_s / dist.world() * flops_per_token / peak;
    const bool last_step = step + 1 == cfg.steps;
    nlohmann::json record{{"step", step + 1}, {"loss", loss}, {"lr", lr}, {"grad_norm", norm},
                          {"tokens", tokens_seen}, {"tokens_per_s", tok_s}, {"mfu", mfu},
                          {"time", progress.elapsed()}};
    if (val.windows && ((step + 1) % cfg.eval_every == 0 || last_step)) {
      ValidationResult e = evaluate_validation(*model, val, cfg.micro_batch);
      last_val = e.loss;
      summary.val_loss = e.loss;
      summary.val_bits_per_byte = e.bits_per_byte;
      record["val_loss"] = e.loss;
      if (e.bits_per_byte >= 0) record["val_bpb"] = e.bits_per_byte;
    }
    metrics.write(record);
    if (cfg.sample_every > 0 && (step + 1) % cfg.sample_every == 0 && !last_step) print_samples(step + 1);
    if ((cfg.checkpoint_every > 0 && (step + 1) % cfg.checkpoint_every == 0) || last_step) {
      save(step + 1, std::isnan(last_val) ? loss : last_val);
    }
    if (root) {
      char extra[200];
      std::snprintf(extra, sizeof extra, "loss %.4f val %.4f lr %.2e %.0f tok/s MFU %.1f%%", loss,
                    last_val, lr, tok_s, 100.0 * mfu);
      progress.update(step + 1 - start_step, extra);
    }
  }
  summary.steps_done = step;
  summary.best_val_loss = std::isfinite(checkpoints.best_val_loss()) ? checkpoints.best_val_loss() : -1;
  summary.tokens_per_s = progress.elapsed() > 0 ? tokens_seen / progress.elapsed() : 0;
  if (root) {
    char extra[200];
    int n = std::snprintf(extra, sizeof extra, "loss %.4f val %.4f", summary.train_loss,
                          summary.val_loss);
    if (summary.val_bits_per_byte >= 0)
      std::snprintf(extra + n, sizeof extra - n, " (%.3f bits/byte)", summary.val_bits_per_byte);
    progress.finish(extra);
  }
  if (!summary.stopped_non_finite) {
    summary.model_dir = cfg.out_dir + "/model";
    if (root) {
      save_model(*model, summary.model_dir);
      if (tokenizer) tokenizer->save_tokenizer_json(summary.model_dir + "/tokenizer.json");
    }
    print_samples(step);
  }
  return summary;
}

}  // namespace llmforge
