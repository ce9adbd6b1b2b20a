// The subcommand registry of the `llmforge` binary. Each apps/cmd_*.cc file
// registers its commands at static-initialization time:
//
//   static const bool kRegistered = register_command(
//       {"loss", "mean next-token loss of a model on a token file", run_loss});
//
// A command gets argv starting at its own name; it parses its options with
// CliOptions (core/cli_options.h) and returns the process exit code. Errors thrown
// from a command are printed by main() and give exit code 1.
#pragma once

#include <string>
#include <vector>

namespace llmforge {

struct Command {
  std::string name;     // "loss", or "bench train" for a nested command
  std::string summary;  // one line for `llmforge --help`
  int (*run)(int argc, char** argv);
};

bool register_command(Command command);
const std::vector<Command>& registered_commands();

}  // namespace llmforge
