// Knowledge and identity evaluation of a chat model on a synthetic world, whose
// ground truth is known (`llmforge world --out DIR` writes the files read here):
//
//   DIR/eval/qa.jsonl        {"person": 17, "name": "...", "split": "qa"|"heldout",
//                             "attribute": "birth_city", "question": "...", "answer": "..."}
//   DIR/eval/identity.jsonl  {"system": "You are Nova, ...", "question": "What is your name?",
//                             "expected": ["Nova"]}
//
// "qa" people had their question-answer conversations in SFT training, so their
// accuracy measures memorization of format and facts; "heldout" people's facts were
// only in pretraining text, so their accuracy measures whether knowledge learned in
// pretraining can be extracted through the chat format. Identity items measure
// whether the model follows its system prompt.
//
// Every question is one chat (QA without a system prompt), rendered with render_chat
// and answered greedily through the batched KV-cache generator until <|end|> or
// max_new_tokens. Scoring: eval/answer_match.h. The same items, model and options give
// the same replies (sequences enter the batch in file order; greedy sampling).
#pragma once

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "infer/chat_format.h"
#include "model/model.h"
#include "train/validation.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

struct QaItem {
  int person = -1;    // -1 when the line has none
  std::string name;   // may be empty
  std::string split;  // "qa" or "heldout" (any name is kept as it is)
  std::string attribute;
  std::string question;
  std::string answer;
  std::string statement;  // "... Kenji Marsh comes from": for knowledge_probe.h; may be empty
};

struct IdentityItem {
  std::string system;  // empty: no system message
  std::string question;
  std::vector<std::string> expected;  // all must appear in the reply
};

// Blank lines are skipped. Throws Error("eval") naming file:line for a missing file,
// a line that is not a JSON object, or a missing, empty or mistyped field.
std::vector<QaItem> load_qa_items(const std::string& path);
std::vector<IdentityItem> load_identity_items(const std::string& path);

// At most `per_split` items of each split, evenly spaced through the list (order kept);
// per_split <= 0 keeps everything.
std::vector<QaItem> subsample_qa_items(const std::vector<QaItem>& items, int per_split);

struct ChatEvalOptions {
  int max_new_tokens = 48;
  int batch = 32;  // sequences decoded together
};

struct ChatReply {
  std::string text;    // the assistant's reply, without the stop token
  std::string finish;  // "stop" (<|end|> or another chat control token) or "length"
};

// Greedy replies to each conversation (each ends with a user message; the assistant
// prompt is appended here), in input order. Throws Error("eval") when a prompt leaves
// no room in the model's context.
std::vector<ChatReply> generate_chat_replies(const Model& model, const Tokenizer& tok,
                                             const std::vector<std::vector<ChatMessage>>& chats,
                                             const ChatEvalOptions& options);

// What ends a greedy continuation, besides the length limit.
struct GreedyStops {
  std::vector<int32_t> tokens;
  std::vector<std::string> strings;  // the text ends before the string
};
// Greedy continuations of token prompts, batched, in input order ("stop" or "length").
std::vector<ChatReply> generate_greedy(const Model& model, const Tokenizer& tok,
                                       std::vector<std::vector<int32_t>> prompts,
                                       const ChatEvalOptions& options, const GreedyStops& stops);
// The ids of the tokenizer's chat control tokens (<|bos|>, <|system|>, <|user|>,
// <|assistant|>, <|end|>) that it has.
std::vector<int32_t> control_tokens(const Tokenizer& tok);

struct Tally {
  int correct = 0;
  int total = 0;
  double accuracy() const { return total ? double(correct) / total : 0.0; }
  void add(bool ok) { correct += ok, ++total; }
};

struct ChatRecord {
  std::string kind;       // "qa" or "identity"
  std::string split;      // QA split; empty for identity
  std::string attribute;  // QA attribute; empty for identity
  int person = -1;
  std::string system;
  std::string question;
  std::vector<std::string> expected;
  std::string reply;
  std::string finish;
  bool correct = false;
};

struct WorldEvalResult {
  // QA tallies from completing fact statements with a base model (knowledge_probe.h)
  // rather than from asking a chat model.
  bool completion_probe = false;
  std::map<std::string, Tally> qa_by_split;                                    // split -> tally
  std::map<std::pair<std::string, std::string>, Tally> qa_by_split_attribute;  // (split, attr)
  Tally identity;
  std::vector<ChatRecord> records;  // QA items in file order, then identity items
  bool has_validation = false;
  ValidationResult validation;
  int validation_windows = 0, validation_seq_len = 0;

  // The QA tally of one split ("qa", "heldout"); null when no question was asked.
  const Tally* split_tally(const std::string& split) const {
    auto it = qa_by_split.find(split);
    return it == qa_by_split.end() ? nullptr : &it->second;
  }
};

// Scores `reply` against q's answer, tallies it under q's split and attribute and
// keeps the record (`kind` "qa" or "probe"; `asked` the question or statement).
void record_qa_reply(WorldEvalResult& r, const QaItem& q, const std::string& kind, const std::string& asked,
                     const ChatReply& reply);

// Runs every QA and identity item as one batch of chats and scores the replies.
WorldEvalResult evaluate_world(const Model& model, const Tokenizer& tok,
                               const std::vector<QaItem>& qa,
                               const std::vector<IdentityItem>& identity,
                               const ChatEvalOptions& options);

// Every tally, the validation numbers when present, and every record.
nlohmann::json world_eval_to_json(const WorldEvalResult& r);

// The table: trained-QA, held-out-QA, per-attribute rows, identity, val bits/byte;
// then `show_samples` chats spread evenly over the records.
void print_world_eval(std::FILE* out, const WorldEvalResult& r, int show_samples);

}  // namespace llmforge
