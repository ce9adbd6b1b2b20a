#include "eval/knowledge_probe.h"

#include "core/error.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {

WorldEvalResult probe_knowledge(const Model& model, const Tokenizer& tok, const std::vector<QaItem>& qa,
                                const ChatEvalOptions& options) {
  auto bos = tok.special_token_id(special::kBos);
  if (!bos) ErrorBuilder("eval") << "the tokenizer has no " << special::kBos << " token to start a document with";
  std::vector<const QaItem*> items;
  std::vector<std::vector<int32_t>> prompts;
  for (const QaItem& q : qa) {
    if (q.statement.empty()) continue;
    std::vector<int32_t> ids{int32_t(*bos)};
    for (uint32_t id : tok.encode_ordinary(q.statement)) ids.push_back(int32_t(id));
    prompts.push_back(std::move(ids));
    items.push_back(&q);
  }
  // A fact ends with its sentence; none of the world's values holds a full stop.
  const GreedyStops stops{control_tokens(tok), {".", "\n"}};
  std::vector<ChatReply> replies = generate_greedy(model, tok, std::move(prompts), options, stops);

  WorldEvalResult r;
  r.completion_probe = true;
  for (size_t i = 0; i < items.size(); ++i) record_qa_reply(r, *items[i], "probe", items[i]->statement, replies[i]);
  return r;
}

}  // namespace llmforge
