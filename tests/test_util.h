// Small helpers shared by the engine tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.h"

namespace llmforge::testing {

inline std::vector<float> random_vector(size_t n, uint64_t seed, float scale = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = float(rng.normal()) * scale;
  return v;
}

// Normalised error of a tensor against a reference: max|a - b| / max|b|, the
// measure ggml's backend tests and llm.c use (elementwise relative error is
// meaningless for entries near zero).
inline double normalized_error(const float* a, const float* ref, size_t n) {
  double max_diff = 0.0, max_ref = 1e-30;
  for (size_t i = 0; i < n; ++i) {
    max_diff = std::max(max_diff, double(std::fabs(a[i] - ref[i])));
    max_ref = std::max(max_ref, double(std::fabs(ref[i])));
  }
  return max_diff / max_ref;
}

inline std::string temp_dir(const std::string& name) {
  return std::string(LLMFORGE_BINARY_DIR) + "/test_tmp/" + name;
}

// temp_dir(name) with the running test's name added ("name_Suite.Test"): ctest runs
// each test in a process of its own, two at a time, so a helper that several tests
// call must give each its own folder, or one test removes or rewrites what another
// is reading.
inline std::string test_temp_dir(const std::string& name) {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!t) return temp_dir(name);
  std::string test = std::string(t->test_suite_name()) + "." + t->name();
  std::replace(test.begin(), test.end(), '/', '_');  // parameterised tests: "Suite/0"
  return temp_dir(name + "_" + test);
}

struct CommandResult {
  int status = -1;     // exit status; -1 when the command did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs a shell command line and collects its output.
inline CommandResult run_shell(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The llmforge binary of this build, for command lines.
inline std::string llmforge_binary() { return std::string(LLMFORGE_BINARY_DIR) + "/llmforge"; }

}  // namespace llmforge::testing
