#include "infer/tool_turn.h"

#include "core/error.h"

namespace llmforge {

ToolTurn generate_turn(BatchGenerator& gen, GenerationRequest req, ToolCallSession& session,
                       const std::function<void(const std::string&)>& on_text,
                       const std::function<void(const ToolEvent&)>& on_event) {
  LLMF_CHECK(gen.active() == 0) << "generate_turn needs an idle generator";
  req.pause_tokens.push_back(session.pause_token());
  ToolTurn turn;
  const int id = gen.add(std::move(req));
  while (gen.active() > 0) {
    for (const SequenceUpdate& u : gen.step()) {
      if (u.id != id) continue;
      turn.tokens.insert(turn.tokens.end(), u.tokens.begin(), u.tokens.end());
      const std::string shown = session.observe(u);
      turn.text += shown;
      if (on_text && !shown.empty()) on_text(shown);
      turn.completion_tokens = u.completion_tokens;
      if (u.finish == FinishReason::kToolCall) {
        ToolEvent event;
        gen.resume(id, session.run_pending(event));
        if (on_event) on_event(event);
        turn.events.push_back(std::move(event));
      } else if (u.finish != FinishReason::kNone) {
        turn.finish = u.finish;
      }
    }
  }
  return turn;
}

}  // namespace llmforge
