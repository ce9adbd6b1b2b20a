// One assistant turn of one sequence with tools: generate until <|end|>, running each
// tool call the model makes in between (ToolCallSession) and resuming in place on the
// same KV cache. What `generate --chat`, `chat` and `eval` drive; the server runs
// the same session per request inside its scheduler.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "infer/batch_generator.h"
#include "infer/tool_calls.h"

namespace llmforge {

struct ToolTurn {
  std::string text;               // what the user sees: the answer, without the calls
  std::vector<ToolEvent> events;  // each call with its result, in order
  std::vector<int32_t> tokens;    // every token the model wrote (calls included)
  FinishReason finish = FinishReason::kNone;
  int completion_tokens = 0;
};

// `req` gets the session's pause token added. `on_text` (may be null) sees the shown
// text as it comes; `on_event` (may be null) each call once it has run. `gen` must
// have a free slot and no other active sequence.
ToolTurn generate_turn(BatchGenerator& gen, GenerationRequest req, ToolCallSession& session,
                       const std::function<void(const std::string&)>& on_text = nullptr,
                       const std::function<void(const ToolEvent&)>& on_event = nullptr);

}  // namespace llmforge
