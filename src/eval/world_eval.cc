// Loading the synthetic world's eval files, batched greedy chat generation, scoring.
// The JSON and table output is in world_report.cc.
#include "eval/world_eval.h"

#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "eval/answer_match.h"
#include "infer/batch_generator.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {

namespace {

using nlohmann::json;

// Calls fn(object, line_number) for each non-blank line of a JSONL file.
template <typename Fn>
void for_each_jsonl_object(const std::string& path, Fn fn) {
  std::ifstream in(path);
  if (!in) ErrorBuilder("eval") << path << ": cannot open";
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
      ErrorBuilder("eval") << path << ":" << n << ": not a JSON object";
    fn(j, n);
  }
}

std::string required_string(const json& j, const char* key, const std::string& path, int line) {
  auto it = j.find(key);
  if (it == j.end()) ErrorBuilder("eval") << path << ":" << line << ": missing \"" << key << "\"";
  if (!it->is_string())
    ErrorBuilder("eval") << path << ":" << line << ": \"" << key << "\" is not a string";
  std::string s = it->get<std::string>();
  if (s.empty()) ErrorBuilder("eval") << path << ":" << line << ": \"" << key << "\" is empty";
  return s;
}

}  // namespace

std::vector<QaItem> load_qa_items(const std::string& path) {
  std::vector<QaItem> items;
  for_each_jsonl_object(path, [&](const json& j, int n) {
    QaItem q;
    q.split = required_string(j, "split", path, n);
    q.attribute = required_string(j, "attribute", path, n);
    q.question = required_string(j, "question", path, n);
    q.answer = required_string(j, "answer", path, n);
    if (normalize_answer_text(q.answer).empty())
      ErrorBuilder("eval") << path << ":" << n << ": answer \"" << q.answer << "\" has no words";
    if (j.contains("person")) {
      if (!j["person"].is_number_integer())
        ErrorBuilder("eval") << path << ":" << n << ": \"person\" is not an integer";
      q.person = j["person"].get<int>();
    }
    if (j.contains("name") && j["name"].is_string()) q.name = j["name"].get<std::string>();
    if (j.contains("statement") && j["statement"].is_string()) q.statement = j["statement"].get<std::string>();
    items.push_back(std::move(q));
  });
  return items;
}

std::vector<IdentityItem> load_identity_items(const std::string& path) {
  std::vector<IdentityItem> items;
  for_each_jsonl_object(path, [&](const json& j, int n) {
    IdentityItem it;
    it.question = required_string(j, "question", path, n);
    if (j.contains("system")) {
      if (!j["system"].is_string())
        ErrorBuilder("eval") << path << ":" << n << ": \"system\" is not a string";
      it.system = j["system"].get<std::string>();
    }
    auto e = j.find("expected");
    if (e == j.end()) ErrorBuilder("eval") << path << ":" << n << ": missing \"expected\"";
    if (e->is_string()) {
      it.expected.push_back(e->get<std::string>());
    } else if (e->is_array()) {
      for (const json& s : *e) {
        if (!s.is_string())
          ErrorBuilder("eval") << path << ":" << n << ": \"expected\" holds a non-string";
        it.expected.push_back(s.get<std::string>());
      }
    } else {
      ErrorBuilder("eval") << path << ":" << n << ": \"expected\" is not a string or a list";
    }
    if (it.expected.empty()) ErrorBuilder("eval") << path << ":" << n << ": \"expected\" is empty";
    for (const std::string& s : it.expected) {
      if (normalize_answer_text(s).empty())
        ErrorBuilder("eval") << path << ":" << n << ": expected \"" << s << "\" has no words";
    }
    items.push_back(std::move(it));
  });
  return items;
}

std::vector<QaItem> subsample_qa_items(const std::vector<QaItem>& items, int per_split) {
  if (per_split <= 0) return items;
  std::map<std::string, std::vector<size_t>> by_split;
  for (size_t i = 0; i < items.size(); ++i) by_split[items[i].split].push_back(i);
  std::vector<size_t> keep;
  for (const auto& [split, idx] : by_split) {
    const size_t n = idx.size(), k = std::min(n, size_t(per_split));
    for (size_t i = 0; i < k; ++i) keep.push_back(idx[i * n / k]);
  }
  std::sort(keep.begin(), keep.end());
  std::vector<QaItem> out;
  for (size_t i : keep) out.push_back(items[i]);
  return out;
}

