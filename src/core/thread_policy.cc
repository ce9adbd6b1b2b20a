#include "core/thread_policy.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace llmforge {

void apply_thread_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;  // the user chose
  const char* mine = std::getenv("LLMFORGE_SPIN");
  if (mine && !std::strcmp(mine, "default")) return;
  // Set by the re-exec below, so that it happens once even if setenv did not stick.
  if (std::getenv("LLMFORGE_THREAD_POLICY_APPLIED")) return;
  const std::string spin = std::to_string(kDefaultSpinCount);
  setenv("GOMP_SPINCOUNT", spin.c_str(), 1);
  setenv("LLMFORGE_THREAD_POLICY_APPLIED", "1", 1);
  execv("/proc/self/exe", argv);
  // /proc unavailable (a chroot without it): run with libgomp's default rather than fail.
}

std::string thread_wait_policy_description() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  const char* spin = std::getenv("GOMP_SPINCOUNT");
  if (std::getenv("LLMFORGE_THREAD_POLICY_APPLIED") && spin && !policy) {
    return std::string("GOMP_SPINCOUNT=") + spin + " (llmforge's default; OMP_WAIT_POLICY or GOMP_SPINCOUNT overrides it)";
  }
  std::string chosen;
  if (policy) chosen += std::string("OMP_WAIT_POLICY=") + policy;
  if (spin) chosen += std::string(chosen.empty() ? "" : ", ") + "GOMP_SPINCOUNT=" + spin;
  if (!chosen.empty()) return chosen + " (from the environment)";
  return "libgomp's default (spin 300000 before sleeping)";
}

}  // namespace llmforge
