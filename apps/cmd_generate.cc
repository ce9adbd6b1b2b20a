// `llmforge generate --model DIR --prompt TEXT`: plain completion with the KV-cache
// engine. --n samples the prompt n times in one batch (as RL does); with n = 1 the
// text streams as it is generated. --chat wraps the prompt as one user turn;
// with --index the model may search that index in the middle of its reply.
#include <cstdio>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "core/timer.h"
#include "infer/batch_generator.h"
#include "infer/chat_format.h"
#include "infer/sampler_options.h"
#include "infer/tool_turn.h"
#include "model/model_io.h"
#include "search/search_tool.h"

namespace llmforge {
namespace {

int run_generate(int argc, char** argv) {
  CliOptions opts("llmforge generate --model DIR --prompt TEXT [options]",
                  "Continues a prompt with a model (plain completion, or one chat turn with\n"
                  "--chat). Statistics go to stderr.");
  opts.add("model", "", "model directory (config.json, model.safetensors, tokenizer.json)")
      .add("prompt", "", "text to continue (or give it as the positional argument)")
      .add("max-tokens", "128", "tokens to generate at most")
      .add("n", "1", "samples of the prompt, decoded together in one batch")
      .add("stop", "", "stop string (generation ends before it)")
      .add("system", "", "system prompt (with --chat)")
      .add_flag("chat", "render the prompt as a user turn and stop at <|end|>")
      .add_flag("bos", "start a plain prompt with <|bos|>, as documents start in training", true);
  add_sampler_options(opts, SamplerSettings{});
  add_tool_options(opts);
  opts.allow_positional("prompt", "text to continue");
  add_precision_option(opts);
  add_weights_option(opts);
  opts.add_flag("ignore-eos", "keep generating past the end-of-text token (benchmarks)");
  if (!opts.parse(argc, argv)) return 0;
  const std::string dir = opts.get("model");
  if (dir.empty()) ErrorBuilder("cli") << "--model DIR is required";
  std::string prompt = opts.get("prompt");
  for (const std::string& p : opts.positional()) prompt += (prompt.empty() ? "" : " ") + p;
  const int n = int(opts.get_int("n")), max_tokens = int(opts.get_int("max-tokens"));
  if (n <= 0 || max_tokens <= 0) ErrorBuilder("cli") << "--n and --max-tokens must be positive";

  auto model = load_model(dir, precision_from_options(opts));
  Tokenizer tok = Tokenizer::load(dir);
  GenerationRequest req;
  req.sampling = sampler_from_options(opts);
  req.max_new_tokens = max_tokens;
  if (!opts.get("stop").empty()) req.stop_strings = {opts.get("stop")};
  if (opts.get_bool("chat")) {
    std::vector<ChatMessage> msgs;
    if (!opts.get("system").empty()) msgs.push_back({"system", opts.get("system")});
    msgs.push_back({"user", prompt});
    req.prompt = render_chat(tok, msgs, true).tokens;
    req.stop_tokens = {chat_end_token(tok)};
  } else {
    if (opts.get_bool("bos")) req.prompt.push_back(int32_t(tok.bos_id()));
    for (uint32_t id : tok.encode(prompt, AllowedSpecial::as_text())) req.prompt.push_back(int32_t(id));
    if (auto end = tok.special_token_id("<|bos|>"); end && !opts.get_bool("ignore-eos"))
      req.stop_tokens = {int32_t(*end)};
  }
  if (req.prompt.empty()) ErrorBuilder("cli") << "empty prompt (give --prompt TEXT)";

  check_kv_cache_fits(model->config(), n, model->config().max_seq_len,
                      "pass a smaller --n, or check max_position_embeddings in config.json");
  BatchGenerator gen(*model, &tok, n, 0, weights_from_options(opts));
  if (!opts.get("index").empty()) {
    if (!opts.get_bool("chat") || n != 1) ErrorBuilder("cli") << "--index needs --chat and --n 1";
    search::SearchIndex index(opts.get("index"));
    ToolCallSession session(tok, search::make_search_runner(index, search_k_from_options(opts)),
                            tool_settings_from_options(opts));
    Timer timer;
    std::fputs(prompt.c_str(), stdout);
    std::fputs("\n", stdout);
    ToolTurn turn = generate_turn(
        gen, req, session,
        [](const std::string& t) {
          std::fwrite(t.data(), 1, t.size(), stdout);
          std::fflush(stdout);
        },
        [](const ToolEvent& e) { std::printf("\n%s\n", describe_tool_event(e).c_str()); });
    std::printf("\n");
    std::fprintf(stderr, "[generate] %zu tool call(s); %d tokens written, %lld prefilled in %.3f s (%s)\n",
                 turn.events.size(), turn.completion_tokens, (long long)gen.prefill_tokens(), timer.seconds(),
                 finish_reason_name(turn.finish));
    return 0;
  }
  std::vector<int> ids;
  for (int i = 0; i < n; ++i) {
    GenerationRequest r = req;
    r.sampling.seed = req.sampling.seed + uint64_t(i);  // distinct, reproducible samples
    ids.push_back(gen.add(r));
  }
  std::vector<std::string> texts(n);
  std::vector<std::string> finish(n);
  Timer timer;
  double prefill_s = -1;
  const bool stream = n == 1;
  if (stream) std::fputs(prompt.c_str(), stdout);
  for (int guard = 0; gen.active() > 0 && guard < max_tokens + 2; ++guard) {
    for (const SequenceUpdate& u : gen.step()) {
      const int i = u.id - ids[0];
      texts[i] += u.text;
      if (stream) {
        std::fwrite(u.text.data(), 1, u.text.size(), stdout);
        std::fflush(stdout);
      }
      if (u.finish != FinishReason::kNone) finish[i] = finish_reason_name(u.finish);
    }
    if (prefill_s < 0) prefill_s = timer.seconds();
  }
  const double total_s = timer.seconds();
  if (stream) {
    std::fputs("\n", stdout);
  } else {
    for (int i = 0; i < n; ++i) std::printf("--- sample %d (%s) ---\n%s%s\n", i, finish[i].c_str(),
                                            prompt.c_str(), texts[i].c_str());
  }
  const double decode_s = std::max(1e-9, total_s - prefill_s);
  std::fprintf(stderr,
               "[generate] prompt %zu tokens x %d: prefill %.3f s; %lld tokens decoded in %.3f s "
               "(%.1f tok/s); weights %s, %.2f MB per decode step\n",
               req.prompt.size(), n, prefill_s, (long long)gen.decoded_tokens(), decode_s,
               gen.decoded_tokens() / decode_s, weight_type_name(gen.engine().weights().type()),
               gen.engine().weights().bytes_per_token() / 1e6);
  return 0;
}

const bool kRegistered = register_command(
    {"generate", "continue a prompt with a model (KV-cache engine, batched samples)", run_generate});

}  // namespace
}  // namespace llmforge