std::vector<ChatReply> generate_greedy(const Model& model, const Tokenizer& tok,
                                       std::vector<std::vector<int32_t>> prompts,
                                       const ChatEvalOptions& options, const GreedyStops& stops) {
  if (options.max_new_tokens <= 0) ErrorBuilder("eval") << "max_new_tokens must be positive";
  if (options.batch <= 0) ErrorBuilder("eval") << "batch must be positive";
  std::vector<ChatReply> replies(prompts.size());
  if (prompts.empty()) return replies;

  size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  // A cache only as long as needed: a model's full context times the batch can be
  // gigabytes, and these prompts are short.
  const int context = model.config().max_seq_len;
  const int max_len = int(std::min<size_t>(size_t(context), longest + options.max_new_tokens + 1));
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (int(prompts[i].size()) >= max_len) {
      ErrorBuilder("eval") << "prompt " << i << " is " << prompts[i].size()
                           << " tokens, which leaves no room in the model's context of " << context;
    }
  }

  const int batch = std::min(options.batch, int(prompts.size()));
  BatchGenerator gen(model, &tok, batch, max_len);
  std::map<int, size_t> index_of;  // sequence id -> prompt index
  size_t next = 0, done = 0;
  while (done < prompts.size()) {
    while (next < prompts.size() && gen.has_free_slot()) {
      GenerationRequest r;
      r.prompt = std::move(prompts[next]);
      r.sampling.temperature = 0;  // greedy
      r.max_new_tokens = options.max_new_tokens;
      r.stop_tokens = stops.tokens;
      r.stop_strings = stops.strings;
      index_of[gen.add(std::move(r))] = next++;
    }
    for (const SequenceUpdate& u : gen.step()) {
      ChatReply& reply = replies[index_of.at(u.id)];
      reply.text += u.text;
      if (u.finish != FinishReason::kNone) {
        reply.finish = finish_reason_name(u.finish);
        ++done;
      }
    }
  }
  return replies;
}

std::vector<int32_t> control_tokens(const Tokenizer& tok) {
  std::vector<int32_t> ids;
  for (std::string_view name : {special::kBos, special::kSystem, special::kUser, special::kAssistant, special::kEnd}) {
    if (auto id = tok.special_token_id(name)) ids.push_back(int32_t(*id));
  }
  return ids;
}

std::vector<ChatReply> generate_chat_replies(const Model& model, const Tokenizer& tok,
                                             const std::vector<std::vector<ChatMessage>>& chats,
                                             const ChatEvalOptions& options) {
  std::vector<std::vector<int32_t>> prompts;
  for (const auto& c : chats) prompts.push_back(render_chat(tok, c, /*add_generation_prompt=*/true).tokens);
  // Stop at <|end|> (render_chat has required it), and at any other control token
  // that cannot be part of a reply.
  return generate_greedy(model, tok, std::move(prompts), options, GreedyStops{control_tokens(tok), {}});
}

void record_qa_reply(WorldEvalResult& r, const QaItem& q, const std::string& kind, const std::string& asked,
                     const ChatReply& reply) {
  ChatRecord rec{.kind = kind,
                 .split = q.split,
                 .attribute = q.attribute,
                 .person = q.person,
                 .system = "",
                 .question = asked,
                 .expected = {q.answer},
                 .reply = reply.text,
                 .finish = reply.finish,
                 .correct = answer_matches(reply.text, q.answer)};
  r.qa_by_split[q.split].add(rec.correct);
  r.qa_by_split_attribute[{q.split, q.attribute}].add(rec.correct);
  r.records.push_back(std::move(rec));
}

WorldEvalResult evaluate_world(const Model& model, const Tokenizer& tok,
                               const std::vector<QaItem>& qa,
                               const std::vector<IdentityItem>& identity,
                               const ChatEvalOptions& options) {
  std::vector<std::vector<ChatMessage>> chats;
  for (const QaItem& q : qa) chats.push_back({{"user", q.question}});
  for (const IdentityItem& it : identity) {
    std::vector<ChatMessage> c;
    if (!it.system.empty()) c.push_back({"system", it.system});
    c.push_back({"user", it.question});
    chats.push_back(std::move(c));
  }
  std::vector<ChatReply> replies = generate_chat_replies(model, tok, chats, options);

  WorldEvalResult r;
  size_t k = 0;
  for (const QaItem& q : qa) record_qa_reply(r, q, "qa", q.question, replies[k++]);
  for (const IdentityItem& it : identity) {
    const ChatReply& reply = replies[k++];
    ChatRecord rec{.kind = "identity",
                   .split = "",
                   .attribute = "",
                   .person = -1,
                   .system = it.system,
                   .question = it.question,
                   .expected = it.expected,
                   .reply = reply.text,
                   .finish = reply.finish,
                   .correct = all_answers_match(reply.text, it.expected)};
    r.identity.add(rec.correct);
    r.records.push_back(std::move(rec));
  }
  return r;
}

}  // namespace llmforge
