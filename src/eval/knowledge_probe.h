// What a base model knows about a world's people, asked the way it learned it: each
// QA item's statement, a page-like prompt that stops where the fact would follow
// ("This page collects what is known about Kenji Marsh. Kenji Marsh comes from"), is
// continued greedily from <|bos|>, and the continuation up to the end of its sentence
// is scored like a chat reply (eval/answer_match.h).
//
// Set beside the chat model's accuracy on the same facts, it tells knowledge that
// pretraining never stored apart from knowledge that SFT failed to extract.
#pragma once

#include <vector>

#include "eval/world_eval.h"

namespace llmforge {

// Items without a statement are skipped. The result has QA tallies and "probe"
// records (question = the statement, reply = the continuation); no identity items.
WorldEvalResult probe_knowledge(const Model& model, const Tokenizer& tok, const std::vector<QaItem>& qa,
                                const ChatEvalOptions& options);

}  // namespace llmforge
