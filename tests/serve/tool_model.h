// A tiny model fine-tuned (run_sft, a few seconds) until it reproduces one
// search conversation greedily: asked "Where was Kenji Marsh born?" it calls
//   search {"query":"Kenji Marsh"}
// and, given the result "Kenji Marsh was born in Lisbon.", answers "He was born in
// Lisbon." That makes the tool-calling paths of the server testable with a model
// that really writes the call, not a mock. Written once per process.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "infer/tiny_model.h"
#include "sft/sft.h"
#include "test_util.h"

namespace llmforge::testing {

inline constexpr const char* kToolQuestion = "Where was Kenji Marsh born?";
inline constexpr const char* kToolResult = "Kenji Marsh was born in Lisbon.";
inline constexpr const char* kToolAnswer = "He was born in Lisbon.";

inline const std::string& tool_model_dir() {
  static const std::string dir = [] {
    const std::string root = temp_dir("tool_model_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root);
    const std::string base = tiny_model_dir(root + "/base");
    const std::string data = root + "/tool.jsonl";
    std::ofstream(data) << R"({"messages":[{"role":"user","content":")" << kToolQuestion
                        << R"("},{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"search","arguments":"{\"query\":\"Kenji Marsh\"}"}}]},{"role":"tool","tool_call_id":"call_0","content":")"
                        << kToolResult << R"("},{"role":"assistant","content":")" << kToolAnswer << R"("}]})"
                        << "\n"
                        << R"({"messages":[{"role":"user","content":"hello world"},{"role":"assistant","content":"hello"}]})"
                        << "\n";
    SftConfig c;
    c.model_dir = base;
    c.train_file = data;
    c.out_dir = root + "/sft";
    c.micro_batch = 2;
    c.steps = 150;
    c.schedule = {LrSchedule::Kind::kCosine, 1e-2, 1e-3, 5, 1, 0.2};
    c.eval_every = 1000;
    c.checkpoint_every = 0;
    c.log_interval_s = 1e9;
    c.quiet = true;
    Distributed dist;
    return run_sft(c, dist).model_dir;
  }();
  return dir;
}

}  // namespace llmforge::testing
