// `llmforge chat --model DIR`: a terminal chat REPL. Replies stream token by token;
// the conversation is kept and re-rendered each turn (oldest turns dropped when it
// outgrows the context). Line editing and history with the arrow keys (readline).
// Commands: /system TEXT, /reset, /set NAME VALUE, /show, /help, /quit.
#include <cstdio>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "infer/batch_generator.h"
#include "infer/chat_format.h"
#include "infer/line_editor.h"
#include "infer/sampler_options.h"
#include "model/model_io.h"

namespace llmforge {
namespace {

constexpr const char* kHelp =
    "commands:\n"
    "  /system TEXT      set the system prompt (empty TEXT clears it); resets the conversation\n"
    "  /reset            forget the conversation (keeps the system prompt)\n"
    "  /set NAME VALUE   sampling: temperature, top-k, top-p, min-p, repeat-penalty,\n"
    "                    presence-penalty, frequency-penalty, repeat-last-n, seed, max-tokens\n"
    "  /show             current settings\n"
    "  /quit             leave (or Ctrl-D)\n";

int run_chat(int argc, char** argv) {
  CliOptions opts("llmforge chat --model DIR [options]",
                  "Chats with a model in the terminal. Type /help for commands.");
  opts.add("model", "", "model directory (config.json, model.safetensors, tokenizer.json)")
      .add("system", "", "system prompt")
      .add("max-tokens", "512", "tokens per reply at most");
  add_precision_option(opts);
  add_weights_option(opts);
  add_sampler_options(opts, SamplerSettings{});
  if (!opts.parse(argc, argv)) return 0;
  const std::string dir = opts.get("model");
  if (dir.empty()) ErrorBuilder("cli") << "--model DIR is required";
  auto model = load_model(dir, precision_from_options(opts));
  Tokenizer tok = Tokenizer::load(dir);
  const int32_t end = chat_end_token(tok);
  SamplerSettings sampling = sampler_from_options(opts);
  int max_tokens = int(opts.get_int("max-tokens"));
  if (max_tokens <= 0) ErrorBuilder("cli") << "--max-tokens must be positive";
  std::string system = opts.get("system");
  std::vector<ChatMessage> turns;
  BatchGenerator gen(*model, &tok, 1, 0, weights_from_options(opts));
  std::printf("llmforge chat (%s). /help for commands, Ctrl-D to leave.\n", dir.c_str());

  while (auto line = read_line("> ")) {
    std::string text = *line;
    if (text.empty()) continue;
    remember_line(text);
    if (text[0] == '/') {
      const size_t sp = text.find(' ');
      const std::string cmd = text.substr(0, sp);
      const std::string arg = sp == std::string::npos ? "" : text.substr(sp + 1);
      if (cmd == "/quit" || cmd == "/exit") break;
      if (cmd == "/help") {
        std::fputs(kHelp, stdout);
      } else if (cmd == "/reset") {
        turns.clear();
        std::printf("(conversation cleared)\n");
      } else if (cmd == "/system") {
        system = arg;
        turns.clear();
        std::printf("(system prompt %s; conversation cleared)\n", system.empty() ? "cleared" : "set");
      } else if (cmd == "/show") {
        std::printf("system: %s\nmax-tokens %d, %s\n", system.empty() ? "(none)" : system.c_str(),
                    max_tokens, describe_sampler(sampling).c_str());
      } else if (cmd == "/set") {
        const size_t sp2 = arg.find(' ');
        const std::string name = arg.substr(0, sp2);
        const std::string value = sp2 == std::string::npos ? "" : arg.substr(sp2 + 1);
        try {
          SamplerSettings next = sampling;
          if (name == "max-tokens") {
            int v = std::stoi(value);
            if (v <= 0) throw std::invalid_argument("must be positive");
            max_tokens = v;
          } else if (!set_sampler_field(next, name, value)) {
            std::printf("unknown setting '%s' (see /help)\n", name.c_str());
            continue;
          }
          next.validate();
          sampling = next;
          std::printf("(%s = %s)\n", name.c_str(), value.c_str());
        } catch (const std::exception& e) {
          std::printf("cannot set %s to '%s': %s\n", name.c_str(), value.c_str(), e.what());
        }
      } else {
        std::printf("unknown command %s (see /help)\n", cmd.c_str());
      }
      continue;
    }
    turns.push_back({"user", text});
    auto render = [&] {
      std::vector<ChatMessage> msgs;
      if (!system.empty()) msgs.push_back({"system", system});
      msgs.insert(msgs.end(), turns.begin(), turns.end());
      return render_chat(tok, msgs, true).tokens;
    };
    std::vector<int32_t> prompt = render();
    // Drop the oldest exchanges until the prompt leaves room for a reply.
    while (int(prompt.size()) + 16 > gen.max_len() && turns.size() > 1) {
      turns.erase(turns.begin(), turns.begin() + std::min<size_t>(2, turns.size() - 1));
      prompt = render();
    }
    if (int(prompt.size()) >= gen.max_len()) {
      std::printf("(message too long for the context of %d tokens)\n", gen.max_len());
      turns.pop_back();
      continue;
    }
    GenerationRequest req;
    req.prompt = prompt;
    req.sampling = sampling;
    req.max_new_tokens = max_tokens;
    req.stop_tokens = {end};
    gen.add(req);
    sampling.seed += 1;  // the next reply draws differently, reproducibly
    std::string reply;
    while (gen.active() > 0) {
      for (const SequenceUpdate& u : gen.step()) {
        reply += u.text;
        std::fwrite(u.text.data(), 1, u.text.size(), stdout);
        std::fflush(stdout);
      }
    }
    std::fputs("\n", stdout);
    turns.push_back({"assistant", reply});
  }
  return 0;
}

const bool kRegistered =
    register_command({"chat", "chat with a model in the terminal (streamed, multi-turn)", run_chat});

}  // namespace
}  // namespace llmforge
