// Running tools in the middle of a generation. The model writes
//   <|tool_call|>{"name":"search","arguments":{"query":"Kenji Marsh"}}<|/tool_call|>
// generation pauses at <|/tool_call|> (BatchGenerator pause token), the runtime runs
// the tool and resumes with
//   <|tool_result|>...the result, cut to a token budget...<|/tool_result|>
// appended to the KV cache, and the model goes on to answer. A call the model got
// wrong (not JSON, unknown tool, missing argument, too many calls in one turn) gets
// an error result in the same place, so generation never stops on the model's
// mistakes. ToolCallSession keeps this state for one sequence; it is what generate,
// chat, serve and eval share. Not thread-safe; one per sequence.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "infer/batch_generator.h"
#include "infer/chat_format.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct ToolHit {
  std::string title, url, snippet;
};

// What a tool gives back: the text that enters the context, and hits for display.
struct ToolOutput {
  std::string text;
  std::vector<ToolHit> hits;
};

// Runs a call. Throws Error for a call it cannot run (unknown tool, bad arguments);
// the message becomes the error result the model reads.
using ToolRunner = std::function<ToolOutput(const ToolCall&)>;

struct ToolEvent {
  ToolCall call;            // as parsed; name empty when the text was not a call
  std::string call_text;    // what the model wrote between the call tokens
  std::string result;       // the result text as it entered the context (after the cut)
  std::vector<ToolHit> hits;
  bool error = false;
  int result_tokens = 0;    // tokens between <|tool_result|> and <|/tool_result|>
  bool truncated = false;   // the result was cut to the token budget
};

// Parses {"name": "...", "arguments": {...}} (arguments may also be a JSON string
// holding an object, as OpenAI sends them). Returns an empty string and fills `call`,
// or why the text is not a call.
std::string parse_tool_call(std::string_view text, ToolCall& call);

struct ToolSettings {
  int max_calls = 3;           // per assistant turn; later calls get an error result
  int max_result_tokens = 160; // the result is cut to this many tokens
};

class ToolCallSession {
 public:
  // `runner` may be empty: every call then gets an error result ("no tools").
  ToolCallSession(const Tokenizer& tok, ToolRunner runner, ToolSettings settings);

  // The pause token (<|/tool_call|>) to put in GenerationRequest::pause_tokens.
  int32_t pause_token() const { return call_end_; }

  // Feed every update's tokens in order. Returns the part of `text` to show the user:
  // nothing while inside a call (the call is shown through its ToolEvent instead).
  std::string observe(const SequenceUpdate& u);
  bool in_call() const { return in_call_; }

  // The prompt already ends with <|tool_call|> (a call the request forces).
  void begin_call();

  // At a kToolCall pause: parses the call written since <|tool_call|> without running
  // it; returns why it is not a call, or "" (the server hands such calls to its client).
  std::string parse_pending(ToolCall& call) const;
  // At a kToolCall pause: parses the call written since <|tool_call|>, runs it (or
  // makes an error result) and returns the tokens to resume() with.
  std::vector<int32_t> run_pending(ToolEvent& event);
  int calls() const { return calls_; }

 private:
  const Tokenizer& tok_;
  ToolRunner runner_;
  ToolSettings settings_;
  int32_t call_begin_, call_end_, result_begin_, result_end_;
  bool in_call_ = false;
  std::vector<uint32_t> call_tokens_;  // written since <|tool_call|>
  int calls_ = 0;
};

}  // namespace llmforge
