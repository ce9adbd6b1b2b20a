// SFT data that teaches a chat model to say "I'm not sure" where it does not know,
// built from interrogation labels (interrogate.h):
//   known facts     the question, answered with the model's own most common right
//                   reply (self-distillation: nothing it did not already know)
//   unknown facts   the question, answered with a refusal (refusal.h), varied phrasing
//   strangers       questions about the "train" strangers of the nobody group
//                   (names that occur nowhere), answered with a refusal
// Each fact is asked in `phrasings_per_fact` of the interrogation's questions. Every
// tenth fact and stranger goes to validation. `replay` conversations (the original
// SFT data: identity, small talk) are added to the training set so fine-tuning does
// not forget them; replay conversations that name a labelled person are left out,
// since they would contradict a refusal the labels ask for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "idk/interrogate.h"
#include "idk/world_files.h"
#include "infer/chat_format.h"

namespace llmforge::idk {

using Chat = std::vector<ChatMessage>;

struct IdkDataOptions {
  int phrasings_per_fact = 2;
  int questions_per_stranger = 6;  // one per attribute, in turn
  uint64_t seed = 1;
};

struct IdkData {
  std::vector<Chat> train, val;
  long known = 0, unknown = 0, strangers = 0;  // facts and training strangers used
  long replayed = 0, replay_dropped = 0;
};

IdkData build_idk_data(const std::vector<FactLabel>& labels, const std::vector<WorldStranger>& strangers,
                       const std::vector<Chat>& replay, const IdkDataOptions& options);

// build_idk_data on the world's strangers and SFT conversations (replay), written as
// out_dir/train.jsonl and out_dir/val.jsonl (the world's validation conversations
// that name no labelled person are added to validation).
IdkData write_idk_sft(const std::vector<FactLabel>& labels, const std::string& world_dir, const std::string& out_dir,
                      const IdkDataOptions& options);

// JSONL in the OpenAI chat format that `llmforge sft` reads (sft/conversations.h),
// written atomically.
void write_chats_jsonl(const std::string& path, const std::vector<Chat>& chats);
// Reads such a file (the world's sft/train.jsonl) for replay; errors name file:line.
std::vector<Chat> read_chats_jsonl(const std::string& path);

}  // namespace llmforge::idk
