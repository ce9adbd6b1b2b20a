// llmforge: one binary, many subcommands. Finds the command (one or two words, e.g.
// `llmforge loss` or `llmforge bench train`), runs it, and turns errors into a
// message on stderr and exit code 1.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "apps/command.h"
#include "core/thread_policy.h"

namespace llmforge {

static std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

bool register_command(Command command) {
  registry().push_back(std::move(command));
  return true;
}

const std::vector<Command>& registered_commands() {
  auto& commands = registry();
  std::sort(commands.begin(), commands.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  return commands;
}

}  // namespace llmforge

namespace {

void print_help() {
  std::printf(
      "llmforge: build a language model end to end (data, tokenizer, pretraining, SFT,\n"
      "inference, RL) in one native binary.\n\nusage: llmforge <command> [options]\n\n"
      "commands:\n");
  for (const auto& c : llmforge::registered_commands()) {
    std::printf("  %-22s %s\n", c.name.c_str(), c.summary.c_str());
  }
  std::printf("\n`llmforge <command> --help` lists a command's options and their defaults.\n");
}

}  // namespace

int main(int argc, char** argv) {
  llmforge::apply_thread_wait_policy(argv);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  const auto& commands = llmforge::registered_commands();
  // Prefer a two-word command ("bench train") over a one-word one.
  const llmforge::Command* found = nullptr;
  int consumed = 0;
  if (argc >= 3) {
    std::string two = std::string(argv[1]) + " " + argv[2];
    for (const auto& c : commands)
      if (c.name == two) found = &c, consumed = 2;
  }
  if (!found) {
    for (const auto& c : commands)
      if (c.name == argv[1]) found = &c, consumed = 1;
  }
  if (!found) {
    bool is_group = false;
    for (const auto& c : commands)
      if (c.name.rfind(std::string(argv[1]) + " ", 0) == 0) is_group = true;
    if (is_group) {
      std::fprintf(stderr, "llmforge %s: needs a subcommand:\n", argv[1]);
      for (const auto& c : commands)
        if (c.name.rfind(std::string(argv[1]) + " ", 0) == 0)
          std::fprintf(stderr, "  %-22s %s\n", c.name.c_str(), c.summary.c_str());
      return 2;
    }
    std::fprintf(stderr, "llmforge: unknown command '%s' (see llmforge --help)\n", argv[1]);
    return 2;
  }
  try {
    return found->run(argc - consumed, argv + consumed);
  } catch (const std::bad_alloc&) {
    // Sizes come from files and options; say which, rather than "std::bad_alloc".
    std::fprintf(stderr,
                 "llmforge %s: out of memory: a size asked for more memory than this machine has "
                 "(check the sizes in the model's config.json, e.g. max_position_embeddings, and "
                 "options such as --n, --context, --max-batch)\n",
                 found->name.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmforge %s: %s\n", found->name.c_str(), e.what());
    return 1;
  }
}
