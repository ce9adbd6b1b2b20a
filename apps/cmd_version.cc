// `llmforge version`: build and machine facts, useful in bug reports and benchmarks.
#include <cstdio>

#include "apps/command.h"
#include "core/cli_options.h"
#include "core/cpu_features.h"
#include "core/thread_policy.h"

namespace llmforge {
namespace {

int run_version(int argc, char** argv) {
  CliOptions opts("llmforge version", "Prints the version, compiler and detected CPU features.");
  if (!opts.parse(argc, argv)) return 0;
  std::printf("llmforge 0.1.0\ncompiler: gcc %d.%d\ncpu: %s\n", __GNUC__, __GNUC_MINOR__,
              cpu_features_string().c_str());
  std::printf("threads wait: %s\n", thread_wait_policy_description().c_str());
  return 0;
}

const bool kRegistered =
    register_command({"version", "print version, compiler and CPU features", run_version});

}  // namespace
}  // namespace llmforge
