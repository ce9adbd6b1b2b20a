// `llmforge chat --model DIR`: a terminal chat REPL. Replies stream token by token;
// the conversation is kept and re-rendered each turn (oldest turns dropped when it
// outgrows the context). Line editing and history with the arrow keys (readline).
// Commands: /system TEXT, /reset, /set NAME VALUE, /show, /help, /quit.
// With --index DIR the model may search that index while it answers: each call and
// its hits are shown, and the calls and results stay in the conversation.
#include <cstdio>
#include <memory>

#include "apps/command.h"
#include "apps/option_groups.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "infer/batch_generator.h"
#include "infer/chat_format.h"
#include "infer/line_editor.h"
#include "infer/sampler_options.h"
#include "infer/tool_turn.h"
#include "model/model_io.h"
#include "search/search_tool.h"

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
  add_tool_options(opts);
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
  std::unique_ptr<search::SearchIndex> index;
  if (!opts.get("index").empty()) index = std::make_unique<search::SearchIndex>(opts.get("index"));
  const ToolSettings tool_settings = tool_settings_from_options(opts);
  const int search_k = search_k_from_options(opts);
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
      // Never start inside a turn (a tool call without its question).
      while (turns.size() > 1 && turns.front().role != "user") turns.erase(turns.begin());
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
    sampling.seed += 1;  // the next reply draws differently, reproducibly
    // Without an index a call gets an error result ("no tools"), never a crash.
    ToolCallSession session(tok, index ? search::make_search_runner(*index, search_k) : ToolRunner(),
                            tool_settings);
    ToolTurn turn = generate_turn(
        gen, req, session,
        [](const std::string& t) {
          std::fwrite(t.data(), 1, t.size(), stdout);
          std::fflush(stdout);
        },
        [](const ToolEvent& e) { std::printf("\n%s\n", describe_tool_event(e).c_str()); });
    std::fputs("\n", stdout);
    // The calls and their results stay in the conversation, as the model saw them.
    for (const ToolEvent& e : turn.events) {
      ChatMessage call("assistant", "");
      call.tool_calls.push_back({"", e.call.name.empty() ? "invalid" : e.call.name, e.call.arguments});
      turns.push_back(std::move(call));
      turns.push_back({"tool", e.result});
    }
    turns.push_back({"assistant", turn.text});
  }
  return 0;
}

const bool kRegistered =
    register_command({"chat", "chat with a model in the terminal (streamed, multi-turn)", run_chat});

}  // namespace
}  // namespace llmforge
